"""The distillation loss over the rows of a batch (distill/distill_rows_impl.h).

Input is C-contiguous (rows, n) teacher and student logits of one dtype; OpenMP runs over
rows, each thread with its own two scratch rows. A row's result does not depend on which
thread computed it, so results do not depend on the thread count. Arguments are trusted:
boltz.distillation_loss validated them.
"""
from cython cimport floating
from cython.parallel cimport prange, threadid
from boltz._core._distill_kernels cimport distill_row

import numpy as np


def distillation_rows(const floating[:, ::1] teacher, const floating[:, ::1] student,
                      const Py_ssize_t[::1] labels, double inv_temp, double soft_cross,
                      double soft_weight, double soft_grad, double hard_weight, double hard_grad,
                      floating[:, ::1] grad, int nthreads):
    """Per-row losses (float64) and, into grad, their gradients with respect to `student`.

    labels is None for the soft term alone. See distill_rows_impl.h for the weights.
    """
    cdef Py_ssize_t rows = teacher.shape[0], n = teacher.shape[1], i, tid
    cdef bint hard = labels is not None
    loss = np.empty(rows, dtype=np.float64)
    cdef double[::1] out = loss
    if rows == 0:
        return loss
    nthreads = max(1, min(nthreads, rows))
    scratch_array = np.empty((nthreads, 2, n), dtype=np.asarray(grad).dtype)
    cdef floating[:, :, ::1] scratch = scratch_array
    for i in prange(rows, num_threads=nthreads, schedule='static', nogil=True):
        tid = threadid()
        out[i] = distill_row(&teacher[i, 0], &student[i, 0], n, labels[i] if hard else -1,
                             inv_temp, soft_cross, soft_weight, soft_grad, hard_weight,
                             hard_grad,
                             &grad[i, 0], &scratch[tid, 0, 0], &scratch[tid, 1, 0])
    return loss
