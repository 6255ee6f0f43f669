"""The Dask client a ``client=`` argument stands for, and the threads a task may use.

boltz never imports Dask unless a call is given ``client=``; ``pip install
"boltz[distributed]"`` brings it.
"""
from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from boltz._progress import deferred_interrupts
from boltz._validation import available_cores

#: Seconds to wait for a scheduler given by its address before giving up.
CONNECT_TIMEOUT = 10


def import_distributed():
    """The ``distributed`` module, or an ImportError that says how to install it."""
    try:
        import distributed
    except ImportError:
        raise ImportError("client= runs boltz on Dask's distributed scheduler, which is not "
                          "installed: pip install \"boltz[distributed]\"") from None
    return distributed


def check_client(client) -> None:
    """Raise TypeError / ValueError unless `client` is something :func:`connected` takes:
    a running ``dask.distributed.Client``, ``"local"`` or a scheduler address (a str)."""
    if isinstance(client, str):
        if not client.strip():
            raise ValueError("client must be a dask.distributed.Client, \"local\" or a "
                             "scheduler address such as \"tcp://host:8786\", got ''")
        return
    distributed = import_distributed()
    if not isinstance(client, distributed.Client):
        raise TypeError(f"client must be a dask.distributed.Client, \"local\" or a scheduler "
                        f"address such as \"tcp://host:8786\", got {type(client).__name__}")
    if client.status != "running":
        raise ValueError(f"client is {client.status}: pass a running dask.distributed.Client "
                         f"(or \"local\" for a cluster on this machine)")


def local_cluster(n_workers: int):
    """A ``LocalCluster`` of `n_workers` single-threaded worker processes, as boltz starts
    it: the scheduler's HTTP server on a free port (8787 may be taken: Dask would warn),
    the workers' logs below ERROR silenced (a cancelled shard is logged as a warning)."""
    return import_distributed().LocalCluster(
        n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=":0",
        silence_logs=logging.ERROR)


@contextmanager
def connected(client) -> Iterator:
    """The Client `client` stands for, for the length of one call.

    A ``dask.distributed.Client`` is used as given (and left open). ``"local"`` starts a
    ``LocalCluster`` of one single-threaded worker process per available core, and any
    other string connects to the scheduler at that address; both are closed on exit.
    """
    check_client(client)
    distributed = import_distributed()
    if not isinstance(client, str):
        yield client
        return
    with contextlib.ExitStack() as stack:
        if client == "local":
            # a Ctrl-C while the cluster starts is raised once `stack` holds it (a cluster
            # cut off half-started fails to close)
            with deferred_interrupts():
                cluster = stack.enter_context(local_cluster(available_cores()))
                own = stack.enter_context(distributed.Client(cluster))
        else:
            try:
                own = stack.enter_context(distributed.Client(client, timeout=CONNECT_TIMEOUT))
            except ValueError as exc:
                raise ValueError(f"client: {client!r} is not a Dask scheduler address such "
                                 f"as 'tcp://host:8786' ({exc})") from None
            except (OSError, TimeoutError) as exc:
                raise ValueError(f"client: no Dask scheduler answered at {client!r} within "
                                 f"{CONNECT_TIMEOUT} s ({type(exc).__name__}: {exc})") from None
        yield own


def worker_slots(client) -> list[str]:
    """The addresses of the client's workers, sorted; waits up to ``CONNECT_TIMEOUT`` s for
    a first one (a cluster still starting), then ValueError."""
    if not client.nthreads():
        try:
            client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
        except TimeoutError:
            raise ValueError(f"client: the Dask scheduler has no workers (none joined within "
                             f"{CONNECT_TIMEOUT} s)") from None
    return sorted(client.nthreads())


_WORKER_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_LOCK = threading.Lock()


@contextmanager
def worker_threads(num_threads: int | None) -> Iterator[int]:
    """Inside a task: the OpenMP threads a shard uses, while it holds the worker.

    ``None`` means the worker's own thread count (Dask's nanny sets ``OMP_NUM_THREADS=1``
    in its workers, so OpenMP's default would be one thread). A worker runs one boltz shard
    at a time with all its threads: its other task threads wait, so that a worker of t
    threads never runs t shards of t threads each.
    """
    distributed = import_distributed()
    worker = distributed.get_worker()
    with _LOCKS_LOCK:
        lock = _WORKER_LOCKS.setdefault(worker.address, threading.Lock())
    with lock:
        yield worker.state.nthreads if num_threads is None else num_threads
