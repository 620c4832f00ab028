"""The proof graph (numerics/proofgraph.py) and the findings graded on it (numerics/findings.py).

The citations below were read off the proofs of Thms. 11–13 (p.19–20, p.29), 16 (p.28, App. E
p.47–55) and 19 (p.31): every one must be an edge of the graph with its page.
"""

from __future__ import annotations

import networkx as nx
import pytest

from numerics import findings as fd
from numerics import proofgraph as pg
from numerics.claims import PROBLEM
from numerics.claims.catalogue import CATALOGUE, IDS
from numerics.report import all_claims

#: (user, used, a page printed on the edge), as read in the paper.
CITED = [
    *[(t, u, p) for t in ("DC-T11", "DC-T12") for u, p in (
        ("Assump. 2", "p.19"), ("Assump. 4", "p.19"), ("DC-L17", "p.29"), ("DC-L6", "p.29"),
        ("Cond. 2", "p.29"), ("Cond. 3", "p.29"), ("DC-T16W", "p.29"))],
    ("DC-T13", "Assump. 5", "p.20"), ("DC-T13", "DC-L17", "p.29"), ("DC-T13", "DC-L8", "p.29"),
    ("DC-T13", "Cond. 2", "p.29"), ("DC-T13", "Cond. 3", "p.29"), ("DC-T13", "DC-T16W", "p.29"),
    ("DC-T16W", "Cond. 1", "p.28"), ("DC-T16W", "Cond. 2", "p.28"),
    ("DC-T16W", "Cond. 3", "p.28"), ("DC-T16W", "Prop. 32", "p.55"),
    ("DC-T16W", "Lemma 33", "p.55"), ("DC-T16W", "Lemma 34", "p.55"),
    ("DC-T16W", "ext:Arous2021", "p.28"),
    ("Prop. 32", "Claim 6", "p.53"), ("Prop. 32", "Claim 7", "p.53"),
    ("Prop. 32", "Claim 8", "p.53"), ("Lemma 33", "Claim 5", "p.53"),
    ("Lemma 33", "Cond. 3", "p.53"), ("Claim 7", "Lemma 31", "p.49"),
    ("Lemma 31", "ext:Freedman1975", "p.49"), ("Claim 9", "Cond. 1", "p.52"),
    ("DC-T19", "DC-C2", "p.31"), ("DC-T19", "Cond. 3", "p.31"), ("DC-T19", "DC-T16W", "p.31"),
    ("DC-T19", "DC-P18", "p.31"), ("DC-T19", "ext:Abbe2023", "p.31"),
]


@pytest.fixture(scope="module")
def G():
    return pg.graph()


def test_every_catalogue_id_is_a_node_and_the_graph_is_acyclic(G):
    assert set(IDS) <= set(G) and len(IDS) == 41 == len(CATALOGUE)
    assert nx.is_directed_acyclic_graph(G)
    for chk, targets in pg.CHECKS.items():
        assert chk in G and set(targets) <= set(G)


@pytest.mark.parametrize("user, used, page", CITED)
def test_every_citation_of_the_main_proofs_is_an_edge_with_its_page(G, user, used, page):
    assert G.has_edge(user, used), f"{user} → {used} missing"
    e = G.edges[user, used]["edge"]
    assert int(page[2:]) in _pages(e.pages), (e.pages, page)
    assert e.uses and set(e.uses) <= set(pg.USES)


def _pages(text: str) -> set[int]:
    """'p.30–31' → {30, 31}; 'p.28, 47' → {28, 47}."""
    out: set[int] = set()
    for part in text.removeprefix("p.").split(","):
        a, _, b = part.strip().partition("–")
        out.update(range(int(a), int(b or a) + 1))
    return out


def test_every_edge_has_pages_and_uses(G):
    for e in pg.EDGES:
        assert e.pages.startswith("p.") and e.uses, e


def test_transfer_follows_what_is_used():
    assert pg.transfer("typo", pg.USES) is None and pg.transfer("proof", pg.USES) is None
    assert pg.transfer("constant", ["rate"]) is None
    assert pg.transfer("constant", ["statement"]) == "constant"
    assert pg.transfer("rate", ["probability"]) == "rate"
    assert pg.transfer("result", ["constant"]) == "open"


def test_an_established_user_stops_a_problem_at_grade_proof(G):
    bare = pg.reach(G, ["DC-L28"], "result", pg.node_states({}))
    assert bare["DC-P30"] == bare["DC-L6"] == bare["DC-T11"] == bare["Thm. 1"] == "open"
    # Lemma 6's statement checked and holding: the problem stops there as a proof-step problem
    held = pg.reach(G, ["DC-L28"], "result", pg.node_states({"DC-L6.a": "supported"}))
    assert held["DC-L6"] == "proof" and "DC-T11" not in held  # Thm. 11 uses L28 via L6 only
    assert held["DC-T13"] == "open"  # reached through Prop. 29 and Lemma 8
    # a derivation check (the rates) does not establish a statement
    rates = pg.node_states({"DC-RATES.a": "confirmed", "DC-RATES.o": "confirmed"})
    assert not rates["DC-T11"]["established"] and rates["DC-T11"]["scope"] == "derivation"


def _verdicts_of(report) -> dict[str, str]:
    return {s["id"]: s["status"] for c in report.claims for s in c["subchecks"]}


def test_changing_one_node_verdict_changes_the_grades_that_depend_on_it(quick_report):
    v = _verdicts_of(quick_report)

    def without(*claims):
        return {s: st for s, st in v.items() if s.rsplit(".", 1)[0] not in claims}

    def grade(verdicts, fid):
        return {r["id"]: r for r in fd.evaluate(verdicts)}[fid]

    # F-20 (D.4's sign sentence) survives only through Lemma 6: open while Lemma 6 is not
    # checked or fails, proof once a check of its statement holds
    base = without("DC-L6")
    assert grade(base, "F-20")["grade"] == "open"
    assert grade(dict(base, **{"DC-L6.a": "supported"}), "F-20")["grade"] == "proof"
    assert grade(dict(base, **{"DC-L6.a": "refuted"}), "F-20")["grade"] == "open"
    # F-17 (Thm. 19's count, not derived): open until Thm. 19's statement is checked
    base = without("DC-T19")
    assert grade(base, "F-17")["grade"] == "open"
    assert grade(dict(base, **{"DC-T19.a": "supported"}), "F-17")["grade"] == "proof"
    # F-05 (an o(1) in Lemma 6) reaches Thm. 11 as a rate; once Thm. 11's statement is
    # established by a check, it reaches it only as a proof step
    base = without("DC-T11")
    reach = {x["node"]: x["grade"] for x in grade(base, "F-05")["reached"]}
    assert reach["DC-T11"] == "rate"
    est = grade(dict(base, **{"DC-T11.a": "supported"}), "F-05")
    assert {x["node"]: x["grade"] for x in est["reached"]}["DC-T11"] == "proof"


def test_findings_are_data_with_stable_ids_and_real_subchecks():
    ids = [f.id for f in fd.FINDINGS]
    assert ids == [f"F-{i:02d}" for i in range(1, len(ids) + 1)]
    subs = {s.id for c in all_claims().values() for s in c.subchecks}
    G = pg.graph()
    for f in fd.FINDINGS:
        assert set(f.subchecks) <= subs, f.id
        assert f.nodes and set(f.nodes) <= set(G), f.id
        assert f.printed and f.holds and f.why and f.where
        if f.kind == "proof":
            assert f.route, f.id


def test_every_problem_of_the_report_is_one_classified_finding(quick_report):
    v = _verdicts_of(quick_report)
    rows = fd.evaluate(v)
    # the claims these findings were written for: none of their problems is unclassified
    # (statistical verdicts at the quick sizes may differ from the committed report's: e.g.
    # DC-P18.d can be not-supported at k ≤ 256; such a verdict must still show, unclassified)
    mine = {f.subchecks[0].rsplit(".", 1)[0] for f in fd.FINDINGS}
    printed = PROBLEM - {"not-supported"}
    problems = {s for s, st in v.items() if st in printed and s.rsplit(".", 1)[0] in mine}
    covered = {s["id"] for r in rows if r["shown"] and r["classified"] for s in r["subchecks"]}
    assert problems <= covered
    # every listed sub-check shows its problem (DC-RATES.r shows two findings), except the
    # simulations' (F-34…F-37): their verdicts depend on the sizes, and at the quick ones a
    # figure's panel or a fitted k-power may well be inconclusive or supported
    sized = {"F-34", "F-35", "F-36", "F-37"}
    by_size = {s for f in fd.FINDINGS if f.id in sized for s in f.subchecks}
    listed = {s for f in fd.FINDINGS for s in f.subchecks} - by_size
    assert problems - by_size == listed
    assert all(r["shown"] for r in rows if r["classified"] and r["id"] not in sized)
    # findings are about the paper: related systems and extensions are reported apart
    every = {s for s, st in v.items() if st in PROBLEM and s.rsplit(".", 1)[0] in IDS}
    assert every <= {s["id"] for r in rows if r["shown"] for s in r["subchecks"]}


def test_an_unknown_problem_becomes_an_unclassified_row_graded_from_its_verdict():
    rows = fd.evaluate({"DC-L28.a": "refuted"})
    (r,) = [r for r in rows if r["shown"]]
    assert not r["classified"] and r["grade"] == "result"
    reached = {x["node"] for x in r["reached"]}
    assert {"DC-P29", "DC-P30", "DC-L6", "DC-L8", "DC-T11", "DC-T13", "Thm. 2"} <= reached


#: The IDs whose errata were re-examined under the new verdict words (issue #10).
REEXAMINED = ("DC-H", "DC-A6", "DC-P4", "DC-P4-MC", "DC-D1", "DC-EQ7", "DC-SUM", "DC-R14",
              "DC-R15", "DC-EX1", "DC-C2", "DC-P18", "DC-T36", "DC-C1R", "DC-GLME", "DC-RATES")


def test_every_reexamined_problem_says_why_and_names_the_form_verified(quick_report):
    for c in quick_report.claims:
        if c["id"] not in REEXAMINED:
            continue
        for s in c["subchecks"]:
            if s["status"] in ("erratum", "loose", "notation", "not-derived"):
                assert s["why"] and s["corrected"], s["id"]
