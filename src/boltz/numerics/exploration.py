"""Boltzmann (softmax) exploration: a reinforcement-learning policy over action values."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from boltz._random import SeedLike
from boltz._validation import as_float_array, check_int, check_real, check_temperature
from boltz.numerics.boltzmann_sampling import sample_boltzmann
from boltz.numerics.log_domain import softmax

__all__ = ["BoltzmannPolicy"]


@dataclass(frozen=True)
class _ExponentialDecay:
    """T(step) = max(t_min, t0 * decay**step), the schedule of BoltzmannPolicy.exponential."""

    t0: float
    t_min: float
    decay: float

    def __call__(self, step: int) -> float:
        return max(self.t_min, self.t0 * self.decay ** step)


class BoltzmannPolicy:
    r"""Boltzmann (softmax) exploration over action values, batched and reproducible.

    In state :math:`s` the policy picks action :math:`a` with probability

    .. math::

        \pi(a \mid s) = \frac{e^{Q(s,a)/T}}{\sum_b e^{Q(s,b)/T}},

    the Boltzmann distribution of the energies :math:`E_a = -Q(s, a)` at temperature
    :math:`T` (Sutton & Barto, *Reinforcement learning: an introduction*, 2nd ed. 2018,
    section 2.8 and 13.1, "softmax action selection"). High :math:`T` explores (uniform
    as :math:`T \to \infty`), low :math:`T` exploits: as :math:`T \to 0` the policy becomes
    greedy, uniform over the actions of largest value (ties are broken uniformly at
    random; use :func:`numpy.argmax` for a deterministic greedy choice). Draws go through
    :func:`boltz.sample_boltzmann` with ``energies = -q_values``.

    Parameters
    ----------
    temperature : float or callable, optional
        :math:`T > 0`, finite (default 1); or a schedule, a callable ``step -> T`` called
        with the ``step`` given to :meth:`probabilities` and :meth:`act` (its values are
        checked the same way). :meth:`exponential` builds the usual exponential decay.

    Attributes
    ----------
    temperature : float or callable
        The temperature or its schedule, as given.

    Notes
    -----
    A value of ``-inf`` marks a forbidden action (probability 0); ``+inf`` values share the
    probability among themselves. Every action value is a logit of the softmax, so adding a
    constant per state changes nothing and values of any size (1e300) are exact.

    Examples
    --------
    >>> import numpy as np, boltz
    >>> policy = boltz.BoltzmannPolicy(temperature=0.5)
    >>> q = np.array([[1.0, 2.0, 0.0], [0.0, 0.0, 5.0]])   # two states, three actions
    >>> policy.probabilities(q).round(3)
    array([[0.117, 0.867, 0.016],
           [0.   , 0.   , 1.   ]])
    >>> policy.act(q, seed=0).shape                         # one action per state
    (2,)
    >>> decaying = boltz.BoltzmannPolicy.exponential(t0=5.0, t_min=0.1, decay=0.99)
    >>> decaying.temperature_at(0), round(decaying.temperature_at(100), 4)
    (5.0, 1.8302)
    """

    def __init__(self, temperature: float | Callable[[int], float] = 1.0):
        if callable(temperature):
            self.temperature = temperature
        else:
            self.temperature = check_temperature(temperature, scalar=True)

    @classmethod
    def exponential(cls, t0: float, t_min: float, decay: float) -> BoltzmannPolicy:
        r"""A policy whose temperature decays exponentially to a floor.

        .. math::

            T(\mathrm{step}) = \max\big(T_{\min},\; T_0 \cdot \mathrm{decay}^{\,\mathrm{step}}\big)

        Parameters
        ----------
        t0 : float
            :math:`T_0 > 0`, the temperature at step 0.
        t_min : float
            :math:`T_{\min}`, the floor, :math:`0 < T_{\min} \le T_0`.
        decay : float
            The factor per step, in (0, 1].

        Returns
        -------
        BoltzmannPolicy
            Its :meth:`probabilities` and :meth:`act` need ``step``.

        Examples
        --------
        >>> import boltz
        >>> policy = boltz.BoltzmannPolicy.exponential(1.0, 0.05, 0.5)
        >>> [policy.temperature_at(s) for s in range(6)]
        [1.0, 0.5, 0.25, 0.125, 0.0625, 0.05]
        """
        t0 = check_temperature(t0, "t0", scalar=True)
        t_min = check_real(t_min, "t_min", above=0.0, at_most=t0)
        decay = check_real(decay, "decay", above=0.0, at_most=1.0)
        return cls(_ExponentialDecay(t0, t_min, decay))

    def temperature_at(self, step: int | None = None) -> float:
        """The temperature :math:`T` at `step`.

        Parameters
        ----------
        step : int, optional
            The step, >= 0: needed by a schedule, ignored by a fixed temperature.

        Returns
        -------
        float

        Raises
        ------
        ValueError
            A schedule without `step`, or a schedule's value that is not a finite T > 0.
        """
        if step is not None:
            step = check_int(step, "step", minimum=0)
        if not callable(self.temperature):
            return self.temperature
        if step is None:
            raise ValueError("step is required: this policy's temperature is a schedule "
                             "(step -> T)")
        return check_temperature(self.temperature(step), "temperature(step)", scalar=True)

    def probabilities(self, q_values: ArrayLike, step: int | None = None, *,
                      num_threads: int | None = None) -> np.ndarray:
        r"""The policy :math:`\pi(a \mid s) = \mathrm{softmax}(Q(s, \cdot)/T)_a`.

        Parameters
        ----------
        q_values : array_like, (..., n_actions)
            Action values :math:`Q(s, a)` (larger is better), the actions on the last axis
            and any batch of states before it; float32 or float64.
        step : int, optional
            The step (>= 0) at which a temperature schedule is read.
        num_threads : int, optional
            OpenMP threads (``None``: OpenMP's default); the result does not depend on it.

        Returns
        -------
        ndarray, the shape of `q_values`
            Probabilities over the last axis (float32 for float32 values, else float64).
        """
        q = _q_values(q_values)
        return softmax(q, axis=-1, temperature=self.temperature_at(step),
                       num_threads=num_threads)

    def act(self, q_values: ArrayLike, step: int | None = None, seed: SeedLike = None, *,
            num_threads: int | None = None) -> int | np.ndarray:
        r"""Draw one action per state from :math:`\pi(\cdot \mid s)`.

        Parameters
        ----------
        q_values : array_like, (..., n_actions)
            Action values :math:`Q(s, a)`, actions on the last axis.
        step : int, optional
            The step (>= 0) at which a temperature schedule is read.
        seed : None, int, numpy.random.SeedSequence or numpy.random.Generator, optional
            Randomness; the same seed gives the same actions for any `num_threads`.
        num_threads : int, optional
            OpenMP threads over states (``None``: OpenMP's default).

        Returns
        -------
        int or ndarray of int64
            Action indices: an int for 1-D `q_values`, else an array of shape
            ``q_values.shape[:-1]``.
        """
        q = _q_values(q_values)
        temperature = self.temperature_at(step)
        actions = sample_boltzmann(-q.reshape(-1, q.shape[-1]), temperature, seed=seed,
                                   num_threads=num_threads)
        return int(actions[0]) if q.ndim == 1 else actions.reshape(q.shape[:-1])

    def __repr__(self) -> str:
        return f"BoltzmannPolicy(temperature={self.temperature!r})"


def _q_values(q_values) -> np.ndarray:
    """Action values as a float array (..., n_actions) with n_actions >= 1, no nan, and an
    allowed action (a value above -inf) in every state."""
    q = as_float_array(q_values, "q_values", bools=False)
    if q.ndim < 1 or q.shape[-1] < 1:
        raise ValueError(f"q_values must have the actions on a last axis of length >= 1, got "
                         f"shape {q.shape}")
    if np.any(np.isnan(q)):
        raise ValueError("q_values must not contain nan")
    if q.size and not np.all(np.max(q, axis=-1) > -np.inf):
        raise ValueError("q_values: every state needs an allowed action (a value above -inf)")
    return q
