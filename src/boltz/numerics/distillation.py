"""Knowledge distillation: a student's loss against a teacher's soft targets at a temperature."""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from boltz._core import _distillation
from boltz._validation import (
    as_class_labels,
    as_float_array,
    check_choice,
    check_real,
    resolve_num_threads,
    threads_for_work,
)
from boltz.numerics.log_domain import _kernel_scale

__all__ = ["distillation_loss"]

_REDUCTIONS = ("batchmean", "sum", "none")
# The temperatures whose T^2 factor and 1/T are normal float64 numbers (with room to spare).
_T_RANGE = (1e-150, 1e150)


def _logits(x, name: str) -> np.ndarray:
    """Logits as a finite (rows, classes) array with at least one of each; 1-D is one row."""
    arr = as_float_array(x, name, finite=True, bools=False)
    if arr.ndim not in (1, 2):
        raise ValueError(f"{name} must be 1-D (classes,) or 2-D (rows, classes), got shape "
                         f"{arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must hold at least one row of at least one class, got shape "
                         f"{arr.shape}")
    return arr


def distillation_loss(student_logits: ArrayLike, teacher_logits: ArrayLike,
                      temperature: float, labels: ArrayLike | None = None, alpha: float = 0.9,
                      reduction: str = "batchmean", *, num_threads: int | None = None
                      ) -> tuple[float | np.ndarray, np.ndarray]:
    r"""Knowledge-distillation loss and its gradient with respect to the student's logits.

    Hinton, Vinyals & Dean (2015), "Distilling the knowledge in a neural network". For each
    row (one example) with student logits :math:`s`, teacher logits :math:`t` and :math:`N`
    classes, the soft targets and the student's softened prediction at temperature
    :math:`T` are

    .. math::

        p_i = \frac{e^{t_i/T}}{\sum_j e^{t_j/T}}, \qquad
        q_i = \frac{e^{s_i/T}}{\sum_j e^{s_j/T}},

    and the row's loss is

    .. math::

        \ell = \alpha\,T^2\,\mathrm{KL}(p \,\|\, q)
               + (1 - \alpha)\,\mathrm{CE}\big(y, \mathrm{softmax}(s)\big),
        \qquad \mathrm{KL}(p \,\|\, q) = \sum_i p_i \log\frac{p_i}{q_i},

    the hard term being the ordinary cross-entropy :math:`-\log \mathrm{softmax}(s)_y` with
    the true label :math:`y` at :math:`T = 1`. With ``labels=None`` the loss is the soft term
    alone, :math:`T^2\,\mathrm{KL}(p\,\|\,q)` (`alpha` is not used). Its gradient is

    .. math::

        \frac{\partial \ell}{\partial s_i} = \alpha\,T\,(q_i - p_i)
            + (1 - \alpha)\,\big(\mathrm{softmax}(s)_i - [i = y]\big).

    Conventions, since libraries differ on them:

    * **The soft term is a KL divergence**, :math:`\mathrm{KL}(p\|q)` with the teacher's
      :math:`p` first. The paper writes it as the cross-entropy
      :math:`-\sum_i p_i \log q_i`; the two differ by the teacher's entropy
      :math:`H(p)`, a constant for the student, so their gradients are the same (the
      paper's eq. 2, :math:`\partial C/\partial s_i = (q_i - p_i)/T`) and the KL is 0 when
      the student matches the teacher.
    * **The factor** :math:`T^2` (the paper, end of section 2: the soft gradients scale as
      :math:`1/T^2`, so multiplying by :math:`T^2` keeps the relative weight of the hard and
      soft terms as :math:`T` changes). For zero-mean logits and large :math:`T` the scaled
      soft gradient tends to :math:`(s_i - t_i)/N` per row (the paper's eq. 4: logit
      matching).
    * **Reduction**: ``"batchmean"`` (default) is the sum over rows divided by the number of
      rows :math:`B`, the mean per example, as PyTorch's
      ``KLDivLoss(reduction="batchmean")`` and ``CrossEntropyLoss()`` combine;
      ``"sum"`` the sum over rows; ``"none"`` the loss of each row (and the gradient of
      each row's own loss). PyTorch's ``KLDivLoss(reduction="mean")`` divides by
      :math:`B \cdot N`, which is not the mean KL per example but :math:`N` times
      smaller, and is not offered.

    Computed stably, in one compiled pass over the rows (OpenMP over rows): every softmax is
    shifted by its row's maximum, the KL is formed from the shifted logits as
    :math:`\frac1T \sum_i p_i\,[(t_i - m_t) - (s_i - m_s)] - \log Z_t + \log Z_s`, and sums
    are accumulated in float64, so logits of :math:`\pm 10^4` and tiny temperatures give the
    exact finite loss where the naive formula overflows. The soft loss is a difference of
    terms of size :math:`\log N` scaled by :math:`T^2`: its absolute error is about
    :math:`T^2 \epsilon \log N` (:math:`\epsilon` the dtype's machine epsilon), 2e-12 at
    T = 100 with 1000 classes in float64, as for any formula built from two log-softmaxes;
    the gradient keeps a relative accuracy of about :math:`\epsilon T / |s_i - t_i|`.

    Parameters
    ----------
    student_logits : array_like, (B, N) or (N,)
        The student's logits :math:`s` (unnormalised log-probabilities; larger is likelier),
        finite, float32 or float64.
    teacher_logits : array_like, same shape
        The teacher's logits :math:`t`.
    temperature : float
        :math:`T`, between 1e-150 and 1e150 (Hinton et al. use 1-20; values near 2-5 are
        common). Outside that range the factor :math:`T^2` of the loss over- or underflows
        float64, so such a temperature is a ValueError.
    labels : array_like of int, (B,), optional
        True class indices :math:`y \in [0, N)` for the hard term (a scalar for 1-D logits).
    alpha : float
        Weight of the soft term, in [0, 1] (default 0.9); the hard term gets
        :math:`1 - \alpha`. Used only with `labels`.
    reduction : {"batchmean", "sum", "none"}
        How the rows' losses (and gradients) combine, see above.
    num_threads : int, optional
        OpenMP threads over rows (``None``: OpenMP's default). The result does not depend on
        it.

    Returns
    -------
    loss : float or ndarray (B,)
        The loss in nats (a float; per row for ``reduction="none"``).
    grad : ndarray, the shape of `student_logits`
        :math:`\partial\,\mathrm{loss} / \partial s`, float32 when both logits are float32,
        else float64.

    Examples
    --------
    >>> import numpy as np, boltz
    >>> teacher = np.array([[4.0, 1.0, -2.0]])
    >>> loss, grad = boltz.distillation_loss(teacher, teacher, temperature=4.0)
    >>> float(loss), bool(np.all(grad == 0))            # a student that matches: KL = 0
    (0.0, True)
    >>> loss, grad = boltz.distillation_loss([[0.0, 0.0, 0.0]], teacher, temperature=4.0,
    ...                                      labels=[0], alpha=0.5)
    >>> round(float(loss), 4)
    1.8636
    """
    s = _logits(student_logits, "student_logits")
    t = _logits(teacher_logits, "teacher_logits")
    if s.shape != t.shape:
        raise ValueError(f"student_logits (shape {s.shape}) and teacher_logits (shape "
                         f"{t.shape}) must have the same shape")
    temperature = check_real(temperature, "temperature", at_least=_T_RANGE[0],
                             at_most=_T_RANGE[1])
    reduction = check_choice(reduction, "reduction", _REDUCTIONS)
    one_row = s.ndim == 1
    dtype = np.result_type(s.dtype, t.dtype)
    s = np.ascontiguousarray(s.reshape(-1, s.shape[-1]), dtype=dtype)
    t = np.ascontiguousarray(t.reshape(-1, t.shape[-1]), dtype=dtype)
    rows, classes = s.shape
    if labels is None:
        soft, hard = 1.0, 0.0
    else:
        alpha = check_real(alpha, "alpha", at_least=0.0, at_most=1.0)
        soft, hard = alpha, 1.0 - alpha
        if one_row and np.isscalar(labels):
            labels = [labels]
        labels = as_class_labels(labels, "labels", rows, classes)
    nthreads = threads_for_work(resolve_num_threads(num_threads), s.size)
    norm = float(rows) if reduction == "batchmean" else 1.0
    if (_kernel_scale(t, temperature, True) is None
            or _kernel_scale(s, temperature, True) is None):
        # 1/T (or a logit's distance to the row maximum over T) beyond float32's range
        t, s = t.astype(np.float64), s.astype(np.float64)
    grad = np.empty_like(s)
    loss = _distillation.distillation_rows(
        t, s, labels, 1.0 / temperature, soft * temperature, soft * temperature * temperature,
        soft * temperature / norm, hard, hard / norm, grad, nthreads)
    grad = grad.astype(dtype, copy=False)
    out = loss if reduction == "none" else float(np.sum(loss) / norm)
    if one_row:
        return (out[0] if reduction == "none" else out), grad[0]
    return out, grad
