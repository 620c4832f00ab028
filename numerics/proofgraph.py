"""The paper's proof architecture as data: which result's proof uses which, on which page, and
what it takes from it.

Nodes are the catalogue IDs (``DC-L6`` is Lemma 6, ``DC-T16W`` Thm. 16, …; IDs that span several
statements, such as ``DC-RATES``, are *check* nodes linked to the results they examine), the
paper's results that have no ID (``Lemma 33``, ``Prop. 32``, the informal ``Thm. 1``…), its
conditions and assumptions (``Cond. 2``, ``Assump. 5``) and the outside results it cites
(``ext:…``). An :class:`Edge` ``user → used`` says that the proof (or the statement's
hypotheses) of ``user`` uses ``used``: the pages, and what is used — a ``constant``, a ``rate``,
a ``probability`` or the ``statement``. Note that the paper's cross-references print "Theorem N"
also for its lemmas and propositions (``Node.printed_as``).

Every result, condition and assumption cited in the proofs of Thms. 11–13 (p.29), 16 (App. E,
p.47–55) and 19 (p.31) has an edge; edges the proofs need but do not cite are marked
``cited=False`` (e.g. Thm. 19's proof applies Thm. 16 without a V_k, so without Condition 2).

The graph turns verdicts into impact: :func:`node_states` gives each node the worst verdict of
the sub-checks about it and whether its *statement* is established by a check; :func:`reach`
follows a problem from the nodes where it is printed to the results whose proofs use them
(:func:`numerics.findings.evaluate` grades findings with it); :func:`layout` places the nodes in
layers for the report's SVG drawing (used results below their users).

>>> G = graph()
>>> sorted(G.successors("DC-T13"))[:3]
['Assump. 5', 'Cond. 2', 'Cond. 3']
>>> GRADES[-1]
'result'
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import networkx as nx

from numerics.claims import GOOD, worst
from numerics.claims.catalogue import IDS

__all__ = [
    "Node", "Edge", "NODES", "EDGES", "CHECKS", "SUBCHECK_NODES", "GRADES", "GRADE_MEANING",
    "USES", "graph", "nodes_of", "node_states", "transfer", "reach", "layout", "grade_max",
]

#: Impact grades, least to most severe (a finding's grade is the max of its own kind and what
#: it reaches through the graph).
GRADES: tuple[str, ...] = ("typo", "constant", "proof", "rate", "open", "result")
GRADE_MEANING: dict[str, str] = {
    "typo": "nothing else changes",
    "constant": "a constant changes (no order, exponent or probability does)",
    "proof": "a step of a proof fails and the result survives by another route, which a check "
             "shows",
    "rate": "a printed rate, exponent or probability changes, or could be stated sharper",
    "open": "a step fails (or does not follow) and no route is shown: the result is neither "
            "established nor refuted",
    "result": "a result's statement as printed fails",
}
#: What a proof may take from a result it uses.
USES: tuple[str, ...] = ("constant", "rate", "probability", "statement")
KINDS = ("result", "informal", "condition", "assumption", "passage", "check", "external")


def grade_max(grades: Iterable[str | None]) -> str | None:
    """The most severe grade (None if there is none).

    >>> grade_max(["typo", None, "rate", "constant"])
    'rate'
    """
    gs = [g for g in grades if g is not None]
    return max(gs, key=GRADES.index) if gs else None


@dataclass(frozen=True)
class Node:
    """A vertex: ``key`` (a catalogue ID or the paper's name), the label drawn, what it is,
    its kind (:data:`KINDS`), its page, and how cross-references print it."""

    key: str
    label: str
    title: str
    kind: str
    page: str
    printed_as: str = ""


@dataclass(frozen=True)
class Edge:
    """``user``'s proof (or hypotheses) uses ``used`` on ``pages``; ``uses`` ⊆ :data:`USES`."""

    user: str
    used: str
    pages: str
    uses: tuple[str, ...]
    note: str = ""
    cited: bool = True


def _n(key, label, title, kind, page, printed_as=""):
    return Node(key, label, title, kind, page, printed_as)


NODES: tuple[Node, ...] = (
    # --- main-text informal theorems
    _n("Thm. 1", "Thm. 1", "informal Thm. 12", "informal", "p.4"),
    _n("Thm. 2", "Thm. 2", "informal Thm. 13", "informal", "p.5"),
    _n("Thm. 3", "Thm. 3", "informal Thm. 19", "informal", "p.5"),
    _n("Thm. 5", "Thm. 5", "informal Thm. 16", "informal", "p.10"),
    # --- catalogue IDs: results
    _n("DC-T11", "Thm. 11", "orthogonal weights, ξ = 1", "result", "p.19; proof p.29"),
    _n("DC-T12", "Thm. 12", "orthogonal weights, ξ = ξ̄√k", "result", "p.19–20; proof p.29"),
    _n("DC-T13", "Thm. 13", "angularly separated weights, ξ = 1", "result", "p.20; proof p.29"),
    _n("DC-T16W", "Thm. 16", "weak and strong recovery under Conditions 1–3", "result",
       "p.28; proof App. E"),
    _n("DC-T19", "Thm. 19", "fine-tuning vs learning from scratch (Claim 2's network)",
       "result", "p.31"),
    _n("DC-L6", "Lemma 6", "population gradient lower bound, orthonormal case", "result",
       "p.12; proof p.41–42", "Theorem 6"),
    _n("DC-P7", "Prop. 7", "higher even-order terms are small", "result",
       "p.13; proof p.42–46", "Theorem 7"),
    _n("DC-L8", "Lemma 8", "lower bound on h, separated features", "result",
       "p.13; proof p.46", "Theorem 8"),
    _n("DC-L17", "Lemma 17", "variance and population-gradient upper bounds", "result",
       "p.28; proof p.35", "Theorem 17"),
    _n("DC-C1", "Claim 1", "even l, s = 0 contribution", "result", "p.11; proof p.40–41"),
    _n("DC-P4", "Prop. 4", "the population gradient −h(m)(u − mû)", "result",
       "p.9; proof p.31–32", "Theorem 4"),
    _n("DC-C2", "Claim 2", "construction with orthonormal perturbed rows", "result", "p.30"),
    _n("DC-P18", "Prop. 18", "h for Claim 2's network, σ = h_p", "result", "p.30–31"),
    _n("DC-C3", "Claim 3", "row influence of a PSD matrix", "result", "p.36"),
    _n("DC-L25", "Lemma 25", "Carbery–Wright (restated)", "result", "p.36", "Theorem 25"),
    _n("DC-L26", "Lemma 26", "invariance principle (restated)", "result", "p.36",
       "Theorem 26"),
    _n("DC-L28", "Lemma 28", "anti-concentration of PSD forms on the hypercube", "result",
       "p.37", "Theorem 28"),
    _n("DC-C4", "Claim 4", "bounds on ‖f‖₂, Eq. 12", "result", "p.38"),
    _n("DC-P29", "Prop. 29", "anti-concentration of h(0), ξ = 1", "result", "p.39",
       "Theorem 29"),
    _n("DC-P30", "Prop. 30", "anti-concentration of the two sums", "result", "p.39",
       "Theorem 30"),
    _n("DC-T36", "Thm. 36", "learning u suffices to learn f*", "result", "p.56–57"),
    # --- catalogue IDs: passages (computations and remarks)
    _n("DC-H", "§1.4 Hermite", "Hermite identities (§1.4, Remark 10)", "passage", "p.7–8, 19"),
    _n("DC-D1", "App. D.1", "derivation of the population gradient and its restatements",
       "passage", "p.31–32, 35, 42"),
    _n("DC-EQ7", "Eqs. 7–9", "orthonormal case: T(l, s), decomposition of h", "passage",
       "p.10–11, 39–40"),
    _n("DC-SUM", "side sums", "§3.2.2's sums, Eq. 14, p.41's resummation", "passage",
       "p.12, 41, 45"),
    _n("DC-C1R", "App. C.1", "population recursion identities; §3.1", "passage", "p.26, 10"),
    _n("DC-GLME", "§1.2 GLM", "the GLM embedding", "passage", "p.5"),
    _n("DC-R14", "Remark 14", "first-moment identity", "passage", "p.20"),
    _n("DC-R15", "Remark 15", "large-ξ limit, GLM", "passage", "p.25–26"),
    _n("DC-EX1", "Example 1", "two optima without Assumption 2", "passage", "p.56"),
    # --- catalogue IDs: checks spanning several statements, simulations, figures
    _n("DC-RATES", "rates", "printed η, δ, α, T and probabilities, by bookkeeping", "check",
       "p.4–31"),
    _n("DC-P4-MC", "Prop. 4 MC", "Prop. 4 by Monte Carlo in full dimension", "check", "p.9"),
    _n("DC-APPE", "App. E", "App. E's statements on SGD traces", "check", "p.47–55"),
    _n("DC-ODE", "ODE", "population recursion and effective ODE vs SGD", "check", "p.9, 26"),
    _n("DC-GLM", "GLM runs", "GLM vs fine-tuning escape times", "check", "p.5, 7, 25–26"),
    *(_n(f"DC-FIG{i}", f"Fig. {i}", f"App. B, Fig. {i}", "check", p) for i, p in
      ((2, "p.21–22"), (3, "p.21–22"), (4, "p.22–23"), (5, "p.23–24"), (6, "p.24–25"))),
    # --- results without a catalogue ID
    _n("Prop. 21", "Prop. 21", "moments of the squared error", "result", "p.33",
       "Theorem 21"),
    _n("Prop. 22", "Prop. 22", "moments of the model's gradient", "result", "p.34",
       "Theorem 22"),
    _n("Prop. 23", "Prop. 23", "population gradient upper bound", "result", "p.35",
       "Theorem 23"),
    _n("Cor. 27", "Cor. 27", "row influence, bounded diagonal", "result", "p.37", "Theorem 27"),
    _n("Claim 5", "Claim 5", "spherical projection error", "result", "p.47"),
    _n("Claim 6", "Claim 6", "cubic terms", "result", "p.48"),
    _n("Claim 7", "Claim 7", "quadratic terms", "result", "p.49–51"),
    _n("Claim 8", "Claim 8", "sum of squared gradients", "result", "p.51"),
    _n("Claim 9", "Claim 9", "the error martingale", "result", "p.52"),
    _n("Lemma 31", "Lemma 31", "Freedman's inequality (restated)", "result", "p.49"),
    _n("Prop. 32", "Prop. 32", "the good event B", "result", "p.52–53", "Theorem 32"),
    _n("Lemma 33", "Lemma 33", "dynamics before weak recovery", "result", "p.53–54",
       "Theorem 33"),
    _n("Lemma 34", "Lemma 34", "dynamics after weak recovery", "result", "p.54–55",
       "Theorem 34"),
    # --- conditions and assumptions
    _n("Cond. 1", "Cond. 1", "unbiased gradient estimates", "condition", "p.27"),
    _n("Cond. 2", "Cond. 2", "gradient variance upper bounds (V_k)", "condition", "p.27"),
    _n("Cond. 3", "Cond. 3", "population gradient lower bound (S_k)", "condition", "p.28"),
    _n("Assump. 1", "Assump. 1", "normalised rows", "assumption", "p.4"),
    _n("Assump. 2", "Assump. 2", "u ⊥ span(W)", "assumption", "p.4"),
    _n("Assump. 3", "Assump. 3", "random quantised c", "assumption", "p.4"),
    _n("Assump. 4", "Assump. 4", "orthogonal features", "assumption", "p.4"),
    _n("Assump. 5", "Assump. 5", "angular separation", "assumption", "p.4"),
    _n("DC-A6", "Assump. 6", "the activation (Remarks 9–10)", "assumption", "p.18"),
    # --- outside results
    _n("ext:Arous2021", "Ben Arous et al. 2021", "online SGD analysis the proof follows",
       "external", "cited p.28"),
    _n("ext:Freedman1975", "Freedman 1975", "Freedman's inequality", "external", "cited p.49"),
    _n("ext:Doob", "Doob", "Doob's maximal inequality", "external", "used p.52"),
    _n("ext:Abbe2023", "Abbe et al. 2023", "CSQ lower bound (Prop. 6)", "external",
       "cited p.31"),
    _n("ext:CarberyWright2001", "Carbery–Wright 2001", "Gaussian small-ball inequality",
       "external", "cited p.36"),
    _n("ext:Mossel2005", "Mossel et al. 2005", "invariance principle (Thm. 2.1)", "external",
       "cited p.36"),
    _n("ext:ODonnell2014", "O'Donnell 2014", "hypercontractive tail (Thm. 9.23)", "external",
       "cited p.41, 45"),
)

S, R, P, C = "statement", "rate", "probability", "constant"


def _e(user, used, pages, uses, note="", cited=True):
    return Edge(user, used, pages, tuple(uses) if isinstance(uses, (list, tuple)) else (uses,),
                note, cited)


EDGES: tuple[Edge, ...] = (
    # Thm. 11 (statement p.19, proof p.29)
    _e("DC-T11", "Assump. 2", "p.19", S, "Let Assumption 2 hold"),
    _e("DC-T11", "Assump. 4", "p.19", S, "A.2.1: ⟨w_i, w_j⟩ = 0 for i ≠ j"),
    _e("DC-T11", "DC-L17", "p.29", R, "variance upper bound of 'Theorem 17': V_k = C λ⁴_max k²"),
    _e("DC-T11", "DC-L6", "p.29", (R, P), "lower bound of 'Theorem 6': S_k and its probability"),
    _e("DC-T11", "Cond. 2", "p.29", S, "Conditions 2 and 3 hold with S_k, V_k"),
    _e("DC-T11", "Cond. 3", "p.29", S),
    _e("DC-T11", "DC-T16W", "p.29", (S, R), "applying Theorem 16 with the set S_k, V_k and ε"),
    # Thm. 12 (statement p.19–20, proof p.29)
    _e("DC-T12", "Assump. 2", "p.19", S, "Let Assumption 2 hold"),
    _e("DC-T12", "Assump. 4", "p.19", S, "A.2.1: ⟨w_i, w_j⟩ = 0 for i ≠ j"),
    _e("DC-T12", "DC-L17", "p.29", R, "'Theorem 17': V_k = C λ⁴_max ξ̄² k⁴"),
    _e("DC-T12", "DC-L6", "p.29", (R, P), "'Theorem 6': S_k and 1 − o(1) − exp{−2k/(eξ̄²)} − "
       "O(γ^{1/2})"),
    _e("DC-T12", "Cond. 2", "p.29", S),
    _e("DC-T12", "Cond. 3", "p.29", S),
    _e("DC-T12", "DC-T16W", "p.29", (S, R), "applying Theorem 16"),
    # Thm. 13 (statement p.20, proof p.29)
    _e("DC-T13", "Assump. 5", "p.20", S, "Let Assumption 5 hold"),
    _e("DC-T13", "DC-L17", "p.29", R, "'Theorem 17': V_k = C λ⁴_max k²"),
    _e("DC-T13", "DC-L8", "p.29", (R, P), "'Theorem 8': S_k = γλ²_min/√k and its probability"),
    _e("DC-T13", "Cond. 2", "p.29", S),
    _e("DC-T13", "Cond. 3", "p.29", S),
    _e("DC-T13", "DC-T16W", "p.29", (S, R), "applying Theorem 16"),
    # Thm. 16 (p.28; proof App. E, p.55)
    _e("DC-T16W", "Cond. 1", "p.28, 47", S, "Let Conditions 1 to 3 hold"),
    _e("DC-T16W", "Cond. 2", "p.28, 47", (S, R)),
    _e("DC-T16W", "Cond. 3", "p.28, 55", (S, R), "h(m_j)(1 − m_j²) > S_k ε/6 (p.55)"),
    _e("DC-T16W", "Prop. 32", "p.55", P, "per 'Theorem 32', B holds with probability 1 − o(1)"),
    _e("DC-T16W", "Lemma 33", "p.55", S, "per 'Theorem 33': m_t ≥ β/(2√d) + tηS_k/2"),
    _e("DC-T16W", "Lemma 34", "p.55", S, "per 'Theorem 34': the drift approximation after "
       "weak recovery"),
    _e("DC-T16W", "ext:Arous2021", "p.28", S, "drawing heavily upon the analysis in Arous et al."),
    _e("Prop. 32", "Claim 6", "p.53", P, "all of Claims 6 to 8 hold; a union bound"),
    _e("Prop. 32", "Claim 7", "p.53", P),
    _e("Prop. 32", "Claim 8", "p.53", P),
    _e("Prop. 32", "Claim 9", "p.52", P, "the event on sup|M_t| in B is Claim 9's; the proof "
       "cites Claims 6–8 only", cited=False),
    _e("Claim 6", "Cond. 2", "p.48", (S, C), "moment bounds (Condition 2) for p = 2, 1"),
    _e("Claim 7", "Cond. 2", "p.49–50", (S, C), "p-th moment bound (Condition 2)"),
    _e("Claim 7", "Lemma 31", "p.49, 51", S, "Freedman's inequality for submartingales"),
    _e("Claim 8", "Cond. 2", "p.51", C, "E‖L_t‖² ≤ μ_1 dV_k", cited=False),
    _e("Claim 9", "Cond. 1", "p.52", S, "M_t is a martingale by Condition 1"),
    _e("Claim 9", "Cond. 2", "p.52", C, "E M_T² ≤ 2μ_1η²TV_k", cited=False),
    _e("Claim 9", "ext:Doob", "p.52", S, "Doob's maximal inequality"),
    _e("Lemma 31", "ext:Freedman1975", "p.49", S, "Freedman (1975)"),
    _e("Lemma 33", "Claim 5", "p.53", S, "rearranging using Claim 5"),
    _e("Lemma 33", "Cond. 3", "p.53", (S, R), "h(m_t) ≥ S_k for t ≤ τ_0^−"),
    _e("Lemma 33", "Prop. 32", "p.53", S, "the inequalities that hold on the event B"),
    _e("Lemma 34", "Prop. 32", "p.54", S, "under the event B"),
    _e("Cond. 1", "DC-A6", "p.27", S, "it holds under Assumption 6"),
    # Thm. 19 (p.31)
    _e("DC-T19", "DC-C2", "p.31", S, "the teacher and base networks defined in Claim 2"),
    _e("DC-T19", "DC-P18", "p.30–31", (S, R), "Prop. 18's h(m)sign(h(0)) ≥ |h(0)|/2 and "
       "h(0) = Ω(λ²_min/√k): 'h satisfies Condition 3'"),
    _e("DC-T19", "Cond. 3", "p.31", (S, R), "Condition 3 with a Ω(λ²_min/√k) lower bound"),
    _e("DC-T19", "DC-T16W", "p.31", (S, R), "and Theorem 16"),
    _e("DC-T19", "Cond. 2", "p.31", (S, R), "Thm. 16 needs Condition 2; the proof prints no "
       "V_k", cited=False),
    _e("DC-T19", "DC-L17", "p.31", R, "the only V_k the paper proves (ξ = 1: C λ⁴_max k²); not "
       "cited", cited=False),
    _e("DC-T19", "ext:Abbe2023", "p.31", S, "CSQ lower bound (Abbe et al., 2023, Prop. 6)"),
    # lower bounds on h
    _e("DC-L6", "Assump. 1", "p.12", S, "Suppose Assumptions 1 to 3 hold"),
    _e("DC-L6", "Assump. 2", "p.12", S),
    _e("DC-L6", "Assump. 3", "p.12", S),
    _e("DC-L6", "Assump. 4", "p.12", S, "⟨w_i, w_j⟩ = 0 for all i ≠ j"),
    _e("DC-L6", "DC-C1", "p.41", P, "using Claim 1, with probability 1 − exp{−2k/(eξ²)}"),
    _e("DC-L6", "DC-P30", "p.42", (R, P), "anti-concentration of the constant term "
       "('Theorem 30')"),
    _e("DC-L6", "DC-P4", "p.41", S, "the expansion of h"),
    _e("DC-L6", "DC-EQ7", "p.41", S, "the decomposition into odd terms b_l ≥ 0 and even terms"),
    _e("DC-L6", "DC-SUM", "p.41", C, "Σ_p (p+1)μ²_{p+1}(k/(k+ξ²))^p(1+ξ²/k)^p ≤ C_σ"),
    _e("DC-L6", "DC-A6", "p.41", C, "Σ_p (p+1)μ_{p+1}(σ)² ≤ C_σ"),
    _e("DC-L6", "ext:ODonnell2014", "p.42", P, "Pr[|⟨c_λ, ĉ_λ⟩| ≥ …] ≤ k^{−γ/e}: not "
       "attributed here (attributed to O'Donnell on p.45)", cited=False),
    _e("DC-C1", "Assump. 2", "p.11", S, "Let Assumption 2 hold"),
    _e("DC-C1", "DC-EQ7", "p.40", S, "T(l, s) in the orthonormal case"),
    _e("DC-C1", "ext:ODonnell2014", "p.41", P, "(O'Donnell, 2014, Theorem 9.23)"),
    _e("DC-L8", "Assump. 5", "p.13", S, "§3.2.2: angularly separated features"),
    _e("DC-L8", "DC-P29", "p.46", P, "anti-concentration of h(0) ('Theorem 29')"),
    _e("DC-L8", "DC-C4", "p.46", R, "the variance bound Ω(λ²_min/k) from Claim 4"),
    _e("DC-L8", "DC-P7", "p.46", R, "all the even terms are O(k^{−1/2−ε}) (Prop. 7, named on "
       "p.13)"),
    _e("DC-P7", "Assump. 1", "p.13", S, "Suppose Assumptions 1 to 6 hold"),
    _e("DC-P7", "Assump. 5", "p.13", S),
    _e("DC-P7", "DC-A6", "p.13, 45", (S, R), "the Hermite decay rate ρ"),
    _e("DC-P7", "DC-D1", "p.42", S, "D.5.1: Prop. 4 at ξ = 1"),
    _e("DC-P7", "DC-SUM", "p.45", S, "Eq. 14"),
    _e("DC-P7", "ext:ODonnell2014", "p.45", P, "(O'Donnell, 2014, Theorem 9.23)"),
    _e("DC-P29", "DC-L28", "p.39", S, "normalise and apply 'Theorem 28'"),
    _e("DC-P30", "DC-L28", "p.39", S, "the anti-concentration result 'Theorem 28'"),
    _e("DC-L28", "Cor. 27", "p.37", R, "τ = O(k^{−1/2}) from 'Theorem 27'"),
    _e("DC-L28", "DC-L26", "p.37", R, "invariance principle ('Theorem 26')"),
    _e("DC-L28", "DC-L25", "p.37", R, "Carbery–Wright ('Theorem 25')"),
    _e("Cor. 27", "DC-C3", "p.37", S, "modifying the proof of Claim 3"),
    _e("DC-L25", "ext:CarberyWright2001", "p.36", S, "Carbery and Wright (2001)"),
    _e("DC-L26", "ext:Mossel2005", "p.36", S, "(Mossel et al., 2005, Theorem 2.1)"),
    # upper bounds
    _e("DC-L17", "Assump. 1", "p.28", S, "Under Assumptions 1 to 6"),
    _e("DC-L17", "DC-A6", "p.28", S),
    _e("DC-L17", "Prop. 21", "p.35", (S, C), "'Theorem 21'"),
    _e("DC-L17", "Prop. 22", "p.35", (S, C), "'Theorem 22'"),
    _e("DC-L17", "Prop. 23", "p.35", (S, C), "'Theorem 23'"),
    _e("Prop. 21", "DC-A6", "p.33", (S, C), "Let Assumption 6 hold"),
    _e("Prop. 23", "DC-D1", "p.35", (S, C), "the non-expanded form of the population gradient"),
    # Claim 2's network
    _e("DC-P18", "DC-C2", "p.30", S, "the example in Claim 2"),
    _e("DC-P18", "DC-L28", "p.31", P, "anti-concentration ('Theorem 28')"),
    _e("DC-P18", "DC-P4", "p.30", S, "h(m) of Prop. 4 at ξ = 1, σ = h_p", cited=False),
    # the population gradient
    _e("DC-P4", "DC-D1", "p.9", S, "see Appendix D.1 for the derivation"),
    _e("DC-P4", "Assump. 1", "p.31", S, "‖w_i‖ = 1"),
    _e("DC-P4", "Assump. 2", "p.32", S, "u ⊥ w_i"),
    _e("DC-P4", "Assump. 3", "p.31–32", S, "c ∈ {±1/√k}^k (the parity rules)"),
    _e("DC-D1", "DC-H", "p.31", S, "E[σ(⟨v, x⟩)σ(⟨v̂, x⟩)] = Σ_p μ_p(σ)²⟨v, v̂⟩^p"),
    _e("DC-EQ7", "DC-P4", "p.10", S, "the form of T(l, s) in 'Theorem 4' reduces to"),
    _e("DC-EQ7", "Assump. 4", "p.10", S, "w_1, …, w_k orthonormal"),
    _e("DC-C1R", "DC-P4", "p.26", S, "going back to the expression in Proposition 4"),
    _e("DC-R15", "DC-P4", "p.26", S, "the term of Eq. (4) as ξ̄ → ∞"),
    # informal theorems
    _e("Thm. 1", "DC-T12", "p.4", (S, R, P), "Informal, see Theorem 12"),
    _e("Thm. 2", "DC-T13", "p.5", (S, R, P), "Informal, see Theorem 13"),
    _e("Thm. 3", "DC-T19", "p.5", (S, R), "Informal, see Theorem 19"),
    _e("Thm. 5", "DC-T16W", "p.10", (S, R), "Informal, see Theorem 16"),
)

#: Check nodes → the statements they examine (drawn dotted; not proof dependencies).
CHECKS: dict[str, tuple[str, ...]] = {
    "DC-RATES": ("DC-T11", "DC-T12", "DC-T13", "DC-T16W", "DC-T19", "DC-L6", "DC-L17",
                 "Thm. 1", "Thm. 2", "Thm. 3", "Thm. 5"),
    "DC-P4-MC": ("DC-P4",),
    "DC-APPE": ("Claim 5", "Lemma 33", "Lemma 34"),
    "DC-ODE": ("DC-C1R",),
    "DC-GLM": ("DC-GLME", "DC-R15"),
}

#: Sub-checks that are about another node than their claim's: sub-check → ((node, role), …).
#: ``role`` is ``statement`` (the check tests the statement itself: exactly, by simulation or
#: by frequencies) or ``derivation`` (it tests a printed step of the proof, or the printed
#: parameters against the results the proof cites). Every sub-check is also about its own
#: claim's node (:func:`nodes_of`).
SUBCHECK_NODES: dict[str, tuple[tuple[str, str], ...]] = {
    **{f"DC-RATES.{a}": ((n, "derivation"),) for a, n in (
        ("a", "DC-T11"), ("b", "DC-T11"), ("p", "DC-T11"),
        ("c", "DC-T12"), ("d", "DC-T12"), ("g", "DC-T12"), ("q", "DC-T12"), ("r", "DC-T12"),
        ("u", "DC-T12"),
        ("e", "DC-T13"), ("f", "DC-T13"), ("s", "DC-T13"), ("t", "DC-T13"),
        ("h", "DC-T16W"), ("i", "DC-T16W"), ("l", "DC-T19"), ("o", "DC-L6"),
        ("j", "Thm. 1"), ("k", "Thm. 2"), ("m", "Thm. 3"), ("n", "Thm. 5"))},
    **{f"DC-P4-MC.{a}": (("DC-P4", "statement"),) for a in "abc"},
    "DC-D1.f": (("Prop. 23", "derivation"),),
    "DC-D1.h": (("DC-P7", "derivation"),),
}
#: Sub-checks about another statement than their claim's node, instead of it (DC-C3 covers
#: Claim 3 and Cor. 27).
ELSEWHERE: dict[str, tuple[tuple[str, str], ...]] = {
    "DC-C3.b": (("Cor. 27", "statement"),),
    "DC-C3.c": (("Cor. 27", "derivation"),),
}
#: The role of a sub-check on its own claim's node where its location does not say it:
#: Remark 9's argument for polynomials (DC-A6.d) and the p.38 display of h(0) that Prop. 29's
#: proof starts from (DC-P29.d) are steps of derivations.
OWN_ROLE: dict[str, str] = {"DC-A6.d": "derivation", "DC-P29.d": "derivation"}
#: Claims whose own sub-checks are derivation checks of other statements.
DERIVATION_CLAIMS: frozenset[str] = frozenset({"DC-RATES"})
#: A sub-check located in a proof ("Claim 4's proof (p.38)", "proof of Thm. 12") checks a step
#: of the derivation, not the statement.
_IN_PROOF = re.compile(r"^[^;(]*?'s proof|^proof of", re.IGNORECASE)

_BY_KEY = {n.key: n for n in NODES}


def graph() -> nx.DiGraph:
    """The proof graph: an edge ``user → used`` per :data:`EDGES` entry (attributes ``pages``,
    ``uses``, ``note``, ``cited``); node attributes from :data:`NODES`. Check links are not
    edges of this graph (see :data:`CHECKS`).

    >>> G = graph(); nx.is_directed_acyclic_graph(G), G.number_of_nodes() >= 41
    (True, True)
    """
    G = nx.DiGraph()
    for n in NODES:
        G.add_node(n.key, node=n)
    for e in EDGES:
        if e.user not in _BY_KEY or e.used not in _BY_KEY:
            raise KeyError(f"edge {e.user} → {e.used}: unknown node")
        bad = set(e.uses) - set(USES)
        if bad:
            raise ValueError(f"edge {e.user} → {e.used}: unknown uses {bad}")
        G.add_edge(e.user, e.used, edge=e)
    missing = set(IDS) - set(G)
    if missing:
        raise KeyError(f"catalogue IDs without a node: {sorted(missing)}")
    return G


def nodes_of(sub_id: str, location: str = "") -> tuple[tuple[str, str], ...]:
    """The (node, role) pairs a sub-check is about: its claim's node (role ``derivation`` if
    the claim checks derivations, the sub-check's ``location`` is in a proof, or
    :data:`OWN_ROLE` says so), plus any in :data:`SUBCHECK_NODES`; or only those of
    :data:`ELSEWHERE`.

    >>> nodes_of("DC-RATES.l")
    (('DC-RATES', 'derivation'), ('DC-T19', 'derivation'))
    >>> nodes_of("DC-C4.c", "Claim 4's proof (p.38)"), nodes_of("DC-C4.b", "Claim 4 (p.38)")
    ((('DC-C4', 'derivation'),), (('DC-C4', 'statement'),))
    """
    if sub_id in ELSEWHERE:
        return ELSEWHERE[sub_id]
    claim = sub_id.rsplit(".", 1)[0]
    deriv = claim in DERIVATION_CLAIMS or bool(_IN_PROOF.match(location or ""))
    role = OWN_ROLE.get(sub_id, "derivation" if deriv else "statement")
    return ((claim, role),) + SUBCHECK_NODES.get(sub_id, ())


def node_states(verdicts: Mapping[str, str], keys: Iterable[str] | None = None,
                locations: Mapping[str, str] | None = None) -> dict:
    """Each node's state from sub-check verdicts (``{sub-check ID: status}``; ``locations``
    gives each sub-check's printed location, to tell checks of a proof step):
    ``verdict`` (the worst verdict of the sub-checks about it, or ``unchecked``),
    ``statement`` and ``derivation`` (the worst verdict of the sub-checks of each role, or
    None), ``established`` (some sub-check tests its statement, and all such say it holds:
    confirmed, supported, loose or notation), ``scope`` (``statement``, ``derivation``,
    ``both`` or None) and ``subchecks``.

    >>> st = node_states({"DC-P4.a": "confirmed", "DC-RATES.l": "not-derived"})
    >>> st["DC-P4"]["established"], st["DC-T19"]["verdict"], st["DC-T19"]["established"]
    (True, 'not-derived', False)
    """
    locations = locations or {}
    out = {k: {"verdict": "unchecked", "statement": None, "derivation": None,
               "established": False, "scope": None, "subchecks": [],
               "_roles": {"statement": [], "derivation": []}}
           for k in (keys if keys is not None else _BY_KEY)}
    for sid, status in verdicts.items():
        for node, role in nodes_of(sid, locations.get(sid, "")):
            if node in out:
                out[node]["subchecks"].append(sid)
                out[node]["_roles"][role].append(status)
    for st in out.values():
        roles = st.pop("_roles")
        if st["subchecks"]:
            st["verdict"] = worst(verdicts[s] for s in st["subchecks"])
            st["scope"] = ("both" if roles["statement"] and roles["derivation"] else
                           "statement" if roles["statement"] else "derivation")
        for role, got in roles.items():
            st[role] = worst(got) if got else None
        st["established"] = bool(roles["statement"]) and all(
            s in GOOD for s in roles["statement"])
    return out


def transfer(carried: str, uses: Iterable[str]) -> str | None:
    """The grade a problem of grade ``carried`` in a used result passes to its user, given
    what the user takes (:data:`USES`); None if it passes nothing.

    A typo, or a failed step whose result survives (``proof``), changes nothing downstream; a
    changed constant reaches users of the constant or the statement; a changed rate or
    probability reaches users of a rate, a probability or the statement; a statement that fails
    or is not established leaves the user's proof step open.

    >>> transfer("rate", ["constant"]), transfer("rate", ["probability"])
    (None, 'rate')
    >>> transfer("open", ["rate"])
    'open'
    """
    uses = set(uses)
    if carried in ("typo", "proof"):
        return None
    if carried == "constant":
        return "constant" if uses & {"constant", "statement"} else None
    if carried == "rate":
        return "rate" if uses & {"rate", "probability", "statement"} else None
    return "open"  # open, result


def reach(G: nx.DiGraph, start: Iterable[str], carried: str, states: Mapping[str, dict]
          ) -> dict[str, str]:
    """Grades a problem of grade ``carried`` at the nodes ``start`` reaches through the
    results whose proofs use them (transitively).

    At a user whose statement is established by a check (:func:`node_states`) the problem
    stops, with at most grade ``proof`` there (the user's proof has the step, the check shows
    the user survives); elsewhere it continues with the grade :func:`transfer` gives.

    >>> G = graph()
    >>> r = reach(G, ["DC-L6"], "open", node_states({}))
    >>> r["DC-T11"], r["Thm. 1"]
    ('open', 'open')
    >>> reach(G, ["DC-L6"], "open", node_states({"DC-T11.a": "supported"}))["DC-T11"]
    'proof'
    """
    best: dict[str, str] = {}
    todo = [(n, carried) for n in start]
    while todo:
        node, g = todo.pop()
        for user in G.predecessors(node):
            got = transfer(g, G.edges[user, node]["edge"].uses)
            if got is None:
                continue
            est = states.get(user, {}).get("established", False)
            if est:
                got = min(got, "proof", key=GRADES.index)
            if user not in best or GRADES.index(got) > GRADES.index(best[user]):
                best[user] = got
                if not est:
                    todo.append((user, got))
    return best


def layout(G: nx.DiGraph | None = None, sweeps: int = 6) -> dict[str, tuple[int, int]]:
    """(layer, position) of every node: used results below their users (layer 0 = results that
    use nothing), check nodes one layer above what they examine, isolated nodes in a band of
    their own (layer −1). Within a layer, nodes are ordered by the barycentre of their
    neighbours (a few up and down sweeps), a standard heuristic against crossings; written
    here because networkx has no layered layout that orders within layers.

    >>> pos = layout(); pos["DC-T11"][0] > pos["DC-L6"][0] > pos["DC-P30"][0]
    True
    """
    G = G or graph()
    H = G.copy()
    for chk, targets in CHECKS.items():
        for t in targets:
            H.add_edge(chk, t)
    layer: dict[str, int] = {}
    for n in reversed(list(nx.topological_sort(H))):
        succ = list(H.successors(n))
        layer[n] = 1 + max(layer[s] for s in succ) if succ else 0
    for n in H:  # results that use nothing sit just below their lowest user
        preds = list(H.predecessors(n))
        if H.out_degree(n) == 0 and preds:
            layer[n] = min(layer[u] for u in preds) - 1
        if H.degree(n) == 0:
            layer[n] = -1
    rows: dict[int, list[str]] = {}
    for n in [x.key for x in NODES]:  # the paper's order as the starting order
        rows.setdefault(layer[n], []).append(n)
    und = H.to_undirected()
    for sweep in range(sweeps):
        order = sorted(rows) if sweep % 2 == 0 else sorted(rows, reverse=True)
        for ly in order:
            if ly < 0:
                continue
            pos = {n: i / max(len(r) - 1, 1) for r in rows.values() for i, n in enumerate(r)}
            def bary(n, ly=ly, pos=pos):
                nb = [pos[m] for m in und.neighbors(n) if layer[m] != ly and layer[m] >= 0]
                return sum(nb) / len(nb) if nb else pos[n]
            rows[ly].sort(key=bary)
    return {n: (ly, i) for ly, r in rows.items() for i, n in enumerate(r)}


def node(key: str) -> Node:
    """The node with this key."""
    return _BY_KEY[key]
