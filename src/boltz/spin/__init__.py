"""The spin wing: Ising / QUBO / Max-Cut models and the Monte Carlo methods that sample and
optimise them.

- :mod:`~boltz.spin.ising_model`: ``IsingModel`` (couplings, conversions, energies)
- :mod:`~boltz.spin.sampling`: ``sample`` at a fixed temperature, ``SampleTrace``
- :mod:`~boltz.spin.annealing`: ``Annealer`` (simulated annealing), ``AnnealResult``
- :mod:`~boltz.spin.descent`: ``descend`` (steepest descent to local minima), ``DescentResult``
- :mod:`~boltz.spin.parallel_tempering`: ``ParallelTempering``, ``TemperingResult``
- ``_chains``: the state of many chains handed to the sweep kernels (``_core._spin_sweeps``),
  cut into kernel calls of bounded work
- ``_ising_input``, ``_ising_storage``, ``_maxcut_input``: a model's arguments checked,
  stored in the kernels' layout (dense or CSR, the dtype's range rule), and read from
  Gset/rudy files

The dimod adapter, an optional integration, is :mod:`boltz.dimod`.
"""
from boltz.spin.annealing import Annealer, AnnealResult
from boltz.spin.descent import DescentResult, descend
from boltz.spin.ising_model import IsingModel
from boltz.spin.parallel_tempering import ParallelTempering, TemperingResult
from boltz.spin.sampling import SampleTrace, sample
from boltz.spin.time_to_solution import TimeToSolution, time_to_solution

__all__ = ["IsingModel", "sample", "SampleTrace", "Annealer", "AnnealResult",
           "time_to_solution", "TimeToSolution",
           "ParallelTempering", "TemperingResult", "descend", "DescentResult"]
