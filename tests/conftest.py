import numpy as np
import pytest
from hypothesis import settings

# Deterministic property tests: the same examples on every run and machine.
settings.register_profile("boltz", derandomize=True, deadline=None, max_examples=150)
settings.load_profile("boltz")


@pytest.fixture
def rng():
    return np.random.default_rng(20261123)


@pytest.fixture(autouse=True)
def _parallel_small_calls(monkeypatch):
    """Small calls on every thread they are given, as large ones: the tests' small arrays
    then check that results do not depend on the thread count (outside the tests a call
    uses at most one thread per boltz._validation.PARALLEL_MIN_WORK elements)."""
    monkeypatch.setattr("boltz._validation.PARALLEL_MIN_WORK", 1)
