"""Calibration of a classifier's probabilities: temperature scaling, ECE, reliability diagrams.

Guo, Pleiss, Sun & Weinberger (2017), "On calibration of modern neural networks" (ICML):
one temperature, fitted on held-out logits by maximum likelihood, and the expected
calibration error measured on equal-width bins of the top-class confidence.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from boltz._memory import check_allocation
from boltz._validation import (
    as_class_labels,
    as_float_array,
    check_int,
    resolve_num_threads,
    warn_user,
)
from boltz.numerics.log_domain import logsumexp, softmax

__all__ = ["fit_temperature", "TemperatureFit", "expected_calibration_error",
           "reliability_diagram", "ReliabilityDiagram"]

# The safeguarded Newton iteration: at most this many steps (3-15 are usual, about 25 on
# near-separable logits spanning 300 decades; bisection steps halve the bracket's distance
# in float64 bit patterns, so fewer than 70 of them reach adjacent numbers from any bracket).
_MAX_ITER = 200
# NLL'(beta) / n is known to about this many ulp times sqrt(k) times the mean size of its
# terms (softmax to a few ulp, sums over classes and rows): the iteration stops within that.
_G_NOISE = 64 * float(np.finfo(np.float64).eps)


@dataclass(frozen=True)
class TemperatureFit:
    r"""A temperature fitted to held-out logits by :func:`fit_temperature`.

    Attributes
    ----------
    temperature : float
        :math:`\hat T = 1/\hat\beta`, the temperature that minimises the held-out negative
        log-likelihood (``inf`` when the minimum is at :math:`\beta = 0`, see
        :func:`fit_temperature`). Divide the logits by it: :meth:`calibrate`.
    beta : float
        :math:`\hat\beta = 1/\hat T`, the inverse temperature (the logits' multiplier).
    stderr : float
        Standard error of :math:`\hat T` by the delta method,
        :math:`\mathrm{se}(\hat T) = \mathrm{se}(\hat\beta) / \hat\beta^2`.
    beta_stderr : float
        Standard error of :math:`\hat\beta` from the observed information,
        :math:`\mathrm{se}(\hat\beta) = 1/\sqrt{\mathrm{NLL}''(\hat\beta)}` with NLL the sum
        over rows.
    nll : float
        Mean negative log-likelihood per row at :math:`\hat T` (nats per row).
    nll_at_one : float
        The same at :math:`T = 1` (the uncalibrated logits), nats per row.
    n_iter : int
        Iterations of the safeguarded Newton method (0 when the minimum is at β = 0).
    """

    temperature: float
    beta: float
    stderr: float
    beta_stderr: float
    nll: float
    nll_at_one: float
    n_iter: int

    def calibrate(self, logits: ArrayLike, *, num_threads: int | None = None) -> np.ndarray:
        r"""Calibrated probabilities :math:`\mathrm{softmax}(z / \hat T)` over the last axis.

        Parameters
        ----------
        logits : array_like, (..., k)
            Logits :math:`z` of the same model (the classes on the last axis), float32 or
            float64.
        num_threads : int, optional
            OpenMP threads (``None``: OpenMP's default); the result does not depend on it.

        Returns
        -------
        ndarray, the shape of `logits`
            Probabilities (float32 for float32 logits, else float64); uniform over the
            classes when :math:`\hat T = \infty`.

        Examples
        --------
        >>> import boltz
        >>> fit = boltz.TemperatureFit(temperature=2.0, beta=0.5, stderr=0.1, beta_stderr=0.025,
        ...                            nll=0.5, nll_at_one=0.6, n_iter=5)
        >>> fit.calibrate([[0.0, 2.0 * 0.6931471805599453]]).round(6)
        array([[0.333333, 0.666667]])
        """
        z = as_float_array(logits, "logits", bools=False)
        if z.ndim < 1:
            raise ValueError("logits must have the classes on a last axis, got a scalar")
        if self.temperature == np.inf:                  # beta = 0: softmax(0 z), uniform
            return softmax(z * 0.0, axis=-1, num_threads=num_threads)
        return softmax(z, axis=-1, temperature=self.temperature, num_threads=num_threads)


def _logits(logits) -> np.ndarray:
    """Logits as a finite float (n, k) array, n >= 1, k >= 2."""
    z = as_float_array(logits, "logits", ndim=2, finite=True, bools=False)
    if z.shape[0] < 1 or z.shape[1] < 2:
        raise ValueError(f"logits must have shape (n, k) with at least one row and two "
                         f"classes, got shape {z.shape}")
    return z


def _bisect(lo: float, hi: float) -> float:
    """The midpoint of 0 <= lo < hi <= inf in float64 bit patterns: about a geometric mean
    for a wide bracket, an arithmetic one for a narrow one; adjacent numbers in < 64
    halvings."""
    a, b = np.array([lo, hi]).view(np.int64)
    return float(np.array([a + (b - a) // 2]).view(np.float64)[0])


def fit_temperature(logits: ArrayLike, labels: ArrayLike, *,
                    num_threads: int | None = None) -> TemperatureFit:
    r"""Fit one temperature to held-out logits by maximum likelihood (temperature scaling).

    Guo, Pleiss, Sun & Weinberger (2017), "On calibration of modern neural networks",
    section 4.2: the calibrated probabilities are :math:`\mathrm{softmax}(z_i / T)` with one
    :math:`T > 0` for all classes, chosen to minimise the negative log-likelihood of held-out
    labels (a validation set not used to train the model). In terms of
    :math:`\beta = 1/T`,

    .. math::

        \mathrm{NLL}(\beta) = \sum_{i=1}^n \Big[\log \sum_{c=1}^k e^{\beta z_{ic}}
                                - \beta z_{i y_i}\Big],

    .. math::

        \mathrm{NLL}'(\beta) = \sum_i \big(\mathrm{E}_{p_{\beta,i}}[z_i] - z_{i y_i}\big),
        \qquad
        \mathrm{NLL}''(\beta) = \sum_i \mathrm{Var}_{p_{\beta,i}}(z_i) \ge 0,

    with :math:`p_{\beta,i} = \mathrm{softmax}(\beta z_i)`. NLL is convex in β (not in
    :math:`\log T`), so its minimiser is the root of :math:`\mathrm{NLL}'`; it is found to
    machine precision by Newton's method kept inside a bracket (steps that leave the bracket
    are replaced by bisection), not by a fixed number of gradient steps. The moments are
    computed with each row shifted by its maximum, through boltz's compiled softmax and
    logsumexp, in float64.

    Standard errors: the observed information gives
    :math:`\mathrm{se}(\hat\beta) = 1/\sqrt{\mathrm{NLL}''(\hat\beta)}` (NLL summed over
    the rows, so it shrinks as :math:`1/\sqrt n`), and the delta method
    :math:`\mathrm{se}(\hat T) = \mathrm{se}(\hat\beta)/\hat\beta^2`. They assume the rows
    are independent and that the model's logits are right up to the temperature; they do
    not include the uncertainty of the model itself.

    Two edge cases, decided by whether a minimiser exists:

    * **No finite minimum (T → 0)**: when every row's true-class logit is a largest one,
      :math:`\mathrm{NLL}'(\beta) < 0` for every β: the likelihood keeps growing as the
      probabilities sharpen, and no finite temperature is best. This raises ValueError
      (a silent huge β would be meaningless). More held-out data, or data the model gets
      wrong sometimes, is needed.
    * **The minimum at β = 0 (T = ∞)**: when :math:`\mathrm{NLL}'(0) \ge 0`, i.e. the mean
      true-class logit is no larger than the mean logit, the logits predict no better than
      uniform probabilities on these labels; the minimiser over :math:`\beta \ge 0` is
      β = 0. This returns ``temperature=inf``, ``beta=0.0`` (``stderr=inf``, and
      ``beta_stderr`` from the curvature at 0) with a RuntimeWarning;
      :meth:`TemperatureFit.calibrate` then gives uniform probabilities.

    Parameters
    ----------
    logits : array_like, (n, k)
        Held-out logits :math:`z` (unnormalised log-probabilities, larger is likelier):
        finite, float32 or float64 (computed in float64), at least one row and two classes.
    labels : array_like of int, (n,)
        True classes :math:`y_i \in [0, k)` (integers, or integral floats).
    num_threads : int, optional
        OpenMP threads of the softmax over rows (``None``: OpenMP's default). The result
        does not depend on it.

    Returns
    -------
    TemperatureFit
        ``temperature``, ``beta``, their standard errors ``stderr`` and ``beta_stderr``,
        the mean held-out NLL per row ``nll`` at the optimum and ``nll_at_one`` at T = 1
        (nats), ``n_iter``, and :meth:`~TemperatureFit.calibrate`.

    Raises
    ------
    ValueError
        Bad input, or no finite minimum (see above).
    RuntimeError
        The iteration did not converge within 200 steps (not seen in practice).

    See Also
    --------
    expected_calibration_error, reliability_diagram

    Examples
    --------
    >>> import numpy as np, boltz
    >>> rng = np.random.default_rng(0)
    >>> z = rng.standard_normal((20000, 5)) * 3
    >>> p = boltz.softmax(z, temperature=1.5)     # the labels follow softmax(z / 1.5)
    >>> y = (p.cumsum(1) < rng.random((20000, 1))).sum(1)
    >>> fit = boltz.fit_temperature(z, y)
    >>> bool(abs(fit.temperature - 1.5) < 3 * fit.stderr), fit.nll < fit.nll_at_one
    (True, True)
    >>> probs = fit.calibrate(z)                  # softmax(z / T)
    """
    z = _logits(logits)
    n, k = z.shape
    y = as_class_labels(labels, "labels", n, k)
    nthreads = resolve_num_threads(num_threads)
    rows = np.arange(n)
    z = z.astype(np.float64)
    # Work on d = (z - max_row) / s with s a power of two (exact) and max|z| / s in [1, 2):
    # 0 >= d > -4, so the moments never overflow; beta for z is beta_s / s.
    zmax = z.max(axis=1, keepdims=True)
    exponent = int(np.frexp(np.max(np.abs(z)))[1]) - 1
    s = float(np.ldexp(1.0, exponent))
    d = np.ldexp(z, -exponent) - np.ldexp(zmax, -exponent)
    dy = d[rows, y]

    def nll(beta_s: float) -> float:
        """The mean NLL per row at beta = beta_s / s."""
        with np.errstate(over="ignore"):
            x = beta_s * d
            return float(np.mean(logsumexp(x, axis=1, num_threads=nthreads) - x[rows, y]))

    nll_at_one = nll(s)
    g0 = float(np.mean(d.mean(axis=1) - dy))            # NLL'(0) / n in the units of d
    if g0 >= 0.0:
        warn_user("fit_temperature: the logits predict these labels no better than uniform "
                  "probabilities (NLL'(beta=0) >= 0), so the likelihood is largest at "
                  "beta = 0: temperature = inf")
        with np.errstate(divide="ignore"):
            beta_se = float(1.0 / (s * np.sqrt(n * np.mean(d.var(axis=1)))))
        return TemperatureFit(np.inf, 0.0, np.inf, beta_se, float(np.log(k)), nll_at_one, 0)
    if np.all(dy == 0.0):
        raise ValueError("fit_temperature: no finite temperature minimises the negative "
                         "log-likelihood: every row's true-class logit is a largest one "
                         "(the labels are separated by the logits), so the likelihood keeps "
                         "growing as T -> 0; fit on held-out data the model sometimes gets "
                         "wrong")

    def moments(beta_s: float) -> tuple[float, float, float]:
        """NLL'/n and NLL''/n in the units of d, and the rounding error of NLL'/n."""
        with np.errstate(over="ignore"):
            p = softmax(beta_s * d, axis=1, num_threads=nthreads)
        mean = np.einsum("ij,ij->i", p, d)
        dev = d - mean[:, None]
        noise = _G_NOISE * np.sqrt(k) * float(np.mean(np.abs(mean) + np.abs(dy)))
        return (float(np.mean(mean - dy)),
                float(np.mean(np.einsum("ij,ij,ij->i", p, dev, dev))), noise)

    # from T = 1 (beta_s = s), or the nearest of 2^-16, 2^16 for logits far from 1
    beta_s, n_iter, h = _newton(moments, min(max(s, 2.0**-16), 2.0**16))
    with np.errstate(divide="ignore"):
        se_s = float(1.0 / np.sqrt(n * h))                # se of beta_s (units of d)
    # back to the units of z: beta = beta_s / s, T = s / beta_s, se(T) = se(beta) / beta^2
    return TemperatureFit(temperature=s / beta_s, beta=beta_s / s,
                          stderr=se_s / beta_s / beta_s * s, beta_stderr=se_s / s,
                          nll=nll(beta_s), nll_at_one=nll_at_one, n_iter=n_iter)


def _newton(moments, start: float) -> tuple[float, int, float]:
    """The root of the increasing g (moments(x) = (g, g', the rounding error of g)) on
    x > 0, with g(0) < 0 and g(inf) > 0: Newton's method inside the bracket [lo, hi],
    safeguarded as Numerical Recipes' rtsafe. A Newton step that leaves the bracket, or is
    not half the step before last (slow progress, as on an exponential tail), is replaced
    by a jump up from x (while hi = inf) or down from hi (while lo = 0) by factors 16, 256,
    65536, ... (any float64 is reached in a few), else by bisection. Stops when g is within
    its rounding error of 0, or the step or the bracket is a few ulp. Returns the root, the
    iterations and g' there."""
    lo, hi, x, factor = 0.0, np.inf, start, 16.0
    steps = [np.inf, np.inf]                              # the last two steps taken
    for n_iter in range(1, _MAX_ITER + 1):
        g, h, noise = moments(x)
        if abs(g) <= noise:
            return x, n_iter, h
        if g < 0.0:
            lo = x
        else:
            hi = x
        nxt = x - g / h if h > 0.0 else np.nan
        if not (lo < nxt < hi and abs(nxt - x) <= 0.5 * steps[0]):
            if hi == np.inf:
                nxt = x * factor if x * factor < np.inf else _bisect(x, np.inf)
            elif lo == 0.0:
                nxt = hi / factor if hi / factor > 0.0 else _bisect(0.0, hi)
            else:
                nxt = _bisect(lo, hi)
            factor = min(factor * factor, 2.0**64)
        if nxt in (lo, hi):                             # a bracket of adjacent numbers
            if hi == np.inf:
                raise ValueError("fit_temperature: the minimising temperature is below the "
                                 "float64 range (the labels are separated by the logits up "
                                 "to rounding): no finite minimum")
            return x, n_iter, h
        if abs(nxt - x) <= 4 * np.spacing(x):
            return x, n_iter, h
        steps = [steps[1], abs(nxt - x)]
        x = nxt
    raise RuntimeError(f"fit_temperature did not converge in {_MAX_ITER} iterations "
                       f"(bracket [{lo!r}, {hi!r}])")


# ---- expected calibration error and reliability diagrams ----------------------------------

@dataclass(frozen=True)
class ReliabilityDiagram:
    r"""The data of a reliability diagram (Guo et al. 2017, section 2), per confidence bin.

    Attributes
    ----------
    bin_edges : ndarray (n_bins + 1,)
        Equal-width edges on [0, 1]; bin :math:`b` holds confidences in
        :math:`(e_{b-1}, e_b]` (the first also holds 0).
    confidence : ndarray (n_bins,)
        :math:`\mathrm{conf}(B_b)`, the mean top-class probability of the rows in the bin
        (nan for an empty bin).
    accuracy : ndarray (n_bins,)
        :math:`\mathrm{acc}(B_b)`, the fraction of those rows whose top class is the label
        (nan for an empty bin).
    counts : ndarray of int64 (n_bins,)
        :math:`|B_b|`, rows per bin.
    ece : float
        The expected calibration error
        :math:`\sum_b \frac{|B_b|}{n}\,|\mathrm{acc}(B_b) - \mathrm{conf}(B_b)|`.
    """

    bin_edges: np.ndarray
    confidence: np.ndarray
    accuracy: np.ndarray
    counts: np.ndarray
    ece: float


def _probabilities(probs) -> np.ndarray:
    """probs as a float (n, k) array of rows that are distributions; 1-D is binary."""
    p = as_float_array(probs, "probs", finite=True, bools=False)
    if p.ndim == 1:
        if not np.all((p >= 0) & (p <= 1)):
            raise ValueError("probs must lie in [0, 1]")
        return np.column_stack([1.0 - p.astype(np.float64), p])
    if p.ndim != 2 or p.shape[1] < 2:
        raise ValueError(f"probs must be 2-D (n, k) with k >= 2 classes, or 1-D binary "
                         f"positive-class probabilities, got shape {p.shape}")
    if not np.all((p >= 0) & (p <= 1)):
        raise ValueError("probs must lie in [0, 1]")
    tol = 1e-6 + p.shape[1] * float(np.finfo(p.dtype).eps)
    worst = float(np.max(np.abs(p.sum(axis=1, dtype=np.float64) - 1.0), initial=0.0))
    if worst > tol:
        raise ValueError(f"probs: every row must sum to 1 (within {tol:.3g}); a row is "
                         f"{worst:.3g} away")
    return p


def reliability_diagram(probs: ArrayLike, labels: ArrayLike, n_bins: int = 15
                        ) -> ReliabilityDiagram:
    r"""Accuracy against confidence in equal-width bins of the top-class probability.

    Guo, Pleiss, Sun & Weinberger (2017), "On calibration of modern neural networks",
    section 2 (the "top-label" reliability diagram). For each row the confidence is the
    largest probability :math:`\hat p_i = \max_c p_{ic}` and the prediction its class
    :math:`\hat y_i` (the first of tied classes, as :func:`numpy.argmax`). The rows are
    binned by :math:`\hat p_i` into ``n_bins`` equal-width bins
    :math:`B_b = \{i : \hat p_i \in ((b-1)/M, b/M]\}` (:math:`M` = ``n_bins``; 0 goes to the
    first bin), as in Guo et al.'s code and scikit-learn's
    ``calibration_curve(strategy="uniform")``, and

    .. math::

        \mathrm{acc}(B_b) = \frac{1}{|B_b|}\sum_{i \in B_b} [\hat y_i = y_i], \qquad
        \mathrm{conf}(B_b) = \frac{1}{|B_b|}\sum_{i \in B_b} \hat p_i .

    A calibrated model has :math:`\mathrm{acc} = \mathrm{conf}` in every bin.

    Parameters
    ----------
    probs : array_like, (n, k) or (n,)
        Predicted probabilities, finite, in [0, 1], at least one row. A 2-D row is a
        distribution over :math:`k \ge 2` classes and must sum to 1 within
        :math:`10^{-6} + k\varepsilon` (:math:`\varepsilon` the machine epsilon of its
        dtype). A 1-D array is binary: the probability of class 1 (scikit-learn's
        ``predict_proba(X)[:, 1]``), taken as the rows :math:`(1 - p, p)`; the confidence
        is then :math:`\max(p, 1 - p)`, not :math:`p` as in scikit-learn's
        ``calibration_curve``, which bins the positive class's probability.
    labels : array_like of int, (n,)
        True classes in :math:`[0, k)` (0 or 1 for 1-D `probs`).
    n_bins : int, optional
        Number of equal-width bins on [0, 1] (default 15, as Guo et al.).

    Returns
    -------
    ReliabilityDiagram
        ``bin_edges``, per-bin ``confidence``, ``accuracy`` (nan where empty) and ``counts``,
        and the ``ece``.

    See Also
    --------
    expected_calibration_error, fit_temperature

    Examples
    --------
    >>> import boltz
    >>> d = boltz.reliability_diagram([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7]], [0, 1, 1],
    ...                               n_bins=5)
    >>> d.counts.tolist(), float(d.accuracy[-1]), round(d.ece, 6)
    ([0, 0, 0, 2, 1], 1.0, 0.2)
    """
    p = _probabilities(probs)
    n, k = p.shape
    if n < 1:
        raise ValueError("probs must have at least one row")
    y = as_class_labels(labels, "labels", n, k)
    n_bins = check_int(n_bins, "n_bins", minimum=1)
    check_allocation(n_bins * 8 * 5, f"n_bins={n_bins}", "the bins")
    pred = np.argmax(p, axis=1)
    conf = p[np.arange(n), pred].astype(np.float64)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    which = np.searchsorted(edges[1:-1], conf, side="left")
    counts = np.bincount(which, minlength=n_bins)
    sum_conf = np.bincount(which, weights=conf, minlength=n_bins)
    sum_acc = np.bincount(which, weights=(pred == y).astype(np.float64), minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        confidence, accuracy = sum_conf / counts, sum_acc / counts
    ece = float(np.sum(np.abs(sum_acc - sum_conf)) / n)
    return ReliabilityDiagram(edges, confidence, accuracy, counts.astype(np.int64), ece)


def expected_calibration_error(probs: ArrayLike, labels: ArrayLike, n_bins: int = 15) -> float:
    r"""Expected calibration error (ECE) of predicted probabilities, top-label, equal-width bins.

    Guo, Pleiss, Sun & Weinberger (2017), eq. (3) (after Naeini, Cooper & Hauskrecht 2015):

    .. math::

        \mathrm{ECE} = \sum_{b=1}^{M} \frac{|B_b|}{n}\,
                       \big|\mathrm{acc}(B_b) - \mathrm{conf}(B_b)\big|,

    the bins :math:`B_b` being equal-width bins of the top-class probability on [0, 1],
    as defined in :func:`reliability_diagram` (which returns the per-bin data). A number
    in [0, 1]; 0 for a calibrated model (in the limit of many rows per bin).

    Parameters
    ----------
    probs : array_like, (n, k) or (n,)
        Predicted probabilities, rows summing to 1; 1-D: binary probabilities of class 1
        (see :func:`reliability_diagram`).
    labels : array_like of int, (n,)
        True classes in :math:`[0, k)`.
    n_bins : int, optional
        :math:`M`, the number of bins (default 15).

    Returns
    -------
    float

    Examples
    --------
    >>> import boltz
    >>> round(boltz.expected_calibration_error([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7]],
    ...                                        [0, 1, 1], n_bins=5), 6)
    0.2
    """
    return reliability_diagram(probs, labels, n_bins).ece
