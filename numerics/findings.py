"""Findings: one row per distinct problem in the paper, with a stable ID and an impact grade.

A finding is data (:data:`FINDINGS`), keyed by the sub-checks that show it, so its ID (``F-01``…)
stays the same from run to run whatever the order the checks run in; several sub-checks that
show one misprint are one finding (DC-R14.a and .b are one sign error), and one sub-check may
show two (DC-RATES.r). Each run decides which findings its verdicts show (:func:`evaluate`): a
finding is *shown* when one of its sub-checks has a verdict in :data:`numerics.claims.PROBLEM`;
a sub-check with such a verdict that no finding lists becomes an *unclassified* row (graded from
its verdict alone), so a new problem is never silently dropped.

Impact (:data:`numerics.proofgraph.GRADES`): a finding's grade is the larger of its own kind and
the worst grade it reaches through the proof graph (:func:`numerics.proofgraph.reach`) from the
nodes where it is printed. A finding of kind ``proof`` says the result survives by a route a
check shows (``route``: sub-check IDs that must hold, or nodes whose statement must be
established); until that check exists or holds, the finding is graded ``open``. A finding in an
aside that no proof uses (``aside``) reaches nothing, nor does one whose statement holds
(``loose``, ``notation``): the proofs that use it stand.

>>> [f.id for f in FINDINGS][:3]
['F-01', 'F-02', 'F-03']
>>> len({s for f in FINDINGS for s in f.subchecks})
49
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from numerics import proofgraph as pg
from numerics.claims import GOOD, PROBLEM, worst
from numerics.claims.catalogue import IDS

__all__ = ["Finding", "FINDINGS", "UNCLASSIFIED_KIND", "evaluate", "route_shown",
           "sub_locations"]


@dataclass(frozen=True)
class Finding:
    """One problem of the paper: the sub-checks that show it, where it is printed (text and
    graph nodes), what is printed, what holds instead, its own kind (a grade) and why."""

    id: str
    subchecks: tuple[str, ...]
    where: str
    nodes: tuple[str, ...]
    printed: str
    holds: str
    kind: str
    why: str
    route: tuple[str, ...] = ()
    aside: bool = False

    def __post_init__(self):
        if self.kind not in pg.GRADES:
            raise ValueError(f"{self.id}: unknown kind {self.kind!r}")


#: The grade an unclassified problem gets from its verdict alone (conservative).
UNCLASSIFIED_KIND: dict[str, str] = {
    "refuted": "result", "erratum": "result", "not-supported": "result", "not-derived": "open",
    "loose": "rate", "notation": "typo",
}

F = Finding
FINDINGS: tuple[Finding, ...] = (
    F("F-01", ("DC-P4-MC.c",), "Prop. 4, p.9 (restriction declared p.8, p.32)", ("DC-P4",),
      "∇̂Φ(û) ≜ (I − ûûᵀ)∇Φ(û) = −h(⟨u, û⟩)(u − û⟨û, u⟩) at any û ∈ S^{d−1} (no Π⊥)",
      "with the gradients restricted to span(W)^⊥, as Prop. 4's proof says (p.32) and §2 defines "
      "for training (p.8): (I − ûûᵀ)Π⊥∇Φ(û) = −h(m)(u − mû)",
      "typo", "a convention the proof declares; writing Π⊥ in the statement changes nothing"),
    F("F-02", ("DC-C1R.c",), "§3.1, p.10", ("DC-C1R",),
      "strongly recover u in O(V_k/S_k²) iterations",
      "Thm. 16 (p.28) gives T = Õ(dV_k/(S_k²ε⁴)); p.27 itself says the sample complexity "
      "scales with dV_k/S_k²",
      "rate", "the overview's count drops d and ε⁴; no proof uses the sentence", aside=True),
    F("F-03", ("DC-SUM.a",), "§3.2.2, p.12", ("DC-SUM",),
      "Σ_s C(l+s, l)(k/(k+1))^{s+1} = Θ(k^l)",
      "the sum is k(k+1)^l = Θ(k^{l+1}) exactly",
      "rate", "an exponent is off by one in the overview's motivation; Prop. 7's proof (p.42–46) "
      "does not use it", aside=True),
    F("F-04", ("DC-SUM.b",), "§3.2.2, p.12", ("DC-SUM",),
      "if |⟨w_i, w_j⟩| ≤ ν then |⟨w_i, w_j⟩|^{γ/ν} ≤ exp{−γ}",
      "with the hypothesis |⟨w_i, w_j⟩| ≤ 1 − ν (as Assumption 5 gives with ν = log k/√k); as "
      "printed it fails for ν > W(1) ≈ 0.567",
      "typo", "the hypothesis misses '1 −'; the overview's argument is the corrected one",
      aside=True),
    F("F-05", ("DC-RATES.o", "DC-RATES.s", "DC-RATES.r"),
      "Lemma 6 (p.12), Thm. 13 (p.20), proof of Thm. 12 (p.29)", ("DC-L6", "DC-T13", "DC-T12"),
      "failure probability with an o(1) term",
      "the anti-concentration the proofs cite (Props. 29–30, p.39) gives o(λ²_max/λ²_min), as "
      "Thm. 11, Thm. 12's statement and Lemma 8 print; the two agree when λ_max/λ_min stays "
      "bounded",
      "rate", "a printed probability that does not follow from the cited results unless "
      "λ_max/λ_min is bounded, which these statements do not assume"),
    F("F-06", ("DC-A6.d",), "Remark 9, p.18", ("DC-A6",),
      "|Σ_{n≥1} a_n g_1^n − Σ_{n≥1} a_n g_2^n| ≤ s max{|g_1|^{s−1}, …}(Σ|a_n|)|g_1 − g_2|",
      "s·max{1, |g_1|, |g_2|}^{s−1}(Σ|a_n|)|g_1 − g_2| (the terms of degree < s need the 1 "
      "when |g_i| < 1)",
      "proof", "a step of Remark 9's argument fails; its conclusion (Assumption 6.3 for "
      "polynomials) survives with the corrected inequality, and DC-A6.c checks the moment "
      "condition itself", route=("DC-A6.c",)),
    F("F-07", ("DC-RATES.a", "DC-RATES.c", "DC-RATES.j"),
      "Thm. 11 (p.19), Thm. 12 (p.20), informal Thm. 1 (p.4)", ("DC-T11", "DC-T12", "Thm. 1"),
      "T = ⌈αλ⁴_max dk²⌉ = Õ(λ⁴_max/(λ⁴_minγ²)·dk³/ε⁴)·{1; k} (Thm. 11), the same with dk⁴/ξ̄² "
      "and {1/k; 1} (Thm. 12); Thm. 1: T = Θ̃(dk⁴/ε⁴)",
      "the printed T with the printed α, δ is one factor k smaller: Õ(dk²/ε⁴)·{1; k} (Thm. 11), "
      "Õ(dk²/(ξ̄²ε⁴))·{1; k} (Thm. 12), Θ̃(dk³/ε⁴) (Thm. 1); the printed bounds hold",
      "rate", "true but loose by a factor k: the iteration counts could be stated sharper"),
    F("F-08", ("DC-RATES.q",), "Thm. 12, p.20", ("DC-T12",),
      "with probability 1 − o(λ²_max/λ²_min) − exp(−2/(eξ̄)) − O(γ^{1/2})",
      "Lemma 6 at ξ = ξ̄√k gives the smaller failure term exp(−2/(eξ̄²)) (for ξ̄ ≤ 1); the "
      "printed probability holds",
      "rate", "true but loose: the probability could be stated sharper"),
    F("F-09", ("DC-RATES.f",), "Thm. 13, p.20", ("DC-T13",),
      "η = λ⁴_max δ/(dk²)",
      "η = δ/(dV_k) = δ/(λ⁴_max dk²) (Thm. 16 with the proof's V_k; as in Thm. 11); T as printed",
      "rate", "λ⁴_max is in the numerator: the printed step size is λ⁸_max times Thm. 16's, an "
      "exponent of a printed parameter"),
    F("F-10", ("DC-R14.a", "DC-R14.b"), "Remark 14, p.20", ("DC-R14",),
      "E_x[x(f_θ0(x) − f_θ(x))] = μ_1(σ)(Σ_i λ_ic_i)u",
      "E_x[x(f_θ0(x) − f_θ(x))] = −μ_1(σ)(Σ_i λ_ic_i)u (exact, and by Monte Carlo)",
      "typo", "a sign; recovering the direction of u is unaffected", aside=True),
    F("F-11", ("DC-R15.b",), "Remark 15, p.26", ("DC-R15",),
      "h(m) ≈ Σ_l l μ_{l+1}(σ)² m^l as ξ̄ → ∞",
      "h(m) → 2Σ_l (l+1) μ_{l+1}(σ)² T(l, 0) m^l (the GLM h for the GLM instance)",
      "typo", "an index slip in a remark no proof uses", aside=True),
    F("F-12", ("DC-R15.c",), "Remark 15, p.26", ("DC-R15",),
      "h(m) at initialisation scales as 1/d^{l*/2}",
      "h(1/√d) scales as d^{−(l*−1)/2}; d^{−l*/2} is the scale of the loss's m-dependent part",
      "rate", "an exponent, in a remark no proof uses", aside=True),
    F("F-13", ("DC-RATES.d", "DC-RATES.u", "DC-RATES.g"), "proof of Thm. 12, p.29", ("DC-T12",),
      "S_k = γkλ²_min μ_1(σ)²/2",
      "S_k = Θ(γξ̄²kλ²_min) (Lemma 6 at ξ = ξ̄√k): with it the printed δ, η, α, T are Thm. 16's "
      "and Condition 3's max{S_k, S_k²} ≤ V_k holds",
      "typo", "the proof's S_k lacks ξ̄²; the theorem's printed parameters are those of the "
      "corrected S_k"),
    F("F-14", ("DC-RATES.r",), "proof of Thm. 12, p.29", ("DC-T12",),
      "with probability 1 − o(1) − exp{−2k/(eξ̄²)} − O(γ^{1/2})",
      "Lemma 6's exp{−2k/(eξ²)} at ξ = ξ̄√k is exp{−2/(eξ̄²)}",
      "typo", "ξ̄ written for ξ in the failure term (the o(1) is F-05)"),
    F("F-15", ("DC-C2.c",), "App. C.3, p.29 (the k = 4 example)", ("DC-C2",),
      "c_i = (−1/2)^i with the printed W",
      "c_i = (−1)^i/2 (= (−1)^i/√k) with the printed W",
      "typo", "an illustration before Claim 2; the construction of Claim 2 holds (DC-C2.a, .b)",
      aside=True),
    F("F-16", ("DC-P18.b",), "proof of Prop. 18, p.30", ("DC-P18",),
      "Σ_{i≠j} |λ_iλ_jc_iĉ_j| 2/k^{p−1} ≤ λ²_max/k^{p−2}",
      "≤ Σ_{i≠j}|λ_iλ_jc_iĉ_j|(2/k)^{p−1} ≤ 2^{p−1}(k−1)λ²_max/k^{p−1}: the order "
      "O(λ²_max/k^{p−2}) the proof needs is unchanged",
      "constant", "the bound is off by the constant 2^{p−1}"),
    F("F-17", ("DC-RATES.l",), "Thm. 19, p.31", ("DC-T19",),
      "fine-tuning learns u in O(dk²/ε⁴) samples",
      "Thm. 16 with the cited Ω(λ²_min/√k) lower bound and Lemma 17's V_k = Cλ⁴_max k² (ξ = 1) "
      "gives Õ(dk³/ε⁴); the proof prints no V_k",
      "open", "the printed count is not derived from the cited results and not shown false",
      route=("DC-T19",)),
    F("F-18", ("DC-D1.c",), "App. D.1, p.32 (definition of h)", ("DC-D1",),
      "h(m) = 2Σ λ_iλ_j ξ²c_iĉ_j Σ_p pμ_p(σ)² (1/(1 + ξ²))^p (⟨w_i, w_j⟩ + ξ²c_iĉ_jm)^{p−1}",
      "(1/(1 + ξ²/k))^p, as in the line above; the series that follows (and Prop. 4) use it",
      "typo", "1 + ξ² for 1 + ξ²/k in one line; the derivation continues correctly"),
    F("F-19", ("DC-D1.f",), "proof of Prop. 23, p.35", ("Prop. 23",),
      "∇̂Φ = (ξ²/(1 + ξ²/k)) Σ λ_iλ_jc_iĉ_j Σ_p pμ_p(σ)² ⟨v_i, v̂_j⟩^{p−1}(u − û⟨u, û⟩)",
      "the factor −2 of p.32's gradient is missing; the norm bound changes by the constant 2",
      "constant", "Prop. 23's C_σ doubles"),
    F("F-20", ("DC-EQ7.e",), "App. D.4, p.40", ("DC-EQ7",),
      "for all even l, all the power series coefficients have the same sign",
      "they share a sign when k(Σλ_ic_i)(Σλ_iĉ_i) and kΣλ_i²c_iĉ_i do, not in general (18 of 123 "
      "draws mix signs)",
      "proof", "Lemma 6's proof does not use the sentence: Claim 1 bounds the even s = 0 terms "
      "and the even s ≥ 1 terms carry ⟨c_λ, ĉ_λ⟩ alone; a check of Lemma 6's statement shows "
      "the route", route=("DC-L6",), aside=True),
    F("F-21", ("DC-D1.h",), "App. D.5.1, p.42 (ξ = 1)", ("DC-P7",),
      "specialising ξ = 1 in Prop. 4: h(m) = Σ_l (1/k)^{l+1} Σ_s …",
      "h(m) = 2Σ_l (1/k)^{l+1} Σ_s … (Prop. 4's factor 2, as printed on p.12)",
      "constant", "a factor 2 dropped at the start of Prop. 7's proof: its O(·) absorbs it"),
    F("F-22", ("DC-C1.a",), "Claim 1, p.11", ("DC-C1",),
      "sign(m)(2Σ_{l odd, s=1} … T(l, s) + 2Σ_{l>0 even, s=0} … T(l, s)) ≥ 0 w.p. "
      "1 − exp{−2k/(eξ²)} (no powers of m)",
      "with the powers m^l of p.41: sign(m)(2Σ_{l odd, s=1} … T(l, 1)m^l + 2Σ_{l>0 even, s=0} "
      "… T(l, 0)m^l) ≥ 0 for all m ∈ [−1, 1], with that probability (exact, all sign pairs)",
      "typo", "m^l dropped from both sums; Lemma 6's proof uses the form with m^l"),
    F("F-23", ("DC-C1.b",), "Claim 1 restated, end of its proof, p.41", ("DC-C1",),
      "the same event with 2Σ_{l even, s=0} (l = 0 included)",
      "with l > 0 even, as the proof starts on p.40 (the l = 0 term is the constant "
      "k(Σλ_ic_i)(Σλ_iĉ_i), of either sign)",
      "typo", "the summation range of the even terms"),
    F("F-24", ("DC-C3.c",), "proof of Cor. 27, p.37", ("Cor. 27",),
      "‖Q‖²_F ≥ max{ζ, kq²_min} and N_jj ≤ k^{−1/2}ζ + q²_max k^{1/2}",
      "‖Q‖²_F ≥ max{ζ, kq⁴_min} (Q = q²I with q² < 1 is a counterexample) and N_jj ≤ "
      "q²_max(k^{−1/2}ζ + k^{1/2}) (Q = diag(5, 1, 1, 1) is one); splitting the eigenvalues at "
      "s_i ≥ ‖Q‖_F still gives Cor. 27's 2(q²_max/q²_min)k^{−1/2}",
      "proof", "a step of the proof fails; Cor. 27's bound holds (DC-C3.b searches for a "
      "counterexample and finds none)", route=("DC-C3.b",)),
    F("F-25", ("DC-P29.d",), "App. D.3.2, p.38 (h(0) and Eq. 12)", ("DC-P29",),
      "at ξ = 1, h(0) = Σ_{i,j} λ_iλ_jc_iĉ_j Σ_s (s+1)μ_{s+1}(σ)²(k/(k+1))^{s+1}⟨w_i, w_j⟩^s "
      "= f(b, b̂)",
      "h(0) = 2f(b, b̂) (Prop. 4's factor 2)",
      "typo", "anti-concentration of f relative to ‖f‖₂ does not see the factor"),
    F("F-26", ("DC-C4.b",), "Claim 4, p.38", ("DC-C4",),
      "Ω(λ²_min/k) ≤ ‖f‖₂ ≤ O(λ²_max)",
      "both hold; the diagonal gives the sharper ‖f‖₂ ≥ rK′(r)λ²_min/√k (‖f‖₂/(λ²_min/k) "
      "grows like k)",
      "rate", "true but loose by a factor √k in the lower bound"),
    F("F-27", ("DC-C4.c",), "proof of Claim 4, p.38", ("DC-C4",),
      "Σ_i Q_ii² ≥ (Σ_s (s+1)/2^s μ_{s+1}(σ)²)² λ⁴_min/k",
      "with 2^{s+1}: ≥ (Σ_s (s+1)μ_{s+1}(σ)²/2^{s+1})² λ⁴_min/k; Claim 4's Ω(λ²_min/k) is "
      "unaffected",
      "constant", "the constant of the lower bound changes by a factor 4"),
    F("F-28", ("DC-L17.a",), "App. D.2, p.33 (the sample gradient)", ("DC-L17",),
      "(k/(ξ²+k))∇_ûL(û; x) = 2(f*(x) − f̂(x)) Σ_i λ_iĉ_iσ′((k/(ξ²+k))⟨w_i + c_iu, x⟩) x",
      "∇_ûL(û; x) = −2(k/(ξ²+k))(f*(x) − f̂(x)) Σ_i λ_iĉ_iσ′((k/(ξ²+k))⟨w_i + ξĉ_iû, x⟩) x "
      "(App. B rows; by finite differences)",
      "proof", "the printed gradient (sign, the factor's side, the teacher's row inside σ′) is "
      "a step of Props. 21–22; Lemma 17's bounds hold (DC-L17.c, .d)",
      route=("DC-L17.c", "DC-L17.d")),
    F("F-29", ("DC-L17.b",), "proof of Prop. 22, p.34", ("Prop. 22",),
      "∇̂_ûf̂(x) = (I − ûûᵀ)x[Σ_i λ_iξĉ_i/√(1 + ξ²ĉ_i²) σ′(⟨v_i, x⟩)] (v_i: the teacher's row)",
      "with the student's row v̂_i, as the line after it has: exactly, with ∇̂ as p.9 defines it "
      "(no Π⊥ needed); (I − ûûᵀ)Π⊥_span(W)x[…] with p.8's ∇̂",
      "proof", "a step of Prop. 22's proof; its bound stands (⟨v_i, x⟩ and ⟨v̂_i, x⟩ are both "
      "N(0, 1), and DC-L17.c checks the bound)", route=("DC-L17.c",)),
    F("F-30", ("DC-APPE.b",), "App. E.1, p.47 (the update of m_t)", ("DC-APPE",),
      "= m_t − η∇̂_{u_t}Φ(u_t) − η⟨∇̂_{u_t}E(u_t; x_t), u⟩ − (1 − 1/Π_t)(m_t − η⟨∇̂L, u⟩)",
      "m_t − η⟨∇̂Φ(u_t), u⟩ − …: the population gradient projected on u (= −h(m_t)(1 − m_t²)); "
      "holds to 6e-16 on SGD traces",
      "typo", "a vector written for its component along u"),
    F("F-31", ("DC-APPE.c",), "Claim 5, p.47", ("Claim 5",),
      "Σ_j |(1 − 1/Π_j)(m_j − η⟨L_j, u⟩)| ≤ η³Σ_j ‖L_j‖²|⟨L_j, u⟩| + η²Σ_j ‖L_j‖²",
      "holds on every step; with Π_t = √(1 + η²‖L_t‖²) exactly, the sharper η²‖L_j‖²/2 holds too",
      "constant", "true but loose by a factor 2"),
    F("F-32", ("DC-APPE.d",), "Lemma 33, p.53 (and Thm. 16's proof, p.55)", ("Lemma 33",),
      "m_t ≥ β/(2√d) + tηS_k/2",
      "the proof derives m_t ≥ β/(2√d) + ηtS_k/4; Thm. 16's printed T_weak = ⌈4dV_k/(δS_k)⌉ "
      "is what /4 needs (its proof's ⌈2/(ηS_k)⌉ uses /2); the /2 line held on 100 SGD runs",
      "constant", "a factor 2 in Lemma 33's drift not derived; Thm. 16's printed T_weak is "
      "consistent with the derived one"),
    F("F-33", ("DC-APPE.e",), "proof of Lemma 34, p.54", ("Lemma 34",),
      "the following holds exactly: m_t = m_{τ_r^+} + ηΣh(m_j)(1 − m_j²) + ηΣ⟨E_t, u⟩ + "
      "Σ(1 − 1/r_j)(m_j − η⟨L_j, u⟩)",
      "with − before the last two sums (holds to 7e-15 on SGD traces); the proof bounds them in "
      "absolute value, so nothing else changes",
      "typo", "two signs"),
    # The simulations of App. B and the measured rates (issue #14): the paper states no step
    # size for its figures, so each row says at which one ours were measured.
    F("F-34", ("DC-FIG2.b", "DC-FIG2.c"), "App. B, p.21 and §4, p.13 (Fig. 2)", ("DC-FIG2",),
      "freezing ĉ leads to somewhat longer time scales in training; [joint training is] roughly "
      "twice as efficient as freezing ĉ and training û in isolation",
      "at η = 0.02/d (App. B rows) frozen ĉ is not slower: the frozen/joint time to "
      "⟨û, u⟩ = ½, with its interval, is in the sub-checks; the qualitative picture holds (joint "
      "training reaches u, frozen ĉ stalls on a noise plateau below 1)",
      "constant", "an observation on a figure at a step size the paper does not state; no proof "
      "uses it", aside=True),
    F("F-35", ("DC-FIG4.b", "DC-FIG4.c"), "App. B, p.23 (Fig. 4 and its caption)", ("DC-FIG4",),
      "the iteration complexity of fine tuning with SGD does not depend sensitively on "
      "information exponent; ReLU, sigmoid, quadratic and He₃ on one time axis, all reaching "
      "⟨u_t, u⟩ ≈ 1 within 2·10⁵ (ξ = 1) and ≈ 3·10⁵ (ξ = Θ(√k)) iterations",
      "no plateau at initialisation for any of the four (DC-FIG4.a); at one step size the four "
      "do not all learn within the panel (their gradient scales differ by orders of magnitude), "
      "and at each σ's best step size the slowest/fastest time to 0.9 exceeds the factor 10 we "
      "read 'not sensitively' as, at ξ = Θ(√k)",
      "constant", "an observation on a figure whose step sizes are not stated; the theorems' "
      "rates (DC-T11, DC-T12) are checked apart", aside=True),
    F("F-36", ("DC-FIG6.a", "DC-FIG6.b"), "App. B, p.24–25 (Fig. 6 = Fig. 1(b))", ("DC-FIG6",),
      "the plateau before weak recovery grows with ξ ∈ {1, 10, 14, 25}; every ξ reaches "
      "⟨u_t, u⟩ ≈ 1 within 2.5·10⁷ steps, as plotted",
      "at the paper's sizes (d = 1000, k = 20, He₃) and η = 0.02/d: the steps to ½ and to 0.9 "
      "per ξ are in the sub-checks (below those sizes a miss is inconclusive)",
      "constant", "an observation on a figure at a step size the paper does not state; no proof "
      "uses it", aside=True),
    F("F-37", ("DC-T11.b", "DC-T11.c", "DC-T12.b", "DC-T12.c"), "Thm. 11 (p.19), Thm. 12 (p.20)",
      ("DC-T11", "DC-T12"),
      "T = Õ(dk³/ε⁴) for μ₁(σ) ≠ 0, Õ(dk⁴/ε⁴) for μ₁(σ) = 0",
      "the measured steps to m² ≥ 1 − ε grow far more slowly in k than printed (fitted exponents "
      "with bootstrap intervals in the sub-checks, over the k the profile runs): the printed "
      "upper bounds hold; the k the runs reach cannot fix the true exponent",
      "rate", "an upper bound that holds and looks loose in k, as DC-RATES finds from the "
      "theorems' own parameters (F-07)"),
)


def route_shown(route: tuple[str, ...], verdicts: Mapping[str, str], states: Mapping[str, dict]
                ) -> bool:
    """Whether every entry of a route holds: a sub-check ID must have a verdict in
    :data:`numerics.claims.GOOD`, a node must have its statement established by a check.

    >>> route_shown(("DC-A6.c",), {"DC-A6.c": "confirmed"}, {})
    True
    >>> route_shown(("DC-L6",), {}, pg.node_states({}))
    False
    """
    if not route:
        return False
    for r in route:
        if r in states:
            if not states[r]["established"]:
                return False
        elif verdicts.get(r) not in GOOD:
            return False
    return True


def _row(f: Finding, verdicts: Mapping[str, str], states: Mapping[str, dict], G,
         classified: bool = True) -> dict:
    subs = {s: verdicts.get(s) for s in f.subchecks}
    shown = [s for s, v in subs.items() if v in PROBLEM]
    own, why = f.kind, f.why
    if f.kind == "proof" and not route_shown(f.route, verdicts, states):
        own = "open"
        why += (" — graded open: the route (" + ", ".join(f.route) + ") is not yet shown by "
                "a check" if f.route else " — graded open: no route is named")
    if f.kind == "open" and route_shown(f.route, verdicts, states):
        own = "proof"
        why += " — graded proof: a check of the statement (" + ", ".join(f.route) + ") holds"
    # a statement that holds (loosely, or in a declared convention) passes nothing to the
    # proofs that use it; an aside is used by none
    holds = bool(shown) and all(subs[s] in GOOD for s in shown)
    reached = {} if f.aside or holds else pg.reach(G, [n for n in f.nodes if n in G], own,
                                                   states)
    grade = pg.grade_max([own, *reached.values()])
    return {
        "id": f.id, "classified": classified, "shown": bool(shown),
        "ran": any(v is not None for v in subs.values()),
        "status": worst(v for v in subs.values() if v is not None) if shown else None,
        "subchecks": [{"id": s, "status": v} for s, v in subs.items()],
        "where": f.where, "nodes": list(f.nodes), "printed": f.printed, "holds": f.holds,
        "kind": f.kind, "own_grade": own, "grade": grade, "why": why,
        "route": list(f.route), "aside": f.aside,
        "reached": [{"node": n, "grade": g} for n, g in sorted(
            reached.items(), key=lambda x: (-pg.GRADES.index(x[1]), x[0]))],
    }


def sub_locations() -> dict[str, str]:
    """Every registered sub-check's printed location (to tell checks of a proof step)."""
    from numerics.claims import registry  # the claim modules, imported once

    return {s.id: s.location for c in registry().values() for s in c.subchecks}


def evaluate(verdicts: Mapping[str, str], states: Mapping[str, dict] | None = None,
             findings: tuple[Finding, ...] = FINDINGS,
             locations: Mapping[str, str] | None = None) -> list[dict]:
    """The findings of a run, from its verdicts (``{sub-check ID: status}``; sub-checks not run
    are absent): every finding of :data:`FINDINGS` with ``shown``/``ran`` flags and its grade,
    then one unclassified row per problem verdict that no finding lists. Sorted by the
    finding's ID (the report sorts by grade).

    >>> rows = evaluate({"DC-RATES.l": "not-derived", "DC-FIG2.a": "erratum", "LO-X.a": "refuted"})
    >>> [(r["id"], r["grade"]) for r in rows if r["shown"]]
    [('F-17', 'open'), ('F-?:DC-FIG2.a', 'result')]
    """
    G = pg.graph()
    # findings are about the paper: the catalogue's IDs only (related systems and the
    # project's extensions are reported in their own sections)
    verdicts = {s: v for s, v in verdicts.items() if s.rsplit(".", 1)[0] in IDS}
    if states is None:
        locs = locations if locations is not None else sub_locations()
        states = pg.node_states(verdicts, locations=locs)
    rows = [_row(f, verdicts, states, G) for f in findings]
    listed = {s for f in findings for s in f.subchecks}
    for sid, v in verdicts.items():
        if v in PROBLEM and sid not in listed:
            nodes = tuple(n for n, _ in pg.nodes_of(sid))
            f = Finding(f"F-?:{sid}", (sid,), sid, nodes, "see the sub-check",
                        "see the sub-check", UNCLASSIFIED_KIND[v],
                        f"unclassified: graded from the verdict {v!r} alone, until a finding "
                        "in numerics/findings.py describes it")
            rows.append(_row(f, verdicts, states, G, classified=False))
    return rows
