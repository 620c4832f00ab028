"""One JSON-safe conversion for everything the project writes (evidence, reports, --json).

Exact values stay exact: a sympy number or expression becomes its string (``"sqrt(6)/2"``), never a
rounded float; numpy and mpmath scalars become Python numbers; non-finite floats become the strings
``"inf"``, ``"-inf"``, ``"nan"`` (JSON has no literal for them).

>>> import numpy as np, sympy as sp
>>> jsonable({"a": np.float64(1.5), "b": [np.int64(2)], "c": float("inf"), "d": sp.sqrt(2)})
{'a': 1.5, 'b': [2], 'c': 'inf', 'd': 'sqrt(2)'}
>>> jsonable((np.bool_(True), sp.true, None))
[True, True, None]

The command line's JSON documents must hold no non-finite value at all (a missing value is
``null``): :func:`first_nonfinite` finds the first one, so that a post-check can name it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["jsonable", "first_nonfinite"]


def _float(f: float) -> float | str:
    f = float(f)
    return f if math.isfinite(f) else str(f)


def jsonable(obj: Any) -> Any:
    """A JSON-serialisable copy of ``obj`` (see the module docstring for the rules)."""
    if obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, bool):
        return obj
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        return _float(obj)
    mod = type(obj).__module__.split(".")[0]
    if mod == "numpy":
        if hasattr(obj, "tolist"):
            return jsonable(obj.tolist())
    if mod == "sympy":
        import sympy as sp

        if obj in (sp.true, sp.false):
            return bool(obj)
        if isinstance(obj, sp.Float):
            return _float(float(obj))
        return str(obj)
    if mod == "mpmath":
        try:
            return _float(float(obj))
        except TypeError:
            return str(obj)
    return str(obj)


def first_nonfinite(obj: Any, path: str = "") -> tuple[str, float] | None:
    """The path (``a.b[3][0]``) and value of the first non-finite number in ``obj`` (dicts,
    lists, tuples, numpy arrays and scalars, floats, mpmath/sympy floats), or None.

    >>> first_nonfinite({"a": [1.0, 2.0], "b": {"c": np.array([[0.0, np.nan]])}})
    ('b.c[0][1]', nan)
    >>> first_nonfinite({"a": None, "s": "inf"}) is None   # strings are text, not numbers
    True
    """
    if obj is None or isinstance(obj, (str, bool)):
        return None
    if isinstance(obj, dict):
        for k, v in obj.items():
            hit = first_nonfinite(v, f"{path}.{k}" if path else str(k))
            if hit:
                return hit
        return None
    if isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            hit = first_nonfinite(v, f"{path}[{i}]")
            if hit:
                return hit
        return None
    if type(obj).__module__.split(".")[0] == "numpy" and hasattr(obj, "dtype"):
        a = np.asarray(obj)
        if a.dtype.kind not in "fc":
            return first_nonfinite(a.tolist(), path) if a.dtype.kind == "O" else None
        bad = np.argwhere(~np.isfinite(a))
        if not bad.size:
            return None
        idx = tuple(int(i) for i in bad[0])
        return path + "".join(f"[{i}]" for i in idx), float(a[idx].real)
    if isinstance(obj, (int, float)) or type(obj).__module__.split(".")[0] in ("mpmath", "sympy"):
        try:
            f = float(obj)
        except (TypeError, ValueError, OverflowError):
            return None
        return None if math.isfinite(f) else (path, f)
    return None
