"""The argument contract (boltz._validation) and its promise on every public entry point:
a string where a number is expected is a TypeError that names the argument."""
import math

import numpy as np
import pytest

import boltz
from boltz import _validation as v
from boltz.numerics import mcmc_statistics as mcmc

# ---- the contract itself ------------------------------------------------------------------


@pytest.mark.parametrize("value", [0.5, 2, np.float32(0.25), np.int64(3), np.array(1.5)])
def test_check_real_accepts_real_numbers(value):
    out = v.check_real(value, "x")
    assert type(out) is float and out == float(value)


@pytest.mark.parametrize("value", ["0.5", b"1", True, np.bool_(False), 1 + 0j, None, [1.0],
                                   np.array([1.0]), np.array("1.0")])
def test_check_real_refuses_non_numbers_naming_the_argument(value):
    with pytest.raises(TypeError, match=r"^gamma must be a real number"):
        v.check_real(value, "gamma")


@pytest.mark.parametrize("value, kwargs", [
    (math.nan, {}), (math.inf, {}), (-math.inf, {}),
    (0.0, {"above": 0.0}), (-1e-300, {"at_least": 0.0}),
    (1.0, {"below": 1.0}), (1.5, {"at_most": 1.0}),
])
def test_check_real_refuses_values_outside_the_constraint(value, kwargs):
    with pytest.raises(ValueError, match=r"^gamma must be"):
        v.check_real(value, "gamma", **kwargs)


def test_check_real_bounds_and_infinity():
    assert v.check_real(0.0, "x", at_least=0.0) == 0.0
    assert v.check_real(1.0, "x", at_most=1.0, above=0.0) == 1.0
    for bad in (math.inf, -math.inf, math.nan, 10**400, -10**400):
        with pytest.raises(ValueError, match="x must be finite"):
            v.check_real(bad, "x")
    with pytest.raises(ValueError, match=r"> 0.0 and < 1"):
        v.check_real(2.0, "x", above=0.0, below=1)


@pytest.mark.parametrize("value", ["3", 3.0, np.float64(3.0), True, np.bool_(True), None,
                                   [3]])
def test_check_int_refuses_non_integers(value):
    with pytest.raises(TypeError, match=r"^count must be an integer"):
        v.check_int(value, "count")


def test_check_int_bounds():
    assert v.check_int(np.int8(5), "n", minimum=5, maximum=5) == 5
    assert type(v.check_int(np.uint16(7), "n")) is int
    with pytest.raises(ValueError, match=r"^n must be >= 1, got 0"):
        v.check_int(0, "n", minimum=1)
    with pytest.raises(ValueError, match=r"^n must be <= 4, got 5"):
        v.check_int(5, "n", maximum=4)
    assert v.check_positive_int(0, "n", minimum=0) == 0
    with pytest.raises(ValueError):
        v.check_positive_int(0, "n")


def test_check_bool():
    assert v.check_bool(np.bool_(True), "flag") is True
    assert v.check_bool(1, "flag") is True and v.check_bool(0, "flag") is False  # as NumPy
    for bad in (2, -1, 0.0, "yes", "", None):
        with pytest.raises(TypeError, match=r"^flag must be True or False"):
            v.check_bool(bad, "flag")


def test_check_choice():
    assert v.check_choice("b", "mode", ("a", "b")) == "b"
    assert v.check_choice("b", "mode", {"a": 0, "b": 1}) == 1
    with pytest.raises(ValueError, match=r"^mode must be one of 'a', 'b'; got 'c'"):
        v.check_choice("c", "mode", ("a", "b"))
    # unhashable and non-string values: a clear TypeError, not "unhashable type"
    for bad in (["a"], {"a": 1}, 0, None):
        with pytest.raises(TypeError, match=r"^mode must be one of 'a', 'b'"):
            v.check_choice(bad, "mode", {"a": 0, "b": 1})


def test_check_temperature():
    assert v.check_temperature(2) == 2.0
    assert v.check_temperature(np.array(2.0)) == 2.0
    arr = v.check_temperature([1, 2])
    assert arr.dtype == np.float64 and arr.tolist() == [1.0, 2.0]
    for bad in ("1", ["1", "2"], True, [True, True], [1j]):
        with pytest.raises(TypeError, match=r"temp"):
            v.check_temperature(bad, "temp")
    for bad in (0.0, -1.0, math.nan, math.inf, [1.0, 0.0], [1.0, math.nan]):
        with pytest.raises(ValueError, match=r"temp"):
            v.check_temperature(bad, "temp")


def test_check_beta():
    assert v.check_beta(0) == 0.0
    with pytest.raises(ValueError, match=r"^beta must be finite and >= 0"):
        v.check_beta(-0.5)
    with pytest.raises(TypeError, match=r"^beta"):
        v.check_beta("0.5")


def test_check_shape():
    assert v.check_shape(None, "size") == ()
    assert v.check_shape(3, "size") == (3,)
    assert v.check_shape(np.array(3), "size") == (3,)
    assert v.check_shape([2, np.int64(0)], "size") == (2, 0)
    for bad in ("3", 1.5, (1.5,), ("2",), True, (True,)):
        with pytest.raises(TypeError, match=r"^size"):
            v.check_shape(bad, "size")
    with pytest.raises(ValueError, match=r"^size"):
        v.check_shape((2, -1), "size")


def test_as_float_array_dtype_rules():
    assert v.as_float_array([1, 2], "a").dtype == np.float64
    assert v.as_float_array([True], "a").dtype == np.float64
    assert v.as_float_array(np.ones(2, np.float16), "a").dtype == np.float32
    f32 = np.ones(2, np.float32)
    assert v.as_float_array(f32, "a") is f32
    assert v.as_float_array(f32, "a", dtype=np.float64).dtype == np.float64
    for bad in (["1", "2"], [1j], np.array([1.0], np.longdouble), np.array([1, None])):
        with pytest.raises(TypeError, match=r"^arr must be a real array"):
            v.as_float_array(bad, "arr")
    with pytest.raises(TypeError, match=r"^arr"):
        v.as_float_array([True], "arr", bools=False)
    with pytest.raises(ValueError, match=r"^arr must be a rectangular array"):
        v.as_float_array([[1.0], [1.0, 2.0]], "arr")


def test_as_float_array_value_rules():
    with pytest.raises(ValueError, match=r"^arr must be 1-D"):
        v.as_float_array([[1.0]], "arr", ndim=1)
    with pytest.raises(ValueError, match=r"^arr must be finite"):
        v.as_float_array([1.0, math.inf], "arr", finite=True)
    with pytest.raises(ValueError, match=r"^arr must be >= 0"):
        v.as_float_array([1.0, -1.0], "arr", at_least=0.0)
    with pytest.raises(ValueError, match=r"^arr must be > 0"):
        v.as_float_array([1.0, math.nan], "arr", above=0.0)
    assert v.as_float_array([0.0, 1.0], "arr", at_least=0.0, finite=True).tolist() == [0, 1]


def test_axes():
    assert v.check_axes(None, 3) == (0, 1, 2)
    assert v.check_axes((-1, 0), 3) == (0, 2)
    assert v.check_axis(-1, 3) == 2
    for bad in (True, "0", 1.0, (True,)):
        with pytest.raises(TypeError, match=r"^axis"):
            v.check_axes(bad, 3)
    with pytest.raises(ValueError, match=r"axis"):
        v.check_axes(3, 3)
    for bad in (None, (0,), True, "0"):
        with pytest.raises(TypeError, match=r"^axis"):
            v.check_axis(bad, 3)
    with pytest.raises(ValueError, match=r"^axis 3 is out of bounds"):
        v.check_axis(3, 3)


def test_num_threads():
    assert v.resolve_num_threads(2) == 2
    assert v.resolve_num_threads(None) >= 1
    with pytest.raises(TypeError, match=r"^num_threads"):
        v.resolve_num_threads("2")
    with pytest.raises(ValueError, match=r"^num_threads"):
        v.resolve_num_threads(0)


def test_the_naming_rule_is_documented():
    doc = v.__doc__
    for name in ("num_reads", "num_sweeps", "num_chains", "seed", "n_components",
                 "random_state", "DeprecationWarning"):
        assert name in doc


# ---- every public entry point: a string where a number is expected -----------------------

MODEL = boltz.IsingModel.square_lattice(2)
E2 = [0.0, 1.0]


def _sample(**kw):
    args = {"num_chains": 2, "num_sweeps": 4, "burn_in": 1, "seed": 0}
    args.update(kw)
    beta = args.pop("beta", 0.5)
    return boltz.sample(MODEL, beta, **args)


def _anneal(**kw):
    sample_kw = {k: kw.pop(k) for k in ("num_reads", "seed") if k in kw}
    return boltz.Annealer(num_sweeps=kw.pop("num_sweeps", 4), **kw).sample(
        MODEL, **{"num_reads": 2, "seed": 0, **sample_kw})


def _tempering(**kw):
    seed = kw.pop("seed", 0)
    args = {"betas": [0.1, 0.5], "num_sweeps": 4, "burn_in": 1}
    args.update(kw)
    return boltz.ParallelTempering(**args).sample(MODEL, seed=seed)


def _dimod(**kw):
    dimod = pytest.importorskip("dimod")
    from boltz.dimod import AnnealingSampler
    bqm = dimod.BinaryQuadraticModel.from_ising({"a": 1.0}, {("a", "b"): -1.0})
    return AnnealingSampler().sample(bqm, **{"num_reads": 2, "seed": 0, "num_sweeps": 4,
                                             **kw})


TRACE = np.arange(10.0)
CASES = [
    # (call, argument, string value)
    (lambda **k: boltz.logsumexp(**{"a": E2, **k}), "a", ["1", "2"]),
    (lambda **k: boltz.logsumexp(**{"a": E2, **k}), "b", ["1", "2"]),
    (lambda **k: boltz.logsumexp(**{"a": E2, **k}), "axis", "0"),
    (lambda **k: boltz.logsumexp(**{"a": E2, **k}), "num_threads", "1"),
    (lambda **k: boltz.logsumexp(**{"a": E2, **k}), "keepdims", "yes"),
    (lambda **k: boltz.softmax(**{"x": E2, **k}), "x", ["1", "2"]),
    (lambda **k: boltz.softmax(**{"x": E2, **k}), "axis", "0"),
    (lambda **k: boltz.softmax(**{"x": E2, **k}), "temperature", "0.5"),
    (lambda **k: boltz.softmax(**{"x": E2, **k}), "num_threads", "1"),
    (lambda **k: boltz.log_softmax(**{"x": E2, **k}), "temperature", "0.5"),
    (lambda **k: boltz.boltzmann_probs(**{"energies": E2, **k}), "energies", ["0", "1"]),
    (lambda **k: boltz.boltzmann_probs(**{"energies": E2, **k}), "temperature", "2"),
    (lambda **k: boltz.boltzmann_probs(**{"energies": E2, **k}), "degeneracy", ["1", "1"]),
    (lambda **k: boltz.boltzmann_probs(**{"energies": E2, **k}), "boltzmann_constant", "2"),
    (lambda **k: boltz.thermodynamics(**{"energies": E2, "temperature": 1.0, **k}),
     "temperature", "2"),
    (lambda **k: boltz.thermodynamics(**{"energies": E2, "temperature": 1.0, **k}),
     "boltzmann_constant", "2"),
    (lambda **k: boltz.thermodynamics(**{"energies": E2, "temperature": 1.0, **k}),
     "energies", ["0", "1"]),
    (lambda **k: boltz.thermodynamics(**{"energies": E2, "temperature": 1.0, **k}),
     "num_threads", "2"),
    (lambda **k: boltz.solve_beta(**{"energies": [0, 1, 2], "mean_energy": 0.5, **k}),
     "mean_energy", "0.5"),
    (lambda **k: boltz.solve_beta(**{"energies": [0, 1, 2], "mean_energy": 0.5, **k}),
     "xtol", "1e-9"),
    (lambda **k: boltz.solve_beta(**{"energies": [0, 1, 2], "mean_energy": 0.5, **k}),
     "maxiter", "10"),
    (lambda **k: boltz.sample_boltzmann(**{"energies": E2, **k}), "temperature", "1"),
    (lambda **k: boltz.sample_boltzmann(**{"energies": E2, **k}), "size", "3"),
    (lambda **k: boltz.sample_boltzmann(**{"energies": E2, **k}), "size", ("3",)),
    (lambda **k: boltz.sample_boltzmann(**{"energies": E2, **k}), "seed", "1"),
    (lambda **k: boltz.sample_boltzmann(**{"energies": E2, **k}), "boltzmann_constant", "1"),
    (lambda **k: boltz.sample_boltzmann(**{"energies": E2, **k}), "num_threads", "1"),
    (_sample, "beta", "0.5"),
    (_sample, "num_chains", "2"),
    (_sample, "num_sweeps", "4"),
    (_sample, "burn_in", "1"),
    (_sample, "thin", "1"),
    (_sample, "seed", "0"),
    (_sample, "num_threads", "1"),
    (_sample, "method", ["gibbs"]),
    (_sample, "return_states", "yes"),
    (_anneal, "num_sweeps", "4"),
    (_anneal, "schedule", ["0.1", "1"]),
    (_anneal, "beta_range", ("0.1", "1")),
    (_anneal, "num_sweeps_per_beta", "1"),
    (_anneal, "num_cycles", "2"),
    (_anneal, "reheat_beta", "0.5"),
    (_anneal, "num_threads", "1"),
    (_anneal, "num_reads", "2"),
    (_anneal, "seed", "0"),
    (_anneal, "method", ["gibbs"]),
    (_tempering, "betas", ["0.1", "0.5"]),
    (_tempering, "num_sweeps", "4"),
    (_tempering, "burn_in", "1"),
    (_tempering, "swap_interval", "1"),
    (_tempering, "num_threads", "1"),
    (_tempering, "seed", "0"),
    (lambda **k: mcmc.autocorrelation(**{"x": TRACE, **k}), "x", ["1", "2"]),
    (lambda **k: mcmc.autocorrelation(**{"x": TRACE, **k}), "axis", "0"),
    (lambda **k: mcmc.integrated_autocorrelation_time(**{"x": TRACE, **k}), "c", "5"),
    (lambda **k: mcmc.effective_sample_size(**{"x": TRACE, **k}), "c", "5"),
    (lambda **k: mcmc.mean_and_standard_error(**{"x": TRACE, **k}), "c", "5"),
    (lambda **k: mcmc.chain_spread_error(**k), "values", ["1", "2"]),
    (_dimod, "num_reads", "2"),
    (_dimod, "seed", "0"),
    (_dimod, "num_sweeps", "4"),
    (_dimod, "reheat_beta", "0.5"),
]


@pytest.mark.parametrize("call, name, value", CASES,
                         ids=[f"{i}-{c[1]}" for i, c in enumerate(CASES)])
def test_a_string_is_never_a_number(call, name, value):
    with pytest.raises(TypeError, match=rf"(?<!\w){name}(?!\w)"):
        call(**{name: value})


def test_reheat_beta_nan_is_named():
    with pytest.raises(ValueError, match=r"^reheat_beta must be finite"):
        _anneal(num_cycles=2, reheat_beta=math.nan)
