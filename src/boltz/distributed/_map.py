"""One sampler over many models (or many samplers over one model), locally or on Dask."""
from __future__ import annotations

import copy
import inspect
import os
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from boltz._progress import deferred_interrupts, progress_bar, take_interrupt
from boltz._random import SeedLike, seed_sequence
from boltz._validation import check_bool

if TYPE_CHECKING:
    from boltz.spin.ising_model import IsingModel

__all__ = ["map_models", "ModelResults"]


class ModelResults(list):
    """The results of :func:`map_models`, one per model in input order (a list).

    Parameters
    ----------
    results : iterable
        The results, None for a model that did not run.
    interrupted : bool
        Ctrl-C stopped the run: the entries of the models that had not finished are None
        (a model whose own run Ctrl-C cut keeps its partial result, marked as such).
    seconds : float
        Wall time of the whole map.
    """

    def __init__(self, results: Iterable[object] = (), interrupted: bool = False,
                 seconds: float = 0.0):
        super().__init__(results)
        self.interrupted = interrupted
        self.seconds = seconds


def _is_path(item) -> bool:
    return isinstance(item, (str, os.PathLike))


def _load(item):
    """An IsingModel from a model or an instance file (Gset/rudy edge list or .npz)."""
    if not _is_path(item):
        return item
    from boltz.spin._instance_files import load_instance

    return load_instance(os.fspath(item))[0]


def _runner(sampler):
    """(call(model, seed, options, num_threads), the sampler's own num_threads or None)."""
    if hasattr(sampler, "sample"):
        def call(model, seed, options, num_threads):
            local = copy.copy(sampler)
            if hasattr(local, "num_threads"):
                local.num_threads = num_threads
            if hasattr(local, "progress"):
                local.progress = False
            return local.sample(model, seed=seed, **options)
        return call, getattr(sampler, "num_threads", None)

    takes_threads = "num_threads" in inspect.signature(sampler).parameters

    def call(model, seed, options, num_threads):
        extra = {"num_threads": num_threads} if takes_threads else {}
        return sampler(model, seed=seed, **{**options, **extra})
    return call, None


def _map_task(model, sampler, seed, options, *, stop=None):
    from boltz.distributed._cluster import worker_threads

    if stop is not None:                        # the client's interrupt function, as read here
        options = {**options, "interrupt_function": stop}
    call, own = _runner(sampler)
    with worker_threads(options.get("num_threads", own)) as threads:
        return call(_load(model), seed, options, threads)


def _interrupted(result) -> bool:
    info = getattr(result, "info", None)
    return bool(getattr(result, "interrupted", False)
                or (isinstance(info, dict) and info.get("interrupted")))


def _check(sampler, models):
    """(samplers, models) as equal-length lists: a single one of either is repeated."""
    from boltz.spin.ising_model import IsingModel

    many_samplers = isinstance(sampler, Sequence) and not isinstance(sampler, str)
    many_models = isinstance(models, Sequence) and not isinstance(models, str)
    samplers = list(sampler) if many_samplers else [sampler]
    items = list(models) if many_models else [models]
    for i, s in enumerate(samplers):
        if not (hasattr(s, "sample") or callable(s)):
            raise TypeError(f"sampler{f'[{i}]' if many_samplers else ''} must have a "
                            f".sample(model, seed=...) method (Annealer, ParallelTempering) "
                            f"or be a function f(model, seed=...), got {type(s).__name__}")
    for i, m in enumerate(items):
        name = f"models[{i}]" if many_models else "models"
        if _is_path(m):
            if not os.path.isfile(m):
                raise ValueError(f"{name}: {os.fspath(m)!r} is not a file")
        elif not isinstance(m, IsingModel):
            raise TypeError(f"{name} must be a boltz.IsingModel or the path of an instance "
                            f"file, got {type(m).__name__}")
    if not samplers or not items:
        raise ValueError("map_models needs at least one sampler and one model")
    if many_samplers and many_models and len(samplers) != len(items):
        raise ValueError(f"sampler and models are both sequences, of different lengths "
                         f"({len(samplers)} and {len(items)})")
    n = max(len(samplers), len(items))
    return samplers * (n // len(samplers)), items * (n // len(items)), many_models


def map_models(sampler: object | Sequence[object],
               models: IsingModel | str | os.PathLike | Sequence[IsingModel | str | os.PathLike],
               *, seed: SeedLike = None, client: object = None, progress: bool = False,
               **options: object) -> ModelResults:
    r"""Run a sampler on each of several models, in order, here or on a Dask cluster.

    ``map_models(sampler, [m0, m1, ...], seed=s)[i]`` is ``sampler.sample(m_i,
    seed=children[i], **options)`` with ``children = SeedSequence(s).spawn(len(models))``:
    the result for a model depends on the seed and its position only, not on where or
    next to what it ran. Typical uses: a study over disorder realisations, a benchmark over
    a set of instance files, several parallel-tempering ladders on one model.

    Parameters
    ----------
    sampler : object or sequence of objects
        Something with ``.sample(model, seed=..., **options)`` (:class:`boltz.Annealer`,
        :class:`boltz.ParallelTempering`) or a function ``f(model, seed=..., **options)``
        (:func:`boltz.sample`, with ``beta`` in `options`). A sequence pairs one sampler
        with each model (or runs each on the one model given).
    models : IsingModel, path, or a sequence of them
        The models, or instance files (a Gset/rudy edge list or an ``.npz`` as ``boltz
        anneal`` reads them), loaded where they run: on a cluster only the path travels.
    seed : None, int, SeedSequence or Generator
        Randomness; each model gets its own child of it (see above).
    client : dask.distributed.Client, "local" or str, optional
        Run each model as one task on a Dask cluster (see :mod:`boltz.distributed`); the
        results are bit-identical to those without it. Models given as objects are
        scattered, one worker each; a model shared by several samplers is sent once to
        every worker.
    progress : bool
        A progress bar over the models.
    **options
        Passed to every call (``num_reads=...``, ``beta=...``).

    Returns
    -------
    ModelResults
        A list of the results in input order, with ``interrupted`` (Ctrl-C: the models
        not finished are None) and ``seconds``.

    Notes
    -----
    The arguments of ``map_models`` itself (samplers, models, files' existence) are checked
    before anything runs; the options are checked by the sampler, on the first model that
    runs (on a cluster, the first error cancels the other tasks and is raised here).

    Examples
    --------
    >>> import boltz
    >>> models = [boltz.IsingModel.sherrington_kirkpatrick(32, seed=s) for s in range(3)]
    >>> results = boltz.map_models(boltz.Annealer(num_sweeps=200), models, seed=0,
    ...                            num_reads=4)
    >>> [r.states.shape for r in results]
    [(4, 32), (4, 32), (4, 32)]
    """
    samplers, items, many_models = _check(sampler, models)
    progress = check_bool(progress, "progress")
    return run_each(samplers, items, seed_sequence(seed).spawn(len(items)), client=client,
                    progress=progress, one_model=not many_models, options=options)


def run_each(samplers, items, children, *, client, progress, one_model, options):
    """``samplers[i].sample(items[i], seed=children[i], **options)`` for every i, here or
    on `client` (`one_model`: every item is the same model, sent once to every worker).

    On `client`, an ``interrupt_function`` in `options` stays on the client, which calls
    it while the tasks run; once it returns true, each task's own interrupt function (a
    :class:`boltz.distributed._shards.StopFlag`) does too. A ``time_limit`` travels with
    the other options: it is each model's, counted from its start, as here."""
    if client is not None:
        from boltz.distributed import _shards
        from boltz.distributed._cluster import connected
        from boltz.spin._budgets import Budget

        interrupt_function = options.get("interrupt_function")
        budget = None if interrupt_function is None else Budget(None, interrupt_function)
        options = {k: v for k, v in options.items() if k != "interrupt_function"}
        with connected(client) as c:
            args = [(s, child, options) for s, child in zip(samplers, children, strict=True)]
            data = {"shared": items[0]} if one_model else {"owned": items}
            shards = _shards.run(c, _map_task, args, **data, progress=progress,
                                 desc="models", budget=budget)
        return ModelResults(shards.results, shards.interrupted, shards.seconds)
    import time

    t0 = time.perf_counter()
    out = ModelResults([None] * len(items))
    bar = progress_bar(len(items), progress, "models", unit="model")
    try:
        with deferred_interrupts():
            for i, (s, item, child) in enumerate(zip(samplers, items, children, strict=True)):
                call, own = _runner(s)
                out[i] = call(_load(item), child, options, options.get("num_threads", own))
                bar.update(1)
                if take_interrupt() or _interrupted(out[i]):
                    out.interrupted = True
                    break
    finally:
        bar.close()
    out.seconds = time.perf_counter() - t0
    return out
