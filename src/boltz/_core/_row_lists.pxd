# The index lists of the RBM training kernels (_rbm_epoch, _gaussian_epoch): a state or a
# data row kept as the list of its nonzero units, and the products with a weight matrix as
# sums of the rows those lists name (rbm_rows.h).
from cython cimport floating
from libc.stdint cimport int32_t
from boltz._core._rbm_kernels cimport rbm_row_sums

cdef enum:
    SLACK = 8             # entries a list needs beyond its units (the kernels store vectors)


cdef struct Lists:
    # one list per row (or per visible unit): row r at idx + r * width (width 0: one list
    # for every row), count[r] entries; coefficients at coef + r * coef_width (coef_width 0:
    # the same ones for every row)
    int32_t *idx
    void *coef            # floating
    Py_ssize_t *count
    Py_ssize_t width
    Py_ssize_t coef_width


cdef inline void row_sums(Py_ssize_t r0, Py_ssize_t r1, Lists L, const floating *M,
                          const floating *bias, Py_ssize_t p,
                          floating *out) noexcept nogil:
    """out[r] = bias + the rows of M in row r's list (times their coefficients), for
    r0 <= r < r1."""
    rbm_row_sums(r0, r1, L.idx, L.width, <floating *> L.coef, L.coef_width, L.count, M, bias,
                 p, out)


cdef inline bint padded_width(Py_ssize_t p, Py_ssize_t n, Py_ssize_t itemsize) noexcept:
    """p holds n entries and is a whole number of 32-byte vectors."""
    return p >= n and (p * itemsize) % 32 == 0


cdef inline void write_unpadded(const floating[:, ::1] W, const floating[::1] b,
                                const floating[::1] c, Py_ssize_t nv, Py_ssize_t nh,
                                floating[:, ::1] components_out, floating[::1] b_out,
                                floating[::1] c_out) noexcept nogil:
    """The unpadded parameters W (nh, pv), b, c into the optional outputs (a missing one is
    skipped)."""
    cdef Py_ssize_t i, j
    if components_out is not None:
        for j in range(nh):
            for i in range(nv):
                components_out[j, i] = W[j, i]
    if b_out is not None:
        for i in range(nv):
            b_out[i] = b[i]
    if c_out is not None:
        for j in range(nh):
            c_out[j] = c[j]
