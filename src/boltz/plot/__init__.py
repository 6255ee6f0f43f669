"""Figures of boltz's results with matplotlib (``pip install "boltz[plot]"``).

Importing this module imports matplotlib; ``import boltz`` never does. Every function takes
``ax=``, the matplotlib Axes to draw on (a sequence of Axes for the figures of several
panels; default: a new figure from :mod:`matplotlib.pyplot`), and returns what it drew on:
one Axes, or a 1-D array of Axes for several panels. Energies and temperatures are in the
model's energy units (k_B = 1 unless stated).

- :func:`thermodynamics`: U, A, S and C against T for given energy levels
- :func:`trace`: a :class:`~boltz.SampleTrace`'s energy against sweep and its
  autocorrelation, with the integrated autocorrelation time
- :func:`anneal`: an :class:`~boltz.AnnealResult`'s energy against sweep (record it with
  ``Annealer.sample(..., record_every=k)``)
- :func:`tempering`: a :class:`~boltz.TemperingResult`'s ⟨E⟩(T), C(T) and swap rates
- :func:`rbm_filters`: an RBM's weights as image tiles
- :func:`reliability`: a reliability diagram of a classifier's probabilities
"""
from boltz.plot._axes import require_matplotlib

require_matplotlib()

from boltz.plot._annealing import anneal  # noqa: E402
from boltz.plot._rbm import rbm_filters  # noqa: E402
from boltz.plot._reliability import reliability  # noqa: E402
from boltz.plot._sampling import trace  # noqa: E402
from boltz.plot._tempering import tempering  # noqa: E402
from boltz.plot._thermo import thermodynamics  # noqa: E402

__all__ = ["thermodynamics", "trace", "anneal", "tempering", "rbm_filters", "reliability"]
