"""boltz.descend (steepest single-spin-flip descent) and Annealer(polish=True), against a
NumPy implementation of the same rule."""
import numpy as np
import pytest

import boltz

STORAGES = ("dense", "sparse")


def reference_descent(J, h, s):
    """Steepest descent in NumPy, fields recomputed from scratch at every step: flip the
    lowest index with the most negative dE_i = 2 s_i (h_i + sum_j J_ij s_j) until none is
    negative. Returns (states, flips)."""
    s = np.array(s, dtype=np.float64)
    flips = 0
    while True:
        de = 2.0 * s * (h + J @ s)
        i = int(np.argmin(de))                 # the first of the smallest
        if not de[i] < 0:
            return s.astype(np.int8), flips
        s[i] = -s[i]
        flips += 1


def flip_costs(J, h, states):
    """dE_i of every single flip of every state (k, n)."""
    s = np.asarray(states, dtype=np.float64)
    return 2.0 * s * (h + s @ J)


def integer_model(n, seed, density=1.0, storage="auto", dtype=np.float64):
    """Couplings in {-2..2} and fields in halves, on a random graph: every sum is exact in
    float32 and flips of equal cost (ties) are common."""
    rng = np.random.default_rng(seed)
    J = np.triu(rng.integers(-2, 3, size=(n, n)) * (rng.random((n, n)) < density), 1)
    J = (J + J.T).astype(np.float64)
    h = rng.integers(-2, 3, size=n) / 2.0
    return J, h, boltz.IsingModel(J, h, offset=1.25, storage=storage, dtype=dtype)


def gaussian_model(n, seed, density=1.0, storage="auto", dtype=np.float64):
    rng = np.random.default_rng(seed)
    J = np.triu(rng.standard_normal((n, n)) * (rng.random((n, n)) < density), 1)
    J = J + J.T
    h = rng.standard_normal(n)
    model = boltz.IsingModel(J, h, offset=-0.5, storage=storage, dtype=dtype)
    return J, h, model


def random_states(k, n, seed):
    return np.random.default_rng(seed).choice(np.array([-1, 1], dtype=np.int8), size=(k, n))


@pytest.mark.parametrize("storage", STORAGES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("seed", range(4))
def test_matches_reference_with_ties(storage, dtype, seed):
    """Integer couplings (exact in both precisions, many ties): the same states and flip
    counts as the NumPy reference, energies as IsingModel.energy."""
    n = 24
    J, h, model = integer_model(n, seed, density=0.3, storage=storage, dtype=dtype)
    assert model.is_dense == (storage == "dense")
    start = random_states(20, n, seed + 100)
    result = boltz.descend(model, start)
    for row, s0 in enumerate(start):
        ref, flips = reference_descent(J, h, s0)
        np.testing.assert_array_equal(result.states[row], ref)
        assert result.num_flips[row] == flips
    assert result.states.dtype == np.int8 and result.num_flips.dtype == np.int64
    np.testing.assert_array_equal(result.energies, model.energy(result.states))
    assert not result.interrupted


@pytest.mark.parametrize("storage", STORAGES)
@pytest.mark.parametrize("seed", range(3))
def test_matches_reference_gaussian_float64(storage, seed):
    """Real couplings with fields: the same states as the reference, energies exact."""
    n = 30
    J, h, model = gaussian_model(n, seed, density=0.5, storage=storage)
    start = random_states(16, n, seed)
    result = boltz.descend(model, start)
    for row, s0 in enumerate(start):
        np.testing.assert_array_equal(result.states[row], reference_descent(J, h, s0)[0])
    direct = -0.5 * np.einsum("ki,ij,kj->k", result.states, J, result.states)
    np.testing.assert_allclose(result.energies, direct - result.states @ h - 0.5,
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("storage", STORAGES)
def test_local_minimum_float32(storage):
    """float32 kernels on real couplings: every single flip of the result costs >= 0 (up to
    float32 rounding of the cached fields), and each flip lowered the energy."""
    n = 200
    J, h, model = gaussian_model(n, 7, density=0.05 if storage == "sparse" else 0.5,
                                 storage=storage, dtype=np.float32)
    start = random_states(8, n, 1)
    result = boltz.descend(model, start)
    scale = np.abs(J).sum(axis=1) + np.abs(h)
    assert np.all(flip_costs(J, h, result.states) >= -1e-5 * scale)
    assert np.all(result.energies < model.energy(start))
    assert np.all(result.num_flips > 0)


@pytest.mark.parametrize("storage", STORAGES)
def test_idempotent_and_input_untouched(storage):
    _, _, model = integer_model(40, 3, density=0.2, storage=storage)
    start = random_states(6, 40, 3)
    kept = start.copy()
    first = boltz.descend(model, start)
    np.testing.assert_array_equal(start, kept)
    assert not np.shares_memory(first.states, start)
    second = boltz.descend(model, first.states)
    np.testing.assert_array_equal(second.states, first.states)
    np.testing.assert_array_equal(second.num_flips, 0)
    np.testing.assert_array_equal(second.energies, first.energies)


def assert_same_descent(a, b):
    """Two descents of the same starts ended in the same states, flips and energies."""
    np.testing.assert_array_equal(a.states, b.states)
    np.testing.assert_array_equal(a.num_flips, b.num_flips)
    np.testing.assert_array_equal(a.energies, b.energies)


def test_single_state_and_dense_sparse_agree():
    """A single state (n,) is k = 1; dense and sparse storage of one model agree."""
    J, h, dense = integer_model(30, 5, density=0.3, storage="dense")
    sparse = boltz.IsingModel(J, h, offset=1.25, storage="sparse")
    s0 = random_states(1, 30, 5)[0]
    a, b = boltz.descend(dense, s0), boltz.descend(sparse, s0.astype(np.float64))
    assert a.states.shape == (1, 30)
    assert_same_descent(a, b)
    assert a.energies[0] == b.energies[0] == dense.energy(a.states[0])


def test_ferromagnet_and_edge_cases():
    """A field-free ferromagnetic ring: a single wrong spin flips back; a two-domain state
    is already a local minimum (moving a wall costs 0, which is not taken)."""
    ring = boltz.IsingModel.from_maxcut(np.array([[i, (i + 1) % 8, -1.0] for i in range(8)]))
    one = np.ones(8, dtype=np.int8)
    one[3] = -1
    assert boltz.descend(ring, one).num_flips.tolist() == [1]
    walls = np.array([1, 1, 1, 1, -1, -1, -1, -1], dtype=np.int8)
    result = boltz.descend(ring, walls)
    np.testing.assert_array_equal(result.states[0], walls)
    assert result.num_flips.tolist() == [0]
    free = boltz.IsingModel(np.zeros((3, 3)), h=[1.0, -2.0, 0.0])
    assert boltz.descend(free, [-1, -1, -1]).states.tolist() == [[1, -1, -1]]
    single = boltz.IsingModel(np.zeros((1, 1)), h=[-1.0])
    assert boltz.descend(single, [[1], [-1]]).states.tolist() == [[-1], [-1]]


@pytest.mark.parametrize("storage", STORAGES)
def test_thread_count_independent(storage):
    _, _, model = gaussian_model(120, 11, density=0.05 if storage == "sparse" else 1.0,
                                 storage=storage)
    start = random_states(33, 120, 2)
    one = boltz.descend(model, start, num_threads=1)
    two = boltz.descend(model, start, num_threads=2)
    assert_same_descent(one, two)


def test_blocks_of_rows_give_the_same_result(monkeypatch):
    """Cutting the rows into many blocks (Ctrl-C granularity) changes nothing."""
    from boltz.spin import descent

    _, _, model = gaussian_model(50, 4)
    start = random_states(9, 50, 4)
    whole = boltz.descend(model, start)
    monkeypatch.setattr(descent, "_row_work", lambda model: 10**18)  # one row per block
    cut = boltz.descend(model, start)
    assert_same_descent(whole, cut)


def test_interrupted_keeps_finished_rows(monkeypatch):
    """Ctrl-C during a block: the rows of finished blocks come back, flagged."""
    from boltz import _progress
    from boltz.spin import descent

    _, _, model = gaussian_model(40, 6)
    start = random_states(5, 40, 6)
    full = boltz.descend(model, start)
    monkeypatch.setattr(descent, "_row_work", lambda model: 10**18)
    real = descent._spin_sweeps.descend_chains
    calls = []

    def interrupting(*args):
        calls.append(1)
        real(*args)
        if len(calls) == 2:
            _progress._Deferral.pending = True                 # as a SIGINT would

    monkeypatch.setattr(descent._spin_sweeps, "descend_chains", interrupting)
    result = boltz.descend(model, start)
    assert result.interrupted and result.states.shape == (2, 40)
    np.testing.assert_array_equal(result.states, full.states[:2])
    np.testing.assert_array_equal(result.energies, full.energies[:2])
    np.testing.assert_array_equal(result.num_flips, full.num_flips[:2])


@pytest.mark.parametrize(("states", "error", "match"), [
    ([[1, 2, 1]], ValueError, "states"),
    ([[1, 1]], ValueError, "states"),
    ([[[1, 1, 1]]], ValueError, "states"),
    ([[1, 0, 1]], ValueError, "states"),
    ([[1, np.nan, 1]], ValueError, "states"),
    (["a", "b", "c"], TypeError, "states"),
])
def test_bad_states(states, error, match):
    model = boltz.IsingModel(np.zeros((3, 3)))
    with pytest.raises(error, match=match):
        boltz.descend(model, states)


def test_bad_model_and_threads():
    with pytest.raises(TypeError, match="model"):
        boltz.descend(np.zeros((2, 2)), [1, 1])
    model = boltz.IsingModel(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="num_threads"):
        boltz.descend(model, [1, 1], num_threads=0)
    with pytest.raises(TypeError, match="num_threads"):
        boltz.descend(model, [1, 1], num_threads=1.5)


@pytest.mark.parametrize("storage", STORAGES)
def test_annealer_polish(storage):
    """polish=True: every read is a local minimum, at or below the unpolished read of the
    same seed, and is exactly the descent of that read."""
    J, h, model = gaussian_model(60, 9, density=0.1 if storage == "sparse" else 1.0,
                                 storage=storage)
    plain = boltz.Annealer(num_sweeps=3).sample(model, num_reads=12, seed=4)
    polished = boltz.Annealer(num_sweeps=3, polish=True).sample(model, num_reads=12, seed=4)
    assert np.all(flip_costs(J, h, polished.states) >= -1e-9)
    assert np.all(polished.energies <= plain.energies)
    assert np.any(polished.energies < plain.energies)
    np.testing.assert_array_equal(polished.states, boltz.descend(model, plain.states).states)
    np.testing.assert_array_equal(polished.energies, model.energy(polished.states))
    assert polished.best_energy == polished.energies.min() <= plain.best_energy
    assert polished.info["polished_reads"] == 12 and plain.info["polished_reads"] == 0


def test_annealer_polish_validated():
    model = boltz.IsingModel(np.zeros((2, 2)))
    with pytest.raises(TypeError, match="polish"):
        boltz.Annealer(polish="yes").sample(model)


@pytest.mark.slow
def test_ctrl_c_keeps_finished_rows():
    """A real SIGINT during a long descent (about a minute uninterrupted): it returns the
    finished rows, flagged, each the descent of its start."""
    from interrupting import interrupt_call

    setup = """
import json
import numpy as np, boltz
model = boltz.IsingModel.sherrington_kirkpatrick(2000, seed=1)
starts = np.random.default_rng(0).choice(np.array([-1, 1], np.int8), size=(10000, 2000))
"""
    report = """
k = len(result.states)
again = boltz.descend(model, starts[:k]) if k else None
print(json.dumps([result.interrupted, k, again is not None
                  and bool(np.array_equal(again.states, result.states))]))
"""
    out = interrupt_call(setup, "boltz.descend(model, starts)", report)
    interrupted, k, same = out.report
    assert interrupted and 0 < k < 10000 and same
