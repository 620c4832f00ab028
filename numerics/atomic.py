"""Writing files safely: checks before the work, atomic replacement, fsync, a folder lock, an
atomic exchange of two folders, and a place to save a result that could not be written.

* :func:`check_output` — before any computing, is ``path`` writable as a file (or a folder)?
  Raises :class:`OutputError` (an ``OSError``) whose message says what, where and why.
* :func:`write_atomic` — a temporary sibling, fsync, ``os.replace``; mode ``0666 & ~umask``
  (what ``open`` would give; ``tempfile.mkstemp`` alone gives 0600).
* :func:`fsync_tree` — fsync every file and folder below a folder (before a completion marker).
* :func:`folder_lock` — an exclusive lock on a folder's writers (``filelock``, so it works beyond
  Linux), saying on stderr when it has to wait for another writer.
* :func:`exchange` — swap two paths atomically (Linux ``renameat2(RENAME_EXCHANGE)`` through
  ctypes; False where the OS or file system has none, and the caller falls back to two renames).
* :func:`rescue` — save a computed result that could not be written where asked (beside it, in
  the temporary folder, or on stdout), so that a long computation is not lost.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> write_atomic(d / "a" / "x.txt", "hello")
>>> (d / "a" / "x.txt").read_text()
'hello'
>>> check_output(d / "a" / "x.txt" / "y")
Traceback (most recent call last):
...
numerics.atomic.OutputError: cannot write .../a/x.txt/y: .../a/x.txt is a file, not a folder
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import os
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

__all__ = ["OutputError", "check_output", "umask", "write_atomic", "fsync_tree", "fsync_dir",
           "folder_lock", "lock_path", "exchange", "swap_in", "rescue", "describe"]


class OutputError(OSError):
    """An output path that cannot be written (the message is one line: what, where, why)."""

    def __str__(self) -> str:
        return str(self.strerror)


def describe(err: OSError, what: str = "write") -> str:
    """One line for an ``OSError``: what was attempted, on which path, and the OS's reason.

    >>> describe(PermissionError(13, "Permission denied", "/x/y"))
    'cannot write /x/y: Permission denied (errno 13)'
    """
    if isinstance(err, OutputError):
        return str(err)
    where = err.filename if err.filename is not None else "?"
    if err.filename2 is not None:
        where = f"{where} → {err.filename2}"
    reason = err.strerror or str(err)
    code = f" (errno {err.errno})" if err.errno else ""
    return f"cannot {what} {where}: {reason}{code}"


_UMASK_LOCK = threading.Lock()


def umask() -> int:
    """The process's umask (read without changing it where Linux says it; else set and reset).

    >>> 0 <= umask() <= 0o777
    True
    """
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    with _UMASK_LOCK:
        old = os.umask(0o022)
        os.umask(old)
    return old


def _probe_dir(folder: Path) -> None:
    """Create and remove a file in ``folder``: the only check that sees permissions, read-only
    file systems and quotas alike. Raises OSError."""
    fd, name = tempfile.mkstemp(prefix=".lowrank-probe-", dir=folder)
    os.close(fd)
    os.unlink(name)


def check_output(path: str | os.PathLike, kind: str = "file") -> None:
    """Check, before any work, that ``path`` can be written as a ``kind``: ``"file"`` (replaced
    atomically by a sibling) or ``"folder"`` (a folder built beside it and swapped in, the old
    one deleted). No component of the path may be a file; a file must not be a folder and a
    folder not a file; the nearest existing parent must accept a new file, and for a folder
    that exists, so must it and every folder below it (or the old one could not be deleted).
    Each is probed by creating and removing a file: the one check that sees permissions,
    read-only file systems and quotas alike. Nothing is left behind. Raises
    :class:`OutputError`, one line: what, where, why."""
    p = Path(os.path.abspath(os.fspath(path)))
    shown = os.fspath(path)
    if p.exists() or p.is_symlink():
        if kind == "file" and p.is_dir():
            raise OutputError(errno.EISDIR, f"cannot write {shown}: it is a folder")
        if kind == "folder" and not p.is_dir():
            raise OutputError(errno.ENOTDIR, f"cannot write the folder {shown}: it is a file")
    anc = p.parent
    while not anc.exists():
        anc = anc.parent
    if not anc.is_dir():
        raise OutputError(errno.ENOTDIR, f"cannot write {shown}: {anc} is a file, not a folder")
    folders = [anc]
    if kind == "folder" and p.is_dir():
        folders += [p, *(Path(here) / d for here, dirs, _ in os.walk(p) for d in dirs)]
    for folder in folders:
        try:
            _probe_dir(folder)
        except OSError as err:
            why = "to replace it, " if folder != anc else ""
            raise OutputError(err.errno or errno.EACCES,
                              f"cannot write {shown}: {why}{folder} must accept new files and "
                              f"it does not ({err.strerror or err})") from None


def write_atomic(path: str | os.PathLike, data: bytes | str) -> None:
    """Write ``data`` to ``path`` atomically: a temporary sibling, fsync, ``os.replace``, then
    fsync of the folder. The file gets mode ``0666 & ~umask`` like any other new file. Missing
    parent folders are created."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode() if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), 0o666 & ~umask())
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def fsync_dir(folder: str | os.PathLike) -> None:
    """fsync a folder (so a rename or a new entry in it is durable); a no-op where folders cannot
    be opened (Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):  # some file systems refuse fsync on a folder
            os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(root: str | os.PathLike) -> int:
    """fsync every regular file below ``root``, then every folder (deepest first); returns the
    number of files synced. Call it before writing a completion marker, so that the marker is
    never on disk before the files it vouches for."""
    n = 0
    folders = []
    for here, _dirs, files in os.walk(root):
        folders.append(here)
        for f in files:
            fd = os.open(os.path.join(here, f), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            n += 1
    for here in reversed(folders):
        fsync_dir(here)
    return n


# ------------------------------------------------------------------------------ lock


def lock_path(folder: str | os.PathLike) -> Path:
    """The lock file of ``folder``'s writers: ``.<name>.lock`` beside it (it outlives the folder's
    swaps, and is left in place: removing a lock file races with its next user)."""
    folder = Path(folder)
    return folder.parent / f".{folder.name}.lock"


@contextlib.contextmanager
def folder_lock(folder: str | os.PathLike,
                say: Callable[[str], None] | None = None) -> Iterator[Path]:
    """Hold the exclusive lock of ``folder``'s writers. If another process holds it, ``say``
    (default: a line on stderr) is told once that this one waits, then it waits."""
    from filelock import FileLock, Timeout

    lp = lock_path(folder)
    lp.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(lp))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        (say or _stderr)(f"lowrank: waiting: another report is being written to {folder} "
                         f"(lock {lp}); this one will be written after it")
        lock.acquire()
    try:
        yield lp
    finally:
        lock.release()


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------ exchange

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_SYS_RENAMEAT2 = {"x86_64": 316, "aarch64": 276, "i686": 353, "armv7l": 382, "ppc64le": 357,
                  "s390x": 347, "riscv64": 276}
_libc = None


def _renameat2():
    """libc's renameat2 (glibc ≥ 2.28), or a syscall wrapper on a known architecture, or None."""
    global _libc
    if not sys.platform.startswith("linux"):
        return None
    if _libc is None:
        _libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    fn = getattr(_libc, "renameat2", None)
    if fn is not None:
        fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                       ctypes.c_uint]
        return fn
    nr = _SYS_RENAMEAT2.get(os.uname().machine)
    if nr is None:
        return None
    sysc = _libc.syscall
    return lambda a, b, c, d, e: sysc(ctypes.c_long(nr), ctypes.c_int(a), ctypes.c_char_p(b),
                                      ctypes.c_int(c), ctypes.c_char_p(d), ctypes.c_uint(e))


def exchange(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """Atomically exchange the paths ``a`` and ``b`` (both must exist): no moment where either
    name is missing. Returns False, changing nothing, where the OS or file system has no atomic
    exchange (then rename twice); raises OSError for other failures. Set the environment
    variable ``LOWRANK_TEST_NO_EXCHANGE=1`` to force the fallback (tests).

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> (d / "a").write_text("A"); (d / "b").write_text("B")
    1
    1
    >>> ok = exchange(d / "a", d / "b")
    >>> (d / "a").read_text() == ("B" if ok else "A")
    True
    """
    if os.environ.get("LOWRANK_TEST_NO_EXCHANGE"):
        return False
    fn = _renameat2()
    if fn is None:
        return False
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), os.fspath(a), None, os.fspath(b))


def swap_in(new: Path, out: Path, old: Path, marker: str = "COMPLETE",
            pause: Callable[[str], None] = lambda point: None) -> str:
    """Make the complete folder ``new`` the folder ``out``, keeping the previous ``out`` (if
    any) until it is deleted at the end. With an atomic exchange (Linux) ``out`` is never
    missing: exchange, then ``new`` (now the old folder) → ``old``. Without one, two renames
    (``out`` → ``old``, ``new`` → ``out``) leave ``out`` missing for the moment between them
    (measured in ``benchmarks/bench_swap.py``), and readers recover from ``old``/``new``
    (:func:`numerics.report.recover`); a recovery that moved ``new`` into place while this
    writer was swapping (its ``marker`` names this process's pid) counts as the swap done.
    ``pause(point)`` is called at ``"swap"`` (between the two steps) and ``"after-swap"``.
    Returns ``"exchange"`` or ``"renames"``; a folder that
    cannot be deleted at the end is reported on stderr, not left silently."""
    import shutil

    shutil.rmtree(old, ignore_errors=True)
    how = "renames"
    try:
        if out.is_dir() and exchange(new, out):
            how = "exchange"
            pause("swap")
            os.rename(new, old)
        else:
            with contextlib.suppress(FileNotFoundError):  # no previous one (or it was moved)
                os.rename(out, old)
            pause("swap")
            os.rename(new, out)
    except OSError:
        # a reader's recovery (numerics.report.recover) may have moved our complete folder
        # into place already: then the swap is done
        if new.exists() or _owner(out / marker) != os.getpid():
            raise
    fsync_dir(out.parent)
    pause("after-swap")
    if old.exists():
        failed: list[str] = []

        def note(fn, p, exc) -> None:
            failed.append(f"{p}: {exc[1] if isinstance(exc, tuple) else exc}")

        if sys.version_info >= (3, 12):
            shutil.rmtree(old, onexc=note)
        else:  # pragma: no cover - Python 3.11
            shutil.rmtree(old, onerror=note)
        if failed:
            _stderr(f"lowrank: note: the previous {out.name} could not be fully deleted "
                    f"({failed[0]}); remove {old} by hand")
    return how


def _owner(marker: Path) -> int | None:
    """The ``pid`` recorded in a completion marker (JSON), or None."""
    import json

    try:
        return int(json.loads(marker.read_text())["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


# ------------------------------------------------------------------------------ rescue


def rescue(text: str, near: str | os.PathLike, name: str) -> str:
    """Save ``text`` (a computed result that could not be written where asked) and say where:
    ``<near's folder>/<name>`` if possible, else the temporary folder, else stdout. Returns
    a phrase for the one-line error, e.g. ``"saved to /tmp/x.json"``."""
    near = Path(os.path.abspath(os.fspath(near)))
    for folder in (near.parent, Path(tempfile.gettempdir())):
        target = folder / name
        try:
            write_atomic(target, text)
            return f"the result was saved to {target}"
        except OSError:
            continue
    try:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()
        return "the result was printed on stdout"
    except OSError:
        return "the result could not be saved anywhere"
