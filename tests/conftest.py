import numpy as np
import pytest
from hypothesis import settings

# Deterministic property tests: the same examples on every run and machine.
settings.register_profile("boltz", derandomize=True, deadline=None, max_examples=150)
settings.load_profile("boltz")


@pytest.fixture
def rng():
    return np.random.default_rng(20261123)
