"""Facts about the compiled core: OpenMP, default thread count, SIMD instruction set."""
from boltz._core._openmp cimport BOLTZ_HAVE_OPENMP, omp_get_max_threads

cdef extern from "simd/simd_kernels.h":
    const char *boltz_simd_isa() noexcept nogil


def openmp_enabled():
    """True when the core was compiled with OpenMP."""
    return bool(BOLTZ_HAVE_OPENMP)


def default_num_threads():
    """Threads an OpenMP region would use now (respects OMP_NUM_THREADS and threadpoolctl)."""
    return int(omp_get_max_threads())


def simd_isa():
    """Instruction set the exp kernels dispatch to on this CPU: 'avx2' or 'baseline'."""
    return boltz_simd_isa().decode()
