"""boltz: Boltzmann distributions and the models built on them.

Numerics of the Boltzmann distribution (:func:`logsumexp`, :func:`softmax`,
:func:`log_softmax`, :func:`boltzmann_probs`, :func:`thermodynamics`, :func:`solve_beta`,
:func:`sample_boltzmann`) on a compiled, OpenMP-parallel core.

Conventions: k_B = 1 unless a ``boltzmann_constant`` argument says otherwise; ``temperature``
T > 0 and beta = 1/(k_B T); energies are lower-is-likelier, scores/logits higher-is-likelier.
"""
from importlib.metadata import PackageNotFoundError, version as _version

from boltz.annealing import AnnealResult, Annealer
from boltz.boltzmann_machine import BoltzmannMachine
from boltz.boltzmann_sampling import sample_boltzmann
from boltz.distribution import Thermodynamics, boltzmann_probs, solve_beta, thermodynamics
from boltz.ising_model import IsingModel
from boltz.log_domain import log_softmax, logsumexp, softmax
from boltz.parallel_tempering import ParallelTempering, TemperingResult
from boltz.rbm import RBM
from boltz.spin_sampling import SampleTrace, sample

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
    "IsingModel",
    "sample",
    "SampleTrace",
    "Annealer",
    "AnnealResult",
    "ParallelTempering",
    "TemperingResult",
    "BoltzmannMachine",
    "RBM",
    "__version__",
]
