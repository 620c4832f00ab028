"""Run the ``lowrank`` command line as a user would, under a memory limit and a hang guard, and
classify what came out (shared by the bad-input, I/O-fault and fuzz tests and by
``benchmarks/probe_bad_input.py``).

Two ways to run one call, both in a separate process:

* :func:`run_forked` forks this (already warmed-up) Python process and calls
  :func:`numerics.cli.main` in the child: the imports and the compiled SGD kernels are inherited,
  so a call costs milliseconds instead of seconds (how the fuzz suite affords dozens of them);
* :func:`run_process` starts ``python -m numerics.cli`` from scratch (the real thing, for the
  cases that need a fresh interpreter or another user).

Each child gets ``RLIMIT_AS`` (address space) of its current size plus ``mem_mb`` MiB, so an
allocation the machine cannot afford fails instead of swapping, and is killed (SIGKILL) when it
outlives ``guard`` seconds: a guard that keeps the suite from hanging, not a timed assertion
(:attr:`Result.guarded` says it fired).

The invariant every call must satisfy (:func:`verdict`): exit 0 with a finite JSON document on
stdout (when ``--json`` was asked), or exit 2 with exactly one line on stderr starting with
``lowrank:`` (progress notes aside); never a traceback, never another exit status.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

#: Extra address space granted to a child beyond what it has mapped at the start (MiB).
MEM_MB = 1536
#: Hang guard (seconds).
GUARD = 120.0

#: stderr lines that are notes, not errors (progress and cost notices, waits for a lock).
NOTE_PREFIXES = ("lowrank: note:", "lowrank: partial run:", "lowrank: waiting")


@dataclass
class Result:
    """What one call produced."""

    argv: list[str]
    rc: int | None
    out: str
    err: str
    guarded: bool = False
    seconds: float = 0.0

    @property
    def error_lines(self) -> list[str]:
        """stderr lines other than notes (and blank lines)."""
        return [ln for ln in self.err.splitlines()
                if ln.strip() and not ln.startswith(NOTE_PREFIXES)]


def _vm_bytes() -> int:
    """Current virtual memory size of this process (Linux /proc; 0 elsewhere)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _limit_memory(mem_mb: int | None) -> None:
    if mem_mb is None:
        return
    cap = _vm_bytes() + mem_mb * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def _collect(pid: int, fds: tuple[int, int], guard: float) -> tuple[int | None, bool, bytes,
                                                                    bytes]:
    """Read the child's stdout and stderr pipes to their end, then reap it; SIGKILL it when
    it outlives ``guard`` seconds."""
    import selectors

    bufs = {fds[0]: bytearray(), fds[1]: bytearray()}
    sel = selectors.DefaultSelector()
    for fd in fds:
        sel.register(fd, selectors.EVENT_READ)
    deadline = time.monotonic() + guard
    guarded = False
    while sel.get_map():
        left = deadline - time.monotonic()
        if left <= 0:
            os.kill(pid, signal.SIGKILL)
            guarded = True
            break
        for key, _ in sel.select(timeout=min(left, 0.5)):
            chunk = os.read(key.fd, 1 << 16)
            if chunk:
                bufs[key.fd] += chunk
            else:
                sel.unregister(key.fd)
    sel.close()
    _, status = os.waitpid(pid, 0)
    for fd in fds:
        os.close(fd)
    rc = None if guarded else os.waitstatus_to_exitcode(status)
    return rc, guarded, bytes(bufs[fds[0]]), bytes(bufs[fds[1]])


def run_forked(argv: list[str], *, guard: float = GUARD, **kw) -> Result:
    """Run ``lowrank *argv`` in a forked child of this process (see the module docstring);
    stdout and stderr are pipes, as in a shell pipeline."""
    return finish(start_forked(argv, **kw), guard=guard)


def finish(started: tuple, guard: float = GUARD) -> Result:
    """Wait for a child of :func:`start_forked` (SIGKILL after ``guard`` seconds)."""
    argv, pid, fds, t0 = started
    rc, guarded, out, err = _collect(pid, fds, guard)
    return Result(list(argv), rc, out.decode(errors="replace"), err.decode(errors="replace"),
                  guarded, time.monotonic() - t0)


def start_forked(argv: list[str], *, mem_mb: int | None = MEM_MB,
                 cwd: str | os.PathLike | None = None, env: dict[str, str] | None = None,
                 fsize: int | None = None, umask: int | None = None) -> tuple:
    """Fork a child running ``lowrank *argv`` and return at once (see :func:`finish`)."""
    from numerics.cli import main

    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:  # child: never returns
        code = 70
        try:
            os.close(out_r)
            os.close(err_r)
            os.dup2(out_w, 1)
            os.dup2(err_w, 2)
            os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
            # pytest (or any caller) may have replaced sys.stdout/err: write to the fds
            sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
            sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
            sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115
            if cwd is not None:
                os.chdir(cwd)
            if env:
                os.environ.update(env)
            if umask is not None:
                os.umask(umask)
            if fsize is not None:
                resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
            _limit_memory(mem_mb)
            try:
                main(list(argv))
                code = 0
            except SystemExit as ex:
                code = ex.code if isinstance(ex.code, int) else (0 if ex.code is None else 1)
            except BaseException:  # what a real interpreter would print
                traceback.print_exc()
                code = 1
            sys.stdout.flush()
            sys.stderr.flush()
        except BaseException:  # noqa: B036 - the child must never return into pytest
            code = 71
        finally:
            os._exit(code)
    os.close(out_w)
    os.close(err_w)
    return argv, pid, (out_r, err_r), t0


def run_process(argv: list[str], *, mem_mb: int | None = MEM_MB, guard: float = GUARD,
                cwd: str | os.PathLike | None = None, env: dict[str, str] | None = None,
                fsize: int | None = None, umask: int | None = None,
                unprivileged: bool = False, python: str = sys.executable,
                pythonpath: str | None = None) -> Result:
    """Run ``python -m numerics.cli *argv`` in a fresh interpreter, with ``RLIMIT_FSIZE`` =
    ``fsize`` bytes and the given ``umask``; ``unprivileged``: without the capabilities that let
    root ignore file permissions (``setpriv``), so a folder without write permission is
    unwritable even when the tests run as root."""
    def pre() -> None:
        if fsize is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
        if umask is not None:
            os.umask(umask)
        # the interpreter maps ~1 GiB of libraries after this point: count them in
        _limit_memory(None if mem_mb is None else mem_mb + 2048)

    full_env = {**os.environ, **(env or {})}
    if pythonpath is not None:
        full_env["PYTHONPATH"] = pythonpath
    cmd = [python, "-m", "numerics.cli", *argv]
    if unprivileged and os.geteuid() == 0:
        cmd = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", *cmd]
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=cwd, env=full_env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, preexec_fn=pre)
    try:
        out, err = proc.communicate(timeout=guard)
        guarded = False
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        guarded = True
    return Result(list(argv), None if guarded else proc.returncode,
                  out.decode(errors="replace"), err.decode(errors="replace"), guarded,
                  time.monotonic() - t0)


_WARM = False


def warm_up() -> None:
    """Import and compile, in this process, what forked children will use (the SGD kernels for
    ReLU, both engines; derive's parser and quadratures), so that each child costs
    milliseconds. Idempotent."""
    global _WARM
    if _WARM:
        return
    from click.testing import CliRunner

    from numerics.cli import cli

    small = ["simulate", "--d", "20", "--k", "2", "--runs", "2", "--steps", "4",
             "--no-noise-ode", "--no-progress", "--json"]
    for act in ("relu", "erf"):
        for extra in ([], ["--engine", "full", "--variant", "joint"], ["--engine", "full"]):
            r = CliRunner().invoke(cli, [*small, "--act", act, *extra])
            assert r.exit_code == 0, r.output
    assert CliRunner().invoke(cli, ["derive", "relu", "--terms", "3", "--json"]).exit_code == 0
    import matplotlib.pyplot  # noqa: F401

    _WARM = True


# ------------------------------------------------------------------------------ the invariant


def _reject_constant(name: str):
    raise ValueError(f"non-finite JSON literal {name}")


def strict_json(text: str):
    """Parse JSON refusing NaN/Infinity literals; strings "nan"/"inf" are refused by
    :func:`nonfinite_strings`."""
    return json.loads(text, parse_constant=_reject_constant)


def nonfinite_strings(obj, path: str = "") -> list[str]:
    """Paths of values that stand for a non-finite number ("nan", "inf", "-inf", "Infinity")."""
    bad = {"nan", "inf", "-inf", "+inf", "infinity", "-infinity"}
    if isinstance(obj, dict):
        return [p for k, v in obj.items() for p in nonfinite_strings(v, f"{path}.{k}")]
    if isinstance(obj, list):
        return [p for i, v in enumerate(obj) for p in nonfinite_strings(v, f"{path}[{i}]")]
    if isinstance(obj, str) and obj.strip().lower() in bad:
        return [path]
    return []


def verdict(res: Result, *, wants_json: bool | None = None) -> str:
    """``"ok"`` if ``res`` satisfies the invariant, else what broke it: ``"traceback"``,
    ``"status <n>"``, ``"hang"``, ``"multi-line error"``, ``"no error line"``, ``"bad JSON"``,
    ``"non-finite JSON <path>"``."""
    if wants_json is None:
        wants_json = "--json" in res.argv
    if "Traceback (most recent call last)" in res.err or "Traceback" in res.out:
        return "traceback"
    if res.guarded:
        return "hang"
    if res.rc == 2:
        lines = res.error_lines
        if not lines:
            return "no error line"
        if len(lines) > 1 or not lines[0].startswith("lowrank:"):
            return "multi-line error"
        return "ok"
    if res.rc != 0:
        return f"status {res.rc}"
    if wants_json:
        try:
            doc = strict_json(res.out)
        except ValueError as err:
            return f"bad JSON ({str(err)[:60]})"
        bad = nonfinite_strings(doc)
        if bad:
            return f"non-finite JSON {bad[0]}"
    return "ok"


def load_schema(name: str) -> dict:
    """``docs/schemas/<name>.schema.json`` of the tree this module sits in."""
    root = Path(__file__).resolve().parents[1]
    return json.loads((root / "docs" / "schemas" / f"{name}.schema.json").read_text())
