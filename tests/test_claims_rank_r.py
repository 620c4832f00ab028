"""EXT-R1 … EXT-R7 (numerics/claims/rank_r.py): computed verdicts, each shown to flip when the
check is fed a wrong formula (a missing factor 2, Mᵀ for M, C and Ĉ swapped) or a wrong
statement (for the simulations: a wrong limit, a log d escape time, the wrong singular vector,
a wrong slope, a non-spurious point). Quick profile (the standard sizes run in the report)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from rank_r_wrong import half, swapped, transposed

from numerics.claims import Context, registry
from numerics.claims import rank_r as C
from theory import rank_r as R

Q = Context(profile="quick")


def test_the_section_is_registered_as_the_projects_own_extension():
    reg = registry()
    for cid in C.CLAIMS:
        cl = reg[cid]
        assert cl.section == "extension" and "own derivation" in cl.location
        assert cl.title.startswith("[own derivation]")


def test_EXT_R1_verdicts_and_their_flips():
    """(tests/test_rank_r.py shows each identity flipping on each wrong formula; here the
    verdicts follow them.)"""
    assert [v.status for v in C.check_r1(Q)] == ["confirmed"] * 4
    # .d (r = 1) sees only the factor; .a and .c see it too; .b is about Φ
    assert [v.status for v in C.check_r1(Q, H=half)] == ["refuted", "confirmed", "refuted",
                                                          "refuted"]

    def phi_T(M, *a):
        return R.phi_matrix(np.asarray(M, float).T, *a)

    st = [v.status for v in C.check_r1(Q, H=transposed, phi=phi_T)]
    assert st == ["refuted", "refuted", "refuted", "confirmed"]  # r = 1: Mᵀ = M


def test_EXT_R2_verdicts_and_a_wrong_closed_form():
    ok = C.check_r2(Q)
    assert [v.status for v in ok] == ["supported", "supported"]
    bad = C.check_r2(Q, H=transposed)
    assert bad[0].status == "not-supported"


def test_EXT_R3_verdicts_and_their_flips():
    assert [v.status for v in C.check_r3(Q)] == ["confirmed", "confirmed"]

    def series_half(*a):
        return R.H_exact(*a, route="series") / 2

    def series_swapped(act, G, lam, Cm, Ch, xi):
        return R.H_exact(act, G, lam, Ch, Cm, xi, route="series")

    def series_T(*a):
        S = R.H_exact(*a, route="series")
        Ms = R.msymbols(2)
        return S.subs(dict(zip(Ms, Ms.T, strict=True)), simultaneous=True)

    for wrong in (series_half, series_swapped, series_T):
        assert C.check_r3(Q, series=wrong)[0].status == "refuted", wrong.__name__

    def num_T(M, *a, **kw):
        return R.H_series(np.asarray(M).T, *a, **kw)

    assert C.check_r3(Q, series_num=num_T)[1].status == "refuted"


def test_EXT_R4_verdicts_and_their_flips():
    assert [v.status for v in C.check_r4(Q)] == ["confirmed"] * 3
    st = [v.status for v in C.check_r4(Q, H=swapped)]
    assert st[:2] == ["refuted", "refuted"]

    def twice(H, m0, t):
        return R.frozen_solution(2 * H, m0, t)

    # a factor is covariant: .a cannot see the missing 2, .b can
    st = [v.status for v in C.check_r4(Q, H=half, solution=twice)]
    assert st == ["confirmed", "refuted", "refuted"]


def test_EXT_R5_verdicts_and_a_wrong_b():
    assert [v.status for v in C.check_r5(Q)] == ["supported", "supported"]
    assert C.check_r5(Q, b_factor=0.5)[1].status == "not-supported"


@pytest.fixture(scope="module")
def r6():
    return C.r6_measure(Q)


def test_EXT_R6_verdicts_quick(r6):
    vs = C.r6_verdicts(r6, slopes={"relu": (0.3, 0.65), "He3": (-0.12, 0.12)})
    assert [v.status for v in vs] == ["supported"] * 5


def test_EXT_R6_flips_on_wrong_statements(r6):
    # "the limit is a signed permutation": the distance to the nearest one is the gap
    vs = C.r6_verdicts(r6, limit=lambda rec: rec["dist_perm"])
    assert vs[1].status == "not-supported"
    # "the escape time grows like log d": t(10⁵)/t(10³) = 5/3
    assert C.r6_verdicts(r6, d_ratio=math.log(1e5) / math.log(1e3))[2].status == "not-supported"
    # "the first direction is the second singular vector"
    assert C.r6_verdicts(r6, direction=1)[3].status == "not-supported"
    # "σ₁/σ₂ grows like k" (slope 1)
    assert C.r6_verdicts(r6, slopes={"relu": (0.9, 1.1)})[4].status == "not-supported"


def test_EXT_R6_writes_its_figure(tmp_path):
    path = C._figure(Q, tmp_path)
    assert path.endswith("EXT-R6-plateau.png") and (tmp_path / "EXT-R6-plateau.png").stat().st_size


def test_EXT_R7_verdict_and_non_spurious_candidates():
    data = C.r7_measure(Q)
    v = C.r7_verdict(data)
    assert v.status == "confirmed" and v.evidence["certified"]["spurious"]
    # feed recovered subspaces (the O(2) minimisers, refined): nothing certifies
    cands = []
    for f in data["failures"][:2]:
        p = f["problem"]
        O = R.phi_min_orthogonal(p)[1]
        cands.append({**f, "M_end": R.refine_stationary(p, O)[0]})
    assert C.r7_verdict(data, candidates=cands).status == "inconclusive"
