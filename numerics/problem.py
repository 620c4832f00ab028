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
    "InstanceError",
    "read_instance_files",
    "check_model",
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
        if not abs(np.linalg.norm(self.u) - 1.0) <= 1e-10:  # (isclose's rtol let 1 − 10⁻⁵ by)
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
        """rank(W): k (full row rank) or 0 (W = 0, the GLM instance); the numerical rank of a W
        that is neither (which the constructor refuses).

        Full row rank is decided by a Cholesky factorisation of the k × k Gram matrix WWᵀ
        (O(k²d) for the product, k³/3 for the factor, which :attr:`chol` reuses; no SVD of the
        k × d matrix W, which took minutes at k = 5000): W has full row rank when WWᵀ factors
        with every pivot L_ii² > k·ε·max_i (WWᵀ)_ii, i.e. when cho_solve with it is
        meaningful. Only otherwise are the Gram eigenvalues counted above that threshold.

        >>> W = np.array([[1.0, 0, 0], [1.0, 1e-12, 0]])
        >>> Instance(3, 2, 1.0, "relu", W, [1, 1], [0.6, 0.8], [0.6, 0.8], [0, 0, 1.0],
        ...          ) # doctest: +IGNORE_EXCEPTION_DETAIL
        Traceback (most recent call last):
        ValueError: W must have full row rank k = 2 or be zero; rank 1
        """
        if not np.any(self.W):
            return 0
        G = self.gram()
        tol = self.k * np.finfo(float).eps * float(np.max(np.diag(G)))
        try:
            L = np.linalg.cholesky(G)
        except np.linalg.LinAlgError:
            L = None
        if L is not None and float(np.min(np.diag(L))) ** 2 > tol:
            self.__dict__["chol"] = L
            return self.k
        return int(np.sum(np.linalg.eigvalsh(G) > tol))

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
        """Write ``<stem>.json`` (scalars, activation, convention, meta) and ``<stem>.npz``, each
        atomically; ``path_stem`` may end in ``.json`` or ``.npz`` (see :func:`stem`)."""
        import io

        from numerics.atomic import write_atomic

        base = stem(path_stem)
        info = {"d": self.d, "k": self.k, "xi": self.xi, "act": self.act,
                "convention": self.convention, "meta": self.meta}
        buf = io.BytesIO()
        np.savez(buf, W=self.W, lam=self.lam, c=self.c, chat=self.chat, u=self.u)
        # each file atomically (a kill leaves the old file or the new one, never half of one)
        write_atomic(f"{base}.npz", buf.getvalue())
        write_atomic(f"{base}.json", json.dumps(info, indent=2, sort_keys=True))

    @classmethod
    def load(cls, path_stem: str | Path) -> Instance:
        """Read an instance written by :meth:`save` (bit-for-bit the same arrays);
        ``path_stem`` may end in ``.json`` or ``.npz`` (see :func:`stem`). Every field is
        checked before use (:func:`read_instance_files`): anything malformed raises
        :class:`InstanceError` with one line naming the file, the field and what is wrong."""
        info, arrays = read_instance_files(path_stem)
        meta = info.get("meta", {})
        try:
            get(info["act"])  # the whitelist parser: a file's text is never evaluated
        except ValueError as err:
            raise InstanceError(f"{stem(path_stem)}.json: act: {err}") from None
        try:
            return cls(info["d"], info["k"], info["xi"], info["act"],
                       convention=info["convention"], meta=meta, **arrays)
        except ValueError as err:  # u not unit, W of rank neither k nor 0, …
            raise InstanceError(f"{stem(path_stem)}.npz: {err}") from None


class InstanceError(ValueError):
    """An instance file that cannot be read, or an instance outside the model (one line)."""


#: The scalar fields of an instance's ``.json``: name -> (types, what it must be).
_FIELDS: dict[str, tuple[tuple[type, ...], str]] = {
    "d": ((int,), "an integer ≥ 1"),
    "k": ((int,), "an integer ≥ 1"),
    "xi": ((int, float), "a finite number > 0 (ξ)"),
    "act": ((str,), "an activation (a name or an expression in x)"),
    "convention": ((str,), f"one of {', '.join(CONVENTIONS)}"),
}
#: The arrays of an instance's ``.npz`` and their shapes in terms of (k, d).
_ARRAYS: dict[str, Any] = {"W": lambda k, d: (k, d), "lam": lambda k, d: (k,),
                           "c": lambda k, d: (k,), "chat": lambda k, d: (k,),
                           "u": lambda k, d: (d,)}


def read_instance_files(path_stem: str | Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read and check the two files of an instance: ``<stem>.json`` must be an object with
    ``d``, ``k`` (integers ≥ 1), ``xi`` (finite, > 0), ``act`` (text), ``convention`` (one of
    :data:`CONVENTIONS`) and optionally ``meta`` (an object); ``<stem>.npz`` must hold the real,
    finite arrays W (k × d), lam, c, chat (k) and u (d), and no pickled objects. Returns
    ``(info, arrays)``; raises :class:`InstanceError` (one line) otherwise.

    >>> read_instance_files("/nonexistent/inst")
    Traceback (most recent call last):
    ...
    numerics.problem.InstanceError: cannot read the instance file /nonexistent/inst.json: No such
    file or directory
    """
    import struct
    import zipfile
    import zlib

    base = stem(path_stem)
    jp, zp = f"{base}.json", f"{base}.npz"
    try:
        text = Path(jp).read_bytes()
    except OSError as err:
        raise InstanceError(f"cannot read the instance file {jp}: {err.strerror or err}") from None
    try:
        info = json.loads(text)
    except (ValueError, UnicodeDecodeError) as err:
        raise InstanceError(f"{jp} is not valid JSON ({err})") from None
    if not isinstance(info, dict):
        raise InstanceError(f"{jp} must hold a JSON object with the fields "
                            f"{', '.join(_FIELDS)} (and meta), not a {type(info).__name__}")
    for key, (types, what) in _FIELDS.items():
        if key not in info:
            raise InstanceError(f"{jp} has no field {key!r} ({key} must be {what})")
        v = info[key]
        if isinstance(v, bool) or not isinstance(v, types):
            raise InstanceError(f"{jp}: {key} = {json.dumps(v)[:40]} is not {what}")
    if "meta" in info and not isinstance(info["meta"], dict):
        raise InstanceError(f"{jp}: meta must be a JSON object, not "
                            f"{json.dumps(info['meta'])[:40]}")
    d, k, xi = info["d"], info["k"], info["xi"]
    if d < 1 or k < 1:
        raise InstanceError(f"{jp}: d = {d} and k = {k} must be integers ≥ 1")
    if not (math.isfinite(xi) and xi > 0):
        raise InstanceError(f"{jp}: xi = {xi} is not {_FIELDS['xi'][1]}")
    if info["convention"] not in CONVENTIONS:
        raise InstanceError(f"{jp}: convention {info['convention']!r} is not "
                            f"{_FIELDS['convention'][1]}")
    if k * d > 2**40:
        raise InstanceError(f"{jp}: k × d = {k * d:.3g} entries cannot be an instance here")
    arrays: dict[str, np.ndarray] = {}
    try:
        # headers first (shape and type are checked before any data is read: a compressed
        # member could otherwise expand to any size), then the data
        with zipfile.ZipFile(zp) as zf:
            names = set(zf.namelist())
            for key, shape in _ARRAYS.items():
                if f"{key}.npy" not in names:
                    raise InstanceError(f"{zp} has no array {key!r}")
                with zf.open(f"{key}.npy") as fh:
                    version = np.lib.format.read_magic(fh)
                    read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                            else np.lib.format.read_array_header_2_0)
                    got, _, dtype = read(fh)
                want = shape(k, d)
                if dtype.kind not in "fiu":
                    raise InstanceError(f"{zp}: {key} holds {dtype} values, not real numbers")
                if got != want:
                    raise InstanceError(f"{zp}: {key} has shape {got}, expected {want} "
                                        f"(k = {k}, d = {d} in {jp})")
        with np.load(zp, allow_pickle=False) as z:
            for key in _ARRAYS:
                a = np.asarray(z[key], dtype=float)
                if not np.all(np.isfinite(a)):
                    where = tuple(int(i) for i in np.argwhere(~np.isfinite(a))[0])
                    raise InstanceError(f"{zp}: {key} is not finite ({key}{list(where)} = "
                                        f"{a[where]})")
                arrays[key] = a
    except InstanceError:
        raise
    except OSError as err:
        raise InstanceError(f"cannot read the instance file {zp}: {err.strerror or err}") from None
    except (ValueError, EOFError, zipfile.BadZipFile, KeyError, NotImplementedError,
            zlib.error, struct.error, OverflowError) as err:  # a corrupted archive
        msg = " ".join(str(err).split())[:120]
        raise InstanceError(f"{zp} is not a valid .npz archive of arrays ({msg})") from None
    return info, arrays


def check_model(inst: Instance, *, allow_alpha: bool = False, source: str = "the instance",
                alpha_hint: str = "") -> None:
    """Check that ``inst`` lies in the model of the paper (§1.1, Assumptions 2–3, App. B):
    ξ finite and > 0, every array finite, λ not all 0, c and ĉ unit vectors (both laws of the
    paper draw them on the unit sphere), and u ⊥ span(W) (Assumption 2) unless ``allow_alpha``
    (the ``alpha`` variant). Raises :class:`InstanceError` naming ``source`` and the reason;
    ``alpha_hint`` is appended to the u ⊥ span W refusal (what to use instead).

    >>> inst = make_instance(np.random.default_rng(0), d=10, k=2, xi=1.0, act="relu")
    >>> check_model(inst)
    >>> inst.lam = np.zeros(2)
    >>> check_model(inst)
    Traceback (most recent call last):
    ...
    numerics.problem.InstanceError: the instance: λ = 0: the teacher and the student are both the
    zero function (h ≡ 0)
    """
    if not (math.isfinite(inst.xi) and inst.xi > 0):
        raise InstanceError(f"{source}: ξ = {inst.xi} must be finite and > 0")
    for name in ("W", "lam", "c", "chat", "u"):
        if not np.all(np.isfinite(getattr(inst, name))):
            raise InstanceError(f"{source}: {name} is not finite")
    if not np.any(inst.lam):
        raise InstanceError(f"{source}: λ = 0: the teacher and the student are both the zero "
                            "function (h ≡ 0)")
    for name, sym in (("c", "c"), ("chat", "ĉ")):
        norm = float(np.linalg.norm(getattr(inst, name)))
        if not abs(norm - 1.0) <= 1e-8:
            raise InstanceError(f"{source}: ‖{sym}‖ = {norm:.6g}, but {sym} must be a unit vector "
                                "(Assumption 3's ±1/√k and App. B's sphere both are)")
    if not allow_alpha and inst.alpha > 1e-8:
        raise InstanceError(f"{source}: u has a component α = ‖Π_W u‖ = {inst.alpha:.3g} in "
                            f"span(W), but the paper's setting needs u ⊥ span W (Assumption 2)"
                            + (f"; {alpha_hint}" if alpha_hint else ""))


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
    Assumption 5 holds, ``|<w_i, w_j>| ≤ 1 − log k/√k`` for i ≠ j: the whole frame up to
    ``max_tries`` times, then row by row (ValueError when a row finds no place); an array: used as
    given (k × d).

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
        for _ in range(max_tries):  # the whole frame at once: uniform given Assumption 5
            W = uniform_sphere(rng, k, d)
            off = np.abs(W @ W.T - np.eye(k))
            if off.max(initial=0.0) <= bound:
                return W
        # At small d the whole-frame draw rarely passes (d = 8, k = 5: 2 of 20 seeds); then the
        # rows are drawn one at a time, each redrawn until it meets the rows before it. Both
        # give i.i.d.-looking unit rows that meet Assumption 5; their laws differ, which is why
        # the first is tried first (it keeps the draws of every size where it succeeds).
        rows: list[np.ndarray] = []
        for _ in range(k):
            for _ in range(100 * max_tries):
                w = uniform_sphere(rng, 1, d)[0]
                if all(abs(float(w @ v)) <= bound for v in rows):
                    rows.append(w)
                    break
            else:
                raise ValueError(
                    f"no draw met Assumption 5 (|<w_i,w_j>| ≤ {bound:.4f}) at d = {d}, k = {k} "
                    f"(row {len(rows) + 1}); use a larger --d or --features orthonormal")
        return np.array(rows)
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
