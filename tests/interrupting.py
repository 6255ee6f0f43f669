"""Ctrl-C in a real process: run a long boltz call in a subprocess, send it SIGINT, see what
it kept.

The child runs ``setup`` (imports, model building), prints a marker, runs ``call`` (the long
call, whose value is bound to ``result``) and then ``report``, which must print one line of
JSON. The report goes to a file of its own: the child's stdout is shared with any process
it starts (a Dask ``LocalCluster``'s workers), whose writes can land inside a long line.
The parent sends SIGINT ``delay`` seconds after the marker and measures how long the child
takes to finish the call. A call that ignores Ctrl-C runs to its end, which the tests make
far longer than ``hang_limit``, so the latency bound catches a hang, not a slow machine: the
0.5 s figure itself is measured by ``bench/ctrl_c_latency.py``.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass

MARKER = "BOLTZ-CALL-STARTS"
DONE = "BOLTZ-CALL-RETURNED"


def restore_sigint() -> None:
    """In the child before exec: Ctrl-C's default disposition. A shell that runs a command
    in the background without job control (``bash .ci/run &``) starts it with SIGINT
    ignored, an ignored signal stays ignored across exec, and Python then installs no
    KeyboardInterrupt handler, so no child would ever see the tests' Ctrl-C."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@dataclass
class Interrupted:
    """What came back from an interrupted child."""

    latency: float      # seconds from SIGINT to the call's return
    report: object      # the JSON value printed by ``report``
    returncode: int
    stderr: str


def interrupt_call(setup: str, call: str, report: str, *, delay: float = 0.5,
                   hang_limit: float = 20.0, env: dict | None = None) -> Interrupted:
    """Run ``setup``, then ``result = <call>`` interrupted by SIGINT after `delay` s, then
    ``report`` (printing one JSON line) in a fresh Python process."""
    with tempfile.TemporaryDirectory() as tmp:
        report_path = os.path.join(tmp, "report.json")
        program = "\n".join([
            textwrap.dedent(setup),
            "import sys as _sys, time as _time",
            f"print({MARKER!r}, flush=True)",
            f"result = {call}",
            f"print({DONE!r}, _time.monotonic(), flush=True)",
            f"_sys.stdout = open({report_path!r}, 'w')",
            textwrap.dedent(report),
            "_sys.stdout.close()",
        ])
        latency, returncode, err = _run_interrupted(program, delay, hang_limit, env)
        text = ""
        if os.path.exists(report_path):
            with open(report_path) as f:
                text = f.read()
    lines = text.splitlines()
    return Interrupted(latency, json.loads(lines[-1]) if lines else None, returncode, err)


def _run_interrupted(program: str, delay: float, hang_limit: float,
                     env: dict | None) -> tuple[float, int, str]:
    """Run `program`, SIGINT it `delay` s after its marker; (latency, return code, stderr)."""
    child_env = dict(os.environ, PYTHONUNBUFFERED="1", **(env or {}))
    proc = subprocess.Popen([sys.executable, "-c", program], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=child_env,
                            preexec_fn=restore_sigint)
    try:
        line = proc.stdout.readline()
        if line.strip() != MARKER:
            out, err = proc.communicate(timeout=hang_limit)
            raise AssertionError(f"child failed before the call:\n{line}{out}\n{err}")
        time.sleep(delay)
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=hang_limit)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    lines = out.splitlines()
    done = [ln for ln in lines if ln.startswith(DONE)]
    if not done:
        raise AssertionError(f"the call did not return after SIGINT (rc {proc.returncode}):"
                             f"\n{out}\n{err}")
    latency = float(done[0].split()[1]) - sent   # CLOCK_MONOTONIC is system-wide on Linux
    return latency, proc.returncode, err


def interrupt_command(argv: list[str], *, delay: float = 1.5,
                      hang_limit: float = 20.0) -> tuple[float, subprocess.CompletedProcess]:
    """Run a command (e.g. ``[sys.executable, "-m", "boltz", "anneal", ...]``), send it
    SIGINT after `delay` s, and return the seconds it took to exit and what it printed."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, PYTHONUNBUFFERED="1"),
                            preexec_fn=restore_sigint)
    try:
        time.sleep(delay)
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=hang_limit)
        latency = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return latency, subprocess.CompletedProcess(argv, proc.returncode, out, err)
