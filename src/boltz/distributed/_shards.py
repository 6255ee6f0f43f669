"""Shards of a run on a Dask cluster: how a run is cut, submitted, waited for and mended.

A shard is a contiguous range of a run's independent pieces (reads, chains, AIS runs) or
one model of a list. Each shard carries the random streams the single-process run would
give those pieces, so results do not depend on how the run is cut or where a shard runs.
"""
from __future__ import annotations

import concurrent.futures
import contextlib
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from boltz._progress import deferred_interrupts, interrupt_pending, progress_bar, take_interrupt
from boltz.distributed._cluster import import_distributed, worker_slots
from boltz.spin._budgets import Budget

#: Work units (see ``boltz.spin._chains``: 0.2-1 ns each here) below which a run is not cut
#: into more shards: about half a second of work per shard, against a few milliseconds
#: that Dask spends on each task (measured in bench/test_bench_distributed.py).
MIN_SHARD_WORK = 1_000_000_000

#: Shards per worker by default: a worker that dies loses half its share, and a slower
#: worker's second shard can go to a faster one.
SHARDS_PER_WORKER = 2

#: Seconds between checks for Ctrl-C and of the budget while waiting for shards.
POLL_SECONDS = 0.05

#: Seconds between a running shard's reads of its run's stop event (each read is a round
#: trip to the scheduler); the shard reads it between its blocks of sweeps.
STOP_POLL_SECONDS = 0.05

#: Times a run re-sends its shared data and resubmits its shards after every worker that
#: held the data died.
RESENDS = 3


def plan(total: int, work_per_item: int, num_workers: int,
         shard_size: int | None = None, multiple: int = 1) -> list[tuple[int, int]]:
    """Contiguous ranges (start, stop) covering range(total).

    Default: ``SHARDS_PER_WORKER`` shards per worker, fewer when a shard would do less than
    ``MIN_SHARD_WORK`` units of work, never more than `total`; `shard_size` (items per
    shard, an int >= 1 checked by the caller) overrides it. Either is rounded up to a
    multiple of `multiple` (items that must stay together: 64 reads of a multi-spin group).
    """
    if shard_size is None:
        by_work = max(1, total * max(1, work_per_item) // MIN_SHARD_WORK)
        shards = max(1, min(total, SHARDS_PER_WORKER * num_workers, by_work))
        shard_size = -(-total // shards)
    shard_size = -(-shard_size // multiple) * multiple
    return [(a, min(a + shard_size, total)) for a in range(0, total, shard_size)]


class StopFlag:
    """On a worker, the ``interrupt_function`` of a shard: true once the client has set its
    run's stop event (a ``distributed.Event``; the budget and Ctrl-C live on the client).

    The event is read when the shard first asks, then at most every
    ``STOP_POLL_SECONDS``; once set, it stays true without asking again.
    """

    def __init__(self, name: str):
        self.name = name
        self.event = None
        self.stopped = False
        self.next_read = 0.0

    def __getstate__(self):                     # travels as its name; the event is local
        return {"name": self.name}

    def __setstate__(self, state):
        self.__init__(state["name"])

    def __call__(self) -> bool:
        if not self.stopped and time.monotonic() >= self.next_read:
            if self.event is None:
                self.event = import_distributed().Event(self.name)
            self.stopped = self.event.is_set()
            self.next_read = time.monotonic() + STOP_POLL_SECONDS
        return self.stopped


@dataclass
class ShardResults:
    """Each shard's result in input order (None where it did not finish), whether Ctrl-C
    stopped the run, and its wall time in seconds."""

    results: list
    interrupted: bool
    seconds: float

    @property
    def finished(self) -> list[int]:
        """Indices of the shards that finished."""
        return [i for i, r in enumerate(self.results) if r is not None]


def _cancellations() -> tuple[type, ...]:
    """The exceptions of a cancelled future (and of waiting on one) in this Dask version."""
    distributed = import_distributed()
    return (concurrent.futures.CancelledError, *(
        getattr(distributed.client, name) for name in
        ("FutureCancelledError", "FuturesCancelledError") if hasattr(distributed.client, name)))


def _lost(future) -> bool:
    """Whether a failed shard failed because data it needed was lost with its workers (as
    opposed to an error of its own, which is raised)."""
    if future.status in ("cancelled", "lost"):
        return True
    try:
        return isinstance(future.exception(), _cancellations())
    except Exception:                          # the future itself is gone
        return True


def run(client, task: Callable, shard_args: Sequence[tuple], *, shared: object = None,
        owned: Sequence | None = None, progress: bool = False, desc: str = "shards",
        budget: Budget | None = None, stop_on_interrupt: bool = False) -> ShardResults:
    """``task(data, *shard_args[i])`` for every shard i on the workers of `client`, where
    `data` is `shared` or ``owned[i]``; with a `budget` or `stop_on_interrupt`,
    ``task(data, *shard_args[i], stop=flag)`` with `flag` a :class:`StopFlag`.

    `shared` (the model of a run) is scattered once to every worker (``broadcast=True``);
    ``owned[i]`` (a model of a list) once, to shard i's worker. Either is re-sent, with the
    unfinished shards resubmitted, if every worker holding it dies. Shard i is placed on
    worker ``i mod workers`` (loosely: Dask moves it when that worker dies). Ctrl-C cancels
    the outstanding shards and returns those that finished.

    Stopping running shards: `budget` (a time limit counted from here, the caller's
    interrupt function, both checked on the client every ``POLL_SECONDS``) and, with
    `stop_on_interrupt`, Ctrl-C set the run's stop event, which each task reads through
    `flag` between its blocks of sweeps: the running shards return what they finished, the
    others run one block and return; the run waits for all of them (a second Ctrl-C raises
    KeyboardInterrupt at once). ``budget.stopped_by`` then says which budget set it.

    Every future the run made is released, and the stop event removed from the scheduler,
    on the way out (after an error or Ctrl-C too), so nothing of it stays on the cluster.
    """
    distributed = import_distributed()
    cancelled = _cancellations()
    workers = worker_slots(client)
    n = len(shard_args)
    results: list = [None] * n
    bar = progress_bar(n, progress, desc, unit="shard")
    t0 = time.perf_counter()
    interrupted = False
    futures: dict = {}
    made: list = []                   # every future of the run, released at the end
    stoppable = budget is not None or stop_on_interrupt
    flag = StopFlag(f"boltz-stop-{uuid.uuid4().hex}") if stoppable else None
    event = None                      # the stop event, once set

    def place(i):
        return [workers[i % len(workers)]]

    def send(shards):
        """The data of `shards`, scattered: {shard: future}."""
        if owned is None:
            data = client.scatter(shared, broadcast=True, hash=False)
            made.extend(distributed.futures_of(data))     # one per item of a tuple
            return dict.fromkeys(shards, data)
        data = {i: client.scatter(owned[i], workers=place(i), hash=False) for i in shards}
        made.extend(distributed.futures_of(list(data.values())))
        return data

    def submit(i, data):
        extra = {} if flag is None else {"stop": flag}
        future = client.submit(task, data[i], *shard_args[i], **extra, pure=False,
                               workers=place(i), allow_other_workers=True)
        made.append(future)
        return future

    def closed() -> RuntimeError:
        done = sum(r is not None for r in results)
        return RuntimeError(f"client: the Dask client was closed during the run (status "
                            f"{client.status!r}; {done} of {n} tasks had finished)")

    try:
        with deferred_interrupts():
            data = send(range(n))
            futures = {submit(i, data): i for i in range(n)}
            resends = 0
            while futures and not (interrupted and event is None):
                interrupted = interrupted or interrupt_pending()
                if event is None and ((interrupted and stop_on_interrupt)
                                      or (budget is not None and budget.spent())):
                    event = distributed.Event(flag.name, client=client)
                    event.set()
                try:
                    with contextlib.suppress(TimeoutError, *cancelled):   # statuses tell
                        distributed.wait(list(futures), timeout=POLL_SECONDS,
                                         return_when="FIRST_COMPLETED")
                except Exception:
                    if client.status != "running":    # closed while waiting: its loop gone
                        raise closed() from None
                    raise
                lost = []
                for future in [f for f in futures if f.status != "pending"]:
                    i = futures.pop(future)
                    if future.status == "finished":
                        results[i] = future.result()
                        bar.update(1)
                    elif _lost(future) and resends < RESENDS:
                        lost.append(i)
                    else:
                        future.result()       # the shard's own error, raised here
                if lost:
                    if client.status != "running":
                        raise closed()
                    resends += 1
                    workers = worker_slots(client)      # the dead workers' replacements
                    data = send(lost)
                    futures.update({submit(i, data): i for i in lost})
            interrupted = take_interrupt() or interrupted
    finally:
        if client.status == "running":        # a closed client holds nothing any more
            if futures:
                client.cancel(list(futures))
            for future in made:
                future.release()
            if event is not None:
                event.clear()                 # deletes it on the scheduler
        bar.close()
    return ShardResults(results, interrupted, time.perf_counter() - t0)
