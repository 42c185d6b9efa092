"""Mail readers (services.ports.MailReader): the pure reading of one inbound mail
(services.mail_intake.read_mail: parse, attached documents, extraction) within a budget.

`ChildProcessMailReader` is the stack's, local and AWS alike (bootstrap.py): each mail is
read in a child forked from this process, which can be stopped where the pure code
cannot stop itself (a document library deep in its own loops):
- wall clock: the parent waits `seconds` for the answer, then kills the child;
- CPU time: RLIMIT_CPU, so that a child outliving its parent still ends;
- memory: RLIMIT_AS at what the child shares with the parent plus `memory_bytes`: an
  allocation past it raises MemoryError in the child (a document's reader turns that
  into a note, the rest into a quarantine), never the parent's or the Lambda's end
  (with glibc; elsewhere the parent's free heap is the child's too, unseen by the limit);
- output: the child's stdout and stderr (fd 1 and 2) go to /dev/null and its logging is
  off, so nothing a library prints (odfpy prints whole documents on malformed XML) reaches
  the logs: CloudWatch in AWS, out of reach of an erasure.
The answer comes back pickled through a pipe: fork and a pipe only, as Lambda has no
/dev/shm for multiprocessing's queues and semaphores. The parent may run threads (the
local web server, the SMTP ingress): the child runs only the pure reading, on modules
imported and caches filled by the parent beforehand (`warm`), and leaves with os._exit.

`InProcessMailReader` runs the same function in this process with the library output
dropped, and no budget but the documents' own bounds: unit tests and tools.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import io
import logging
import math
import os
import pickle
import resource
import select
import signal
import struct
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from typing import Any

from ..domain.inbound_mail import UnparseableMail
from ..services.ports import MailOverBudget, MailReading

ReadMail = Callable[[bytes, str | None], MailReading]

_LENGTH = struct.Struct("!Q")  # the pickled answer's length, before it
_FAILED = 70  # the child's exit status when it could not even answer (EX_SOFTWARE)
# glibc's allocator, looked up here rather than in a child (the loader's lock may be held
# by another thread when it is forked); None elsewhere (musl, macOS).
_MALLOPT: Callable[[int, int], int] | None
_MALLOC_TRIM: Callable[[int], int] | None
try:
    _LIBC = ctypes.CDLL(None)
    _MALLOPT, _MALLOC_TRIM = _LIBC.mallopt, _LIBC.malloc_trim
except (OSError, AttributeError):
    _MALLOPT = _MALLOC_TRIM = None
_M_MMAP_THRESHOLD = -3  # malloc.h
_MMAP_THRESHOLD = 128 * 1024  # glibc's default, before it adapts


class InProcessMailReader:
    """`read` in this process; what the libraries print, warn or log meanwhile is dropped."""

    def __init__(self, read: ReadMail):
        self._read = read

    def read(self, raw: bytes, envelope_sender: str | None) -> MailReading:
        with _library_output_dropped():
            return self._read(raw, envelope_sender)


@contextlib.contextmanager
def _library_output_dropped() -> Iterator[None]:
    """Python-level output only (sys.stdout, sys.stderr, warnings, logging), for the
    process's whole duration of the block: for tests and tools, never a threaded server."""
    sink = io.StringIO()
    previous = logging.root.manager.disable
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.disable(logging.CRITICAL)
        try:
            yield
        finally:
            logging.disable(previous)


class ChildProcessMailReader:
    """`read` in a forked child, within `seconds` of wall clock (and as much CPU time)
    and `memory_bytes` of new memory. `warm` runs once in this process before the first
    child: imports and caches the children then share instead of redoing each."""

    def __init__(
        self,
        read: ReadMail,
        *,
        seconds: float,
        memory_bytes: int,
        cpu_seconds: int | None = None,
        warm: Callable[[], Any] | None = None,
    ):
        self._read = read
        self.seconds = seconds
        self.cpu_seconds = cpu_seconds if cpu_seconds is not None else max(1, math.ceil(seconds))
        self.memory_bytes = memory_bytes
        self._warm = warm
        self._warm_lock = threading.Lock()
        # The most memory the last child held (resident, shared pages included): make bench.
        self.last_peak_bytes = 0

    def read(self, raw: bytes, envelope_sender: str | None) -> MailReading:
        self._warmed()
        deadline = time.monotonic() + self.seconds
        readable, writable = os.pipe()
        try:
            pid = os.fork()
        except OSError:  # no process to be had: the machine's trouble, not the mail's (the door retries)
            os.close(readable)
            os.close(writable)
            raise
        if pid == 0:  # the child: never returns into the parent's code, whatever happens
            status = _FAILED
            try:
                os.close(readable)
                status = _child(writable, self._read, raw, envelope_sender, self.cpu_seconds, self.memory_bytes)
            finally:
                os._exit(status)
        os.close(writable)
        try:
            answer = _answer(readable, deadline)
        except BaseException:  # this process is going (Ctrl-C): its child first
            self._stop(pid)
            raise
        finally:
            os.close(readable)
        if answer is None:  # no answer in time
            self._stop(pid)
            raise MailOverBudget(f"reading stopped: over its time budget of {self.seconds:g} s")
        status = self._reap(pid)
        if not answer:
            raise self._ended(status)
        kind, value = pickle.loads(answer)
        if kind == "read":
            return value
        if kind == "unparseable":
            raise UnparseableMail(value)
        if kind == "memory":
            raise MailOverBudget(f"reading stopped: over its memory budget of {self.memory_bytes // 2**20} MB")
        # A fault of the reading code, not a budget: raised as in-process reading would
        # raise it (its type only: an exception's message may quote the mail).
        raise RuntimeError(f"mail reading failed in its child process: {value}")

    def _stop(self, pid: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        self._reap(pid)

    def _reap(self, pid: int) -> int:
        _, status, usage = os.wait4(pid, 0)
        self.last_peak_bytes = usage.ru_maxrss * 1024  # kilobytes on Linux
        return status

    def _warmed(self) -> None:
        if self._warm is not None:
            with self._warm_lock:
                if self._warm is not None:
                    self._warm()  # a fixed mail of ours: nothing to drop (and other threads run)
                    self._warm = None

    def _ended(self, status: int) -> Exception:
        """Why a child ended without an answer."""
        if os.WIFSIGNALED(status):
            number = os.WTERMSIG(status)
            if number == signal.SIGXCPU:
                return MailOverBudget(f"reading stopped: over its CPU time budget of {self.cpu_seconds} s")
            # SIGKILL: the hard CPU limit, or the system out of memory; SIGSEGV, SIGBUS,
            # SIGABRT: a library failing an allocation past the memory limit. The mail's doing.
            if number in (signal.SIGKILL, signal.SIGSEGV, signal.SIGBUS, signal.SIGABRT):
                return MailOverBudget(
                    f"reading stopped by {signal.Signals(number).name}: over its budget of"
                    f" {self.cpu_seconds} s of CPU time or {self.memory_bytes // 2**20} MB of memory"
                )
        # Stopped from outside (SIGTERM), or a fault of ours: not the mail's, so the door retries.
        return RuntimeError(
            f"mail reading's child process ended without an answer (status {os.waitstatus_to_exitcode(status)})"
        )


def _answer(readable: int, deadline: float) -> bytes | None:
    """The child's pickled answer; b"" if it ended without one; None if `deadline` came first."""
    poller = select.poll()
    poller.register(readable, select.POLLIN)
    data = bytearray()
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        if not poller.poll(left * 1000):
            continue
        chunk = os.read(readable, 1 << 20)
        if not chunk:
            return b""
        data += chunk
        if len(data) >= _LENGTH.size:
            (length,) = _LENGTH.unpack_from(data)
            if len(data) >= _LENGTH.size + length:
                return bytes(data[_LENGTH.size : _LENGTH.size + length])


def _child(
    writable: int, read: ReadMail, raw: bytes, envelope_sender: str | None, cpu_seconds: int, memory_bytes: int
) -> int:
    """In the child: confine, read, answer. Returns the exit status."""
    gc.freeze()  # the parent's objects: collections skip them, so their pages stay shared
    # Not the parent's handlers (local/run.py's shutdown). A terminal's Ctrl-C reaches the
    # whole process group: it is the parent's to act on, and the child ends by itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _output_to_devnull()
    _keep_only(writable)
    _python_output_to_devnull()
    _confine(cpu_seconds, memory_bytes)
    outcome: tuple[str, Any]
    try:
        outcome = ("read", read(raw, envelope_sender))
    except UnparseableMail as exc:
        outcome = ("unparseable", exc.reason)
    except MemoryError:
        outcome = ("memory", None)
    except Exception as exc:  # noqa: BLE001 - told to the parent by its type
        outcome = ("error", type(exc).__name__)
    try:
        answer = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        outcome = ("memory", None)
        answer = pickle.dumps(outcome)
    _write(writable, _LENGTH.pack(len(answer)))
    _write(writable, answer)
    return 0


def _output_to_devnull() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)
    logging.disable(logging.CRITICAL)  # handlers that write elsewhere than fd 1 and 2 (Lambda's own)
    warnings.simplefilter("ignore")


def _python_output_to_devnull() -> None:
    """sys.stdout and sys.stderr may be other objects than fd 1 and 2 (pytest's capture):
    a library printing must find them open, and empty."""
    import sys

    sys.stdout = sys.stderr = open(os.devnull, "w")


def _keep_only(writable: int) -> None:
    """Closes every inherited descriptor but stdio and the answer's pipe: the parent's
    sockets, files and the pipes of other children read at the same time."""
    os.closerange(3, writable)
    os.closerange(writable + 1, os.sysconf("SC_OPEN_MAX"))


def _confine(cpu_seconds: int, memory_bytes: int) -> None:
    # Soft limit: SIGXCPU; one second later the hard one: SIGKILL.
    _lower(resource.RLIMIT_CPU, cpu_seconds, cpu_seconds + 1)
    _fresh_memory_only()
    shared = _address_space()
    if shared is not None:
        _lower(resource.RLIMIT_AS, shared + memory_bytes, shared + memory_bytes)


def _fresh_memory_only() -> None:
    """The address-space limit counts new mappings only, and glibc keeps the parent's freed
    memory mapped (after freeing a large block, it even serves blocks that size from it):
    the child could grow into it unseen. Large blocks back on mappings of their own, and
    the free top of the heap returned, nearly all the child's new memory is counted."""
    if _MALLOPT is not None and _MALLOC_TRIM is not None:
        _MALLOPT(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)
        _MALLOC_TRIM(0)


def _lower(which: int, soft: int, hard: int) -> None:
    """Sets a limit, never above the one already there (raising it would be refused)."""
    _, current = resource.getrlimit(which)
    if current != resource.RLIM_INFINITY:
        hard = min(hard, current)
    resource.setrlimit(which, (min(soft, hard), hard))


def _address_space() -> int | None:
    """This process's virtual size (Linux); None where /proc is not to be had."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _write(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
