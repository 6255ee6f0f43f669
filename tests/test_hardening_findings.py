"""Hardening (issue 14): what the crash-freedom suite and a review found beyond the issue's
items, each failing on the main before the fix. Truth: the contract (ValueError/TypeError
naming the argument, nothing else), brute-force enumeration, and numpy's own parsing."""
import io
import itertools
import json
import os
import pickle
import subprocess
import sys
import zipfile

import numpy as np
import pytest
from scipy import sparse

import boltz
from boltz._validation import COUNT_MAX, check_positive_int, check_real
from boltz.spin.annealing import default_beta_range


def _brute_force_min(model):
    states = np.array(list(itertools.product([-1, 1], repeat=model.num_spins)))
    return float(model.energy(states).min())


# ---- numbers too large for C or for a float ----------------------------------------------

@pytest.mark.parametrize("value", [10**400, -10**400, 10**5000], ids=["1e400", "-1e400", "1e5000"])
def test_integers_beyond_float64_are_out_of_range_reals(value):
    """softmax(temperature=10**400) raised OverflowError from float(); an int of 5000
    digits could not even be printed in the message."""
    with pytest.raises(ValueError, match="temperature must be finite"):
        boltz.softmax([1.0, 2.0], temperature=value)
    with pytest.raises(ValueError, match=r"x must be finite, got (a negative|an) integer of"):
        check_real(value, "x")


@pytest.mark.parametrize("call", [
    lambda: boltz.BoltzmannMachine.encoder_connectivity(2, 2**63),
    lambda: boltz.sample(boltz.IsingModel.square_lattice(2), 0.5, num_sweeps=10**30),
    lambda: boltz.Annealer(num_sweeps=2**64).sample(boltz.IsingModel.square_lattice(2)),
    lambda: check_positive_int(10**5000, "num_reads"),
])
def test_counts_beyond_int64_are_value_errors(call):
    """Counts >= 2**63 were an OverflowError in C (encoder_connectivity) or a run that never
    ended (RBM.sample(num_sweeps=10**30))."""
    with pytest.raises(ValueError, match=f"must be <= {COUNT_MAX}"):
        call()


def test_rbm_sample_refuses_huge_counts():
    rbm = boltz.RBM(n_components=2, n_iter=1, random_state=0).fit(np.eye(3))
    with pytest.raises(ValueError, match=f"num_sweeps must be <= {COUNT_MAX}"):
        rbm.sample(num_sweeps=10**30, seed=0)
    with pytest.raises(ValueError, match="n_samples=1000000000000 needs"):
        rbm.sample(n_samples=10**12, seed=0)            # was a MemoryError


@pytest.mark.parametrize("axis, error", [
    (-2**63, ValueError), (2**63, ValueError), ((0, 0), ValueError), ((0, 1, 2), ValueError),
    (np.zeros(10**6, np.int8), TypeError), (sparse.csr_array((4, 4), dtype=bool), TypeError),
])
def test_axis_arguments_are_checked_before_numpy_sees_them(axis, error):
    """axis=-2**63 raised OverflowError, a scipy.sparse axis NotImplementedError, and an axis
    array of 2**32 entries hung (numpy's normalize_axis_tuple iterated over it)."""
    with pytest.raises(error, match="axis"):
        boltz.logsumexp(np.ones((2, 3)), axis=axis)


def test_dtype_arguments_that_numpy_cannot_read_are_type_errors():
    """np.dtype(a scipy.sparse array) raised IndexError (or a ComplexWarning) from inside
    numpy, through every constructor that takes dtype (found by a 6,000-call run)."""
    odd = sparse.dok_array((2, 3), dtype=np.complex128)
    for call in (lambda: boltz.IsingModel([[0, 1], [1, 0]], dtype=odd),
                 lambda: boltz.IsingModel.sherrington_kirkpatrick(3, dtype=odd),
                 lambda: boltz.IsingModel.from_maxcut([(1, 2)], dtype=odd),
                 lambda: boltz.RBM(dtype=odd).partial_fit(np.eye(3))):
        with pytest.raises(TypeError, match="dtype must be float32 or float64"):
            call()


@pytest.mark.parametrize("method", ["transform", "free_energy", "score_samples"])
def test_rbm_data_of_integers_beyond_float_is_a_value_error(method):
    rbm = boltz.RBM(n_components=2, n_iter=1, random_state=0).fit(np.eye(3))
    with pytest.raises(ValueError, match="X holds integers beyond"):
        getattr(rbm, method)(np.array([[10**400, 0, 1]], dtype=object))


def test_dimod_initial_states_that_are_not_spins_are_refused():
    dimod = pytest.importorskip("dimod")
    from boltz.dimod import AnnealingSampler
    bqm = dimod.BinaryQuadraticModel({0: 1.0, 1: -1.0}, {(0, 1): 0.5}, 0.0, "SPIN")
    with pytest.raises(ValueError, match="initial_states must be spins"):
        AnnealingSampler().sample(bqm, initial_states=-np.inf, num_sweeps=2)
    with pytest.raises(TypeError, match="initial_states must be real"):
        AnnealingSampler().sample(bqm, initial_states=np.array([[1 + 1j, 1]]), num_sweeps=2)
    empty = dimod.BinaryQuadraticModel({}, {}, 0.0, "SPIN")
    with pytest.raises(ValueError, match="num_reads=1000000000000 needs"):
        AnnealingSampler().sample(empty, num_reads=10**12, num_sweeps=2)


def test_boltzmann_probs_with_degeneracy_checks_axis():
    """With a degeneracy, boltzmann_probs handed axis=2**63 to numpy's reduction first
    (OverflowError; found by a 1,500-calls-per-name run, seed 23)."""
    with pytest.raises(ValueError, match="axis"):
        boltz.boltzmann_probs([1.0, 2.0], degeneracy=[1.0, 2.0], axis=2**63)


@pytest.mark.parametrize("size, error", [(sparse.bsr_matrix((2, 4)), TypeError),
                                         (np.zeros(10**6, int), ValueError)])
def test_sample_boltzmann_size_must_be_a_shape(size, error):
    """size=a scipy.sparse matrix raised NotImplementedError (it was iterated), and a
    length-10**6 array was checked entry by entry."""
    with pytest.raises(error, match="size"):
        boltz.sample_boltzmann([0.0, 1.0], size=size, seed=0)


# ---- sizes refused before allocating ------------------------------------------------------

@pytest.mark.parametrize("call, argument", [
    (lambda: boltz.IsingModel.square_lattice(2**31, 3), "L x M"),
    (lambda: boltz.IsingModel.square_lattice(10**5), "L x M"),
    (lambda: boltz.IsingModel.sherrington_kirkpatrick(10**7), "n=10000000"),
    (lambda: boltz.BoltzmannMachine.encoder_connectivity(10**9, 3), "group_size="),
    (lambda: boltz.RBM(batch_size=2**50).partial_fit(np.eye(3)), "batch_size="),
])
def test_constructors_refuse_sizes_beyond_memory(call, argument):
    """square_lattice, sherrington_kirkpatrick, encoder_connectivity and the RBM's
    persistent chains allocated what their sizes asked (MemoryError, 14.6 TiB)."""
    with pytest.raises(ValueError, match=argument):
        call()


def test_boltzmann_machine_sample_refuses_what_cannot_fit():
    bm = boltz.BoltzmannMachine(3)
    bm.weights_, bm.thresholds_ = np.zeros((3, 3)), np.zeros(3)
    with pytest.raises(ValueError, match="n_samples=1099511627776 needs"):
        bm.sample(2**40, num_sweeps=3)


def test_visible_distribution_refuses_what_enumeration_cannot_hold():
    """Hardening item 20: BoltzmannMachine(40).visible_distribution() raised MemoryError
    "8.00 TiB" where log_partition gave a clean ValueError above 26 units."""
    bm = boltz.BoltzmannMachine(40)
    bm.weights_, bm.thresholds_ = np.zeros((40, 40)), np.zeros(40)
    for call in (bm.visible_distribution, bm.log_partition):
        with pytest.raises(ValueError, match="2\\^40 states; exact computation is limited"):
            call()


@pytest.mark.parametrize("call, argument", [
    (lambda m: boltz.sample(m, 0.5, num_chains=4, num_sweeps=10**15), "num_sweeps="),
    (lambda m: boltz.sample(m, 0.5, num_chains=2, num_sweeps=10**11, return_states=True),
     "num_sweeps="),
    (lambda m: boltz.Annealer(num_sweeps=10**15).sample(m, num_reads=1), "num_sweeps="),
    (lambda m: boltz.ParallelTempering([0.1, 0.5], num_sweeps=10**15).sample(m),
     "num_sweeps="),
])
def test_records_and_schedules_beyond_memory_are_refused(call, argument):
    """The records of sample / ParallelTempering and the Annealer's per-sweep schedule were
    allocated unchecked (a bare MemoryError, or a run until killed)."""
    with pytest.raises(ValueError, match=argument):
        call(boltz.IsingModel.square_lattice(3))


def test_rbm_refuses_a_sparse_X_whose_dense_form_cannot_fit():
    """A scipy.sparse X of huge declared shape was converted (a 4 GB CSR index, or a dense
    copy in fit) before anything was checked."""
    rbm = boltz.RBM(n_components=2, n_iter=1, random_state=0).fit(np.eye(3))
    with pytest.raises(ValueError, match="features"):
        rbm.transform(sparse.coo_array((10**9, 10**9), dtype=np.int8))
    with pytest.raises(ValueError, match="X of shape"):
        boltz.RBM(n_components=2, n_iter=1).fit(sparse.coo_array((10**6, 10**6),
                                                                  dtype=np.int8))


def test_ais_refuses_runs_beyond_memory():
    rbm = boltz.RBM(n_components=2, n_iter=1, random_state=0).fit(np.eye(3))
    with pytest.raises(ValueError, match="n_runs="):
        rbm.log_partition("ais", n_runs=10**15)


# ---- sparse models whose last spins have no bonds ------------------------------------------

def test_default_schedule_of_a_sparse_model_with_isolated_last_spins():
    """Annealer on a sparse model whose highest-numbered spin has no bonds raised IndexError
    (np.add.reduceat past the last bond): such Gset graphs exist."""
    model = boltz.IsingModel(([0, 1], [1, 2], [1.0, -2.0]), num_spins=6)
    result = boltz.Annealer(num_sweeps=200).sample(model, num_reads=4, seed=0)
    assert result.best_energy == _brute_force_min(model)
    hot, cold = default_beta_range(model)
    assert hot == pytest.approx(np.log(2) / (2 * 3.0))   # largest field: |J| sum 3 at spin 1
    assert cold == pytest.approx(np.log(100 * 6) / (2 * 1.0))   # 6 spins


def test_energy_scales_stay_read_only_after_pickling():
    model = pickle.loads(pickle.dumps(boltz.IsingModel([[0, 1], [1, 0]])))
    with pytest.raises(ValueError, match="read-only"):
        model._row_abs_sums[0] = 5.0


# ---- files -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, bad", [("3 1\n1_0 2 1\n", "'1_0'"),
                                       ("3 1\n\u0663 2 1\n", "'\u0663'"),
                                       ("3 2\n1 2\n2 3 1_5\n", "'1_5'")])
def test_gset_numbers_are_ascii_as_numpy_reads_them(tmp_path, text, bad):
    """Python's float() takes '1_0' and Arabic-Indic digits; numpy's loadtxt (the fast path)
    does not. The line-by-line parser accepted them (a file loaded bond (9, 1))."""
    path = tmp_path / "g.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=f"line [23]: {bad} is not a number"):
        boltz.IsingModel.from_maxcut(path)


def _rbm_file(tmp_path, **params):
    path = tmp_path / "model.npz"
    boltz.RBM(n_components=2, n_iter=1, **params).fit(np.eye(3)).save(path)
    return path


def _rewrite_params(path, edit):
    with zipfile.ZipFile(path) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    params = json.loads(str(np.load(io.BytesIO(members["params.npy"]))[()]))
    edit(params)
    buffer = io.BytesIO()
    np.save(buffer, np.array(json.dumps(params)))
    members["params.npy"] = buffer.getvalue()
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def test_rbm_load_bounds_a_saved_seed_sequence(tmp_path):
    """A tampered SeedSequence pool_size of 200,000 made RBM.load run for minutes (numpy's
    mixing is quadratic in it); pool sizes numpy never writes are refused."""
    path = _rbm_file(tmp_path, random_state=np.random.SeedSequence(7))

    def tamper(params):
        params["random_state"]["SeedSequence"]["pool_size"] = 200_000
    _rewrite_params(path, tamper)
    with pytest.raises(ValueError, match=r"not a boltz RBM file: .*pool_size"):
        boltz.RBM.load(path)                 # refused by the bound, before numpy builds it


def test_rbm_load_refuses_what_is_not_a_file(tmp_path):
    """RBM.load(123) raised AttributeError; RBM.load('/dev/zero') hung."""
    with pytest.raises(TypeError, match="path must be a file name"):
        boltz.RBM.load(123)
    if os.path.exists("/dev/zero"):
        with pytest.raises(ValueError, match="not a regular file"):
            boltz.RBM.load("/dev/zero")
    fifo = tmp_path / "fifo.npz"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match="not a regular file"):
        boltz.RBM.load(fifo)
    loop = tmp_path / "loop.npz"                 # a link to itself: ELOOP, a ValueError
    os.symlink(loop, loop)
    with pytest.raises(ValueError, match="loop of symbolic links"):
        boltz.RBM.load(loop)
    # a file object still loads
    path = _rbm_file(tmp_path, random_state=0)
    with open(path, "rb") as fh:
        assert boltz.RBM.load(fh).n_components == 2


def _npz_with_header(path, shape):
    """An .npz whose J member declares `shape` float64 but holds 16 bytes of data."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": "<f8", "fortran_order": False,
                                                  "shape": shape})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("J.npy", buffer.getvalue() + bytes(16))


def test_cli_npz_headers_are_checked_before_reading(tmp_path):
    """`boltz anneal` on an .npz whose J header declares 8 TB allocated it (a MemoryError
    traceback, exit 1): now one line, exit 2, nothing allocated."""
    path = tmp_path / "bomb.npz"
    _npz_with_header(path, (10**6, 10**6))
    proc = subprocess.run([sys.executable, "-m", "boltz", "anneal", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1
    assert "declares 8000000000000 bytes" in proc.stderr


def test_bqm_to_ising_model_refuses_what_is_not_a_bqm():
    pytest.importorskip("dimod")
    from boltz.dimod import bqm_to_ising_model
    with pytest.raises(TypeError, match=r"bqm must be a dimod\.BinaryQuadraticModel"):
        bqm_to_ising_model(None)
