"""The examples in the docstrings run and print what they say."""
import doctest

import pytest

import boltz.annealing
import boltz.boltzmann_machine
import boltz.boltzmann_sampling
import boltz.distribution
import boltz.ising_model
import boltz.log_domain
import boltz.mcmc_statistics
import boltz.parallel_tempering
import boltz.rbm

MODULES = [boltz.log_domain, boltz.boltzmann_machine, boltz.distribution, boltz.boltzmann_sampling, boltz.ising_model,
           boltz.annealing, boltz.parallel_tempering, boltz.mcmc_statistics, boltz.rbm]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0


def test_every_public_name_is_documented():
    for name in boltz.__all__:
        obj = getattr(boltz, name)
        if name.startswith("__"):
            continue
        doc = obj.__doc__ or ""
        assert len(doc) > 200, name
        assert "Parameters" in doc or "Attributes" in doc or name == "log_softmax", name
