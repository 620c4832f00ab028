"""numba kernels with σ, σ' compiled in, compiled once per machine and cached on disk.

The SGD engines compile a kernel per activation (σ and σ' are inlined into it). numba caches
compiled code only for functions defined in a file (``cache=True``); a kernel built from a
lambdified σ at run time is not, so each process compiled it again (6–14 s). Here the kernel's
source — the inner function of a *maker* ``make(sig, dsig)`` in the engine's module, taken
verbatim — and σ, σ' printed as Python (sympy's code printer) are written into a generated
module, which is imported and compiled with ``cache=True``: numba stores the machine code next
to it, and the next process loads it instead of compiling.

The generated file is **content-addressed**: its name is the SHA-256 of everything that
determines the machine code — the maker's source, the whole source of the engine module (whose
helpers the kernel calls, and which numba's own cache would not watch), σ and σ' as printed,
and the numba, numpy and Python versions. A change of any of them gives another file, so a
stale kernel is never run. Files are written atomically (temporary name, then ``os.replace``)
under a ``filelock`` lock, in ``<cache>/kernels/`` (the folder of :mod:`numerics.coeffcache`:
``$LOWRANK_CACHE_DIR`` or ``~/.cache/lowrank``). ``LOWRANK_NO_CACHE=1`` compiles in memory as
before.

>>> from theory.activations import get
>>> from numerics.sgd import reduced
>>> name = module_name(get("tanh"), reduced._make_kernel)
>>> name.startswith("lowrank_kernel_") and len(name) == len("lowrank_kernel_") + 24
True
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import inspect
import os
import sys
import tempfile
import textwrap
from collections.abc import Callable
from pathlib import Path

import sympy as sp
from sympy.printing.pycode import PythonCodePrinter

__all__ = ["kernel", "module_name", "sigma_source", "kernel_folder"]

_LOADED: dict[str, Callable] = {}


class _Printer(PythonCodePrinter):
    """sympy → Python for numba: σ's a.e. derivative has Heaviside and sign in it."""

    def _print_Heaviside(self, e):
        return f"_heaviside({self._print(e.args[0])})"

    def _print_sign(self, e):
        return f"_sign({self._print(e.args[0])})"

    def _print_DiracDelta(self, e):  # a.e. zero (callers refuse σ with jumps)
        return "0.0"


def sigma_source(act) -> tuple[str, str]:
    """(σ, σ') as Python expressions in ``a`` (the hand-written ReLU kept as it was).

    >>> from theory.activations import get
    >>> sigma_source(get("relu"))
    ('a if a > 0.0 else 0.0', '1.0 if a > 0.0 else 0.0')
    >>> sigma_source(get("tanh"))[0]
    'math.tanh(a)'
    """
    if act.name == "relu":
        return "a if a > 0.0 else 0.0", "1.0 if a > 0.0 else 0.0"
    a = sp.Symbol("a", real=True)
    from theory.activations import X

    pr = _Printer({"fully_qualified_modules": True, "standard": "python3"})
    f = act.expr.subs(X, a)
    d = act.dexpr.replace(sp.DiracDelta, lambda *_: sp.Integer(0)).subs(X, a)
    return pr.doprint(f), pr.doprint(d)


def _template(maker: Callable) -> tuple[str, str]:
    """(name, source) of the one function defined inside ``maker``, dedented, with
    ``cache=True`` added to its ``numba.njit`` decorator."""
    src = textwrap.dedent(inspect.getsource(maker))
    tree = ast.parse(src)
    outer = tree.body[0]
    inner = [n for n in ast.walk(outer) if isinstance(n, ast.FunctionDef) and n is not outer]
    if len(inner) != 1:
        raise ValueError(f"{maker.__name__} must define exactly one inner function")
    fn = inner[0]
    lines = src.splitlines()
    start = min(d.lineno for d in fn.decorator_list) - 1 if fn.decorator_list else fn.lineno - 1
    body = textwrap.dedent("\n".join(lines[start:fn.end_lineno]))
    first, rest = body.split("\n", 1)
    if not first.startswith("@numba.njit("):
        raise ValueError("the inner function must be decorated with @numba.njit(...)")
    return fn.name, first.replace("@numba.njit(", "@numba.njit(cache=True, ", 1) + "\n" + rest


def _globals_used(maker: Callable, name: str) -> list[str]:
    """Module-level names of the maker's module that the inner function uses."""
    mod = sys.modules[maker.__module__]
    tree = ast.parse(_template(maker)[1])
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    return sorted(n for n in used if n in vars(mod) and n not in ("numba", "np", "math"))


def _digest(act, maker: Callable) -> str:
    import numba
    import numpy

    mod = sys.modules[maker.__module__]
    h = hashlib.sha256()
    for part in (inspect.getsource(maker), inspect.getsource(mod), *sigma_source(act),
                 numba.__version__, numpy.__version__, sys.version, Path(__file__).read_text()):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()[:24]


def module_name(act, maker: Callable) -> str:
    """The content-addressed module name of ``maker``'s kernel for ``act``."""
    return f"lowrank_kernel_{_digest(act, maker)}"


def kernel_folder() -> Path:
    from numerics.coeffcache import cache_dir

    return cache_dir() / "kernels"


def _source(act, maker: Callable) -> str:
    name, body = _template(maker)
    sig, dsig = sigma_source(act)
    imports = ", ".join(_globals_used(maker, name))
    head = f"from {maker.__module__} import {imports}\n" if imports else ""
    return f'''"""Generated by numerics.jitcache from {maker.__module__}.{maker.__name__} for
σ(a) = {sig}. Do not edit: the name is the hash of everything it is made of."""

import math

import numba
import numpy as np

{head}

@numba.njit(cache=True)
def _heaviside(a):
    return 1.0 if a > 0.0 else (0.5 if a == 0.0 else 0.0)


@numba.njit(cache=True)
def _sign(a):
    return 1.0 if a > 0.0 else (-1.0 if a < 0.0 else 0.0)


@numba.njit(cache=True, inline="always")
def sig(a):
    return float({sig})


@numba.njit(cache=True, inline="always")
def dsig(a):
    return float({dsig})


{body}
'''


def kernel(act, maker: Callable) -> Callable:
    """The kernel ``maker`` builds, with σ, σ' of ``act`` compiled in, from the on-disk module
    (written on first use); in memory only when ``LOWRANK_NO_CACHE`` is set."""
    modname = module_name(act, maker)
    if modname in _LOADED:
        return _LOADED[modname]
    if os.environ.get("LOWRANK_NO_CACHE", "") not in ("", "0"):
        from numerics.sgd.reduced import compiled_activation

        fn = maker(*compiled_activation(act))
        _LOADED[modname] = fn
        return fn
    folder = kernel_folder()
    path = folder / f"{modname}.py"
    try:
        if not path.exists():
            from filelock import FileLock

            folder.mkdir(parents=True, exist_ok=True)
            with FileLock(str(folder / ".write.lock"), timeout=60):
                if not path.exists():
                    fd, tmp = tempfile.mkstemp(prefix=f".{modname}.", suffix=".py", dir=folder)
                    with os.fdopen(fd, "w") as fh:
                        fh.write(_source(act, maker))
                    os.replace(tmp, path)
        spec = importlib.util.spec_from_file_location(modname, path)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[modname] = mod
        spec.loader.exec_module(mod)
        fn = getattr(mod, _template(maker)[0])
    except OSError:  # no writable cache folder: compile in memory
        from numerics.sgd.reduced import compiled_activation

        fn = maker(*compiled_activation(act))
    _LOADED[modname] = fn
    return fn
