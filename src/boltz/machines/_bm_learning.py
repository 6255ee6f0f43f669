r"""Learning of a Boltzmann machine (Ackley, Hinton & Sejnowski 1985): per iteration, a
mini-batch's positive statistics :math:`p^+_{ij}` against the free-running negative ones
:math:`p^-_{ij}`, then

.. math:: \Delta w_{ij} = R\,(p^+_{ij} - p^-_{ij}) - R\lambda w_{ij}, \qquad
          \Delta \theta_i = R\,(p^+_i - p^-_i)

(weights only where the connectivity allows one).

Randomness: ``random_state``'s SeedSequence spawns (initial weights, batch order, runs);
the runs' sequence spawns one child per iteration, which spawns (positive, negative). The
children are spawned as the iterations start (the i-th child is the same as from one
up-front ``spawn(n_iter)``), so that a long ``n_iter`` costs nothing before learning and
Ctrl-C is never caught spawning.
"""
from __future__ import annotations

import numpy as np

from boltz._progress import deferred_interrupts, run_in_blocks, take_interrupt
from boltz._random import seed_sequence
from boltz.machines import _bm_exact
from boltz.machines._bm_parameters import Parameters, initial_weights
from boltz.machines._bm_settings import Settings


def updated(p: Parameters, grad: np.ndarray, mask: np.ndarray, rate: float,
            decay: float) -> Parameters:
    """The parameters after one step along `grad` = p+ - p- (diagonal: thresholds)."""
    W = p.W + rate * (np.where(mask, grad, 0.0) - decay * p.W)
    return Parameters(W, p.theta + rate * np.diag(grad))


def learn(bm, s: Settings, X: np.ndarray) -> None:
    """Fit the BoltzmannMachine `bm` to the 0/1 rows of X (checked), as documented in
    ``BoltzmannMachine.fit``; sets its parameters after every iteration, and its
    ``kl_history_``, ``moment_gap_history_``, ``n_iter_`` and ``interrupted_``.

    The phases are ``bm._positive`` / ``bm._negative``, looked up on every iteration.
    Ctrl-C (deferred, :mod:`boltz._progress`) stops within one block of sweeps: the
    iteration it cuts is dropped before it changes anything, the finished ones are kept."""
    with deferred_interrupts():
        _learn(bm, s, X)


def _learn(bm, s: Settings, X: np.ndarray) -> None:
    mask = s.mask
    init_seq, order_seq, run_seq = seed_sequence(bm.random_state, "random_state").spawn(3)
    if not (s.warm_start and bm._parameters is not None):
        bm._parameters = Parameters(initial_weights(init_seq, mask), np.zeros(s.n_units))
    rows = X.shape[0]
    batch = rows if s.batch_size is None else min(s.batch_size, rows)
    order_rng = np.random.default_rng(order_seq)
    order, pos = order_rng.permutation(rows), 0
    bm.kl_history_, bm.moment_gap_history_ = [], []
    neg_spins = None

    def step(_start, _stop):
        nonlocal order, pos, neg_spins
        if pos + batch > rows:
            order, pos = order_rng.permutation(rows), 0
        Xb = X[order[pos:pos + batch]]
        pos += batch
        model = bm._parameters.ising(s.dtype)
        pos_seq, neg_seq = run_seq.spawn(1)[0].spawn(2)      # the it-th child
        p_plus = bm._positive(s, model, Xb, "gibbs", pos_seq)
        p_minus, neg_spins = bm._negative(s, model, neg_spins if s.persistent else None,
                                          "gibbs", neg_seq)
        grad = p_plus - p_minus
        bm._parameters = updated(bm._parameters, grad, mask, s.learning_rate,
                                 s.weight_decay)
        bm.moment_gap_history_.append(float(np.max(np.abs(grad))))
        if s.track_kl:
            bm.kl_history_.append(_bm_exact.kl_divergence(bm._parameters, s.temperature, X))

    bm.n_iter_, interrupted = run_in_blocks(s.n_iter, 1, step, progress=s.verbose > 0,
                                            desc="learning", unit="iteration")
    bm.interrupted_ = take_interrupt() or interrupted
