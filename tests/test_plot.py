"""boltz.plot: the data drawn are the results (or an independent computation of them), the
axes carry units, `ax=` is honoured and bad input is a clear error."""
import subprocess
import sys

import numpy as np
import pytest

import boltz

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import boltz.plot  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_import_boltz_does_not_import_matplotlib():
    code = ("import sys, boltz; m = boltz.IsingModel.square_lattice(4); "
            "boltz.Annealer(num_sweeps=10).sample(m, num_reads=2, seed=0, record_every=2); "
            "print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "False"


def test_without_matplotlib_import_says_how_to_install_it():
    code = ("import sys; sys.modules['matplotlib'] = None\n"
            "try:\n    import boltz.plot\nexcept ImportError as exc:\n    print(exc)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert 'pip install "boltz[plot]"' in out


def test_thermodynamics_draws_the_two_level_closed_forms():
    temps = np.array([0.25, 0.5, 1.0, 2.0, 4.0])
    axes = boltz.plot.thermodynamics([0.0, 1.0], temps)
    assert len(axes) == 4
    # a two-level system with gap 1: U = 1/(1+e^{1/T}), A = -T log(1+e^{-1/T}),
    # S = (U - A)/T, C = e^{1/T} / (T (1+e^{1/T}))^2
    x = np.exp(1.0 / temps)
    U = 1.0 / (1.0 + x)
    A = -temps * np.log1p(1.0 / x)
    expected = [U, A, (U - A) / temps, x / (temps * (1.0 + x)) ** 2]
    for ax, values in zip(axes, expected, strict=True):
        np.testing.assert_array_equal(ax.lines[0].get_xdata(), temps)
        np.testing.assert_allclose(ax.lines[0].get_ydata(), values, rtol=1e-12)
        assert "temperature T" in ax.get_xlabel() and "energy units" in ax.get_xlabel()
    assert "energy units" in axes[0].get_ylabel() and "k_B" in axes[3].get_ylabel()


def test_thermodynamics_with_a_boltzmann_constant():
    """Levels in eV, T in kelvin: the curves are boltz.thermodynamics's, S and C in eV/K."""
    k_b, temps = 8.617333262e-5, np.array([100.0, 300.0, 1000.0])
    levels, g = [0.0, 0.01, 0.05], [1.0, 3.0, 5.0]
    axes = boltz.plot.thermodynamics(levels, temps, g, boltzmann_constant=k_b)
    exact = boltz.thermodynamics(levels, temps, g, boltzmann_constant=k_b)
    for ax, field in zip(axes, ("mean_energy", "free_energy", "entropy", "heat_capacity"),
                         strict=True):
        np.testing.assert_array_equal(ax.lines[0].get_ydata(), getattr(exact, field))
    assert "temperature unit" in axes[2].get_ylabel() and "k_B" not in axes[3].get_ylabel()


def test_thermodynamics_draws_on_the_given_axes():
    _fig, given = plt.subplots(2, 2)
    axes = boltz.plot.thermodynamics([0.0, 1.0, 1.0], [1.0, 2.0], ax=given)
    assert all(a is b for a, b in zip(axes, given.ravel(), strict=True))
    assert all(len(a.lines) == 1 for a in given.ravel())


def test_trace_draws_energies_and_their_autocorrelation():
    model = boltz.IsingModel.square_lattice(8)
    result = boltz.sample(model, 0.4, num_chains=3, num_sweeps=400, burn_in=50, thin=2,
                          seed=1)
    left, right = boltz.plot.trace(result)
    assert len(left.lines) == 3
    for c in range(3):
        np.testing.assert_array_equal(left.lines[c].get_ydata(), result.energies[c])
    np.testing.assert_array_equal(left.lines[0].get_xdata(), 50 + 2 * np.arange(1, 201))
    rho = np.mean(boltz.mcmc_statistics.autocorrelation(result.energies), axis=0)
    drawn = right.lines[0].get_ydata()
    np.testing.assert_allclose(drawn, rho[:drawn.size], rtol=1e-12, atol=1e-15)
    assert drawn[0] == pytest.approx(1.0)
    np.testing.assert_array_equal(right.lines[0].get_xdata(), 2 * np.arange(drawn.size))
    tau_line = next(line for line in right.lines if line.get_linestyle() == "--")
    assert tau_line.get_xdata()[0] == pytest.approx(2 * result.autocorrelation_time)
    assert left.get_xlabel() == "sweep" and "energy units" in left.get_ylabel()
    assert right.get_xlabel() == "lag (sweeps)"


def test_anneal_draws_the_records():
    model = boltz.IsingModel.sherrington_kirkpatrick(40, seed=2)
    result = boltz.Annealer(num_sweeps=90, num_cycles=2).sample(model, num_reads=3, seed=4,
                                                                record_every=10)
    ax = boltz.plot.anneal(result)
    for r in range(3):
        np.testing.assert_array_equal(ax.lines[r].get_xdata(), result.trace_sweeps)
        np.testing.assert_array_equal(ax.lines[r].get_ydata(), result.trace_energies[:, r])
    np.testing.assert_array_equal(ax.lines[3].get_ydata(),
                                  result.trace_best_energies.min(axis=1))
    reheat = [line for line in ax.lines if line.get_linestyle() == ":"]
    assert [line.get_xdata()[0] for line in reheat] == [90]
    assert ax.get_xlabel() == "sweep" and "energy units" in ax.get_ylabel()


def test_anneal_without_records_says_how_to_record():
    model = boltz.IsingModel.square_lattice(4)
    result = boltz.Annealer(num_sweeps=10).sample(model, num_reads=2, seed=0)
    with pytest.raises(ValueError, match="record_every"):
        boltz.plot.anneal(result)


def test_tempering_draws_energy_heat_capacity_and_swap_rates():
    model = boltz.IsingModel.square_lattice(6)
    betas = np.linspace(0.2, 0.6, 6)
    result = boltz.ParallelTempering(betas, num_sweeps=300, burn_in=50,
                                     num_threads=1).sample(model, seed=3)
    axes = boltz.plot.tempering(result)
    assert len(axes) == 3
    mean, se = np.array([boltz.mcmc_statistics.mean_and_standard_error(e)
                         for e in result.energies]).T
    bars = axes[0].containers[0]
    np.testing.assert_allclose(bars.lines[0].get_xdata(), 1.0 / betas)
    np.testing.assert_allclose(bars.lines[0].get_ydata(), mean)
    half_widths = [np.ptp(seg[:, 1]) / 2 for seg in bars.lines[2][0].get_segments()]
    np.testing.assert_allclose(half_widths, se)
    np.testing.assert_allclose(axes[1].lines[0].get_ydata(),
                               betas**2 * np.var(result.energies, axis=1, ddof=1))
    np.testing.assert_allclose(axes[2].lines[0].get_ydata(), result.swap_acceptance)
    np.testing.assert_allclose(axes[2].lines[0].get_xdata(),
                               0.5 * (1 / betas[:-1] + 1 / betas[1:]))
    assert "k_B" in axes[1].get_ylabel() and "temperature" in axes[2].get_xlabel()


def test_rbm_filters_tiles_hold_the_weights():
    W = np.arange(5 * 6, dtype=float).reshape(5, 6) - 15
    ax = boltz.plot.rbm_filters(W, (2, 3), ncols=3)
    tiles = np.asarray(ax.images[0].get_array())
    assert tiles.shape == (2 * 3 + 1, 3 * 4 + 1)
    np.testing.assert_array_equal(tiles[1:3, 1:4], W[0].reshape(2, 3))
    np.testing.assert_array_equal(tiles[4:6, 5:8], W[4].reshape(2, 3))
    assert np.all(np.isnan(tiles[0])) and np.all(np.isnan(tiles[4:6, 9:12]))
    assert ax.images[0].get_clim() == (-15.0, 15.0)


def test_rbm_filters_of_a_fitted_rbm():
    X = (np.random.default_rng(0).random((50, 12)) < 0.3).astype(float)
    rbm = boltz.RBM(n_components=4, n_iter=2, random_state=0).fit(X)
    ax = boltz.plot.rbm_filters(rbm, (3, 4), n_filters=2)
    tiles = np.asarray(ax.images[0].get_array())
    np.testing.assert_allclose(tiles[1:4, 1:5], rbm.components_[0].reshape(3, 4))


@pytest.mark.parametrize("call, exc, match", [
    (lambda: boltz.plot.thermodynamics([0.0, 1.0], [[1.0]]), ValueError, "temperatures"),
    (lambda: boltz.plot.thermodynamics([0.0, 1.0], [1.0, -1.0]), ValueError, "temperatures"),
    (lambda: boltz.plot.thermodynamics([0.0, 1.0], [[1.0], [1.0, 2.0]]), ValueError,
     "temperatures"),
    (lambda: boltz.plot.thermodynamics([0.0, 1.0], [1.0], boltzmann_constant=0), ValueError,
     "boltzmann_constant"),
    (lambda: boltz.plot.thermodynamics([0.0, 1.0], [1.0], ax=plt.subplots()[1]), TypeError,
     "4 matplotlib Axes"),
    (lambda: boltz.plot.thermodynamics([0.0, 1.0], [1.0], ax=plt.subplots(1, 3)[1]),
     ValueError, "4 Axes"),
    (lambda: boltz.plot.trace("trace"), TypeError, "SampleTrace"),
    (lambda: boltz.plot.anneal(None), TypeError, "AnnealResult"),
    (lambda: boltz.plot.anneal(None, ax="a"), TypeError, "AnnealResult"),
    (lambda: boltz.plot.tempering([1, 2]), TypeError, "TemperingResult"),
    (lambda: boltz.plot.rbm_filters(np.zeros((2, 6)), (4, 2)), ValueError, "image_shape"),
    (lambda: boltz.plot.rbm_filters(np.zeros((2, 6)), (2, 3), n_filters=0), ValueError,
     "n_filters"),
    (lambda: boltz.plot.rbm_filters("W", (2, 3)), TypeError, "rbm_or_weights"),
    (lambda: boltz.plot.rbm_filters(boltz.RBM(), (2, 3)), ValueError, "not fitted"),
    (lambda: boltz.plot.rbm_filters(np.zeros((2, 6)), (2, 3), ax=[1]), TypeError, "ax"),
])
def test_bad_input_is_a_clear_error(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
