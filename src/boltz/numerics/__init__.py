"""The numerics wing: the Boltzmann distribution over given levels or scores.

- :mod:`~boltz.numerics.log_domain`: ``logsumexp``, ``softmax``, ``log_softmax``
- :mod:`~boltz.numerics.distribution`: ``boltzmann_probs``, ``thermodynamics``, ``solve_beta``
- :mod:`~boltz.numerics.boltzmann_sampling`: ``sample_boltzmann`` (categorical draws)
- :mod:`~boltz.numerics.distillation`: ``distillation_loss`` (soft targets at a temperature)
- :mod:`~boltz.numerics.calibration`: ``fit_temperature`` (temperature scaling),
  ``expected_calibration_error``, ``reliability_diagram``
- :mod:`~boltz.numerics.exploration`: ``BoltzmannPolicy`` (softmax exploration in RL)
- :mod:`~boltz.numerics.mcmc_statistics`: autocorrelation, effective sample size, standard
  errors of Markov-chain estimates (public as ``boltz.mcmc_statistics`` too)
"""
from boltz.numerics.boltzmann_sampling import sample_boltzmann
from boltz.numerics.calibration import (
    ReliabilityDiagram,
    TemperatureFit,
    expected_calibration_error,
    fit_temperature,
    reliability_diagram,
)
from boltz.numerics.distillation import distillation_loss
from boltz.numerics.distribution import Thermodynamics, boltzmann_probs, solve_beta, thermodynamics
from boltz.numerics.exploration import BoltzmannPolicy
from boltz.numerics.log_domain import log_softmax, logsumexp, softmax

__all__ = ["logsumexp", "softmax", "log_softmax", "boltzmann_probs", "thermodynamics",
           "Thermodynamics", "solve_beta", "sample_boltzmann", "distillation_loss",
           "fit_temperature", "TemperatureFit", "expected_calibration_error",
           "reliability_diagram", "ReliabilityDiagram", "BoltzmannPolicy"]
