"""Runs that outgrow one machine: boltz's calls on a Dask cluster.

The calls whose work splits into independent pieces take ``client=``: the reads of
:meth:`boltz.Annealer.sample`, the chains of :func:`boltz.sample`, the runs of
:meth:`boltz.RBM.log_partition` with ``method="ais"``, and the models of
:func:`map_models` (and of :meth:`boltz.ParallelTempering.sample` given several models).
``client`` is a ``dask.distributed.Client`` (a ``LocalCluster``'s, or one of a SLURM/PBS
cluster from dask-jobqueue, Kubernetes, ...), ``"local"`` for a ``LocalCluster`` of this
machine's cores that the call starts and closes, or a scheduler address
(``"tcp://host:8786"``). Without ``client`` nothing changes and Dask is not imported;
``pip install "boltz[distributed]"`` brings it. In a script, start a cluster (or pass
``"local"``) under ``if __name__ == "__main__":``: Dask's worker processes import the
script, and without the guard fail to start.

Rules
-----
- **Same seed, same answer, anywhere.** A run is cut into shards, contiguous ranges of its
  reads / chains / runs (``shard_size=`` pieces each; by default two shards per worker,
  fewer when a shard would run under about half a second). Each shard carries the random
  streams the single-process run gives its pieces, so the result is bit-identical to the
  run without ``client`` for any number of workers, and the pieces are put together on the
  client in input order.
- **The model travels once.** It is scattered to every worker (``broadcast=True``) once
  per call, not once per shard; a worker that Dask restarts fetches it from a peer, and if
  every worker holding it dies it is sent again.
- **Threads.** Dask's nanny sets ``OMP_NUM_THREADS=1`` in its workers, so ``num_threads=
  None`` is mapped, explicitly, to the worker's own thread count (``nthreads``), and a
  worker runs one boltz shard at a time with all of them (AIS's shards, NumPy on one
  thread, run one per worker thread; a function given to :func:`map_models` gets the
  worker's threads only if it takes ``num_threads``). Start workers with one thread
  each (``LocalCluster(threads_per_worker=1)``, dask-jobqueue's ``processes=cores``) or
  with one worker per node and ``nthreads=cores``: both use every core once.
- **Faults.** A shard whose worker dies is run again elsewhere on the same streams (Dask
  retries it), so the result is the same as an undisturbed run.
- **Budgets** (``time_limit=``, ``interrupt_function=``) stay on the client: the time is
  counted from the submission of the shards, and the function is called on the client
  every 50 ms, never sent to a worker. Once either is spent, the client sets a
  ``distributed.Event`` of the call, which each shard reads between its blocks of sweeps
  (at most every 50 ms: each read is a round trip to the scheduler). The running shards
  stop there, keeping what they finished; those not yet started run one block and stop.
  Every read comes back, each the local run of its own sweeps with the same seed
  (``info["read_sweeps"]``; ``info["sweeps_done"]`` is the fewest; :func:`boltz.sample`
  keeps the records every chain finished, ``info["chain_sweeps"]`` each chain's sweeps).
  ``info["stopped_by"]`` names the budget when it stopped a shard. The time limit of
  :meth:`boltz.ParallelTempering.sample` (one task per model) is each model's, counted on
  its worker, as in the local run. The Event is removed from the scheduler when the call
  ends, after an error or Ctrl-C too.
- **Ctrl-C** stops the shards of an anneal or of :func:`boltz.sample` through the same
  Event: the call returns every read at the sweeps it reached, marked ``interrupted``
  (with ``polish=True`` the reads are polished, as after a time limit); a second Ctrl-C
  raises KeyboardInterrupt at once. Elsewhere (AIS, :func:`map_models`) it cancels the
  outstanding tasks and returns those that finished, marked ``interrupted``
  (``info["shards"]`` lists the ranges a result holds); tasks already running on a worker
  run to their end there (Dask cannot stop a running task) and their results are dropped.
- **Bad input** is rejected on the client before anything is submitted.
"""
from boltz.distributed._map import ModelResults, map_models

__all__ = ["map_models", "ModelResults"]
