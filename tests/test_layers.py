"""The layers of the architecture (PROTOCOL: data flows theory → numerics → claims → report/CLI):
``theory/`` never imports ``numerics``, and nothing under ``numerics/`` outside ``numerics/cli``
imports the command-line layer (the atomic writer and the PNG saver live in
:mod:`numerics.atomic` and :mod:`numerics.plots`)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported(path: Path) -> set[str]:
    """Every module name an ``import``/``from … import`` statement in the file names (at any
    depth: lazy imports inside functions count)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out |= {f"{node.module}.{a.name}" for a in node.names}
    return out


def offenders(files, banned: str) -> list[str]:
    return sorted(f"{p.relative_to(ROOT)}: {m}" for p in files for m in imported(p)
                  if m == banned or m.startswith(banned + "."))


def test_imported_sees_lazy_imports(tmp_path):
    f = tmp_path / "m.py"
    f.write_text("import os\n\ndef g():\n    from numerics.cli.util import die\n")
    assert {"os", "numerics.cli.util", "numerics.cli.util.die"} <= imported(f)


def test_theory_never_imports_numerics():
    assert offenders((ROOT / "theory").rglob("*.py"), "numerics") == []


def test_library_never_imports_the_cli():
    lib = [p for p in (ROOT / "numerics").rglob("*.py")
           if (ROOT / "numerics" / "cli") not in p.parents]
    assert lib and offenders(lib, "numerics.cli") == []
