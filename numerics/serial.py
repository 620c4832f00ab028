"""One JSON-safe conversion for everything the project writes (evidence, reports, --json).

Exact values stay exact: a sympy number or expression becomes its string (``"sqrt(6)/2"``), never a
rounded float; numpy and mpmath scalars become Python numbers; non-finite floats become the strings
``"inf"``, ``"-inf"``, ``"nan"`` (JSON has no literal for them).

>>> import numpy as np, sympy as sp
>>> jsonable({"a": np.float64(1.5), "b": [np.int64(2)], "c": float("inf"), "d": sp.sqrt(2)})
{'a': 1.5, 'b': [2], 'c': 'inf', 'd': 'sqrt(2)'}
>>> jsonable((np.bool_(True), sp.true, None))
[True, True, None]
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["jsonable"]


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
