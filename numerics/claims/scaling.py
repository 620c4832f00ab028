"""Claims DC-T11, DC-T12, DC-T13, DC-T19, DC-GLM: the rates in d and k of Thms. 11–13 and 19
(A.2 p.19–20, C.3 p.31; informal Thms. 1–3 p.4–5) and the GLM comparison (§1.2 p.5, §1.3 p.7,
Remark 15 p.25–26), measured on SGD (:mod:`numerics.experiments.thm11` … ``glm``).

How η depends on d and k: for every instance, the best ηd of a factor-2 grid (least median
steps with ≥ 3/4 of the runs arriving; :mod:`numerics.experiments.passage`); the fitted law of
that best η is in the evidence. What the fit can and cannot show: the best-η step count is an
upper bound on the optimal one (to the grid's factor 2); its exponents are finite-size
estimates over the ranges tried (log factors raise them: the allowance for Thm. 16's log³ is
computed and stated); an upper bound Õ(·) is supported when the exponent's bootstrap interval
lies below the printed power (+ allowance), not-supported when it lies above, inconclusive
otherwise. Instances are drawn on the theorems' event (|h(0)| above its lower quartile).

>>> [c.id for c in CLAIMS]
['DC-T11', 'DC-T12', 'DC-T13', 'DC-T19', 'DC-GLM']
"""

from __future__ import annotations

from numerics.claims import Claim, register
from numerics.claims.simulations import _AGREE, SubCheck, run_experiment, verdicts_from

__all__ = ["CLAIMS"]

NORM = "normalised rows (App. D.1), the theorems' convention"


def _claim(cid: str, module: str, location: str, title: str, convention: str,
           subs: list[tuple[str, str, str]], mapping: dict[str, list[str]],
           notes: dict[str, str] | None = None) -> Claim:
    subchecks = tuple(SubCheck(f"{cid}.{s}", loc, st) for s, loc, st in subs)
    mp = {f"{cid}.{k}": v for k, v in mapping.items()}

    def check(ctx, figdir=None, **kw):
        o = run_experiment(module, ctx, figdir, **kw)
        return verdicts_from(o, subchecks, mp, notes)

    return register(Claim(id=cid, location=location, title=title, convention=convention,
                          subchecks=subchecks, check=check, needs="numerics",
                          wants_figdir=True))


def _thm(cid, module, location, title, d_label, d_acts, k_label_1, k_label_0, k_keys):
    subs = [("a", location, d_label)]
    mapping = {"a": [f"d:{a}" for a in d_acts]}
    subs.append(("b", location, k_label_1))
    mapping["b"] = [k_keys[0]]
    if k_label_0:
        subs.append(("c", location, k_label_0))
        mapping["c"] = [k_keys[1]]
    last = chr(ord("a") + len(subs))
    subs.append((last, *_AGREE))
    mapping[last] = ["agreement"]
    return _claim(cid, module, location, title, NORM, subs, mapping)


T11 = _thm("DC-T11", "thm11", "Thm. 11 (p.19); Thms. 1–2 (p.4–5)",
           "Thm. 11 measured: steps to m² ≥ 1 − ε in d and k (orthonormal W, ξ = 1)",
           "T = ⌈αλ⁴_max dk²⌉ = Õ(λ⁴_max/(λ⁴_min γ²) · dk³/ε⁴) · {1 μ₁(σ) ≠ 0; k o.w.} [linear in "
           "d]; p.4: 'the iteration complexity is linear in d, independent of σ' [σ = ReLU, h₂, "
           "h₃, h₄: l* = 1, 2, 3, 4]", ("relu", "h2", "h3", "h4"),
           "T = Õ(dk³/ε⁴) for μ₁(σ) ≠ 0 [σ = ReLU]", "T = Õ(dk⁴/ε⁴) for μ₁(σ) = 0 [σ = h₃]",
           ("k:relu", "k:h3"))
T12 = _thm("DC-T12", "thm12", "Thm. 12 (p.19–20); Thm. 1 (p.4)",
           "Thm. 12 measured: steps to m² ≥ 1 − ε in d and k (orthonormal W, ξ = ξ̄√k)",
           "T = ⌈αλ⁴_max ξ̄² dk⁴⌉ = Õ(λ⁴_max/(λ⁴_min γ² ξ̄²) · dk⁴/ε⁴) · {1/k μ₁(σ) ≠ 0; 1 o.w.} "
           "[linear in d; σ = ReLU, h₃]", ("relu", "h3"),
           "T = Õ(dk³/ε⁴) for μ₁(σ) ≠ 0 [σ = ReLU]", "T = Õ(dk⁴/ε⁴) for μ₁(σ) = 0 [σ = h₃]",
           ("k:relu", "k:h3"))
T13 = _thm("DC-T13", "thm13", "Thm. 13 (p.20); Thm. 2 (p.5)",
           "Thm. 13 measured: steps to m² ≥ 1 − ε in d and k (separated W, ξ = 1)",
           "T = ⌈αλ⁴_max dk²⌉ = Õ(λ⁴_max/(λ⁴_min γ²) · dk³/ε⁴) [linear in d; σ = ReLU, h₃]",
           ("relu", "h3"), "T = Õ(dk³/ε⁴) [σ = ReLU]", "T = Õ(dk³/ε⁴) [σ = h₃]",
           ("k:relu", "k:h3"))
T19 = _thm("DC-T19", "thm19", "Thm. 19 (p.31); Thm. 3 (p.5)",
           "Thm. 19 measured: fine-tuning on Claim 2's construction with σ = h₃",
           "fine-tuning the base network ... only requires Õ(d) online SGD iterations (p.5)",
           ("h3",), "fine-tuning with online SGD learns the teacher network perturbation u in "
           "O(dk²/ε⁴) samples (p.31)", None, ("k:h3",))

GLM = _claim(
    "DC-GLM", "glm", "§1.2 (p.5), §1.3 (p.7), Remark 15 (p.25–26)",
    "GLM (W = 0) against fine-tuning: escape from |m| ≈ 1/√d for l* = 1, 2, 3", NORM,
    [("a", "§1.3 (p.7)", "online SGD for GLM regression needs Θ̃(d^{1∨(l*−1)}) samples [l* = 1: "
                         "d, σ = ReLU]"),
     ("b", "§1.3 (p.7)", "[l* = 2: d log d, σ = h₂; and whether the data tell d log d from d]"),
     ("c", "§1.3 (p.7)", "[l* = 3: d², σ = h₃]"),
     ("d", "p.4–5", "the iteration complexity [of fine-tuning] is linear in d, independent of σ "
                    "[escape from 1/√d, σ = ReLU, h₂, h₃]"),
     ("e", *_AGREE)],
    {"a": ["glm:relu"], "b": ["glm:h2", "glm:h2:dlogd"], "c": ["glm:h3"],
     "d": ["finetune:relu", "finetune:h2", "finetune:h3"], "e": ["agreement"]})

CLAIMS: list[Claim] = [T11, T12, T13, T19, GLM]
