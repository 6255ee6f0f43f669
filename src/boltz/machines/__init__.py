"""The machines wing: Boltzmann machines that learn, and how good they are in nats.

- :mod:`~boltz.machines.boltzmann_machine`: ``BoltzmannMachine`` (visible and hidden units,
  any connectivity; its sweeps are the spin wing's, on 0/1 units), built from
  ``_bm_settings`` (arguments), ``_bm_parameters`` (weights, thresholds, Ising form),
  ``_bm_exact`` (enumeration), ``_bm_gibbs`` (sampling) and ``_bm_learning``
- :mod:`~boltz.machines.rbm`: ``RBM`` (CD-k / PCD-k; a drop-in for scikit-learn's
  ``BernoulliRBM``), with ``_rbm_kernels`` (the compiled kernels' view of the model),
  ``_rbm_sklearn`` (estimator base classes, or a stand-in), ``_rbm_state`` (the checks
  of the learned arrays before every kernel call) and ``_rbm_persistence`` (files)
- :mod:`~boltz.machines.ratings_rbm`: ``RatingsRBM`` (softmax visible units over the items
  each user rated: collaborative filtering), with ``_ratings_data`` (input forms, id maps,
  per-user lists) and ``_ratings_partition`` (per-user log-likelihood, exact or AIS)
- :mod:`~boltz.machines.gaussian_rbm`: ``GaussianRBM`` (real-valued visible units, per-unit
  σ fixed or learned; the same compiled training core, ``_core/_gaussian_epoch``), with
  ``_gaussian_partition`` (exact log Z over the hidden states, AIS over the coupling)
- ``_enumeration``: exact sums over all binary states (log Z, distributions) of small models
- ``_partition``: log Z of an RBM, exact (enumeration of one layer) or by AIS

``RBM`` and ``GaussianRBM`` are imported on first use: they load scikit-learn (when
installed) for their estimator base classes, which costs about a second.
"""
from boltz.machines.boltzmann_machine import BoltzmannMachine
from boltz.machines.ratings_rbm import RatingsRBM

__all__ = ["RBM", "GaussianRBM", "RatingsRBM", "BoltzmannMachine"]


def __getattr__(name):
    if name == "RBM":
        from boltz.machines.rbm import RBM
        return RBM
    if name == "GaussianRBM":
        from boltz.machines.gaussian_rbm import GaussianRBM
        return GaussianRBM
    raise AttributeError(f"module 'boltz.machines' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | {"RBM", "GaussianRBM"})
