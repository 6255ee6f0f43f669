import time

import pytest

from crash_freedom.worker import Worker

TOTALS = {"calls": 0, "workers": 0, "seconds": 0.0}


@pytest.fixture(scope="module")
def worker():
    """One persistent worker for a module's calls (restarted after a crash or a hang)."""
    w = Worker()
    start = time.monotonic()
    yield w
    w.close()
    TOTALS["calls"] += w.calls
    TOTALS["workers"] += w.restarts
    TOTALS["seconds"] += time.monotonic() - start


def pytest_terminal_summary(terminalreporter):
    if TOTALS["calls"]:
        terminalreporter.write_line(
            f"crash freedom: {TOTALS['calls']} calls in {TOTALS['workers']} worker "
            f"process(es), {TOTALS['seconds']:.0f} s")
