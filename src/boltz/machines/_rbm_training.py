r"""The training options of ``RBM`` beyond plain CD-k, checked and resolved in one place:
the negative-phase sampler (CD, PCD, or PCD with parallel tempering), the inverse
temperatures of tempering, k and the learning rate per epoch, and the data-driven start of
the visible biases and of the centring offsets.

References: Hinton, "A Practical Guide to Training Restricted Boltzmann Machines" (2010),
§8 (visible biases :math:`\log(p_i / (1 - p_i))`); Melchior, Fischer & Wiskott, "How to
center deep Boltzmann machines", JMLR 17 (2016) (offsets); Desjardins, Courville, Bengio,
Vincent & Delalleau, "Tempered Markov chain Monte Carlo for training of restricted
Boltzmann machines", AISTATS 2010 (tempered negative phase).
"""
from __future__ import annotations

import numbers

import numpy as np

from boltz._validation import (
    as_float_array,
    check_bool,
    check_choice,
    check_positive_int,
    renamed_parameter,
)

SAMPLERS = ("cd", "pcd", "pt")
SCHEDULES = ("constant", "linear")
BIAS_INITS = ("data", "zeros")
# the clip of the data's means before their log-odds: a pixel never on gets -6.9, not -inf
MEAN_CLIP = (0.001, 0.999)
# the default ladder of sampler="pt": on MNIST with 500 hidden units neighbours still
# exchange 17-39% of the time after 20 epochs (1 to 0 leaves the hot end at 0-4%)
DEFAULT_BETAS = np.linspace(1.0, 0.5, 10)


def resolve_sampler(sampler, persistent) -> str:
    """`sampler` ("cd", "pcd" or "pt"), or what the deprecated `persistent` says (True:
    "pcd", False: "cd"; a DeprecationWarning). Both given and disagreeing: ValueError."""
    sampler = check_choice(sampler, "sampler", SAMPLERS)
    if persistent is None:
        return sampler
    renamed_parameter("persistent", "sampler='pcd' or sampler='cd'")
    implied = "pcd" if check_bool(persistent, "persistent") else "cd"
    if sampler not in ("pcd", implied):
        raise ValueError(f"persistent={bool(persistent)} contradicts sampler={sampler!r}: "
                         "set sampler only")
    return implied


def beta_ladder(betas) -> np.ndarray:
    """The inverse temperatures of sampler="pt": `betas` (None: DEFAULT_BETAS) as a
    strictly decreasing float64 array starting at 1, of 2 to 1000 entries in [0, 1]."""
    if betas is None:
        return DEFAULT_BETAS.copy()
    ladder = as_float_array(betas, "betas", ndim=1, finite=True).astype(np.float64)
    if not 2 <= ladder.size <= 1000:
        raise ValueError(f"betas must have 2 to 1000 entries, got {ladder.size}")
    if ladder[0] != 1.0 or np.any(np.diff(ladder) >= 0) or ladder[-1] < 0:
        raise ValueError("betas must start at 1.0 and decrease strictly, staying >= 0")
    return ladder


def k_schedule(k) -> tuple[int, ...]:
    """k as a tuple of Gibbs steps per epoch: an int, or a non-empty sequence of ints whose
    last entry holds for the remaining epochs."""
    if isinstance(k, numbers.Integral) or np.ndim(k) == 0:
        return (check_positive_int(k, "k"),)
    if isinstance(k, (str, bytes)) or not hasattr(k, "__len__") or len(k) == 0:
        raise TypeError("k must be a positive int or a non-empty sequence of them")
    return tuple(check_positive_int(step, "k") for step in k)


def k_of_epoch(k, epoch: int) -> int:
    """The Gibbs steps of epoch `epoch` (0-based) under `k_schedule(k)`."""
    steps = k_schedule(k)
    return steps[min(epoch, len(steps) - 1)]


def learning_rate_of_epoch(learning_rate: float, schedule: str, epoch: int,
                           n_epochs: int) -> float:
    r"""The learning rate of epoch `epoch` of `n_epochs`: constant, or decaying linearly,
    :math:`R (1 - e / n)`, from R in the first epoch to R / n in the last."""
    if check_choice(schedule, "learning_rate_schedule", SCHEDULES) == "constant":
        return learning_rate
    return learning_rate * (1.0 - epoch / n_epochs)


def data_means(X) -> np.ndarray:
    """The column means of X (dense or sparse), float64."""
    return np.asarray(X.mean(axis=0), dtype=np.float64).reshape(-1)


def visible_bias_from_means(means: np.ndarray) -> np.ndarray:
    r""":math:`\log(p_i / (1 - p_i))` of the data's column means, clipped to MEAN_CLIP."""
    p = np.clip(means, *MEAN_CLIP)
    return np.log(p) - np.log1p(-p)
