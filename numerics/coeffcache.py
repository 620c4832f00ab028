"""A persistent on-disk cache of certified Hermite coefficients, shared by all ``lowrank``
processes of a user.

What is stored: each batch ``theory.hermite.mus(σ, n, dps)`` (exact values, certified balls,
methods), one JSON file per batch, named by the SHA-256 of the key

    (code version, σ's canonical expression ``srepr``, its pieces, n, dps)

where the code version is the SHA-256 of the source of every module the coefficients depend
on (:data:`SOURCES`), so a change of the code never serves a stale value.

Where: ``$LOWRANK_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/lowrank`` (``~/.cache/lowrank``),
subfolder ``coefficients/``. ``LOWRANK_NO_CACHE=1`` or the commands' ``--no-cache`` turn it
off; ``LOWRANK_CACHE_MAX_MB`` (default 200) bounds its size: after a write, the least recently
used files are removed until the folder fits.

Safety under concurrent processes: files are written to a temporary name and renamed
(``os.replace`` is atomic), so a reader sees a whole file or none; the size trimming holds a
``filelock`` lock. A file that does not parse, or whose stored key differs from the one asked
for, is ignored (and recomputed). Exact values are stored as sympy's ``srepr`` and read back by
a whitelist parser (:func:`parse_srepr`) that builds only sympy numbers, symbols and the
functions the project uses: no ``eval``.

>>> import tempfile, os
>>> os.environ["LOWRANK_CACHE_DIR"] = tempfile.mkdtemp()
>>> store = Store()
>>> from theory import hermite
>>> cs = hermite._mus(hermite.get("relu"), 3, 20)
>>> store.save(("a", "b"), 3, 20, cs)
>>> [c.value for c in store.load(("a", "b"), 3, 20)] == [c.value for c in cs]
True
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import tempfile
from functools import cache
from pathlib import Path

import mpmath
import sympy as sp

__all__ = ["Store", "install", "cache_dir", "parse_srepr", "SOURCES", "code_version"]

#: Modules whose source determines the stored coefficients.
SOURCES = ("theory/hermite.py", "theory/hermite_exact.py", "theory/gauss.py",
           "theory/envelope.py", "theory/balls.py", "theory/activations.py",
           "numerics/coeffcache.py")

VERSION = 1


def cache_dir() -> Path:
    """The cache folder (module docstring)."""
    env = os.environ.get("LOWRANK_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "lowrank"


@cache
def code_version() -> str:
    """SHA-256 of the sources in :data:`SOURCES` (and the flint/sympy versions)."""
    import flint

    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256(f"{VERSION} flint {flint.__version__} sympy {sp.__version__}".encode())
    for rel in SOURCES:
        h.update(rel.encode())
        h.update((root / rel).read_bytes())
    return h.hexdigest()


def _mpf_pair(v: mpmath.mpf) -> list[str]:
    sign, man, ex, _ = v._mpf_
    return [str((-1) ** sign * int(man)), str(int(ex))]


def _mpf_from(pair) -> mpmath.mpf:
    man, ex = int(pair[0]), int(pair[1])
    if man == 0:
        return mpmath.mpf(0)
    with mpmath.workprec(max(abs(man).bit_length(), 53)):
        return mpmath.mpf((man, ex))


class Store:
    """The on-disk store (module docstring); ``load``/``save`` as :func:`theory.hermite.mus`
    expects. ``max_mb``: size limit (default ``$LOWRANK_CACHE_MAX_MB`` or 200)."""

    def __init__(self, folder: Path | None = None, max_mb: float | None = None):
        self.folder = Path(folder or cache_dir()) / "coefficients"
        self.max_bytes = int(float(max_mb if max_mb is not None else
                                   os.environ.get("LOWRANK_CACHE_MAX_MB", 200)) * 2**20)
        self.hits = 0
        self.misses = 0

    def _key(self, key, n: int, dps: int) -> tuple[str, str]:
        text = json.dumps([code_version(), list(key), n, dps])
        return text, hashlib.sha256(text.encode()).hexdigest()

    def load(self, key, n: int, dps: int):
        from theory.hermite import Coefficient

        text, name = self._key(key, n, dps)
        path = self.folder / f"{name}.json"
        try:
            data = json.loads(path.read_text())
            if data["key"] != text:
                raise ValueError("key mismatch")
            out = tuple(Coefficient(r["p"], None if r["value"] is None else
                                    parse_srepr(r["value"]), _mpf_from(r["approx"]),
                                    _mpf_from(r["error"]), r["method"], r["limited"])
                        for r in data["coefficients"])
        except (OSError, ValueError, KeyError, TypeError, SyntaxError):
            self.misses += 1
            return None
        try:
            os.utime(path)  # least recently used goes first when trimming
        except OSError:
            pass
        self.hits += 1
        return out

    def save(self, key, n: int, dps: int, coefficients) -> None:
        text, name = self._key(key, n, dps)
        rows = [{"p": c.p, "value": None if c.value is None else sp.srepr(c.value),
                 "approx": _mpf_pair(c.approx), "error": _mpf_pair(c.error),
                 "method": c.method, "limited": c.limited} for c in coefficients]
        data = json.dumps({"key": text, "coefficients": rows})
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=self.folder)
            with os.fdopen(fd, "w") as fh:
                fh.write(data)
            os.replace(tmp, self.folder / f"{name}.json")
            self._trim()
        except OSError:
            return  # a read-only or full disk only costs the cache

    def _trim(self) -> None:
        from filelock import FileLock, Timeout

        try:
            with FileLock(str(self.folder / ".trim.lock"), timeout=5):
                files = [(p.stat().st_mtime, p.stat().st_size, p)
                         for p in self.folder.glob("*.json")]
                total = sum(s for _, s, _ in files)
                for _, size, p in sorted(files):
                    if total <= self.max_bytes:
                        break
                    try:
                        p.unlink()
                        total -= size
                    except OSError:
                        pass
        except (Timeout, OSError):
            pass


def install(enabled: bool = True) -> Store | None:
    """Install the store in :mod:`theory.hermite` (or remove it); honours LOWRANK_NO_CACHE."""
    from theory import hermite

    if not enabled or os.environ.get("LOWRANK_NO_CACHE", "") not in ("", "0"):
        hermite.use_store(None)
        return None
    store = Store()
    hermite.use_store(store)
    return store


# ---------------------------------------------------------------------------------------------
# A whitelist reader for sympy's srepr
# ---------------------------------------------------------------------------------------------

_CLASSES = {name: getattr(sp, name) for name in (
    "Integer", "Rational", "Float", "Symbol", "Add", "Mul", "Pow", "exp", "log", "sqrt", "sin",
    "cos", "tanh", "sinh", "cosh", "erf", "erfc", "asin", "acos", "atan", "Abs", "Max", "Min",
    "sign", "Heaviside", "Piecewise", "StrictLessThan", "LessThan", "StrictGreaterThan",
    "GreaterThan")}
_CLASSES["ExprCondPair"] = sp.functions.elementary.piecewise.ExprCondPair
_CONST = {"pi": sp.pi, "E": sp.E, "oo": sp.oo, "I": sp.I, "true": sp.true, "false": sp.false}


def parse_srepr(text: str) -> sp.Expr:
    """Rebuild a sympy expression from its ``srepr`` without ``eval``: only calls of the
    whitelisted classes with literal, keyword-literal or nested-call arguments.

    >>> parse_srepr(sp.srepr(sp.sqrt(2) * sp.exp(-sp.Rational(9, 2)) / sp.pi))
    sqrt(2)*exp(-9/2)/pi
    >>> parse_srepr("__import__('os')")
    Traceback (most recent call last):
    ...
    ValueError: not allowed in a cached expression: __import__
    """
    tree = ast.parse(text, mode="eval")
    return _build(tree.body)


def _build(node):
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, str, float)):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_build(node.operand)
    if isinstance(node, ast.Name) and node.id in _CONST:
        return _CONST[node.id]
    if isinstance(node, ast.Name) and node.id in ("True", "False"):
        return node.id == "True"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        name = node.func.id
        if name not in _CLASSES:
            raise ValueError(f"not allowed in a cached expression: {name}")
        args = [_build(a) for a in node.args]
        kwargs = {k.arg: _build(k.value) for k in node.keywords}
        if name in ("Symbol",):
            return sp.Symbol(*args, **{k: bool(v) for k, v in kwargs.items()})
        if name in ("Integer", "Rational", "Float"):
            return _CLASSES[name](*args, **kwargs)
        return _CLASSES[name](*args)
    if isinstance(node, ast.Tuple):
        return tuple(_build(e) for e in node.elts)
    what = getattr(node, "id", None) or type(node).__name__
    raise ValueError(f"not allowed in a cached expression: {what}")

