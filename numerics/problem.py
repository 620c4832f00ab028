"""Problem instances of low-rank fine-tuning (Dayi & Chen, §1.1–1.2, §2, App. B, App. D.1).

An :class:`Instance` holds one teacher/student problem: dimension ``d``, rank ``k``, scale ``xi``
(ξ), activation ``act`` (a name or expression, resolved by :func:`theory.activations.get`), the
pre-trained features ``W`` (k × d), the frozen second layer ``lam`` (λ), the teacher's ``c`` and
``u``, the student's initial ``chat`` (ĉ) and the ``convention`` in which rows are formed:

* ``"normalised"`` (default; App. D.1, Eq. 11): ``v_i = (w_i + ξ c_i u)/‖w_i + ξ c_i u‖`` row by
  row, output ``Σ_i λ_i σ(<v_i, x>)``;
* ``"raw"`` (Eq. 2–3): ``v_i = w_i + ξ c_i u``, output ``Σ_i λ_i σ(<v_i, x>)``;
* ``"appB"`` (App. B, p.21, as printed): ``v_i = (k/(k+ξ²))(w_i + ξ c_i u)`` (one common factor),
  output ``(1/ξ) Σ_i λ_i σ(<v_i, x>)``.

The student's rows are formed the same way with ĉ and û. What App. B's convention implies: the
pre-activation ``<v_i, x>`` has variance ``‖v_i‖² = κ²(‖w_i‖² + ξ²c_i²)`` (u ⊥ span W),
κ = k/(k+ξ²); with unit rows and ``c_i² = 1/k`` that is exactly κ (≈ 1 at ξ = 1, k = 50, but 1/2
at ξ = √k): the printed factor is the *square* of the row-normalising factor ``1/√(1+ξ²/k)``
(:meth:`Instance.row_variances` gives the variances). Every constructor takes an explicit
:class:`numpy.random.Generator`; ``meta`` records how the instance was built (and the seed if the
caller gives one) and :meth:`Instance.save` / :meth:`Instance.load` store it exactly (JSON + npz).

>>> rng = np.random.default_rng(0)
>>> inst = make_instance(rng, d=20, k=3, xi=1.0, act="relu")
>>> inst.W.shape, inst.convention, inst.alpha < 1e-12
((3, 20), 'normalised', True)
>>> X = rng.standard_normal((5, 20))
>>> bool(np.allclose(inst.f_star(X), inst.f_hat(X, inst.u, inst.c)))
True
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from theory.activations import Activation, get

__all__ = [
    "CONVENTIONS",
    "Instance",
    "stem",
    "make_instance",
    "features",
    "second_layer",
    "coefficients",
    "perturbation",
    "glm_instance",
    "uniform_sphere",
]

#: The three row conventions of the paper (see the module docstring).
CONVENTIONS: tuple[str, ...] = ("normalised", "raw", "appB")


def uniform_sphere(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    """``n`` independent uniform unit vectors of ``R^dim`` (normalised Gaussians), shape n × dim.

    >>> v = uniform_sphere(np.random.default_rng(1), 4, 7)
    >>> bool(np.allclose(np.linalg.norm(v, axis=1), 1.0))
    True
    """
    g = rng.standard_normal((n, dim))
    return g / np.linalg.norm(g, axis=1, keepdims=True)


@dataclass(eq=False)
class Instance:
    """One problem: teacher ``W + ξ c uᵀ``, student ``W + ξ ĉ ûᵀ``, second layer λ (frozen).

    ``convention`` is one of :data:`CONVENTIONS`. ``W`` must have full row rank ``k`` or be zero
    (the GLM instance); :attr:`rank` says which. Arrays are float64.
    """

    d: int
    k: int
    xi: float
    act: str
    W: np.ndarray
    lam: np.ndarray
    c: np.ndarray
    chat: np.ndarray
    u: np.ndarray
    convention: str = "normalised"
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.W = np.asarray(self.W, dtype=float).reshape(self.k, self.d)
        self.lam = np.asarray(self.lam, dtype=float).reshape(self.k)
        self.c = np.asarray(self.c, dtype=float).reshape(self.k)
        self.chat = np.asarray(self.chat, dtype=float).reshape(self.k)
        self.u = np.asarray(self.u, dtype=float).reshape(self.d)
        self.xi = float(self.xi)
        if self.convention not in CONVENTIONS:
            raise ValueError(f"convention must be one of {CONVENTIONS}, not {self.convention!r}")
        if not np.isclose(np.linalg.norm(self.u), 1.0, atol=1e-10):
            raise ValueError("u must be a unit vector")
        if self.rank not in (0, self.k):
            raise ValueError(f"W must have full row rank k = {self.k} or be zero; rank {self.rank}")

    # ------------------------------------------------------------------ structure of W
    @cached_property
    def activation(self) -> Activation:
        """The resolved activation σ."""
        return get(self.act)

    def gram(self) -> np.ndarray:
        """The Gram matrix ``W Wᵀ`` (k × k)."""
        return self.W @ self.W.T

    @cached_property
    def row_norms2(self) -> np.ndarray:
        """``‖w_j‖²`` for every row (k), computed once (the SGD engines need it every step)."""
        return np.einsum("ij,ij->i", self.W, self.W)

    @cached_property
    def rank(self) -> int:
        """rank(W): k (full row rank) or 0 (W = 0, the GLM instance)."""
        return 0 if not np.any(self.W) else int(np.linalg.matrix_rank(self.W))

    @cached_property
    def chol(self) -> np.ndarray | None:
        """Lower Cholesky factor L of ``W Wᵀ`` (``Wx ~ L N(0, I_k)``), or None if W = 0."""
        return None if self.rank == 0 else np.linalg.cholesky(self.gram())

    def project_perp(self, V: np.ndarray) -> np.ndarray:
        """Rows of ``V`` projected by ``I − Wᵀ(WWᵀ)⁻¹W`` onto span(W)^⊥ (no d × d matrix).

        >>> inst = make_instance(np.random.default_rng(2), d=9, k=2, xi=1.0, act="erf",
        ...                      features="random")
        >>> P = inst.project_perp(np.random.default_rng(3).standard_normal((4, 9)))
        >>> float(np.abs(P @ inst.W.T).max()) < 1e-12
        True
        """
        V = np.asarray(V, dtype=float)
        if self.rank == 0:
            return V.copy()
        import scipy.linalg  # here: importing it costs derive ~0.3 s at start-up

        coef = scipy.linalg.cho_solve((self.chol, True), (V @ self.W.T).T).T
        return V - coef @ self.W

    @property
    def alpha(self) -> float:
        """α = ‖Π_W u‖ (0 under Assumption 2)."""
        return float(np.linalg.norm(self.u - self.project_perp(self.u[None, :])[0]))

    # ------------------------------------------------------------------ rows and outputs
    @property
    def out_scale(self) -> float:
        """The output factor: 1/ξ in the App. B convention, 1 otherwise."""
        return 1.0 / self.xi if self.convention == "appB" else 1.0

    def _rows(self, coef: np.ndarray, direction: np.ndarray) -> np.ndarray:
        """Rows ``w_i + ξ coef_i direction`` in the instance's convention (k × d)."""
        V = self.W + self.xi * np.outer(coef, direction)
        if self.convention == "normalised":
            return V / np.linalg.norm(V, axis=1, keepdims=True)
        if self.convention == "appB":
            return (self.k / (self.k + self.xi**2)) * V
        return V

    def row_variances(self) -> np.ndarray:
        """Variances ‖v_i‖² of the teacher's pre-activations <v_i, x> (1 when normalised).

        >>> inst = make_instance(np.random.default_rng(0), d=30, k=4, xi=2.0, act="relu",
        ...                      convention="appB")
        >>> np.round(inst.row_variances(), 12).tolist()  # κ = 4/(4 + 4)
        [0.5, 0.5, 0.5, 0.5]
        """
        return np.einsum("ij,ij->i", self.teacher_rows(), self.teacher_rows())

    def teacher_rows(self) -> np.ndarray:
        """Teacher rows v_i in the instance's convention (k × d)."""
        return self._rows(self.c, self.u)

    def student_rows(self, uhat: np.ndarray, chat: np.ndarray | None = None) -> np.ndarray:
        """Student rows built from ``û`` (and ``ĉ``, default the instance's) (k × d)."""
        return self._rows(self.chat if chat is None else np.asarray(chat, float),
                          np.asarray(uhat, float))

    def _output(self, X: np.ndarray, rows: np.ndarray) -> np.ndarray:
        X = np.atleast_2d(np.asarray(X, dtype=float))
        return self.out_scale * (self.activation.f(X @ rows.T) @ self.lam)

    def f_star(self, X: np.ndarray) -> np.ndarray:
        """Teacher outputs f*(x) for each row x of ``X`` (n × d → n)."""
        return self._output(X, self.teacher_rows())

    def f_hat(self, X: np.ndarray, uhat: np.ndarray, chat: np.ndarray | None = None) -> np.ndarray:
        """Student outputs f̂(x) at ``û`` (and ``ĉ``) for each row x of ``X`` (n × d → n)."""
        return self._output(X, self.student_rows(uhat, chat))

    def f_zero(self, X: np.ndarray) -> np.ndarray:
        """Base model f₀(x): the student at ĉ ûᵀ = 0 (rows from W alone, same convention)."""
        return self._output(X, self._rows(np.zeros(self.k), self.u))

    # ------------------------------------------------------------------ persistence
    def save(self, path_stem: str | Path) -> None:
        """Write ``<stem>.json`` (scalars, activation, convention, meta) and ``<stem>.npz``;
        ``path_stem`` may end in ``.json`` or ``.npz`` (see :func:`stem`)."""
        base = stem(path_stem)
        info = {"d": self.d, "k": self.k, "xi": self.xi, "act": self.act,
                "convention": self.convention, "meta": self.meta}
        Path(f"{base}.json").write_text(json.dumps(info, indent=2, sort_keys=True))
        np.savez(f"{base}.npz", W=self.W, lam=self.lam, c=self.c, chat=self.chat, u=self.u)

    @classmethod
    def load(cls, path_stem: str | Path) -> Instance:
        """Read an instance written by :meth:`save` (bit-for-bit the same arrays);
        ``path_stem`` may end in ``.json`` or ``.npz`` (see :func:`stem`)."""
        base = stem(path_stem)
        info = json.loads(Path(f"{base}.json").read_text())
        with np.load(f"{base}.npz") as z:
            arrays = {key: z[key] for key in ("W", "lam", "c", "chat", "u")}
        return cls(info["d"], info["k"], info["xi"], info["act"], convention=info["convention"],
                   meta=info["meta"], **arrays)


def stem(path: str | Path) -> str:
    """The common stem of an instance's two files: ``path`` without a final ``.json`` or ``.npz``
    (other dots are kept: ``run.v1`` is the stem of ``run.v1.json``).

    >>> stem("glm.json"), stem("runs/run.v1"), stem("a.npz")
    ('glm', 'runs/run.v1', 'a')
    """
    text = str(path)
    for suffix in (".json", ".npz"):
        if text.endswith(suffix):
            return text[: -len(suffix)]
    return text


# ---------------------------------------------------------------------- constructors


def features(rng: np.random.Generator, kind: str | np.ndarray, d: int, k: int,
             max_tries: int = 100) -> np.ndarray:
    """Pre-trained features W (k × d).

    ``"orthonormal"``: Assumption 4 (+ Assumption 1), rows of a Haar-random orthonormal frame;
    ``"random"``: i.i.d. uniform unit rows (App. B); ``"separated"``: random unit rows redrawn until
    Assumption 5 holds, ``|<w_i, w_j>| ≤ 1 − log k/√k`` for i ≠ j (checked; ValueError after
    ``max_tries``); an array: used as given (k × d).

    >>> W = features(np.random.default_rng(0), "orthonormal", 6, 3)
    >>> bool(np.allclose(W @ W.T, np.eye(3)))
    True
    """
    if not isinstance(kind, str):
        W = np.asarray(kind, dtype=float)
        if W.shape != (k, d):
            raise ValueError(f"features array has shape {W.shape}, expected {(k, d)}")
        return W.copy()
    if kind == "orthonormal":
        if k > d:
            raise ValueError("orthonormal features need k ≤ d")
        q, r = np.linalg.qr(rng.standard_normal((d, k)))
        return (q * np.sign(np.diag(r))).T.copy()
    if kind == "random":
        return uniform_sphere(rng, k, d)
    if kind == "separated":
        bound = 1.0 - math.log(k) / math.sqrt(k) if k > 1 else 1.0
        for _ in range(max_tries):
            W = uniform_sphere(rng, k, d)
            off = np.abs(W @ W.T - np.eye(k))
            if off.max(initial=0.0) <= bound:
                return W
        raise ValueError(f"no draw met Assumption 5 (|<w_i,w_j>| ≤ {bound:.4f}) "
                         f"in {max_tries} tries at d = {d}, k = {k}")
    raise ValueError(f"unknown features {kind!r}: orthonormal, random, separated or an array")


def second_layer(rng: np.random.Generator, kind: str | np.ndarray, k: int) -> np.ndarray:
    """Second layer λ: ``"equal"`` is all ones (λ_i = 1); ``"random"`` is i.i.d. Unif[1/2, 3/2]
    (so λ_min ≥ 1/2, λ_max ≤ 3/2; our choice, the paper fixes no law); or an array.

    >>> second_layer(np.random.default_rng(0), "equal", 3)
    array([1., 1., 1.])
    """
    if not isinstance(kind, str):
        return np.asarray(kind, dtype=float).reshape(k).copy()
    if kind == "equal":
        return np.ones(k)
    if kind == "random":
        return rng.uniform(0.5, 1.5, size=k)
    raise ValueError(f"unknown second layer {kind!r}: equal, random or an array")


def coefficients(rng: np.random.Generator, kind: str | np.ndarray, k: int) -> np.ndarray:
    """c or ĉ: ``"quantised"`` Unif{±1/√k}^k (Assumption 3), ``"sphere"`` Unif(S^{k−1})
    (App. B), or an array. Both laws give unit vectors.

    >>> c = coefficients(np.random.default_rng(0), "quantised", 4)
    >>> sorted(set(np.abs(c).tolist()))
    [0.5]
    """
    if not isinstance(kind, str):
        return np.asarray(kind, dtype=float).reshape(k).copy()
    if kind == "quantised":
        return rng.choice(np.array([-1.0, 1.0]), size=k) / math.sqrt(k)
    if kind == "sphere":
        return uniform_sphere(rng, 1, k)[0]
    raise ValueError(f"unknown coefficient law {kind!r}: quantised, sphere or an array")


def perturbation(rng: np.random.Generator, W: np.ndarray, alpha: float = 0.0) -> np.ndarray:
    """The teacher's direction u (unit). ``alpha = 0``: uniform on the unit sphere of span(W)^⊥
    (Assumption 2). Otherwise ``u = α u₁ + √(1−α²) u₂`` with u₁ uniform on the unit sphere of
    span(W), u₂ uniform on that of span(W)^⊥ (App. B, Fig. 5), so ‖Π_W u‖ = α.

    >>> W = features(np.random.default_rng(0), "random", 10, 3)
    >>> u = perturbation(np.random.default_rng(1), W, alpha=0.5)
    >>> Q = np.linalg.qr(W.T)[0]
    >>> round(float(np.linalg.norm(Q.T @ u)), 12)
    0.5
    """
    k, d = W.shape
    if not 0.0 <= alpha <= 1.0:
        raise ValueError("alpha must lie in [0, 1]")
    zero = not np.any(W)
    if zero:
        if alpha > 0:
            raise ValueError("alpha > 0 needs a non-zero W")
        return uniform_sphere(rng, 1, d)[0]
    Q = np.linalg.qr(W.T)[0]  # orthonormal basis of span(W) (d × k)
    g2 = rng.standard_normal(d)
    u2 = g2 - Q @ (Q.T @ g2)
    u2 /= np.linalg.norm(u2)
    if alpha == 0.0:
        return u2
    g1 = Q @ rng.standard_normal(Q.shape[1])
    u1 = g1 / np.linalg.norm(g1)
    return alpha * u1 + math.sqrt(1.0 - alpha**2) * u2


def glm_instance(rng: np.random.Generator, *, d: int, k: int, act: str,
                 convention: str = "normalised") -> Instance:
    """The GLM instance of §1.2: W = 0, c = ĉ = (1/√k)·1, λ = (1/k)·1, ξ = √k, u uniform.

    Then every teacher row is u (raw: ξ c_i u = u; normalised: the same), and f*(x) = σ(<u, x>);
    in the App. B convention, as printed, the rows are u/2 and f*(x) = σ(<u, x>/2)/√k.

    >>> inst = glm_instance(np.random.default_rng(0), d=8, k=4, act="erf")
    >>> X = np.random.default_rng(1).standard_normal((3, 8))
    >>> bool(np.allclose(inst.f_star(X), inst.activation.f(X @ inst.u)))
    True
    """
    ones = np.ones(k)
    u = uniform_sphere(rng, 1, d)[0]
    return with_activation(Instance(d, k, math.sqrt(k), source_text(act), np.zeros((k, d)),
                                    ones / k, ones / math.sqrt(k), ones / math.sqrt(k), u,
                                    convention, meta={"built": "glm"}), act)


def make_instance(rng: np.random.Generator, *, d: int, k: int, xi: float, act: str,
                  features: str | np.ndarray = "orthonormal", lam: str | np.ndarray = "equal",
                  c: str = "quantised", convention: str = "normalised", alpha: float = 0.0,
                  seed: int | None = None) -> Instance:
    """Build an instance (the CLI's entry point). ``features`` may also be ``"glm"``, which
    ignores ``xi``, ``lam``, ``c`` and builds :func:`glm_instance`. c and ĉ are drawn
    independently from the same law ``c``; u by :func:`perturbation` with ``alpha``. The order
    of draws is W, λ, c, ĉ, u. ``seed`` (optional) is only recorded in ``meta``.

    >>> inst = make_instance(np.random.default_rng(5), d=30, k=4, xi=2.0, act="tanh",
    ...                      features="separated", c="sphere", convention="appB")
    >>> inst.meta["features"], round(float(np.linalg.norm(inst.c)), 12)
    ('separated', 1.0)
    """
    resolved = get(act)  # validates typed text (whitelist parser); an Activation passes through
    if isinstance(features, str) and features == "glm":
        inst = glm_instance(rng, d=d, k=k, act=act, convention=convention)
        inst.meta.update({"features": "glm", "seed": seed})
        return inst
    W = _features(rng, features, d, k)
    lam_v = second_layer(rng, lam, k)
    c_v = coefficients(rng, c, k)
    chat_v = coefficients(rng, c, k)
    u = perturbation(rng, W, alpha)
    meta = {"features": features if isinstance(features, str) else "array",
            "lam": lam if isinstance(lam, str) else "array", "c": c, "alpha": alpha,
            "seed": seed, "built": "make_instance"}
    return with_activation(Instance(d, k, xi, source_text(resolved), W, lam_v, c_v, chat_v, u,
                                    convention, meta), resolved)


def source_text(act) -> str:
    """The text saved for an activation: what :func:`theory.activations.get` accepts back (the
    name or the typed input), never ``str(expr)``, which the whitelist may refuse."""
    a = get(act)
    return a.source if a.source is not None else str(act)


def with_activation(inst: Instance, act) -> Instance:
    """``inst`` with its activation set to the parsed object ``act`` (no re-parsing later)."""
    a = get(act)
    inst.act = source_text(a)
    inst.__dict__["activation"] = a  # the cached_property's slot
    return inst


_features = features
