"""A Dask worker's memory on a 10^6-spin model: the model held once per worker, not once per
shard (issue 18).

On a LocalCluster of 2 single-threaded worker processes, 8 reads of a 1000 x 1000 lattice
in one-read-pair shards (two per worker): each worker's peak resident memory during the run
(VmHWM, reset before it) grows over the same worker idle (boltz imported, a kernel run) by
less than twice the model's bytes as boltz stores it (its couplings in the kernel type, CSR
with both (i, j) and (j, i), fields, and the float64 copies the model keeps) plus the states
of the reads the worker ran (int8 spins and a local field in the kernel type per spin).
"""
import gc
import re
import sys

import numpy as np
import pytest

import boltz

distributed = pytest.importorskip("distributed")
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not sys.platform.startswith("linux"),
                                 reason="peak memory from /proc/self (Linux)")]

L, READS, SHARD = 1000, 8, 2


def _rss():
    import psutil

    return psutil.Process().memory_info().rss


def _reset_peak():
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")                  # resets VmHWM to the current resident size


def _peak():
    with open("/proc/self/status") as f:
        return 1024 * int(re.search(r"VmHWM:\s+(\d+) kB", f.read()).group(1))


def stored_bytes(model):
    """Bytes of every array the model holds: the kernels' couplings and fields, and the
    model's own copies (fields in float64, row sums)."""
    couplings = model._couplings
    arrays = [*couplings.csr, couplings.h,
              *(v for v in vars(model).values() if isinstance(v, np.ndarray))]
    return sum(a.nbytes for a in arrays)


def test_a_worker_grows_by_less_than_twice_the_model_plus_its_reads():
    model = boltz.IsingModel.square_lattice(L)
    assert not model.is_dense and model.num_spins == 10**6
    n = model.num_spins
    model_bytes = stored_bytes(model)
    read_bytes = n * (1 + model._couplings.h.itemsize)     # spins + local fields
    annealer = boltz.Annealer(num_sweeps=4)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as client:
        try:
            client.run(_reset_peak)
        except OSError as exc:
            pytest.skip(f"cannot reset the peak resident size: {exc}")
        annealer.sample(boltz.IsingModel.square_lattice(4), 4, seed=0, client=client,
                        shard_size=1)
        client.run(gc.collect)
        idle = client.run(_rss)
        client.run(_reset_peak)
        with distributed.get_task_stream(client) as stream:
            result = annealer.sample(model, READS, seed=1, client=client, shard_size=SHARD)
        peak = client.run(_peak)
    assert result.states.shape == (READS, n)
    shards = [t for t in stream.data if "_anneal_shard" in str(t["key"])]
    assert len(shards) == READS // SHARD
    print(f"\nmodel {model_bytes / 1e6:.1f} MB, one read {read_bytes / 1e6:.1f} MB")
    for worker in idle:
        reads = SHARD * sum(t["worker"] == worker for t in shards)
        growth = peak[worker] - idle[worker]
        bound = 2 * model_bytes + reads * read_bytes
        print(f"{worker}: idle {idle[worker] / 1e6:.1f} MB, {reads} reads, peak growth "
              f"{growth / 1e6:.1f} MB = {growth / model_bytes:.2f} x the model "
              f"(bound {bound / 1e6:.1f} MB)")
        assert growth < bound, (worker, growth, bound)
