"""The compiled core: floating-point state, OpenMP/SIMD reporting, both SIMD paths, CLI."""
import os
import subprocess
import sys

import numpy as np
import pytest

import boltz
from boltz._core import _parallel


def test_import_keeps_denormals():
    # -ffast-math on the link line would flush subnormals to zero for the whole process
    tiny = np.float64(np.finfo(np.float64).tiny)
    assert tiny / 2 > 0
    assert np.float32(np.finfo(np.float32).tiny) / np.float32(2) > 0
    # and running the kernels does not change it either
    boltz.logsumexp(np.random.default_rng(0).standard_normal(10**5))
    boltz.softmax(np.zeros((10, 10)))
    assert tiny / 2 > 0
    assert np.float64(5e-324) > 0


def test_core_reports_its_configuration():
    assert isinstance(_parallel.openmp_enabled(), bool)
    assert _parallel.default_num_threads() >= 1
    assert _parallel.simd_isa() in ("avx512", "avx2", "baseline")


def _run(code, **env):
    full_env = dict(os.environ, **env)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=full_env, check=True)
    return res.stdout


@pytest.mark.slow
def test_baseline_and_dispatched_paths_agree():
    # baseline against AVX2 (BOLTZ_SIMD=avx2) and against what this CPU dispatches to
    # (AVX-512 dense sweeps where it has them)
    code = (
        "import numpy as np, boltz\n"
        "from boltz._core import _parallel\n"
        "x = np.random.default_rng(5).standard_normal((50, 1000))\n"
        "print(_parallel.simd_isa())\n"
        "print(repr(boltz.logsumexp(x, axis=1).tolist()))\n"
        "print(repr(boltz.softmax(x.astype(np.float32))[0, :20].tolist()))\n"
        "J = np.triu(np.round(x[:40, :40] * 4) / 8, 1)\n"       # sums of these are exact
        "m = boltz.IsingModel(J + J.T, storage='dense', dtype=np.float32)\n"
        "t = boltz.sample(m, 0.8, num_chains=3, num_sweeps=50, seed=1, method='gibbs')\n"
        "print(repr(t.final_states.tolist()))\n"
        "X = (x[:60, :20] > 0.3).astype(float)\n"
        "for dt in (np.float32, np.float64):\n"
        "    r = boltz.RBM(n_components=12, n_iter=2, random_state=0, dtype=dt).fit(X)\n"
        "    print(repr(r.h_samples_.tolist()))\n"
        "    print(repr(r.components_.tolist()))\n"
    )
    base = _run(code, BOLTZ_SIMD="baseline").splitlines()
    for default in (_run(code, BOLTZ_SIMD="avx2").splitlines(), _run(code).splitlines()):
        assert base[0] == "baseline"
        _check_paths_agree(base, default)


def _check_paths_agree(base, default):
    lse_b, lse_d = np.array(eval(base[1])), np.array(eval(default[1]))
    sm_b, sm_d = np.array(eval(base[2])), np.array(eval(default[2]))
    # libmvec's vector exp variants agree to a few ulp
    np.testing.assert_allclose(lse_b, lse_d, rtol=4e-16 * 4, atol=0)
    np.testing.assert_allclose(sm_b, sm_d, rtol=6e-8 * 8, atol=0)
    # the dense sweep kernels of both paths make the same decisions
    assert base[3] == default[3]
    # RBM training: the same draws (eight per vector step, or one by one) and, but for
    # rounding in the row sums, the same model
    for line in (4, 6):                                           # float32, float64
        assert base[line] == default[line]
        np.testing.assert_allclose(eval(base[line + 1]), eval(default[line + 1]), rtol=1e-5,
                                   atol=1e-6)


def test_cli_info_runs_the_self_check():
    res = subprocess.run([sys.executable, "-m", "boltz", "info"], capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "self-check passed" in res.stdout
    assert "OpenMP:" in res.stdout and boltz.__version__ in res.stdout


def test_cli_rejects_unknown_command():
    res = subprocess.run([sys.executable, "-m", "boltz", "nonsense"], capture_output=True,
                         text=True)
    assert res.returncode == 2
    assert "invalid choice" in res.stderr


def test_default_threads_follow_omp_num_threads():
    code = "from boltz._core import _parallel; print(_parallel.default_num_threads())"
    if not _parallel.openmp_enabled():
        assert _run(code, OMP_NUM_THREADS="3").strip() == "1"
    else:
        assert _run(code, OMP_NUM_THREADS="3").strip() == "3"
        assert _run(code, OMP_NUM_THREADS="1").strip() == "1"


def test_read_only_input_is_accepted():
    x = np.random.default_rng(1).standard_normal((5, 7))
    x.setflags(write=False)
    assert np.isfinite(boltz.logsumexp(x))
    assert boltz.softmax(x).shape == x.shape
    assert boltz.sample_boltzmann(x, seed=0).shape == (5,)


def test_import_loads_no_optional_package():
    # boltz.RBM is imported on first use: its scikit-learn base classes cost about a second
    # and load scipy's BLAS threads, which a plain `import boltz` should not.
    code = ("import sys, boltz; "
            "print(sorted(m for m in ('sklearn', 'scipy', 'dimod', 'tqdm') if m in sys.modules)); "
            "boltz.RBM; print('sklearn' in sys.modules or 'boltz.machines.rbm' in sys.modules)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.split("\n")[:2] == ["[]", "True"]
