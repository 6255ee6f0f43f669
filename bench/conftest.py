"""Shared data for the benchmarks. Each boltz benchmark sits in a group beside its peer."""
import numpy as np
import pytest


@pytest.fixture(scope="session")
def vector_1e7():
    return np.random.default_rng(0).standard_normal(10**7)


@pytest.fixture(scope="session")
def rows_1e4x100():
    return np.random.default_rng(1).standard_normal((10**4, 100))
