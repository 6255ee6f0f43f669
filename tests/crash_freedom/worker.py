"""The persistent worker process that runs the generated calls, and its client.

The client (:class:`Worker`) starts ``python worker.py`` and feeds it calls over a pipe: a
call is Python source (a target and its arguments, written with :mod:`builders`). The
worker limits its address space (``RLIMIT_AS``), so that a huge allocation is a
MemoryError instead of the kernel's OOM kill, evaluates the arguments, makes the call,
reads every public attribute of what came back (the properties of result objects are API
too) and answers with the outcome. A call that does not answer within the timeout gets a
Ctrl-C (SIGINT): if it stops within INTERRUPT_LIMIT it was a valid long call (boltz's
contract: long calls stop on Ctrl-C), else it is a hang and the client kills the worker.
A worker that dies (a signal, ``exit()`` from a C library) is a crash. Either way the next
call starts a fresh worker.
"""
from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

from interrupting import restore_sigint

ADDRESS_SPACE = 3 * 2**30      # RLIMIT_AS of the worker, bytes
# seconds a call may take to stop after Ctrl-C (the goal is 0.5 s; margin for a loaded machine)
INTERRUPT_LIMIT = 1.0
HERE = os.path.dirname(os.path.abspath(__file__))


@dataclass(frozen=True)
class Call:
    """One call: ``target(*args, **kwargs)``, each part Python source over :mod:`builders`."""

    target: str
    args: tuple = ()
    kwargs: tuple = ()        # (name, source) pairs
    label: str = ""           # the public name it exercises (coverage, known failures)

    def source(self) -> str:
        parts = list(self.args) + [f"{k}={v}" for k, v in self.kwargs]
        return f"{self.target}({', '.join(parts)})"

    def reproducer(self) -> str:
        return ('PYTHONPATH=tests python -c "from crash_freedom.builders import *; '
                f'{self.source()}"')


@dataclass(frozen=True)
class Outcome:
    """What a call did. kind: ``"ok"``, ``"rejected"`` (a ValueError or TypeError, `error`
    its type name), ``"memory"`` (a MemoryError), ``"path"`` (open()'s FileNotFoundError,
    IsADirectoryError, NotADirectoryError, PermissionError), ``"raised"`` (any other
    exception), ``"crash"`` (the worker died: `detail` the signal or exit status and the end
    of its stderr), ``"interrupted"`` (ran past the timeout, then stopped on Ctrl-C),
    ``"hang"`` (no answer within the timeout nor after Ctrl-C), ``"violation"`` (a returned
    value broke a stated property), ``"builder"`` (the suite's own argument failed)."""

    kind: str
    error: str = ""
    message: str = ""
    detail: str = ""

    def describe(self) -> str:
        head = {"raised": f"raised {self.error}", "memory": f"raised {self.error}",
                "path": f"raised {self.error}", "crash": "crashed the process",
                "hang": "hung", "violation": "returned a wrong value",
                "builder": f"argument failed: {self.error}"}.get(self.kind, self.kind)
        text = f"{head}: {self.message}"[:400]
        return text + (f"\n    {self.detail[-600:]}" if self.detail else "")


# ---- the parent's side -----------------------------------------------------------------

def _send(fh, obj) -> None:
    data = pickle.dumps(obj)
    fh.write(struct.pack("<Q", len(data)) + data)
    fh.flush()


def _read_exact(fd: int, n: int, deadline: float) -> bytes | None:
    """n bytes from fd, or None at EOF or when the deadline passes."""
    out = b""
    while len(out) < n:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return None
        chunk = os.read(fd, n - len(out))
        if not chunk:
            return None
        out += chunk
    return out


class Worker:
    """A worker process, restarted after every crash or hang."""

    def __init__(self, timeout: float = 5.0):
        self.timeout = timeout
        self.proc: subprocess.Popen | None = None
        self.calls = 0           # calls made
        self.restarts = 0        # workers started
        self.history: list[Call] = []   # the calls the current worker ran

    def _start(self) -> None:
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - kept for the worker's life
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            [os.path.dirname(HERE), *os.environ.get("PYTHONPATH", "").split(os.pathsep)]),
            OPENBLAS_NUM_THREADS="1", MALLOC_ARENA_MAX="2", PYTHONFAULTHANDLER="1")
        self.proc = subprocess.Popen([sys.executable, "-m", "crash_freedom.worker"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._stderr, env=env,
                                     preexec_fn=restore_sigint)
        self.restarts += 1
        self.history = []
        head = _read_exact(self.proc.stdout.fileno(), 8, time.monotonic() + 120)
        if head is None or head != b"ready\n\0\0":
            raise RuntimeError(f"the worker did not start: {self._stderr_tail()}")

    def _interrupt(self, timeout: float) -> Outcome:
        """A call still running after `timeout`: Ctrl-C (SIGINT) it. A long call that stops
        within INTERRUPT_LIMIT, returning or raising KeyboardInterrupt, is "interrupted" (a
        valid long computation, e.g. 2**31 sweeps); one that does not is a hang."""
        self.proc.send_signal(signal.SIGINT)
        t0 = time.monotonic()
        fd = self.proc.stdout.fileno()
        head = _read_exact(fd, 8, t0 + INTERRUPT_LIMIT)
        body = head and _read_exact(fd, struct.unpack("<Q", head)[0], t0 + INTERRUPT_LIMIT + 60)
        if not body:
            self._stop()
            return Outcome("hang", message=f"no answer within {timeout:g} s, nor within "
                                           f"{INTERRUPT_LIMIT:g} s of Ctrl-C")
        outcome = Outcome(*pickle.loads(body))
        if outcome.kind == "ok" or outcome.error == "KeyboardInterrupt":
            return Outcome("interrupted", message=f"ran over {timeout:g} s and stopped "
                                                  f"{time.monotonic() - t0:.2f} s after Ctrl-C")
        return outcome

    def _stderr_tail(self) -> str:
        self._stderr.seek(0)
        lines = self._stderr.read().decode("utf-8", "replace").strip().splitlines()
        lines = [x.strip() for x in lines if x.strip() and not x.startswith("Extension modules")]
        return " | ".join(lines[-8:])

    def _stop(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait()
            self.proc = None

    def close(self) -> None:
        self._stop()

    def run(self, call: Call, timeout: float | None = None) -> Outcome:
        """Run `call` in the worker; its outcome."""
        if self.proc is None or self.proc.poll() is not None:
            self._stop()
            self._start()
        self.calls += 1
        self.history.append(call)
        with contextlib.suppress(BrokenPipeError):   # died at once: reported below
            _send(self.proc.stdin, (call.target, call.args, call.kwargs, call.label))
        deadline = time.monotonic() + (timeout or self.timeout)
        fd = self.proc.stdout.fileno()
        head = _read_exact(fd, 8, deadline)
        body = head and _read_exact(fd, struct.unpack("<Q", head)[0], deadline + 60)
        if body:
            return Outcome(*pickle.loads(body))
        if self.proc.poll() is None and time.monotonic() >= deadline:
            return self._interrupt(timeout or self.timeout)
        code = self.proc.wait()
        status = (f"signal {signal.Signals(-code).name}" if code < 0 else f"exit status {code}")
        detail = self._stderr_tail()
        self.proc = None
        return Outcome("crash", message=status, detail=detail)


# ---- the worker's side -----------------------------------------------------------------

def _touch(value, depth: int = 0) -> None:
    """Read every public attribute of a boltz object (properties run library code)."""
    if depth > 2:
        return
    if isinstance(value, (tuple, list)):
        for item in value[:8]:
            _touch(item, depth + 1)
        return
    module = type(value).__module__ or ""
    if not module.startswith("boltz"):
        return
    for name in dir(type(value)):
        if name.startswith("_"):
            continue
        attribute = getattr(type(value), name, None)
        if isinstance(attribute, property) or type(attribute).__name__ == "cached_property":
            if name == "n_chains":          # deprecated alias: warns, and is num_chains
                continue
            _touch.last = f"{type(value).__name__}.{name}"
            getattr(value, name)


_touch.last = ""


def _serve() -> None:
    import gc
    import resource
    import warnings

    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
    sys.unraisablehook = _UNRAISABLE.append
    # the protocol's own stdout; fd 1 goes to stderr (verbose=2 prints, progress bars)
    proto = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    import numpy as np

    from crash_freedom import builders, properties
    builders.RBM          # noqa: B018  (scikit-learn imported once, before the first call)
    namespace = {name: getattr(builders, name) for name in builders.__all__}
    complex_warning = getattr(np, "exceptions", np).ComplexWarning
    # gc.freeze()     # the imports' objects: each call's full collection sees only its own
    proto.write(b"ready\n\0\0")
    proto.flush()
    stdin = sys.stdin.buffer
    while True:
        head = stdin.read(8)
        if len(head) < 8:
            return
        target, args, kwargs, label = pickle.loads(stdin.read(struct.unpack("<Q", head)[0]))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            warnings.simplefilter("error", complex_warning)   # silent truncation to real
            f = a = kw = None
            try:
                a = [eval(x, namespace) for x in args]
                kw = {k: eval(v, namespace) for k, v in kwargs}
            except Exception as exc:
                outcome = Outcome("builder", type(exc).__name__, str(exc))
            else:
                def f(*a, _target=target, **kw):      # the callee is library code too
                    return eval(_target, namespace)(*a, **kw)
                outcome = _call(f, a, kw, label, properties)
            del f, a, kw
        # a kernel that wrote out of bounds has damaged the heap: collect now, so that the
        # crash happens at the call that did it rather than at a later one
        gc.collect(1)
        _send(proto, (outcome.kind, outcome.error, outcome.message, outcome.detail))


# open()'s own errors about a path argument (no such file, a directory, no permission)
_PATH_ERRORS = (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError)


_UNRAISABLE: list = []     # exceptions a noexcept kernel could not raise (sys.unraisablehook)


def _call(f, args, kwargs, label, properties) -> Outcome:
    del _UNRAISABLE[:]
    try:
        result = f(*args, **kwargs)
    except BaseException as exc:   # every exception is an outcome here
        return _raised(exc)
    if _UNRAISABLE:
        # e.g. the BOLTZ_CYTHON_DEBUG build's bounds check inside a noexcept nogil kernel
        exc = _UNRAISABLE[0]
        return Outcome("raised", f"unraisable {type(exc.exc_value).__name__}",
                       f"{exc.exc_value} (in {exc.object!r})"[:2000])
    try:
        _touch(result)
    except BaseException as exc:
        # an attribute of a result that was returned must not raise, whatever its type
        return Outcome("raised", f"{type(exc).__name__} reading {_touch.last}",
                       str(exc)[:2000] or repr(exc))
    try:
        problem = properties.check(label, args, kwargs, result)
    except BaseException as exc:
        return _raised(exc)
    if problem:
        return Outcome("violation", message=problem)
    return Outcome("ok")


def _raised(exc: BaseException) -> Outcome:
    kind = ("rejected" if isinstance(exc, (ValueError, TypeError)) else
            "memory" if isinstance(exc, MemoryError) else
            "path" if isinstance(exc, _PATH_ERRORS) else "raised")
    return Outcome(kind, type(exc).__name__, str(exc)[:2000] or repr(exc))


if __name__ == "__main__":
    from crash_freedom.worker import _serve as serve  # the package's Outcome, not __main__'s
    serve()
