"""The examples in the docstrings run and print what they say."""
import doctest

import pytest

import boltz
import boltz.machines.boltzmann_machine
import boltz.machines.rbm
import boltz.numerics.boltzmann_sampling
import boltz.numerics.distribution
import boltz.numerics.log_domain
import boltz.numerics.mcmc_statistics
import boltz.spin.annealing
import boltz.spin.ising_model
import boltz.spin.parallel_tempering

MODULES = [boltz.numerics.log_domain, boltz.numerics.distribution,
           boltz.numerics.boltzmann_sampling, boltz.numerics.mcmc_statistics,
           boltz.spin.ising_model, boltz.spin.annealing, boltz.spin.parallel_tempering,
           boltz.machines.boltzmann_machine, boltz.machines.rbm]


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
