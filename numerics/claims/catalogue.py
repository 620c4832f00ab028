"""The catalogue of checkable statements of Dayi & Chen (COLT 2025): 41 stable IDs in three
groups, with where the paper prints each and what the check is about (in the project's words).

The report's coverage list is made from this table, so a reader sees which IDs have a verdict
and which are not checked yet. IDs registered by claim modules but not in this table are the
project's own sections (``related``: LO-*, NTK-*; ``extension``: EXT-*) and are counted apart.

>>> len(CATALOGUE), len({e.group for e in CATALOGUE})
(41, 3)
>>> entry("DC-L6").where
'Lemma 6 (§3.2.1, p.12; proof App. D.4, p.41–42)'
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Entry", "CATALOGUE", "GROUPS", "IDS", "entry"]

#: The catalogue's three groups, in order.
GROUPS: tuple[str, ...] = (
    "Exact and symbolic",
    "Population-gradient bounds and anti-concentration",
    "Dynamics (simulation)",
)


@dataclass(frozen=True)
class Entry:
    """One catalogue ID: its group, where the paper prints it, and what is checked."""

    id: str
    group: str
    where: str
    what: str


_X, _P, _D = GROUPS

CATALOGUE: tuple[Entry, ...] = (
    Entry("DC-H", _X, "§1.4 (p.7–8); Remark 10 (p.19)",
          "Hermite correlation identity, Parseval, μ_p(σ) = μ_{p−1}(σ')/√p, tensor identity"),
    Entry("DC-A6", _X, "Assumption 6 (p.18); Remarks 9–10",
          "growth of σ', Hermite decay rate ρ, the moment condition; Remark 9 for polynomials"),
    Entry("DC-P4", _X, "Prop. 4 (§3.1, p.9)",
          "the T(l, s) series for h(m) against its closed form and −dΦ/dm"),
    Entry("DC-P4-MC", _X, "Prop. 4 (p.9)",
          "the spherical population gradient by Monte Carlo in full dimension"),
    Entry("DC-D1", _X, "App. D.1 (p.31–32); p.35; p.42; p.12",
          "every printed intermediate form of the population gradient and of h(m)"),
    Entry("DC-EQ7", _X, "§3.2.1 (p.10–11), Eqs. 7–9; App. D.4 (p.39–40)",
          "orthonormal features: T(l, s), the decomposition of h, coefficient signs, magnitudes"),
    Entry("DC-SUM", _X, "§3.2.2 (p.12); Eq. 14 (p.45); p.41",
          "side identities and orders: the binomial sum, the power bound, the resummations"),
    Entry("DC-R14", _X, "Remark 14 (p.20)",
          "the first-moment identity for ReLU with raw rows"),
    Entry("DC-R15", _X, "Remark 15 (p.25–26)",
          "the large-ξ limit of h, the GLM limit, the scale of h at initialisation"),
    Entry("DC-EX1", _X, "Example 1 (App. F.1, p.56)",
          "two weight settings with the same teacher function"),
    Entry("DC-C2", _X, "Claim 2 (p.30); the k = 4 example (p.29)",
          "the construction with orthonormal normalised rows; the printed example"),
    Entry("DC-P18", _X, "Prop. 18 (p.30–31)",
          "h for the Claim 2 construction with σ = h_p, and the sign condition w.h.p."),
    Entry("DC-T36", _X, "Def. 35, Eq. 17, Thm. 36 (App. F.2, p.56–57)",
          "a 2k-feature linear family learns f* once u is learned"),
    Entry("DC-C1R", _X, "App. C.1 (p.26); §3.1 (p.9–10)",
          "the population recursion identities and §3.1's iteration count"),
    Entry("DC-GLME", _X, "§1.2 (p.5)",
          "the exact embedding of a GLM into the fine-tuning model"),
    Entry("DC-RATES", _X, "Thms. 11–13 (p.19–20), C.2 (p.29), Thm. 16 (p.28), Thm. 19 (p.31), "
          "Thms. 1, 2, 3, 5",
          "the printed η, δ, α, T and failure probabilities against the results they come from"),
    Entry("DC-C1", _P, "Claim 1 (p.11); D.4 (p.40–41)",
          "frequency of the even-l sign condition against the printed probability"),
    Entry("DC-L6", _P, "Lemma 6 (§3.2.1, p.12; proof App. D.4, p.41–42)",
          "the lower bound on |h(0)| and the sign condition, orthonormal features"),
    Entry("DC-P7", _P, "Prop. 7 (§3.2.2, p.13; proof App. D.5, p.42–46)",
          "the higher even-order terms are O(λ²_max k^{−1/2−ε}) w.p. 1 − 1/k³"),
    Entry("DC-L8", _P, "Lemma 8 (§3.2.2, p.13; proof p.46)",
          "the lower bound on h for angularly separated features"),
    Entry("DC-C3", _P, "Claim 3 (p.36); Cor. 27 (p.37)",
          "row influence of a PSD matrix with unit (or bounded) diagonal"),
    Entry("DC-L25", _P, "Lemma 25 (Carbery–Wright, p.36)",
          "Gaussian small-ball bound on the bilinear forms that occur"),
    Entry("DC-L26", _P, "Lemma 26 (invariance principle, p.36)",
          "Kolmogorov distance between Rademacher and Gaussian laws against the influence"),
    Entry("DC-L28", _P, "Lemma 28 (p.37)",
          "anti-concentration of normalised PSD bilinear forms on the hypercube"),
    Entry("DC-P29", _P, "Prop. 29 (p.39); Eq. 12 (p.38)",
          "anti-concentration of h(0) at ξ = 1; the PSD step of its proof"),
    Entry("DC-C4", _P, "Claim 4 (p.38)", "the bounds on ‖f‖₂ for the f of Eq. 12"),
    Entry("DC-P30", _P, "Prop. 30 (p.39)", "the two anti-concentration bounds and their floors"),
    Entry("DC-L17", _P, "Lemma 17 (p.28); Props. 21–23 (p.33–35)",
          "measured gradient moments against the printed upper bounds"),
    Entry("DC-T16W", _P, "Thm. 16, Conditions 1–3 (App. C.1, p.27–28)",
          "Condition 3 on instances, Condition 2 by Monte Carlo, weak recovery on SGD traces"),
    Entry("DC-APPE", _P, "App. E (p.47–55)",
          "statements checkable on SGD traces: the exact update, Claim 5, Lemmas 33–34"),
    Entry("DC-ODE", _D, "§3.1 (p.9); App. C.1 (p.26)",
          "the population recursion and an effective ODE against SGD"),
    Entry("DC-T11", _D, "Thm. 11 (p.19); Thm. 1 (p.4)",
          "steps to m² ≥ 1 − ε, orthonormal features, ξ = 1: exponents in d and k"),
    Entry("DC-T12", _D, "Thm. 12 (p.19–20); Thm. 1 (p.4)",
          "steps to m² ≥ 1 − ε, orthonormal features, ξ = ξ̄√k"),
    Entry("DC-T13", _D, "Thm. 13 (p.20); Thm. 2 (p.5)",
          "steps to m² ≥ 1 − ε, angularly separated features, ξ = 1"),
    Entry("DC-T19", _D, "Thm. 19 (p.31); Thm. 3 (p.5)",
          "fine-tuning on the Claim 2 construction: steps against d k²/ε⁴"),
    Entry("DC-GLM", _D, "§1.2 (p.5), §1.3 (p.7), Remark 15 (p.25–26)",
          "escape times of the GLM against fine-tuning, by information exponent"),
    Entry("DC-FIG2", _D, "Fig. 2 (App. B, p.21–22); §4 (p.13)",
          "joint training of ĉ, û against frozen ĉ"),
    Entry("DC-FIG3", _D, "Fig. 3 (p.21–22)", "the linearised model's plateau at ξ = Θ(√k)"),
    Entry("DC-FIG4", _D, "Fig. 4 (p.22–23) = Fig. 1(a) (p.6)",
          "no plateau at initialisation for four activations"),
    Entry("DC-FIG5", _D, "Fig. 5 (p.23–24)", "convergence when Assumption 2 is violated"),
    Entry("DC-FIG6", _D, "Fig. 6 (p.24–25) = Fig. 1(b) (p.6)",
          "the plateau at initialisation grows with ξ"),
)

#: The catalogue IDs, in the catalogue's order.
IDS: tuple[str, ...] = tuple(e.id for e in CATALOGUE)


def entry(cid: str) -> Entry:
    """The catalogue entry of an ID (KeyError if it is not a catalogue ID)."""
    for e in CATALOGUE:
        if e.id == cid:
            return e
    raise KeyError(cid)
