r"""h(m) through Mehler's series with certified coefficients, in float64 with a proved error bound.

For activations without a closed-form kernel, Prop. 4's closed form
``h(m) = Σ_{ij} w_ij K_ij(ρ_ij(m))`` is evaluated with each kernel written as Mehler's series
(:mod:`theory.kernels`):

* normalised rows: ``K_ij(ρ) = K'(ρ) = Σ_q α_q² ρ^q``, α_q = μ_q(σ') (σ''s own coefficients),
  ``w_ij = 2λ_iλ_jξ²c_iĉ_j/(N_iN̂_j)``, ``ρ_ij(m) = (G_ij + ξ²c_iĉ_j m)/(N_iN̂_j)``;
* raw rows: ``K_ij(ρ) = Σ_q β_q(N_i) β_q(N̂_j) ρ^q``, β_q(s) = E[σ'(s g) h_q(g)],
  ``w_ij = 2λ_iλ_jξ²c_iĉ_j``, ρ_ij(m) the same correlation;

truncated at q < N with the tail bounded, for every |ρ| ≤ 1 (up to ρ → 1), by Cauchy–Schwarz
and Parseval: ``|Σ_{q≥N} β_q(s)β_q(s')ρ^q| ≤ |ρ|^N √(R_N(s) R_N(s'))``,
``R_N(s) = E[σ'(sg)²] − Σ_{q<N} β_q(s)²``.

Since ρ_ij(m) = a_ij + b_ij m is affine in m, h truncated is a polynomial of degree N − 1 in m:
``H(m) = Σ_q H_q m^q``, ``H_q = Σ_ij w_ij Σ_{p≥q} t_ij,p C(p, q) a_ij^{p−q} b_ij^q``, computed
once per instance (:class:`HTable`), after which h at any number of m costs one Horner pass.
The basis is stable: |a| + |b| = max(|ρ(1)|, |ρ(−1)|) ≤ 1, so every monomial coefficient of a
pair is at most Σ_p |t_p|.

**The error bound** (:meth:`HTable.error`) is the sum of

1. the certified coefficients' radii and their rounding to float: ``Σ_ij |w_ij| Σ_p e_ij,p``;
2. the tails: ``Σ_ij |w_ij| √(R_N R'_N) r_ij(m)^N`` with ``r_ij(m) = |ρ̂_ij(m)| + ε``, an upper
   bound of the true |ρ_ij(m)|;
3. float rounding, by the standard model fl(x ∘ y) = (x ∘ y)(1 + δ), |δ| ≤ u = 2⁻⁵³ (Higham,
   *Accuracy and Stability of Numerical Algorithms*, §2.2 and Lemma 3.1, γ_n = nu/(1 − nu)):
   a, b and w are each ≤ 8 operations from the float inputs, so relatively accurate to γ_8;
   a perturbation δa, δb of the pair moves its polynomial by at most
   ``(|δa| + |δb|) Σ_p p|t_p|`` on [−1, 1]; forming H_q, summing over pairs and Horner's rule
   in m involve, per term, at most 2N + 8 multiplications (powers of a and b by repeated
   multiplication, the binomial C(p, q) rounded to float) and sums of at most K·N + 2N terms,
   each bounded by ``Σ_ij |w_ij| Σ_p |t_p|`` (K pairs), so they add
   ``γ_{KN+5N+8} Σ_ij |w_ij| Σ_p |t_p|``.

Every constant is then multiplied by (1 + 2⁻⁴⁰) to cover the rounding of the bound itself.
The bound holds for the float inputs as given (G, λ, c, ĉ, ξ, m are taken as exact binary
numbers).

>>> import numpy as np
>>> t = HTable.build(np.eye(2), [1.0, -0.5], [0.6, 0.8], [0.8, -0.6], 1.0, "tanh", "raw")
>>> v, e = t(np.array([0.0, 0.99]))
>>> [f"{x:.1e}" for x in e]                    # the tail at |ρ| → 1 dominates at m = 0.99
['5.4e-14', '1.2e-07']
>>> t = HTable.build(np.eye(2), [1.0, -0.5], [0.6, 0.8], [0.8, -0.6], 1.0, "tanh", "raw", N=120)
>>> [f"{x:.1e}" for x in t(np.array([0.0, 0.99]))[1]]
['1.1e-13', '3.0e-11']
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from flint import ctx

from theory.activations import get
from theory.balls import float_ball, float_bound

__all__ = ["HTable", "N_TERMS"]

#: Terms of the series (q < N).
N_TERMS = 60
_U = 2.0**-53


def _gamma(n: float) -> float:
    return n * _U / (1 - n * _U)


def _ball_floats(balls) -> tuple[np.ndarray, np.ndarray]:
    """Floats of ball centres and bounds on |true − float| (radius + centre rounding)."""
    pairs = [float_ball(b) for b in balls]
    return np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs]) * (1 + 2**-40)


@dataclass(frozen=True)
class HTable:
    """h(m) = Σ_q H_q m^q plus its proved error (module docstring). Build with :meth:`build`;
    call with an array of m in [−1, 1] to get (values, error bounds)."""

    H: np.ndarray            # monomial coefficients of the truncated h, degree N − 1
    const_err: float         # items 1 and 3 of the bound (independent of m)
    tail_w: np.ndarray       # |w_ij| √(R R') per pair with a non-negligible tail
    tail_a: np.ndarray
    tail_b: np.ndarray
    tail_eps: np.ndarray     # ε of r_ij(m) = |ρ̂| + ε
    tail_const: float        # the other pairs' tails, bounded at r = |a| + |b|
    N: int
    route: str

    @classmethod
    def build(cls, gram, lam, c, chat, xi: float, act, convention: str = "normalised",
              N: int = N_TERMS, dps: int = 20) -> HTable:
        """The table for one instance (float inputs, taken as exact). ``act`` must have no
        jump (σ' without point mass); any σ works, closed form or not."""
        from theory.kernels import derivative_expr, scaled_coefficients

        a_ = get(act)
        a_.require_gradient()
        G = np.asarray(gram, float)
        lam = np.asarray(lam, float)
        c = np.asarray(c, float)
        chat = np.asarray(chat, float)
        xi = float(xi)
        N1 = np.sqrt(np.diag(G) + xi**2 * c**2)
        N2 = np.sqrt(np.diag(G) + xi**2 * chat**2)
        W = 2 * np.outer(lam, lam) * xi**2 * np.outer(c, chat)
        NN = np.outer(N1, N2)
        if convention == "normalised":
            W = W / NN
        keep = W != 0
        w = W[keep]
        a = (G / NN)[keep]
        b = (xi**2 * np.outer(c, chat) / NN)[keep]
        f = derivative_expr(a_)
        if convention == "normalised":
            s1 = np.ones(w.size)
            s2 = np.ones(w.size)
        else:
            s1 = np.broadcast_to(N1[:, None], G.shape)[keep]
            s2 = np.broadcast_to(N2[None, :], G.shape)[keep]
        scales = np.unique(np.concatenate([s1, s2]))
        beta, beta_err, rem = {}, {}, {}
        for s in scales:
            balls, R = scaled_coefficients(f, float(s), N, dps)
            with ctx.workprec(80):
                beta[s], beta_err[s] = _ball_floats(balls)
                rem[s] = float_bound(R) * (1 + 2**-40)
        B1 = np.array([beta[s] for s in s1]).reshape(w.size, N)
        B2 = np.array([beta[s] for s in s2]).reshape(w.size, N)
        E1 = np.array([beta_err[s] for s in s1]).reshape(w.size, N)
        E2 = np.array([beta_err[s] for s in s2]).reshape(w.size, N)
        T = B1 * B2                                  # t_ij,p
        # |β1β2 − fl(b1)fl(b2)| ≤ |b1|e2 + |b2|e1 + e1e2, plus the product's rounding
        Terr = np.abs(B1) * E2 + np.abs(B2) * E1 + E1 * E2 + _U * np.abs(T)
        R = np.sqrt(np.array([rem[s] for s in s1]) * np.array([rem[s] for s in s2]))
        absw = np.abs(w)
        Sabs = np.abs(T).sum(axis=1)
        D = (np.abs(T) * np.arange(N)).sum(axis=1)
        # a, b, w: ≤ 8 operations from the inputs each → relative error ≤ γ_8
        g8 = _gamma(8)
        dab = g8 * (np.abs(a) + np.abs(b))
        const = float(np.sum(absw * (Terr.sum(axis=1) + dab * D)))
        const += g8 * float(np.sum(absw * Sabs))
        const += _gamma(w.size * N + 5 * N + 8) * float(np.sum(absw * Sabs))
        # H_q = Σ_pairs w Σ_{p≥q} t_p C(p, q) a^{p−q} b^q
        X = w[:, None] * T
        # powers by repeated multiplication (each power j carries relative error ≤ γ_j)
        Apow = np.cumprod(np.concatenate([np.ones((w.size, 1)),
                                          np.repeat(a[:, None], N - 1, axis=1)], axis=1), axis=1)
        Bpow = np.cumprod(np.concatenate([np.ones((w.size, 1)),
                                          np.repeat(b[:, None], N - 1, axis=1)], axis=1), axis=1)
        binom = np.array([[math.comb(p, q) for p in range(N)] for q in range(N)], float)
        H = np.empty(N)
        for q in range(N):
            inner = (X[:, q:] * binom[q, q:]) * Apow[:, : N - q]
            H[q] = float(Bpow[:, q] @ inner.sum(axis=1))
        r = np.abs(a) + np.abs(b) + 4 * _U * (np.abs(a) + np.abs(b)) + dab
        tmax = absw * R * np.minimum(r, 1.0) ** N
        big = tmax > 1e-3 * (const + 1e-300)
        tail_const = float(np.sum(tmax[~big]))
        route = ("Mehler series of σ' with its own certified coefficients, "
                 f"{N} terms, tail |ρ|^N √(R_N R'_N)")
        return cls(H, const * (1 + 2**-40), (absw * R)[big] * (1 + 2**-40), a[big], b[big],
                   (dab + 4 * _U * (np.abs(a) + np.abs(b)))[big], tail_const * (1 + 2**-40),
                   N, route)

    def __call__(self, m) -> tuple[np.ndarray, np.ndarray]:
        """(h(m), proved bound on |h(m) − value|) for an array of m in [−1, 1]."""
        m = np.asarray(m, float)
        if np.any(np.abs(m) > 1):
            raise ValueError("m must lie in [-1, 1]")
        val = np.full(m.shape, self.H[-1])
        for hq in self.H[-2::-1]:
            val = val * m + hq
        return val, self.error(m)

    def error(self, m) -> np.ndarray:
        m = np.asarray(m, float)
        err = np.full(m.shape, self.const_err + self.tail_const)
        if self.tail_w.size:
            rho = np.abs(np.multiply.outer(m, self.tail_b) + self.tail_a) + self.tail_eps
            err = err + (np.minimum(rho, 1.0) ** self.N * (1 + 1e-12)) @ self.tail_w
        return err
