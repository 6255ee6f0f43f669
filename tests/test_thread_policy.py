"""Hardening item 1: absurd thread counts are clamped in one place, never a crash."""
import subprocess
import sys

import numpy as np
import pytest

import boltz
from boltz._validation import THREADS_PER_CORE_LIMIT, available_cores, resolve_num_threads


@pytest.mark.parametrize("n", [10**4, 10**6, 2**31, 2**40])
def test_huge_num_threads_is_clamped_with_a_warning(n):
    with pytest.warns(RuntimeWarning, match="threads per available core"):
        assert resolve_num_threads(n) == THREADS_PER_CORE_LIMIT * available_cores()
    with pytest.warns(RuntimeWarning, match="num_threads="):
        value = boltz.logsumexp([1.0, 2.0], num_threads=n)
    assert value == pytest.approx(np.logaddexp(1.0, 2.0), rel=1e-15)


def test_huge_threads_reach_every_wing_without_a_crash():
    m = boltz.IsingModel.square_lattice(4)
    with pytest.warns(RuntimeWarning):
        boltz.sample(m, 0.5, num_chains=2, num_sweeps=4, seed=0, num_threads=10**6)
    with pytest.warns(RuntimeWarning):
        boltz.Annealer(num_sweeps=10, num_threads=10**6).sample(m, num_reads=2, seed=0)


def test_threads_up_to_the_limit_are_used_as_given():
    limit = THREADS_PER_CORE_LIMIT * available_cores()
    assert resolve_num_threads(limit) == limit
    assert resolve_num_threads(1) == 1


@pytest.mark.parametrize("bad, error", [(0, ValueError), (-3, ValueError), (2.5, TypeError),
                                        ("4", TypeError), (True, TypeError)])
def test_bad_num_threads_named(bad, error):
    with pytest.raises(error, match="num_threads"):
        resolve_num_threads(bad)


def _run(code, env=None):
    import os
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=dict(os.environ, **(env or {})), timeout=120)


def test_huge_omp_num_threads_environment_is_clamped():
    out = _run("import boltz; print(boltz.logsumexp([1.0, 2.0]))",
               env={"OMP_NUM_THREADS": "100000"})
    assert out.returncode == 0, out.stderr
    assert float(out.stdout) == pytest.approx(np.logaddexp(1.0, 2.0))
    assert "OpenMP's default of 100000 threads" in out.stderr


def test_cli_huge_threads_runs(tmp_path):
    path = tmp_path / "ring.txt"
    path.write_text("4 4\n1 2 1\n2 3 1\n3 4 1\n4 1 1\n")
    out = _run(f"import sys; from boltz.cli import main; sys.exit(main(['anneal', {str(path)!r},"
               " '--threads', '1000000', '--reads', '2', '--sweeps', '10', '--seed', '0']))")
    assert out.returncode == 0, out.stderr
    assert "threads per available core" in out.stderr


def test_small_calls_use_fewer_threads(monkeypatch):
    """Each thread gets at least PARALLEL_MIN_WORK elements (the tests lower it to 1)."""
    from boltz import _validation

    monkeypatch.setattr(_validation, "PARALLEL_MIN_WORK", 32768)
    assert _validation.threads_for_work(4, 100) == 1
    assert _validation.threads_for_work(4, 3 * 32768) == 3
    assert _validation.threads_for_work(2, 10**9) == 2
