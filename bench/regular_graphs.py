"""Random regular graphs with ±1 couplings: the sparse instances the benchmarks share."""
import numpy as np

import boltz


def random_regular_edges(n, degree, seed):
    """A uniformly random simple `degree`-regular graph (configuration model, rejection)."""
    rng = np.random.default_rng(seed)
    while True:
        stubs = rng.permutation(np.repeat(np.arange(n), degree))
        a, b = stubs[0::2], stubs[1::2]
        key = np.minimum(a, b) * n + np.maximum(a, b)
        if np.all(a != b) and np.unique(key).size == key.size:
            return np.minimum(a, b), np.maximum(a, b)


def regular_pm1(n, degree=3, seed=1):
    """An IsingModel on :func:`random_regular_edges` (n, degree, seed) with couplings ±1
    drawn uniformly from the next seed."""
    a, b = random_regular_edges(n, degree, seed)
    w = np.random.default_rng(seed + 1).choice([-1.0, 1.0], size=a.size)
    return boltz.IsingModel((a, b, w), num_spins=n)
