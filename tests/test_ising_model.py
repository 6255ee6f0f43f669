"""IsingModel: energies against enumeration, constructors, conversions, validation."""
import copy
import itertools
import pickle

import numpy as np
import pytest
import scipy.sparse as sps

import boltz
from ising_exact import all_states, exact_energies, square_lattice_couplings


def random_model(rng, n=8, density=1.0):
    J = rng.standard_normal((n, n)) * (rng.random((n, n)) < density)
    J = np.triu(J, 1)
    return J + J.T, rng.standard_normal(n)


@pytest.mark.parametrize("storage", ["dense", "sparse"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_energy_matches_enumeration(storage, dtype, rng):
    J, h = random_model(rng, 9, density=0.5)
    model = boltz.IsingModel(J, h, offset=1.25, storage=storage, dtype=dtype)
    states = all_states(9)
    rtol = 1e-13 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(model.energy(states), exact_energies(J, h, 1.25),
                               rtol=rtol, atol=rtol * 10)
    assert model.is_dense == (storage == "dense")


def test_input_forms_agree(rng):
    J, h = random_model(rng, 7, density=0.6)
    i, j = np.nonzero(np.triu(J, 1))
    forms = [boltz.IsingModel(J, h), boltz.IsingModel(sps.csr_matrix(J), h),
             boltz.IsingModel(sps.coo_matrix(J), h), boltz.IsingModel((i, j, J[i, j]), h),
             boltz.IsingModel((j, i, J[i, j]), h)]       # either orientation
    states = all_states(7)
    ref = exact_energies(J, h)
    for model in forms:
        np.testing.assert_allclose(model.energy(states), ref, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("storage", ["dense", "sparse"])
def test_bonds_list_each_coupling_once(storage, rng):
    J, h = random_model(rng, 7, density=0.6)
    rows, cols, values = boltz.IsingModel(J, h, storage=storage).bonds()
    assert np.all(rows < cols)
    rebuilt = np.zeros_like(J)
    rebuilt[rows, cols] = values
    np.testing.assert_array_equal(rebuilt + rebuilt.T, J)


def test_repeated_triplets_add_up():
    model = boltz.IsingModel(([0, 0, 1], [1, 1, 0], [1.0, 2.0, 0.5]), num_spins=2)
    assert model.energy([1, 1]) == pytest.approx(-3.5)


def test_single_state_gives_a_float():
    model = boltz.IsingModel(np.zeros((3, 3)), h=[1.0, 0.0, -1.0])
    assert model.energy([1, 1, 1]) == 0.0
    assert isinstance(model.energy([1, -1, -1]), float)


@pytest.mark.parametrize("L, M, periodic", [(4, 4, True), (3, 5, True), (2, 3, True),
                                            (4, 3, False), (1, 6, True), (5, 1, False)])
def test_square_lattice_matches_reference(L, M, periodic, rng):
    model = boltz.IsingModel.square_lattice(L, M, J=0.7, h=0.2, periodic=periodic)
    J = square_lattice_couplings(L, M, J=0.7, periodic=periodic)
    np.testing.assert_array_equal(model.couplings_dense(), J)
    states = rng.choice([-1, 1], size=(50, L * M))
    expected = -0.5 * np.einsum("ki,ij,kj->k", states, J, states) - 0.2 * states.sum(axis=1)
    np.testing.assert_allclose(model.energy(states), expected, rtol=1e-13, atol=1e-13)


def test_ferromagnet_ground_state():
    model = boltz.IsingModel.square_lattice(8)
    assert model.energy(np.ones(64)) == -128.0
    assert model.energy(-np.ones(64)) == -128.0


def test_qubo_round_trip(rng):
    n = 6
    Q = rng.standard_normal((n, n))
    model = boltz.IsingModel.from_qubo(Q, offset=0.5)
    xs = np.array(list(itertools.product([0, 1], repeat=n)))
    qubo_energy = np.einsum("ki,ij,kj->k", xs, Q, xs) + 0.5
    np.testing.assert_allclose(model.energy(2 * xs - 1), qubo_energy, rtol=1e-12, atol=1e-12)
    Q2, offset = model.to_qubo()
    assert np.allclose(Q2, np.triu(Q2))
    np.testing.assert_allclose(np.einsum("ki,ij,kj->k", xs, Q2, xs) + offset, qubo_energy,
                               rtol=1e-12, atol=1e-12)


def test_maxcut_from_file_and_edges(tmp_path, rng):
    n = 9
    edges = [(a, b, int(rng.integers(1, 4))) for a in range(n) for b in range(a + 1, n)
             if rng.random() < 0.4]
    path = tmp_path / "g.txt"
    path.write_text(f"{n} {len(edges)}\n" + "".join(f"{a + 1} {b + 1} {w}\n"
                                                    for a, b, w in edges))
    from_file = boltz.IsingModel.from_maxcut(path)
    from_edges = boltz.IsingModel.from_maxcut(np.array(edges), num_nodes=n)
    states = all_states(n)
    cut = np.zeros(len(states))
    for a, b, w in edges:
        cut += w * (states[:, a] != states[:, b])
    for model in (from_file, from_edges):
        np.testing.assert_allclose(model.maxcut_value(states), cut)
        # the ground states are the maximum cuts
        assert model.maxcut_value(states[np.argmin(model.energy(states))]) == cut.max()


def test_maxcut_file_edge_cases(tmp_path):
    bom = tmp_path / "bom.txt"
    bom.write_text("\ufeff3 2 extra\r\n1 2 1\r\n2 3 1\r\n", encoding="utf-8")
    model = boltz.IsingModel.from_maxcut(bom)
    assert model.maxcut_value([1, -1, 1]) == 2.0
    empty = tmp_path / "empty.txt"
    empty.write_text("4 0\n")
    model = boltz.IsingModel.from_maxcut(empty)
    assert model.num_spins == 4 and model.num_bonds == 0
    assert model.maxcut_value(np.ones(4)) == 0.0


def test_maxcut_value_needs_a_graph():
    with pytest.raises(ValueError, match="from_maxcut"):
        boltz.IsingModel.square_lattice(3).maxcut_value(np.ones(9))


def test_sherrington_kirkpatrick():
    model = boltz.IsingModel.sherrington_kirkpatrick(200, seed=3)
    J = model.couplings_dense()
    assert model.is_dense and np.allclose(J, J.T) and np.all(np.diag(J) == 0)
    off = J[np.triu_indices(200, 1)]
    assert abs(off.std() * np.sqrt(200) - 1) < 0.02          # variance 1/n
    binary = boltz.IsingModel.sherrington_kirkpatrick(50, seed=3, couplings="binary")
    np.testing.assert_allclose(np.abs(binary.couplings_dense()[np.triu_indices(50, 1)]),
                               1 / np.sqrt(50), rtol=1e-15)
    same = boltz.IsingModel.sherrington_kirkpatrick(200, seed=3)
    assert np.array_equal(same.couplings_dense(), J)


@pytest.mark.parametrize("J, kwargs, exc, word", [
    (np.array([[0.0, 1.0], [2.0, 0.0]]), {}, ValueError, "symmetric"),
    (np.array([[1.0, 0.0], [0.0, 0.0]]), {}, ValueError, "diagonal"),
    (np.array([[0.0, np.nan], [np.nan, 0.0]]), {}, ValueError, "finite"),
    (np.zeros((2, 3)), {}, ValueError, "square"),
    (np.zeros((2, 2)), {"h": [1.0, 2.0, 3.0]}, ValueError, "h"),
    (np.zeros((2, 2)), {"h": [np.inf, 0]}, ValueError, "h"),
    (np.zeros((2, 2)), {"dtype": np.int32}, TypeError, "dtype"),
    (np.zeros((2, 2)), {"storage": "csr"}, ValueError, "storage"),
    (np.array([["a", "b"], ["c", "d"]]), {}, TypeError, "J"),
    (([0], [0], [1.0]), {}, ValueError, "diagonal"),
    (([0], [5], [1.0]), {"num_spins": 3}, ValueError, "indices"),
    (([0, 1], [1], [1.0]), {}, ValueError, "equal length"),
    ((np.array([0.5]), np.array([1]), [1.0]), {}, TypeError, "integer"),
    (sps.csr_matrix(np.array([[0.0, 1.0], [0.0, 0.0]])), {}, ValueError, "symmetric"),
])
def test_bad_input(J, kwargs, exc, word):
    with pytest.raises(exc, match=word):
        boltz.IsingModel(J, **kwargs)


def test_bad_states():
    model = boltz.IsingModel.square_lattice(2)
    with pytest.raises(ValueError, match="states"):
        model.energy([1, 1, 1])
    with pytest.raises(ValueError, match="-1 and \\+1"):
        model.energy([1, 0, 1, 1])
    with pytest.raises(TypeError, match="states"):
        model.energy(["a"] * 4)


@pytest.mark.parametrize("J, h, exact", [
    ([[0, 1], [1, 0]], [0, 0], True),                     # ±1 couplings
    ([[0, 0.25], [0.25, 0]], [3, 1e6], True),             # multiples of 1/4 below 2^22
    ([[0, 0.25], [0.25, 0]], [3, 1e7], False),            # |f| can exceed 2^24 quarters
    ([[0, 0.1], [0.1, 0]], [0, 0], False),                # 0.1 is not a float32 number
    ([[0, 2.0**30], [2.0**30, 0]], [1, 0], False),        # 2^30 + 1 needs 31 bits
    ([[0, 2.0**30], [2.0**30, 0]], [2.0**10, 0], True),   # all multiples of 2^10
])
@pytest.mark.parametrize("storage", ["dense", "sparse"])
def test_float32_sweeps_only_where_every_field_is_exact(J, h, exact, storage):
    model = boltz.IsingModel(J, h=h, storage=storage)
    assert model._kernel_dtype == (np.float32 if exact else np.float64)
    assert model.dtype == np.float64
    states = np.array(list(itertools.product([-1, 1], repeat=2)))
    J, h = np.asarray(J, dtype=float), np.asarray(h, dtype=float)
    expected = [-s @ np.triu(J, 1) @ s - h @ s for s in states]
    np.testing.assert_array_equal(model.energy(states), expected)


@pytest.mark.parametrize("storage", ["dense", "sparse"])
def test_models_cannot_go_stale(storage):
    # the kernels keep their own copy of the couplings and fields: nothing a user can reach
    # may change one side only, so arrays are read-only and attributes cannot be reassigned
    model = boltz.IsingModel([[0, 1], [1, 0]], h=[0.5, -0.25], offset=2.0, storage=storage)
    with pytest.raises(ValueError, match="read-only"):
        model.h[0] = 5
    for name in ("h", "offset", "num_spins", "dtype", "is_dense"):
        with pytest.raises(AttributeError):
            setattr(model, name, getattr(model, name))
    values = model.bonds()[2]
    values[:] = 7                              # bonds() hands out copies
    model.couplings_dense()[0, 1] = 7          # and so does couplings_dense()
    # energies, the QUBO form and the attributes still describe the model as built
    states = np.array(list(itertools.product([-1, 1], repeat=2)))
    expected = [-s[0] * s[1] - 0.5 * s[0] + 0.25 * s[1] + 2.0 for s in states]
    np.testing.assert_array_equal(model.energy(states), expected)
    Q, offset = model.to_qubo()
    x = (states + 1) // 2
    np.testing.assert_allclose([xi @ Q @ xi + offset for xi in x], expected)
    np.testing.assert_array_equal(model.h, [0.5, -0.25])
    assert model.offset == 2.0 and model.num_bonds == 1


def test_input_arrays_are_copied(rng):
    # changing the arrays a model was built from does not change the model
    J, h = random_model(rng, 6)
    model = boltz.IsingModel(J, h)
    before = model.energy(all_states(6))
    J[0, 1] = J[1, 0] = 100.0
    h[:] = 100.0
    np.testing.assert_array_equal(model.energy(all_states(6)), before)


def test_offset_must_be_a_number():
    with pytest.raises(TypeError, match="offset"):
        boltz.IsingModel([[0, 1], [1, 0]], offset="1.5")


@pytest.mark.parametrize("build, name", [
    (lambda: boltz.IsingModel.square_lattice(3, J="1"), "J"),
    (lambda: boltz.IsingModel.square_lattice(3, h="0.5"), "h"),
    (lambda: boltz.IsingModel.sherrington_kirkpatrick(4, h="0.5"), "h"),
    (lambda: boltz.IsingModel.sherrington_kirkpatrick(4, couplings=["binary"]), "couplings"),
    (lambda: boltz.IsingModel.from_qubo(np.eye(2), offset="1"), "offset"),
    (lambda: boltz.IsingModel(np.zeros((2, 2)), storage=["dense"]), "storage"),
])
def test_constructors_refuse_strings_and_lists_for_numbers_and_options(build, name):
    with pytest.raises(TypeError, match=f"^{name} must be"):
        build()


@pytest.mark.parametrize("copy_of", [copy.copy, copy.deepcopy,
                                     lambda m: pickle.loads(pickle.dumps(m))])
def test_copies_and_pickles_stay_read_only(copy_of):
    m = copy_of(boltz.IsingModel([[0, 1], [1, 0]], h=[0.5, 0.0]))
    with pytest.raises(ValueError):
        m.h[0] = 5
    Q, offset = m.to_qubo()
    x = np.array([1, 1])
    assert m.energy([1, 1]) == -1.5 == x @ Q @ x + offset
