"""boltz.dimod: the dimod Sampler interface to boltz's simulated annealer."""
import doctest
import importlib
import itertools
import sys
import unittest

import numpy as np
import pytest

dimod = pytest.importorskip("dimod")

from dimod.testing import (  # noqa: E402
    assert_composite_api,
    assert_sampler_api,
    assert_sampleset_energies,
    load_sampler_bqm_tests,
)

import boltz  # noqa: E402
import boltz.dimod  # noqa: E402
from boltz.dimod import (  # noqa: E402
    AnnealingSampler,
    SteepestDescentComposite,
    SteepestDescentSampler,
    bqm_to_ising_model,
)

EXPECTED_PARAMETERS = {"num_reads", "num_sweeps", "schedule", "beta_range",
                       "num_sweeps_per_beta", "method", "order", "num_cycles", "reheat_beta",
                       "seed", "initial_states", "num_threads", "return_best", "aggregate",
                       "beta_schedule_type", "beta_schedule", "polish", "multispin"}


def all_spin_states(n):
    return np.array(list(itertools.product([-1, 1], repeat=n)), dtype=np.int8)


def frustrated_bqm(vartype, n=10, seed=7):
    """Dense, Gaussian couplings and fields with string labels: frustrated, unique-ish
    ground state, small enough for dimod.ExactSolver (2**10 states)."""
    rng = np.random.default_rng(seed)
    labels = [f"v{i}" for i in range(n)]
    linear = {v: rng.normal(scale=0.5) for v in labels}
    quadratic = {(labels[i], labels[j]): rng.normal()
                 for i in range(n) for j in range(i + 1, n)}
    return dimod.BinaryQuadraticModel(linear, quadratic, rng.normal(), vartype)


# ---- dimod's own API checks -------------------------------------------------------------

def test_sampler_api():
    sampler = AnnealingSampler()
    assert_sampler_api(sampler)
    assert isinstance(sampler, dimod.Sampler)
    assert set(sampler.parameters) == EXPECTED_PARAMETERS
    assert all(isinstance(v, list) for v in sampler.parameters.values())
    # parameters refer only to existing properties
    for related in sampler.parameters.values():
        assert set(related) <= set(sampler.properties)
    assert sampler.properties["category"] == "software"
    assert set(sampler.properties["beta_schedule_options"]) == {"geometric", "linear",
                                                                "custom"}
    # the mappings are copies: mutating them does not change the sampler
    sampler.parameters["bogus"] = []
    sampler.properties["bogus"] = 1
    assert "bogus" not in sampler.parameters and "bogus" not in sampler.properties


@load_sampler_bqm_tests(AnnealingSampler)
class TestDimodSamplerSuite(unittest.TestCase):
    """dimod's generated suite: empty, 1-variable, path and more BQMs, in every BQM class,
    through sample, sample_ising and sample_qubo."""


@pytest.mark.parametrize("vartype", [dimod.SPIN, dimod.BINARY])
def test_sampleset_energies_and_labels(vartype):
    bqm = frustrated_bqm(vartype, n=8, seed=3)
    sampleset = AnnealingSampler().sample(bqm, num_reads=6, seed=11, num_sweeps=200)
    assert_sampleset_energies(sampleset, bqm)
    assert sampleset.vartype is vartype
    assert list(sampleset.variables) == list(bqm.variables)
    assert len(sampleset) == 6
    assert set(np.unique(sampleset.record.sample)) <= set(vartype.value)
    np.testing.assert_allclose(sampleset.record.energy,
                               bqm.energies((sampleset.record.sample, sampleset.variables)))
    info = sampleset.info
    assert info["num_sweeps"] == 200
    assert info["beta_schedule_type"] == "geometric"
    hot, cold = info["beta_range"]
    assert 0 < hot < cold
    reported = {"num_sweeps", "beta_range", "seconds", "spin_updates_per_second"}
    assert reported <= set(info)
    assert info["interrupted"] is False


def test_arbitrary_hashable_labels():
    labels = [("a", 1), 7, "x", frozenset({2}), 3.5]
    bqm = dimod.BinaryQuadraticModel(
        {labels[0]: 1.0, labels[2]: -0.5},
        {(labels[0], labels[1]): -1.0, (labels[1], labels[3]): 0.7,
         (labels[3], labels[4]): -0.3, (labels[2], labels[4]): 1.2},
        0.25, "BINARY")
    sampleset = AnnealingSampler().sample(bqm, num_reads=3, seed=0, num_sweeps=50)
    assert list(sampleset.variables) == list(bqm.variables)
    assert_sampleset_energies(sampleset, bqm)
    exact = dimod.ExactSolver().sample(bqm).first.energy
    assert sampleset.first.energy == pytest.approx(exact)


# ---- the sign convention ----------------------------------------------------------------

# dimod:  E = h_a s_a + J_ab s_a s_b + J_bc s_b s_c   with h_a = -0.5, J_ab = -1, J_bc = +1
# (a ferro bond a-b, an antiferro bond b-c, a field pulling a up): unique ground state
# (a, b, c) = (+1, +1, -1) with E = -0.5 - 1 - 1 = -2.5.
DIMOD_H = {"a": -0.5, "b": 0.0, "c": 0.0}
DIMOD_J = {("a", "b"): -1.0, ("b", "c"): 1.0}
GROUND = {"a": 1, "b": 1, "c": -1}


def test_sign_convention_three_spins():
    bqm = dimod.BinaryQuadraticModel.from_ising(DIMOD_H, DIMOD_J)
    # the same model written by hand in boltz's convention: J_boltz = -J_dimod, h = -h
    by_hand = boltz.IsingModel((np.array([0, 1]), np.array([1, 2]), np.array([1.0, -1.0])),
                               h=[0.5, 0.0, 0.0])
    converted, labels = bqm_to_ising_model(bqm)
    assert labels == ["a", "b", "c"]
    states = all_spin_states(3)
    np.testing.assert_allclose(converted.energy(states), by_hand.energy(states))
    np.testing.assert_allclose(by_hand.energy(states), bqm.energies((states, labels)))

    # the hand-written boltz model's ground state, found by boltz's annealer directly
    result = boltz.Annealer(num_sweeps=100).sample(by_hand, num_reads=4, seed=5)
    assert result.best_state.tolist() == [1, 1, -1]
    assert result.best_energy == pytest.approx(-2.5)
    # ... and through the dimod sampler, in dimod's convention
    ss = AnnealingSampler().sample(bqm, num_reads=4, seed=5, num_sweeps=100)
    assert ss.first.sample == GROUND
    assert ss.first.energy == pytest.approx(-2.5)
    assert dimod.ExactSolver().sample(bqm).first.sample == GROUND
    # sample_ising goes through the same conversion
    ss = AnnealingSampler().sample_ising(DIMOD_H, DIMOD_J, num_reads=4, seed=5,
                                         num_sweeps=100)
    assert ss.first.sample == GROUND


@pytest.mark.parametrize("vartype", [dimod.SPIN, dimod.BINARY])
def test_energies_match_boltz_model(vartype):
    bqm = frustrated_bqm(vartype, n=6, seed=9)
    model, labels = bqm_to_ising_model(bqm)
    assert model.offset == pytest.approx(bqm.spin.offset)
    spins = all_spin_states(6)
    values = spins if vartype is dimod.SPIN else (spins + 1) // 2
    np.testing.assert_allclose(model.energy(spins), bqm.energies((values, labels)))

    ss = AnnealingSampler().sample(bqm, num_reads=5, seed=2, num_sweeps=100)
    out = ss.record.sample
    out_spins = out if vartype is dimod.SPIN else 2 * out - 1
    np.testing.assert_allclose(ss.record.energy, model.energy(out_spins))


# ---- quality ------------------------------------------------------------------------------

@pytest.mark.parametrize("vartype", [dimod.SPIN, dimod.BINARY])
def test_finds_exact_ground_state(vartype):
    bqm = frustrated_bqm(vartype, n=10, seed=2024)
    exact = dimod.ExactSolver().sample(bqm)
    ss = AnnealingSampler().sample(bqm, num_reads=10, seed=1, num_sweeps=500)
    assert ss.first.energy == pytest.approx(exact.first.energy)
    assert ss.vartype is vartype
    # ground-state energy is a true lower bound
    assert ss.record.energy.min() >= exact.first.energy - 1e-9


def test_reproducible_with_seed_and_parameters_pass_through():
    bqm = frustrated_bqm(dimod.SPIN, n=8, seed=4)
    kwargs = dict(num_reads=4, seed=123, num_sweeps=40, num_sweeps_per_beta=2,
                  schedule="linear", beta_range=(0.1, 3.0), method="gibbs", order="random",
                  num_cycles=2, reheat_beta=1.0, num_threads=1)
    a = AnnealingSampler().sample(bqm, **kwargs)
    b = AnnealingSampler().sample(bqm, **kwargs)
    np.testing.assert_array_equal(a.record.sample, b.record.sample)
    assert a.info["beta_range"] == (0.1, 3.0)
    assert a.info["beta_schedule_type"] == "linear"
    assert a.info["num_sweeps"] == 40 and a.info["num_cycles"] == 2

    custom = AnnealingSampler().sample(bqm, num_reads=2, seed=0,
                                       schedule=np.linspace(0.2, 2.0, 30))
    assert custom.info["beta_schedule_type"] == "custom"
    assert custom.info["num_sweeps"] == 30
    assert custom.info["beta_range"] == pytest.approx((0.2, 2.0))


# ---- initial states ---------------------------------------------------------------------

# dimod SPIN: h_a = +0.1 (pulls a down), ferro bond a-b. (+1, +1) has E = -0.9 and is a strict
# local minimum (flips cost 1.8 and 2.0); the ground state (-1, -1) has E = -1.1.
LOCAL_H = {"a": 0.1, "b": 0.0}
LOCAL_J = {("a", "b"): -1.0}
FROZEN = dict(num_sweeps=1, beta_range=(100.0, 100.0))


def test_initial_states_spin_local_minimum_kept():
    bqm = dimod.BinaryQuadraticModel.from_ising(LOCAL_H, LOCAL_J)
    sampler = AnnealingSampler()
    # without a start the annealer finds the ground state
    assert sampler.sample(bqm, num_reads=4, seed=0).first.sample == {"a": -1, "b": -1}
    # started in the local minimum and kept frozen, every read stays there
    ss = sampler.sample(bqm, num_reads=5, seed=0, initial_states={"b": 1, "a": 1}, **FROZEN)
    assert len(ss) == 5
    np.testing.assert_array_equal(ss.record.sample, np.ones((5, 2)))
    np.testing.assert_allclose(ss.record.energy, -0.9)
    # num_reads defaults to the number of initial states; one state per read is honoured
    starts = ([[1, 1], [-1, -1], [1, 1]], ["a", "b"])
    ss = sampler.sample(bqm, seed=0, initial_states=starts, **FROZEN)
    assert len(ss) == 3
    np.testing.assert_array_equal(ss.record.sample, [[1, 1], [-1, -1], [1, 1]])


def test_initial_states_binary_and_sampleset_forms():
    spin_bqm = dimod.BinaryQuadraticModel.from_ising(LOCAL_H, LOCAL_J)
    bqm = spin_bqm.binary
    sampler = AnnealingSampler()
    # 0/1 values for a BINARY model; (+1,+1) spins is x = (1, 1)
    ss = sampler.sample(bqm, num_reads=3, seed=1, initial_states=[{"a": 1, "b": 1}], **FROZEN)
    assert ss.vartype is dimod.BINARY
    np.testing.assert_array_equal(ss.record.sample, np.ones((3, 2)))
    assert_sampleset_energies(ss, bqm)
    # a SampleSet of the other vartype is converted, and its variable order is irrelevant
    start = dimod.SampleSet.from_samples(([[1, 1]], ["b", "a"]), dimod.SPIN, energy=[0.0])
    ss = sampler.sample(bqm, num_reads=2, seed=1, initial_states=start, **FROZEN)
    np.testing.assert_array_equal(ss.record.sample, np.ones((2, 2)))
    # and a BINARY SampleSet into the SPIN model
    start = dimod.SampleSet.from_samples(([[0, 0]], ["a", "b"]), dimod.BINARY, energy=[0.0])
    ss = sampler.sample(spin_bqm, num_reads=2, seed=1, initial_states=start, **FROZEN)
    np.testing.assert_array_equal(ss.record.sample, -np.ones((2, 2)))


def test_initial_states_errors():
    bqm = dimod.BinaryQuadraticModel.from_ising(LOCAL_H, LOCAL_J)
    sampler = AnnealingSampler()
    with pytest.raises(ValueError, match="variables"):
        sampler.sample(bqm, initial_states={"a": 1, "z": 1})
    with pytest.raises(ValueError, match="values"):
        sampler.sample(bqm, initial_states={"a": 0, "b": 1})          # 0 is not a spin
    with pytest.raises(ValueError, match="values"):
        sampler.sample(bqm.binary, initial_states={"a": -1, "b": 1})  # -1 is not binary
    with pytest.raises(ValueError):
        sampler.sample(bqm, num_reads=4, initial_states=([[1, 1], [1, 1]], ["a", "b"]))


# ---- edge cases -------------------------------------------------------------------------

@pytest.mark.parametrize("vartype", [dimod.SPIN, dimod.BINARY])
def test_empty_bqm(vartype):
    bqm = dimod.BinaryQuadraticModel({}, {}, 1.5, vartype)
    ss = AnnealingSampler().sample(bqm, num_reads=3, seed=0)
    assert ss.vartype is vartype
    assert len(ss.variables) == 0
    assert len(ss) == 3
    np.testing.assert_allclose(ss.record.energy, 1.5)
    assert_sampleset_energies(ss, bqm)
    assert len(AnnealingSampler().sample_ising({}, {})) == 10
    assert len(AnnealingSampler().sample_qubo({})) == 10


def test_bad_keyword_and_bad_bqm():
    bqm = dimod.BinaryQuadraticModel.from_ising(LOCAL_H, LOCAL_J)
    sampler = AnnealingSampler()
    with pytest.raises(TypeError, match="not_a_parameter"):
        sampler.sample(bqm, not_a_parameter=1)
    with pytest.raises(ValueError, match="not both"):
        sampler.sample(bqm, schedule="linear", beta_schedule_type="linear")
    with pytest.raises(ValueError, match="beta_schedule"):
        sampler.sample(bqm, beta_schedule_type="custom")
    with pytest.raises(ValueError, match="beta_schedule"):
        sampler.sample(bqm, beta_schedule=[0.1, 1.0])
    with pytest.raises(ValueError, match="beta_schedule_type"):
        sampler.sample(bqm, beta_schedule_type="cubic")
    with pytest.raises(TypeError, match="return_best"):
        sampler.sample(bqm, return_best="yes")
    with pytest.raises(TypeError, match="BinaryQuadraticModel"):
        sampler.sample({"a": 1})
    with pytest.raises(ValueError):
        sampler.sample(bqm, schedule="cubic")
    with pytest.raises(ValueError):
        sampler.sample(bqm, num_reads=0)


def test_import_error_message_without_dimod(monkeypatch):
    monkeypatch.setitem(sys.modules, "dimod", None)       # makes `import dimod` fail
    monkeypatch.delitem(sys.modules, "boltz.dimod")
    with pytest.raises(ImportError, match=r"boltz\.dimod needs the dimod package: "
                                          r"pip install 'boltz\[dimod\]'"):
        importlib.import_module("boltz.dimod")


def test_docstring_examples():
    result = doctest.testmod(boltz.dimod, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0


def test_final_states_by_default_best_on_request_and_aggregated_counts():
    bqm = frustrated_bqm(dimod.SPIN, n=8, seed=5)
    model, _ = bqm_to_ising_model(bqm)
    kwargs = {"num_reads": 12, "seed": 3, "num_sweeps": 40, "beta_range": (0.1, 0.5)}
    result = boltz.Annealer(num_sweeps=40, beta_range=(0.1, 0.5)).sample(model, 12, seed=3)
    final = AnnealingSampler().sample(bqm, **kwargs)
    best = AnnealingSampler().sample(bqm, return_best=True, **kwargs)
    np.testing.assert_array_equal(final.record.sample, result.final_states)
    np.testing.assert_array_equal(best.record.sample, result.states)
    assert np.all(best.record.energy <= final.record.energy + 1e-12)
    # aggregated: each distinct state once, with its count
    agg = AnnealingSampler().sample(bqm, aggregate=True, **kwargs)
    assert agg.record.num_occurrences.sum() == 12
    assert len(agg) == len({tuple(r) for r in result.final_states})


def test_dwave_schedule_names():
    bqm = frustrated_bqm(dimod.SPIN, n=6, seed=6)
    sampler = AnnealingSampler()
    for kind in ("linear", "geometric"):
        a = sampler.sample(bqm, num_reads=4, seed=1, num_sweeps=30, schedule=kind)
        b = sampler.sample(bqm, num_reads=4, seed=1, num_sweeps=30, beta_schedule_type=kind)
        np.testing.assert_array_equal(a.record.sample, b.record.sample)
        assert b.info["beta_schedule_type"] == kind
    betas = np.linspace(0.1, 2.0, 25)
    a = sampler.sample(bqm, num_reads=4, seed=1, schedule=betas)
    b = sampler.sample(bqm, num_reads=4, seed=1, beta_schedule_type="custom", beta_schedule=betas)
    np.testing.assert_array_equal(a.record.sample, b.record.sample)
    assert b.info["beta_schedule_type"] == "custom"


# ---- SteepestDescentSampler ---------------------------------------------------------------

def test_descent_sampler_api():
    sampler = SteepestDescentSampler()
    assert_sampler_api(sampler)
    assert set(sampler.parameters) == {"num_reads", "initial_states", "seed", "num_threads"}
    assert sampler.properties == {"category": "software"}


@load_sampler_bqm_tests(SteepestDescentSampler)
class TestDescentSamplerSuite(unittest.TestCase):
    """dimod's generated suite for the descent sampler."""


def dimod_flip_costs(bqm, sampleset):
    """Energy change of every single flip of every sample, from dimod's own energies."""
    spin = bqm.spin
    samples = sampleset.change_vartype(dimod.SPIN, inplace=False).record.sample.astype(np.int64)
    labels = list(sampleset.variables)
    base = spin.energies((samples, labels))
    costs = np.empty(samples.shape)
    for i in range(samples.shape[1]):
        flipped = samples.copy()
        flipped[:, i] *= -1
        costs[:, i] = spin.energies((flipped, labels)) - base
    return costs


@pytest.mark.parametrize("vartype", [dimod.SPIN, dimod.BINARY])
def test_descent_sampler_local_minima_and_energies(vartype):
    bqm = frustrated_bqm(vartype, n=10, seed=5)
    sampleset = SteepestDescentSampler().sample(bqm, num_reads=20, seed=3)
    assert len(sampleset) == 20 and sampleset.vartype is vartype
    assert list(sampleset.variables) == list(bqm.variables)
    assert_sampleset_energies(sampleset, bqm)
    assert np.all(dimod_flip_costs(bqm, sampleset) >= -1e-9)
    assert np.all(sampleset.record.num_flips >= 0)
    assert sampleset.info == {"interrupted": False}
    again = SteepestDescentSampler().sample(bqm, num_reads=20, seed=3, num_threads=1)
    np.testing.assert_array_equal(again.record.sample, sampleset.record.sample)


def test_descent_sampler_matches_dwave_samplers():
    """The same rule as dwave-samplers' SteepestDescentSolver: from the same states, the
    same local minima (a model without equal flip costs, so ties cannot differ)."""
    samplers = pytest.importorskip("dwave.samplers")
    bqm = frustrated_bqm(dimod.SPIN, n=40, seed=9)
    rng = np.random.default_rng(0)
    starts = (rng.choice([-1, 1], size=(16, 40)), list(bqm.variables))
    ours = SteepestDescentSampler().sample(bqm, initial_states=starts)
    theirs = samplers.SteepestDescentSolver().sample(bqm, initial_states=starts)
    np.testing.assert_array_equal(ours.record.sample, theirs.record.sample)
    np.testing.assert_allclose(ours.record.energy, theirs.record.energy)
    np.testing.assert_array_equal(ours.record.num_flips, theirs.record.num_steps)


def test_descent_sampler_polishes_a_sampleset():
    """Polishing another sampler's samples: each read at or below its start, and a single
    state is used by every read."""
    bqm = frustrated_bqm(dimod.BINARY, n=12, seed=2)
    rough = dimod.RandomSampler().sample(bqm, num_reads=8, seed=1)
    polished = SteepestDescentSampler().sample(bqm, initial_states=rough)
    assert len(polished) == 8
    assert np.all(polished.record.energy <= rough.record.energy + 1e-12)
    one = SteepestDescentSampler().sample(bqm, initial_states=rough.first.sample, num_reads=3)
    assert len(one) == 3 and len(set(one.record.energy.tolist())) == 1
    with pytest.raises(ValueError, match="initial_states"):
        SteepestDescentSampler().sample(bqm, initial_states=rough, num_reads=3)
    with pytest.raises(ValueError, match="num_reads"):
        SteepestDescentSampler().sample(bqm, num_reads=0)
    with pytest.raises(TypeError, match="bqm"):
        SteepestDescentSampler().sample("bqm")


def test_annealing_sampler_polish():
    bqm = frustrated_bqm(dimod.SPIN, n=10, seed=4)
    sampleset = AnnealingSampler().sample(bqm, num_reads=8, seed=2, num_sweeps=2, polish=True)
    assert np.all(dimod_flip_costs(bqm, sampleset) >= -1e-9)


# ---- SteepestDescentComposite -------------------------------------------------------------

def test_descent_composite_api():
    child = AnnealingSampler()
    sampler = SteepestDescentComposite(child)
    assert_sampler_api(sampler)
    assert_composite_api(sampler)
    assert sampler.child is child and sampler.children == [child]
    assert sampler.parameters == child.parameters
    assert sampler.properties == {"child_properties": child.properties}
    sampler.parameters["bogus"] = []                   # copies: the child is unchanged
    sampler.properties["child_properties"]["bogus"] = 1
    assert "bogus" not in child.parameters and "bogus" not in child.properties
    with pytest.raises(TypeError, match="child_sampler"):
        SteepestDescentComposite(SteepestDescentSampler)      # a class, not a sampler
    with pytest.raises(TypeError, match="bqm"):
        sampler.sample("bqm")
    with pytest.raises(TypeError, match="bogus"):              # the child's own check
        sampler.sample(frustrated_bqm(dimod.SPIN), bogus=1)


@load_sampler_bqm_tests(lambda: SteepestDescentComposite(AnnealingSampler()))
class TestDescentCompositeSuite(unittest.TestCase):
    """dimod's generated suite for the composite over boltz's annealer."""


@pytest.mark.parametrize("vartype", [dimod.SPIN, dimod.BINARY])
def test_descent_composite_polishes_each_child_sample(vartype):
    # a random child (the samples far from minima) and a short anneal, counts aggregated:
    # each row is its child row descended, a local minimum at or below it, counts kept
    bqm = frustrated_bqm(vartype, n=12, seed=3)
    for child, kwargs in ((dimod.RandomSampler(), {"num_reads": 30, "seed": 4}),
                          (AnnealingSampler(), {"num_reads": 30, "seed": 4, "num_sweeps": 3,
                                                "aggregate": True})):
        rough = child.sample(bqm, **kwargs)
        polished = SteepestDescentComposite(child).sample(bqm, **kwargs)
        assert polished.vartype is vartype and len(polished) == len(rough)
        assert_sampleset_energies(polished, bqm)
        assert np.all(dimod_flip_costs(bqm, polished) >= -1e-9)
        assert np.all(polished.record.energy <= rough.record.energy + 1e-9)
        assert np.any(polished.record.energy < rough.record.energy - 1e-9)
        np.testing.assert_array_equal(polished.record.num_occurrences,
                                      rough.record.num_occurrences)
        # each row: the descent of the child's row, as SteepestDescentSampler does it
        alone = SteepestDescentSampler().sample(bqm, initial_states=rough)
        np.testing.assert_array_equal(polished.record.sample, alone.record.sample)
        np.testing.assert_array_equal(polished.record.num_flips, alone.record.num_flips)
        assert set(polished.info) == {*rough.info, "descent_interrupted"}   # the child's
        assert polished.info["descent_interrupted"] is False


def test_descent_composite_keeps_the_child_vartype():
    # a child that answers in SPIN whatever the model's vartype: the output stays SPIN
    class SpinAnswers(dimod.Sampler):
        parameters, properties = {}, {}

        def sample(self, bqm):
            return dimod.ExactSolver().sample(bqm.spin)

    bqm = frustrated_bqm(dimod.BINARY, n=6, seed=1)
    polished = SteepestDescentComposite(SpinAnswers()).sample(bqm)
    assert polished.vartype is dimod.SPIN and len(polished) == 2**6
    assert_sampleset_energies(polished, bqm.spin)
    assert np.all(dimod_flip_costs(bqm, polished) >= -1e-9)
    # the exact solver's samples include the ground state: the lowest stays it
    assert polished.first.energy == pytest.approx(dimod.ExactSolver().sample(bqm).first.energy)


def test_multispin_sampler_samples_a_spin_glass_with_its_energies():
    # ±1 couplings, no fields: a model the multi-spin kernel runs
    bqm = dimod.generators.ran_r(1, 12, seed=3)
    sampler = AnnealingSampler()
    sampleset = sampler.sample(bqm, num_reads=70, num_sweeps=200, seed=1, multispin=True)
    dimod.testing.assert_sampleset_energies(sampleset, bqm)
    assert len(sampleset) == 70 and sampleset.vartype is dimod.SPIN
    exact = dimod.ExactSolver().sample(bqm).first.energy
    assert sampleset.first.energy == exact
