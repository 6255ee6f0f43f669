"""boltz: Boltzmann distributions and the models built on them.

Numerics of the Boltzmann distribution (:func:`logsumexp`, :func:`softmax`,
:func:`log_softmax`, :func:`boltzmann_probs`, :func:`thermodynamics`, :func:`solve_beta`,
:func:`sample_boltzmann`) on a compiled, OpenMP-parallel core, and its uses in machine
learning (:func:`distillation_loss`, :func:`fit_temperature`, :func:`expected_calibration_error`,
:func:`reliability_diagram`, :class:`BoltzmannPolicy`).

Conventions: k_B = 1 unless a ``boltzmann_constant`` argument says otherwise; ``temperature``
T > 0 and beta = 1/(k_B T); energies are lower-is-likelier, scores/logits higher-is-likelier.
"""
import sys
from importlib.metadata import PackageNotFoundError, version as _version

from boltz import _moved_modules
from boltz.distributed import ModelResults, map_models
from boltz.machines.boltzmann_machine import BoltzmannMachine
from boltz.machines.ratings_rbm import RatingsRBM
from boltz.numerics import mcmc_statistics
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
from boltz.spin.annealing import Annealer, AnnealResult
from boltz.spin.descent import DescentResult, descend
from boltz.spin.ising_model import IsingModel
from boltz.spin.parallel_tempering import ParallelTempering, TemperingResult
from boltz.spin.sampling import SampleTrace, sample
from boltz.spin.time_to_solution import TimeToSolution, time_to_solution

# boltz.mcmc_statistics is a documented public module: the same module object as its home
sys.modules.setdefault("boltz.mcmc_statistics", mcmc_statistics)
_moved_modules.install()


def __getattr__(name):
    """``boltz.RBM`` on first use: boltz.machines.rbm imports scikit-learn (when installed) for its
    estimator base classes, which costs about a second and loads scipy's BLAS, so a plain
    ``import boltz`` does not."""
    if name == "RBM":
        from boltz.machines.rbm import RBM
        return RBM
    if name == "GaussianRBM":
        from boltz.machines.gaussian_rbm import GaussianRBM
        return GaussianRBM
    if f"boltz.{name}" in _moved_modules.MOVED:      # boltz.annealing, ...: 0.1 paths
        return _moved_modules.attribute(name)
    raise AttributeError(f"module 'boltz' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | {"RBM", "GaussianRBM"})


try:
    __version__ = _version("boltz")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

__all__ = [
    "logsumexp",
    "softmax",
    "log_softmax",
    "boltzmann_probs",
    "thermodynamics",
    "Thermodynamics",
    "solve_beta",
    "sample_boltzmann",
    "distillation_loss",
    "fit_temperature",
    "TemperatureFit",
    "expected_calibration_error",
    "reliability_diagram",
    "ReliabilityDiagram",
    "BoltzmannPolicy",
    "IsingModel",
    "sample",
    "SampleTrace",
    "Annealer",
    "AnnealResult",
    "descend",
    "DescentResult",
    "ParallelTempering",
    "TemperingResult",
    "time_to_solution",
    "TimeToSolution",
    "map_models",
    "ModelResults",
    "BoltzmannMachine",
    "RBM",
    "RatingsRBM",
    "GaussianRBM",
    "__version__",
]
