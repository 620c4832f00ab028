"""Probe the command line with the named bad-input and fault cases of issue #12 and count how
many end right (exit 0, finite JSON) or clean (exit 2, one line) — prints; asserts nothing.

    python benchmarks/probe_bad_input.py [--tree PATH] [--only GROUP] [--fork] [-v]

``--tree`` is the source tree whose ``numerics`` is run (default: this one), so the same list can
measure a tree before a fix and after it. Each case runs in a fresh ``python -m numerics.cli``
(``--fork``: forked from this process instead, this tree only) under ``RLIMIT_AS`` = its
start-up size + 1.5 GiB and a 300 s hang guard. The cases are ``tests/badinput_cases.py``.
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from badinput_cases import all_cases, score  # noqa: E402
from clirun import run_forked, run_process  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tree", default=str(ROOT))
    ap.add_argument("--only", default=None, help="run only the groups starting with this")
    ap.add_argument("--fork", action="store_true")
    ap.add_argument("-v", action="store_true", help="print the stderr of failing cases")
    a = ap.parse_args()
    os.environ["MPLBACKEND"] = "Agg"
    totals: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    t_all = time.monotonic()
    for case in all_cases():
        if a.only and not case.group.startswith(a.only):
            continue
        tmp = Path(tempfile.mkdtemp(prefix="lowrank-probe-"))
        os.chmod(tmp, 0o755)
        try:
            if case.setup:
                case.setup(tmp)
            argv = case.args(tmp)
            if a.fork and not (case.unprivileged or case.fresh):
                res = run_forked(argv, cwd=tmp, fsize=case.fsize, umask=case.umask, guard=300)
            else:
                res = run_process(argv, cwd=tmp, fsize=case.fsize, umask=case.umask,
                                  unprivileged=case.unprivileged, pythonpath=a.tree,
                                  guard=300)
            s = score(case, res, tmp)
        finally:
            for p in [tmp, *tmp.rglob("*")]:
                if p.is_dir() and not p.is_symlink():
                    os.chmod(p, 0o755)
            shutil.rmtree(tmp, ignore_errors=True)
        totals[case.group]["cases"] += 1
        totals[case.group]["ok"] += s == "ok"
        mark = "ok  " if s == "ok" else "FAIL"
        print(f"{mark} {case.id:<70} rc={res.rc} {res.seconds:6.1f}s  {'' if s == 'ok' else s}",
              flush=True)
        if a.v and s != "ok":
            tail = " | ".join(res.err.strip().splitlines()[-2:])
            print(f"       stderr: {tail[:300]}", flush=True)
    print()
    for g, cnt in totals.items():
        print(f"{g:<20} {cnt['ok']:>4} of {cnt['cases']:>4} clean or right")
    n_ok = sum(c["ok"] for c in totals.values())
    n = sum(c["cases"] for c in totals.values())
    print(f"{'all':<20} {n_ok:>4} of {n:>4}   ({time.monotonic() - t_all:.0f} s, tree {a.tree})")


if __name__ == "__main__":
    main()
