"""Ratings-RBM epoch on MovieLens 100k against a vectorised NumPy reference of the same
CD-1 update (bench/ratings_reference.py), in the same run.

One epoch of CD-1 over the 80% training part of the seeded split (75,000-80,000 ratings
by 943 users of 1682 films; a synthetic set of the same shape and density when MovieLens
cannot be fetched, said so in the output), F = 100 hidden units, batches of 100 users,
float32 for both, no momentum and no weight decay. The reference touches only each user's
rated items (a dense masked version would do ~16x the work and flatter the ratio as much);
it runs in both of its vectorisations: "gather" (work proportional to the ratings x F,
the issue's reference) and "batch_dense" (BLAS products over each batch's own items, more
arithmetic but faster here). NumPy always runs on one thread (threadpoolctl limits BLAS);
boltz runs with num_threads=1 and 2. Each boltz timing is paired with a run of both
references just before it (untimed by pytest-benchmark), so both see the same machine load;
the ratios are medians of the pairs' ratios: "ratio_gather" is the issue's figure (target
>= 10 with one thread), "ratio_batch_dense" the one against the faster reference, and
"scaling_2_threads" the 1-thread time over the 2-thread time (test_boltz[2] only, from
test_boltz[1]'s times of the same session).

pytest-benchmark times one ``fit`` of one epoch (with its setup: reading the ratings,
building the per-user lists, starting the parameters; and its per-epoch monitor, the exact
leave-one-out RMSE of 20,000 training ratings). The ratios use the epoch alone,
``history_["epoch_time"][0]`` (the compiled epoch and the copies of the parameters in and
out of the kernel's padded layout), which is what the reference's time measures.

Threads on a shared machine: where other processes keep the cores busy, OpenMP's default
wait policy (spinning at the end of each parallel region) made 2 threads 15 times slower
than 1 here (242 ms against 16.6 ms per epoch on a 2-core machine at load 3; boltz.RBM
the same: 4.9 s against 81 ms); with ``OMP_WAIT_POLICY=passive`` the two were equal. Read
the 2-thread figures of a busy machine with that in mind, or set the policy.

Quick by default under ``--benchmark-disable`` (CI: one pair, a few seconds, no ratio
printed as a figure); timed otherwise. Compare BLAS at its best: OPENBLAS_CORETYPE and
OPENBLAS_L2_SIZE (set on some machines for older OpenBLAS builds) slow a current one, so
unset them for this command; the kernel threadpoolctl reports goes into extra_info. Run:
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE pytest bench/test_bench_ratings_rbm.py -s \\
        --benchmark-group-by=group --benchmark-columns=min,median,rounds
"""
import json
import statistics
import time

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

import boltz
from ratings_data import movielens_or_synthetic, split
from ratings_reference import METHODS, csr_from_ratings, numpy_cd1_epoch, self_check

HIDDEN, BATCH, LEARNING_RATE, DTYPE = 100, 100, 0.01, np.float32
ROUNDS = 7
GROUP = "ratings RBM epoch, MovieLens 100k 80%, F=100, batch 100"
_TIMES: dict = {}          # threads -> boltz epoch times of this session (for the scaling)


@pytest.fixture(scope="module")
def full(request):
    """Whether this is a timed run (else --benchmark-disable: one pair, figures mean little)."""
    return not request.config.getoption("benchmark_disable")


@pytest.fixture(scope="module")
def train():
    return split(movielens_or_synthetic())[0]


def blas_kernel() -> str:
    return ", ".join(f"{d['internal_api']} {d.get('architecture', '')}".strip()
                     for d in threadpool_info() if d["user_api"] == "blas")


def reference_epoch(train, method):
    """A closure running one reference epoch from the same start each time and returning
    (its seconds, its reconstruction RMSE); the caller limits BLAS to one thread."""
    indptr, items, levels = csr_from_ratings(train.users, train.items, train.ratings,
                                             train.n_users)
    start = np.random.default_rng(0)
    W0 = start.normal(0, 0.01, (train.n_items, 5, HIDDEN)).astype(DTYPE)

    def run():
        W, b, c = W0.copy(), np.zeros((train.n_items, 5), DTYPE), np.zeros(HIDDEN, DTYPE)
        t0 = time.perf_counter()
        error = numpy_cd1_epoch(indptr, items, levels, W, b, c, BATCH, LEARNING_RATE,
                                np.random.default_rng(1), method=method)
        return time.perf_counter() - t0, error
    return run


def test_reference_matches_plain_loops():
    """Both vectorisations agree with the plain-loop version on the same random numbers."""
    assert self_check() < 1e-12


@pytest.mark.parametrize("method", METHODS)
def test_numpy_reference(benchmark, train, full, method):
    benchmark.group = GROUP
    run = reference_epoch(train, method)
    with threadpool_limits(limits=1):           # set up outside the timing (~4 ms)
        _, error = benchmark.pedantic(run, rounds=ROUNDS if full else 1)
    benchmark.extra_info.update(source=train.source, ratings=int(train.ratings.size),
                                blas=blas_kernel(), reconstruction_rmse=error)
    # one epoch from N(0, 0.01) weights already beats the untrained model's expected
    # rating (the mean of 1..5, 3) measured against the same ratings
    untrained = float(np.sqrt(np.mean((train.ratings - 3.0) ** 2)))
    assert error < untrained


@pytest.mark.parametrize("threads", [1, 2])
def test_boltz(benchmark, train, full, threads):
    if not hasattr(boltz, "RatingsRBM"):
        pytest.skip("boltz.RatingsRBM is not there yet")
    benchmark.group = GROUP
    X = train.csr()
    references = {m: reference_epoch(train, m) for m in METHODS}
    pairs = []

    def setup():
        with threadpool_limits(limits=1):
            pairs.append({m: run()[0] for m, run in references.items()})

    def timed():
        rbm = boltz.RatingsRBM(n_components=HIDDEN, batch_size=BATCH,
                               learning_rate=LEARNING_RATE, momentum=0.0, weight_decay=0.0,
                               n_iter=1, k=1, random_state=0, num_threads=threads,
                               dtype=DTYPE)
        t0 = time.perf_counter()
        rbm.fit(X)
        pairs[-1]["boltz_fit"] = time.perf_counter() - t0
        pairs[-1]["boltz"] = rbm.history_["epoch_time"][0]
        return rbm

    # one thread means one for everybody: BLAS too (boltz's monitors may use it)
    with threadpool_limits(limits=1 if threads == 1 else None):
        rbm = benchmark.pedantic(timed, setup=setup, rounds=ROUNDS if full else 1)
    boltz_times = [p["boltz"] for p in pairs]
    _TIMES[threads] = boltz_times
    record = dict(source=train.source, ratings=int(train.ratings.size), threads=threads,
                  blas=blas_kernel(), boltz_epoch_seconds=boltz_times,
                  boltz_fit_seconds=[p["boltz_fit"] for p in pairs],
                  **{f"numpy_{m}_seconds": [p[m] for p in pairs] for m in METHODS},
                  **{f"ratio_{m}": statistics.median(p[m] / p["boltz"] for p in pairs)
                     for m in METHODS})
    if threads != 1 and 1 in _TIMES:
        record["scaling_2_threads"] = statistics.median(_TIMES[1]) / statistics.median(
            boltz_times)
    benchmark.extra_info.update(record)
    print(f"\n{train.source}: {record['ratings']} training ratings, F={HIDDEN}, batch "
          f"{BATCH}, {np.dtype(DTYPE).name}; BLAS {record['blas']}"
          + ("" if full else " [quick: one pair, the figures mean little]"))
    print(f"  boltz ({threads} thread{'s' * (threads > 1)})  "
          f"{statistics.median(boltz_times) * 1e3:8.1f} ms per epoch (median of "
          f"{len(pairs)}; the whole fit of one epoch, with its setup and its train_rmse "
          f"monitor: {statistics.median(p['boltz_fit'] for p in pairs) * 1e3:.1f} ms)")
    for m in METHODS:
        print(f"  NumPy {m:12s}  {statistics.median(p[m] for p in pairs) * 1e3:8.1f} ms"
              f"   ratio {record[f'ratio_{m}']:6.1f}")
    if "scaling_2_threads" in record:
        print(f"  2-thread scaling (1-thread time / 2-thread time): "
              f"{record['scaling_2_threads']:.2f}")
    print(f"json: {json.dumps(record)}")
    # the fitted model predicts ratings on the scale it was given
    predicted = rbm.predict(train.users[:1000], train.items[:1000])
    assert np.all((predicted >= 1) & (predicted <= 5))
