r"""Per-user log-likelihood of a ratings RBM: each user's items define an RBM of its own
(softmax visible units over those items only), hence a partition function of its own.

For one user, with the rated items I (n of them), W_u (n, K, F), b_u (n, K) and the hidden
input bias a = c + (the seen items' D rows, conditional variant),

.. math:: \log Z_u = \log \sum_h \exp\Big(a^T h + \sum_{i \in I}
          \log \sum_l \exp(b_{il} + W_{il} \cdot h)\Big),

exact by enumerating the 2^F hidden states (in blocks), or by annealed importance
sampling (Neal 2001; Salakhutdinov & Murray 2008) over
:math:`f_\beta(V) = \exp(\sum_i b_{i v_i}) \prod_j (1 + e^{\beta x_j(V)})`,
:math:`x(V) = a + \sum_i W_{i v_i}`, from :math:`\beta = 0` (independent softmax units,
:math:`Z_0 = 2^F \prod_i \sum_l e^{b_{il}}`) to 1, with the Gibbs transitions of
:math:`p_\beta(V, h) \propto \exp(\sum_i b_{i v_i} + \beta h \cdot x(V))`. Then
:math:`\log p(V_u) = -F(V_u) - \log Z_u`, in nats.
"""
from __future__ import annotations

import itertools

import numpy as np

from boltz.machines._rbm_kernels import sigmoid

#: hidden units up to which ``method="auto"`` enumerates
EXACT_MAX_HIDDEN = 16
_BLOCK = 1 << 12


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, x)


def _logsumexp(x: np.ndarray, axis: int) -> np.ndarray:
    top = np.max(x, axis=axis, keepdims=True)
    return np.squeeze(top, axis) + np.log(np.sum(np.exp(x - top), axis=axis))


def log_z_exact(W: np.ndarray, b: np.ndarray, a: np.ndarray) -> float:
    """log Z of one user's RBM by enumerating the hidden states: W (n, K, F), b (n, K),
    a (F)."""
    n, K, F = W.shape
    Wf = W.reshape(n * K, F).T                       # (F, n K)
    parts = []
    bits = np.arange(F)
    for start in range(0, 1 << F, _BLOCK):
        states = np.arange(start, min(start + _BLOCK, 1 << F))
        H = ((states[:, None] >> bits) & 1).astype(np.float64)
        scores = (H @ Wf).reshape(-1, n, K) + b
        parts.append(H @ a + _logsumexp(scores, 2).sum(1))
    return float(_logsumexp(np.concatenate(parts), 0))


def log_z_ais(W: np.ndarray, b: np.ndarray, a: np.ndarray, n_chains: int, n_betas: int,
              rng: np.random.Generator) -> tuple[float, float]:
    """log Z of one user's RBM by AIS and its standard error (delta method): n_chains
    chains, n_betas inverse temperatures evenly spaced from 0 to 1."""
    n, K, F = W.shape
    Wf = W.reshape(n * K, F)
    offsets = np.arange(n) * K

    def draw(logits):                                 # one level per item per chain
        p = np.exp(logits - logits.max(-1, keepdims=True))
        cum = np.cumsum(p, -1)
        u = rng.random((*cum.shape[:-1], 1)) * cum[..., -1:]
        return np.minimum((u >= cum).sum(-1), K - 1)

    def inputs(levels):                               # x(V) per chain
        return a + Wf[offsets + levels].sum(1)

    levels = draw(np.broadcast_to(b, (n_chains, n, K)))
    log_w = np.zeros(n_chains)
    x = inputs(levels)
    betas = np.linspace(0.0, 1.0, n_betas)
    for prev, beta in itertools.pairwise(betas):
        log_w += (_softplus(beta * x) - _softplus(prev * x)).sum(1)
        h = (rng.random((n_chains, F)) < sigmoid(beta * x)).astype(np.float64)
        levels = draw(b + beta * (h @ Wf.T).reshape(n_chains, n, K))
        x = inputs(levels)
    log_z0 = F * np.log(2.0) + _logsumexp(b, 1).sum()
    top = log_w.max()
    w = np.exp(log_w - top)
    mean = w.mean()
    se = w.std(ddof=1) / np.sqrt(n_chains) / mean if n_chains > 1 else np.inf
    return float(log_z0 + top + np.log(mean)), float(se)
