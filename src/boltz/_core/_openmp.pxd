# The one place that talks to OpenMP. Every kernel cimports from here, so a build without
# OpenMP still compiles: the functions then report a single thread and prange runs serially.
# boltz never calls omp_set_num_threads (it would leak into every other OpenMP library in the
# process); a thread count is passed per parallel region instead.

cdef extern from *:
    """
    #ifdef _OPENMP
    #include <omp.h>
    #define BOLTZ_HAVE_OPENMP 1
    #else
    #define BOLTZ_HAVE_OPENMP 0
    static inline int omp_get_max_threads(void) { return 1; }
    static inline int omp_get_thread_num(void) { return 0; }
    #endif
    """
    const bint BOLTZ_HAVE_OPENMP
    int omp_get_max_threads() noexcept nogil
    int omp_get_thread_num() noexcept nogil
