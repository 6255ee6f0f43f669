# Element-wise kernels of simd_kernels.h that more than one module calls, with one fused
# wrapper each (float32 / float64 chosen at compile time, AVX2 at run time).
from cython cimport floating

cdef extern from "simd/simd_kernels.h" nogil:
    void boltz_sigmoid_f32(float *x, Py_ssize_t n)
    void boltz_sigmoid_f64(double *x, Py_ssize_t n)
    double boltz_softplus_sum_f32(const float *x, Py_ssize_t n)
    double boltz_softplus_sum_f64(const double *x, Py_ssize_t n)


cdef inline void sigmoid(floating *x, Py_ssize_t n) noexcept nogil:
    """x = 1 / (1 + exp(-x)) in place."""
    if floating is float:
        boltz_sigmoid_f32(x, n)
    else:
        boltz_sigmoid_f64(x, n)


cdef inline double softplus_sum(const floating *x, Py_ssize_t n) noexcept nogil:
    """sum_i log(1 + exp(x_i))."""
    if floating is float:
        return boltz_softplus_sum_f32(x, n)
    else:
        return boltz_softplus_sum_f64(x, n)
