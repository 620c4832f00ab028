"""The moment a report folder is missing while ``lowrank report`` swaps a new one in (prints;
asserts nothing).

    python benchmarks/bench_swap.py [--swaps 2000]

For each way of swapping (:func:`numerics.atomic.swap_in` with the atomic exchange of Linux's
``renameat2``, and its fallback of two renames), a writer swaps a fresh small report folder in
``--swaps`` times while a reader process opens ``<out>/report.json`` in a loop (as ``cat`` would)
and counts the opens that find no file. Printed: the reader's failures per swap, and for the
fallback the measured gap between the two renames (median, 99th percentile and maximum, µs),
timed in the writer between the hook points ``swap`` (right after the first rename) and
``after-swap`` (after the second rename and the parent folder's fsync: an upper bound).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from numerics import atomic  # noqa: E402


def _reader(target: str, stop, counts) -> None:
    ok = miss = 0
    while not stop.is_set():
        try:
            fd = os.open(target, os.O_RDONLY)
        except FileNotFoundError:
            miss += 1
            continue
        os.read(fd, 64)
        os.close(fd)
        ok += 1
    counts[0], counts[1] = ok, miss


def _make(folder: Path, i: int) -> None:
    folder.mkdir()
    (folder / "report.json").write_text(f'{{"n": {i}}}\n')
    (folder / "COMPLETE").write_text("{}\n")


def run(swaps: int, exchange: bool) -> tuple[int, int, list[int]]:
    if exchange:
        os.environ.pop("LOWRANK_TEST_NO_EXCHANGE", None)
    else:
        os.environ["LOWRANK_TEST_NO_EXCHANGE"] = "1"
    root = Path(tempfile.mkdtemp(prefix="lowrank-swap-"))
    out = root / "reports"
    _make(out, -1)
    stop, counts = mp.Event(), mp.Array("q", 2)
    rd = mp.Process(target=_reader, args=(str(out / "report.json"), stop, counts))
    rd.start()
    time.sleep(0.2)
    gaps = []
    for i in range(swaps):
        new, old = root / f"reports.new-{i}", root / f"reports.old-{i}"
        _make(new, i)
        marks = []

        def pause(point: str, marks=marks) -> None:
            marks.append(time.perf_counter_ns())

        how = atomic.swap_in(new, out, old, "COMPLETE", pause)
        if how == "renames":  # "swap" is right after rename 1, "after-swap" after rename 2
            gaps.append(marks[1] - marks[0])
    stop.set()
    rd.join()
    return counts[0], counts[1], gaps


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--swaps", type=int, default=2000)
    a = ap.parse_args()
    for exchange in (True, False):
        ok, miss, gaps = run(a.swaps, exchange)
        name = "exchange (renameat2)" if exchange else "two renames (fallback)"
        print(f"{name:<24} reader opens: {ok:>9} ok, {miss:>6} found no report.json "
              f"({miss / a.swaps:.3f} per swap)")
        if gaps:
            us = sorted(g / 1000 for g in gaps)
            print(f"{'':<24} rename(out → old) … rename(new → out): median "
                  f"{statistics.median(us):.1f} µs, p99 {us[int(0.99 * len(us))]:.1f} µs, "
                  f"max {us[-1]:.1f} µs over {len(us)} swaps (upper bound of the gap: it also "
                  "includes the parent folder's fsync)")


if __name__ == "__main__":
    main()
