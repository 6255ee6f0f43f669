# The policy constants of the spin kernels (spin/policy.h), for Cython.
cdef extern from "spin/policy.h":
    enum: BOLTZ_ROW_ALIGN
    enum: BOLTZ_DENSE_FILL_PERCENT
    enum: BOLTZ_MAX_GROUP
    enum: BOLTZ_LANE_TABLE_DECISIONS
    enum: BOLTZ_DENSE_THRESHOLDS
    enum: BOLTZ_DENSE_TABLE_CALLS
    enum: BOLTZ_BLOCK_UPDATES
