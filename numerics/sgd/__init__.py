"""Online SGD for low-rank fine-tuning (Eq. 4, §2): two engines with one interface and one output.

* :mod:`numerics.sgd.full` — the algorithm as printed, in ``R^d`` (the reference);
* :mod:`numerics.sgd.reduced` — the exact reduced Markov chain of docs/derivations.md §1
  (O(k) random numbers per step whatever d is).

Both are called as ``run(inst, rng, *, runs, steps, lr, record_every=None, grid=None, m0=None,
sign_flip=True, h0_sign=None, variant="frozen", lr_c=None, eps=0.05, r=0.5, progress=False)``
and return a :class:`Trace`. Runs share the instance (W, λ, c, ĉ₀, u) and differ in û₀ and the
samples x_t.

Variants (``variant``: flags joined by ``+``, e.g. ``"joint+unprojected"``):

* ``frozen`` (default): ĉ frozen, only û trained, gradient projected by ``I − Wᵀ(WWᵀ)⁻¹W`` and by
  the tangent projector ``I − ûûᵀ``, then ``û ← û/‖û‖`` (Eq. 4);
* ``joint``: ĉ trained too, on the same per-sample loss at the same sample, simultaneously, by
  spherical SGD on S^{k−1}: ``ĉ ← proj(ĉ − η_c (I − ĉĉᵀ)∇_ĉ ℓ)`` with ``η_c = lr_c`` (default
  ``lr``). The paper fixes neither η_c nor ĉ's constraint; the sphere keeps ‖ĉ‖ = 1 as both c laws
  do (our choice);
* ``unprojected``: the projection off span(W) is dropped (only the tangent projection is kept) and
  û₀ is uniform on the whole sphere S^{d−1} (our choice; App. B, Fig. 4 and 6);
* ``alpha``: u has a component α = ‖Π_W u‖ in span(W) — a property of the instance
  (``make_instance(alpha=...)``); the flag only checks that the instance has α > 0;
* ``linearised``: the kernel student of Fig. 3: ``f₀`` plus its first-order Taylor term in the
  perturbation ``ξ ĉ ûᵀ`` (rows' scale factors held at their values at the perturbation 0), trained
  like the true student;
* ``scratch`` (full engine only): the student's k rows are all trained from a random start (see
  :mod:`numerics.sgd.full`); there m_t is ‖Π_{span Ŵ_t} u‖ and first passages are checked only
  at the recorded steps.

Quantised or sphere c/ĉ and the GLM instance are instance choices (:mod:`numerics.problem`).
The start: û₀ uniform on the unit sphere of span(W)^⊥ (Eq. 4), flipped (û₀ → −û₀) where
``sign(m₀) ≠ sign(h(0))`` when ``sign_flip`` (the theorems' assumption); ``h0_sign`` (±1, or a
callable ``inst -> ±1``) is the sign of h(0); by default (None) it is computed from
``theory.population.hfun`` (normalised and raw conventions; App. B needs it explicitly);
``m0`` fixes ``m₀ = <û₀, u>`` instead (no flip).

>>> parse_variant("joint+unprojected")
Variant(joint=True, project=False, linear=False, name='joint+unprojected', scratch=False)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Trace", "Variant", "parse_variant", "record_grid", "resolve_h0_sign",
           "h0_sign_from_theory", "FLAGS"]

#: Accepted variant flags.
FLAGS: tuple[str, ...] = ("frozen", "joint", "unprojected", "alpha", "linearised", "scratch")


@dataclass(frozen=True)
class Variant:
    """Parsed variant: train ĉ (``joint``), project off span(W) (``project``), linearised
    student (``linear``), all of W from a random start (``scratch``)."""

    joint: bool
    project: bool
    linear: bool
    name: str
    scratch: bool = False


def parse_variant(variant: str, inst=None) -> Variant:
    """Parse ``"flag+flag"`` (see the module docstring); check ``alpha`` against the instance.

    >>> parse_variant("frozen").project
    True
    """
    flags = [f.strip() for f in str(variant).split("+") if f.strip()]
    bad = [f for f in flags if f not in FLAGS]
    if bad or not flags:
        raise ValueError(f"unknown variant {variant!r}: flags are {', '.join(FLAGS)} (joined by +)")
    if "scratch" in flags and len(flags) > 1:
        raise ValueError("'scratch' is a variant of its own (it trains all of W)")
    if "frozen" in flags and "joint" in flags:
        raise ValueError("a variant cannot be both frozen and joint")
    if "alpha" in flags and inst is not None and inst.alpha < 1e-12:
        raise ValueError("variant 'alpha' needs an instance with α = ‖Π_W u‖ > 0 "
                         "(make_instance(alpha=...))")
    # 'unprojected' changes the constraint set; keep the word order the user gave in the name
    return Variant(joint="joint" in flags, project="unprojected" not in flags,
                   linear="linearised" in flags, name="+".join(flags),
                   scratch="scratch" in flags)


def record_grid(steps: int, record_every: int | None = None,
                grid: np.ndarray | list[int] | None = None) -> np.ndarray:
    """The recorded step counts: sorted, unique, always containing 0 and ``steps``.

    >>> record_grid(10, record_every=4).tolist()
    [0, 4, 8, 10]
    >>> record_grid(10, grid=[3, 3, 7]).tolist()
    [0, 3, 7, 10]
    """
    if steps < 0:
        raise ValueError("steps must be ≥ 0")
    if grid is not None:
        g = np.asarray(grid, dtype=np.int64).ravel()
        if g.size and (g.min() < 0 or g.max() > steps):
            raise ValueError("grid steps must lie in [0, steps]")
    else:
        every = max(1, int(record_every)) if record_every else max(1, steps // 100)
        g = np.arange(0, steps + 1, every, dtype=np.int64)
    return np.unique(np.concatenate([g, [0, steps]]).astype(np.int64))


def h0_sign_from_theory(inst, rtol: float = 1e-12) -> float:
    """sign(h(0)) from ``theory.population.hfun`` (Prop. 4's h, normalised or raw rows); 0.0 when
    |h(0)| ≤ ``rtol`` · Σ|λ_iλ_j| (numerically zero: no flip). The App. B convention is not
    covered by ``hfun``: pass ``h0_sign`` explicitly there.

    >>> from numerics.problem import make_instance
    >>> inst = make_instance(np.random.default_rng(0), d=20, k=3, xi=1.0, act="relu")
    >>> h0_sign_from_theory(inst) in (-1.0, 0.0, 1.0)
    True
    """
    from theory.population import hfun

    if inst.convention not in ("normalised", "raw"):
        raise ValueError(f"h(0) from theory.population covers the normalised and raw "
                         f"conventions, not {inst.convention!r}: pass h0_sign=±1")
    h = hfun(inst.gram(), inst.lam, inst.c, inst.chat, inst.xi, inst.activation,
             inst.convention)
    h0 = float(np.asarray(h(np.array([0.0])))[0])
    scale = float(np.abs(np.outer(inst.lam, inst.lam)).sum())
    return 0.0 if abs(h0) <= rtol * scale else float(np.sign(h0))


def resolve_h0_sign(h0_sign: float | Callable[[Any], float] | None, inst) -> float:
    """The sign of h(0) as ±1.0 (0.0: no flip). ``None``: from theory
    (:func:`h0_sign_from_theory`); a callable is called with the instance.

    >>> resolve_h0_sign(-3.0, None)
    -1.0
    """
    if h0_sign is None:
        try:
            return h0_sign_from_theory(inst)
        except (ImportError, ValueError) as err:
            raise ValueError(f"sign_flip=True needs the sign of h(0): {err}; pass h0_sign (±1 "
                             "or a callable inst -> ±1), or sign_flip=False / m0=") from None
    val = float(h0_sign(inst)) if callable(h0_sign) else float(h0_sign)
    return float(np.sign(val))


@dataclass
class Trace:
    """What an engine run records.

    * ``steps``: recorded step counts t (after t updates), from :func:`record_grid`;
    * ``m``: overlaps m_t = <û_t, u>, runs × len(steps);
    * ``loss``: at each recorded t > 0, the mean of the per-sample losses ``(f*(x_s) − f̂(x_s))²``
      (at the current iterate, on the fresh sample, before the update) over the steps
      ``s ∈ [t_prev, t)``: an unbiased estimate of the mean population loss Φ over that window;
      NaN at t = 0;
    * ``cc``: <ĉ_t, c> (runs × len(steps)) for the ``joint`` variant, else None;
    * ``t_success``: first t with m_t² ≥ 1 − ``eps`` (Thms 11–13's success), −1 if never;
    * ``t_escape``: first t with |m_t| > ``r``, −1 if never (both checked at every step);
    * ``engine``, ``variant``, ``settings`` (lr, lr_c, runs, steps, convention, …).
    """

    engine: str
    variant: str
    steps: np.ndarray
    m: np.ndarray
    loss: np.ndarray
    cc: np.ndarray | None
    t_success: np.ndarray
    t_escape: np.ndarray
    eps: float
    r: float
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def m_final(self) -> np.ndarray:
        """m at the last step (one value per run)."""
        return self.m[:, -1]


def check_common(inst, *, runs: int, steps: int, lr: float, eps: float, r: float) -> None:
    """Shared argument checks of both engines (activation with a gradient, sizes, rates).

    >>> from numerics.problem import make_instance
    >>> inst = make_instance(np.random.default_rng(0), d=5, k=3, xi=1.0, act="relu")
    >>> check_common(inst, runs=1, steps=1, lr=0.1, eps=0.1, r=0.5)
    Traceback (most recent call last):
    ...
    ValueError: need d ≥ rank(W) + 3 (d = 5, rank 3)
    """
    inst.activation.require_gradient()
    if runs < 1 or steps < 0:
        raise ValueError("runs must be ≥ 1 and steps ≥ 0")
    if not lr > 0:
        raise ValueError("lr must be > 0")
    if not (0 < eps < 1 and 0 <= r < 1):
        raise ValueError("need 0 < eps < 1 and 0 ≤ r < 1")
    if inst.d < inst.rank + 3:
        raise ValueError(f"need d ≥ rank(W) + 3 (d = {inst.d}, rank {inst.rank})")


def settings_dict(inst, var: Variant, **kw) -> dict[str, Any]:
    """The settings recorded in a :class:`Trace`.

    >>> from numerics.problem import make_instance
    >>> inst = make_instance(np.random.default_rng(0), d=8, k=2, xi=1.0, act="relu")
    >>> settings_dict(inst, parse_variant("joint"), lr=0.1)["variant"]
    'joint'
    """
    out = {"d": inst.d, "k": inst.k, "xi": inst.xi, "act": inst.act,
           "convention": inst.convention, "rank": inst.rank, "alpha": inst.alpha,
           "variant": var.name}
    out.update(kw)
    return out
