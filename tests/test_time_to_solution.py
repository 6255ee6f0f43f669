"""Time-to-solution against its closed form (Rønnow et al. 2014) and the bootstrap
interval's coverage on reads of known success probability."""
import math

import numpy as np
import pytest

import boltz


def closed_form(p, t, c=0.99):
    if p == 0:
        return math.inf
    if p >= c:
        return t
    return t * max(1.0, math.log(1 - c) / math.log(1 - p))


@pytest.mark.parametrize("hits, reads", [(0, 10), (1, 10), (5, 10), (9, 10), (10, 10),
                                         (99, 100), (100, 100), (3, 1000)])
def test_tts_is_the_closed_form(hits, reads):
    energies = np.r_[np.full(hits, -7.0), np.full(reads - hits, -6.0)]
    r = boltz.time_to_solution(energies, -7.0, 0.25, seed=0)
    p = hits / reads
    assert r.success_probability == p and r.num_reads == reads
    assert r.tts == pytest.approx(closed_form(p, 0.25), rel=1e-12)
    assert r.residual_energy == pytest.approx(1.0 - p)
    low, high = r.tts_interval
    assert low <= r.tts <= high


def test_one_read_suffices_at_or_above_the_confidence():
    # p = 0.995 >= c = 0.99: R < 1 read, rounded up to one
    e = np.r_[np.zeros(995), np.ones(5)]
    assert boltz.time_to_solution(e, 0.0, 2.0, seed=0).tts == 2.0
    assert boltz.time_to_solution(e, 0.0, 2.0, confidence=0.5, seed=0).tts == 2.0
    # c = 0.5 and p = 0.25: log(0.5) / log(0.75) reads
    e = np.r_[np.zeros(1), np.ones(3)]
    assert boltz.time_to_solution(e, 0.0, 1.0, confidence=0.5, seed=0).tts == pytest.approx(
        math.log(0.5) / math.log(0.75))


def test_success_tolerates_rounding_of_the_energies():
    target = -1234.5
    e = np.array([target * (1 - 1e-13), target + 1e-3])
    assert boltz.time_to_solution(e, target, 1.0, seed=0).success_probability == 0.5
    assert boltz.time_to_solution(e, target, 1.0, rtol=0.0, seed=0).success_probability \
        == (e[0] <= target) * 0.5


def test_bootstrap_interval_covers_the_true_tts():
    # reads of known p = 0.1: the 95% interval holds the true TTS in about 95% of trials
    rng = np.random.default_rng(3)
    truth = closed_form(0.1, 1.0)
    trials, covered = 300, 0
    for k in range(trials):
        e = (rng.random(400) >= 0.1).astype(float)      # 0: success, 1: failure
        low, high = boltz.time_to_solution(e, 0.0, 1.0, seed=k).tts_interval
        covered += low <= truth <= high
    assert 0.91 <= covered / trials <= 0.99


def test_an_anneal_result_gives_its_energies_and_cpu_time_per_read():
    model = boltz.IsingModel.square_lattice(8)
    result = boltz.Annealer(num_sweeps=50).sample(model, num_reads=20, seed=1)
    r = boltz.time_to_solution(result, -128.0, seed=0)
    assert r.seconds_per_read == pytest.approx(result.info["cpu_seconds"] / 20)
    assert r.success_probability == np.mean(result.energies <= -128.0)
    assert boltz.time_to_solution(result, -128.0, 1.0, seed=0).seconds_per_read == 1.0


def test_reproducible_and_validated():
    e = np.r_[np.zeros(3), np.ones(7)]
    assert boltz.time_to_solution(e, 0.0, 1.0, seed=4) == boltz.time_to_solution(
        e, 0.0, 1.0, seed=4)
    with pytest.raises(TypeError, match="seconds_per_read"):
        boltz.time_to_solution(e, 0.0)
    for kwargs, name in (({"confidence": 1.0}, "confidence"), ({"confidence": 0}, "confidence"),
                         ({"ci_level": 1.5}, "ci_level"), ({"rtol": -1}, "rtol"),
                         ({"n_bootstrap": 0}, "n_bootstrap"),
                         ({"n_bootstrap": 10**15}, "n_bootstrap")):
        with pytest.raises(ValueError, match=name):
            boltz.time_to_solution(e, 0.0, 1.0, **kwargs)
    with pytest.raises(ValueError, match="seconds_per_read"):
        boltz.time_to_solution(e, 0.0, 0.0)
    with pytest.raises(ValueError, match="energies"):
        boltz.time_to_solution([], 0.0, 1.0)
    with pytest.raises(ValueError, match="energies"):
        boltz.time_to_solution([np.nan], 0.0, 1.0)
    with pytest.raises(TypeError, match="target"):
        boltz.time_to_solution(e, "0", 1.0)
