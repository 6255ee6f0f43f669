"""The distributed forms of boltz's calls: each cuts its run into shards, runs them with
:func:`boltz.distributed._shards.run` and puts the pieces together in input order.

The public entry points (``Annealer.sample``, ``sample``) validate every argument before
they come here, so nothing is submitted for bad input. On a worker, each shard calls the
same public function as a single-process run, on its own range of the run's random
streams: the combined result is bit-identical to the single-process one.
"""
from __future__ import annotations

import copy
import dataclasses
import functools

import numpy as np

from boltz._memory import check_allocation
from boltz._random import RandomStreams
from boltz._validation import check_positive_int
from boltz.distributed import _shards
from boltz.distributed._cluster import connected, worker_slots, worker_threads
from boltz.spin._budgets import Budget
from boltz.spin._chains import check_start
from boltz.spin._multispin import LANES


def _start(model, total, seed, initial_states, clamped, shard_size, count_name):
    """Each chain's random stream and validated initial state (or None), the clamped mask
    as a bool array (or None) and the shard size: checked here, before anything is
    submitted, with the client's memory for what it holds of each chain (its stream,
    initial and final states, energy and magnetisation)."""
    if shard_size is not None:
        shard_size = check_positive_int(shard_size, "shard_size")
    check_allocation(total * (2 * model.num_spins + 16 + RandomStreams.BYTES_PER_STREAM),
                     f"{count_name}={total}",
                     "the chains' states and random streams on the client")
    spins, mask = check_start(model, total, initial_states, clamped)
    return (RandomStreams(seed, total), spins, None if mask is None else mask.astype(bool),
            shard_size)


def _cut(client, total, work_per_item, shard_size, streams, spins, multiple=1):
    """The ranges of a run of `total` chains and each range's (streams, initial states);
    the ranges' sizes are multiples of `multiple` (but the last)."""
    ranges = _shards.plan(total, work_per_item, len(worker_slots(client)), shard_size,
                          multiple)
    return ranges, [(streams[a:b], None if spins is None else spins[a:b]) for a, b in ranges]


def _stopped_by(parts, budget: Budget, stopped: str | None):
    """The run's ``stopped_by``: the client's budget when it stopped a shard (a shard
    stopped by its stop flag says ``"interrupt_function"``; None when Ctrl-C set the flag),
    else `stopped` when every shard says so (a target reached by all reads), else None."""
    if any(p.info["stopped_by"] == "interrupt_function" for p in parts):
        return budget.stopped_by
    if stopped is not None and all(p.info["stopped_by"] == stopped for p in parts):
        return stopped
    return None


def _finished(shards: _shards.ShardResults, ranges):
    """The finished shards' results and ranges; KeyboardInterrupt when none finished."""
    done = shards.finished
    if not done:
        raise KeyboardInterrupt
    return [shards.results[i] for i in done], [ranges[i] for i in done]


# ---- Annealer.sample ---------------------------------------------------------------------

def _anneal_shard(model, annealer, num_reads, streams, initial_states, clamped,
                  record_every, target_energy, *, stop):
    with worker_threads(annealer.num_threads) as threads:
        local = copy.copy(annealer)
        local.num_threads, local.progress = threads, False
        return local.sample(model, num_reads, streams, initial_states, clamped, record_every,
                            target_energy=target_energy, interrupt_function=stop)


def _common_records(parts):
    """The sweeps at which every shard recorded its trace (shards stopped by a budget stop
    at different sweeps, and record there), and each shard's columns of them."""
    sweeps = functools.reduce(np.intersect1d, [p.trace_sweeps for p in parts])
    return sweeps, [np.searchsorted(p.trace_sweeps, sweeps) for p in parts]


def anneal(annealer, model, num_reads, seed, initial_states, clamped, record_every,
           target_energy, *, time_limit, interrupt_function, client, shard_size,
           work_per_read):
    """:meth:`boltz.Annealer.sample` with its reads cut into shards."""
    from boltz.spin.annealing import AnnealResult

    streams, spins, mask, shard_size = _start(model, num_reads, seed, initial_states,
                                              clamped, shard_size, "num_reads")
    with connected(client) as c:
        ranges, pieces = _cut(c, num_reads, work_per_read, shard_size, streams, spins,
                              multiple=LANES if annealer.multispin else 1)
        args = [(annealer, b - a, part, start, mask, record_every, target_energy)
                for (a, b), (part, start) in zip(ranges, pieces, strict=True)]
        budget = Budget(time_limit, interrupt_function)
        shards = _shards.run(c, _anneal_shard, args, shared=model,
                             progress=bool(annealer.progress), desc="anneal", budget=budget,
                             stop_on_interrupt=True)
    parts, done = _finished(shards, ranges)
    states = np.concatenate([p.states for p in parts])
    energies = np.concatenate([p.energies for p in parts])
    k = int(np.argmin(energies))
    info = dict(parts[0].info)
    info.update(seconds=shards.seconds, interrupted=shards.interrupted,
                sweeps_done=min(p.info["sweeps_done"] for p in parts),
                cpu_seconds=sum(p.info["cpu_seconds"] for p in parts),
                shards=done, polished_reads=sum(p.info["polished_reads"] for p in parts),
                read_sweeps=np.concatenate([p.info["read_sweeps"] for p in parts]),
                sweeps_to_target=(None if target_energy is None else
                                  np.concatenate([p.info["sweeps_to_target"] for p in parts])),
                stopped_by=_stopped_by(parts, budget, "target_energy"),
                spin_updates_per_second=sum(p.info["sweeps_done"] * p.states.shape[0]
                                            for p in parts)
                * model.num_spins / max(shards.seconds, 1e-12))
    traced = parts[0].trace_sweeps is not None
    if traced:
        trace_sweeps, columns = _common_records(parts)
    return AnnealResult(
        states=states, energies=energies, best_state=states[k].copy(),
        best_energy=float(energies[k]), info=info,
        trace_sweeps=trace_sweeps if traced else None,
        trace_energies=(np.hstack([p.trace_energies[j] for p, j in
                                   zip(parts, columns, strict=True)]) if traced else None),
        trace_best_energies=(np.hstack([p.trace_best_energies[j] for p, j in
                                        zip(parts, columns, strict=True)]) if traced
                             else None),
        final_states=np.concatenate([p.final_states for p in parts]),
        final_energies=np.concatenate([p.final_energies for p in parts]))


# ---- sample ------------------------------------------------------------------------------

def _chains_shard(model, options, num_chains, streams, initial_states, clamped, *, stop):
    from boltz.spin.sampling import sample

    with worker_threads(options["num_threads"]) as threads:
        return sample(model, num_chains=num_chains, seed=streams,
                      initial_states=initial_states, clamped=clamped,
                      **{**options, "num_threads": threads, "progress": False,
                         "interrupt_function": stop})


def sample_chains(model, num_chains, seed, initial_states, clamped, options, *,
                  time_limit, interrupt_function, client, shard_size, work_per_chain,
                  progress):
    """:func:`boltz.sample` with its chains cut into shards; `options` are its other
    arguments (beta, sweeps, method...), the budget excepted (kept on the client).

    Shards stopped by the budget at different records keep the records every chain
    finished; ``info["chain_sweeps"]`` is the sweeps (burn-in included) each chain did, the
    sweeps that led to its final state."""
    from boltz.spin.sampling import check_records

    streams, spins, mask, shard_size = _start(model, num_chains, seed, initial_states,
                                              clamped, shard_size, "num_chains")
    check_records(model, num_chains, options["num_sweeps"], options["thin"],
                  options["return_states"])
    with connected(client) as c:
        ranges, pieces = _cut(c, num_chains, work_per_chain, shard_size, streams, spins)
        args = [(options, b - a, part, start, mask)
                for (a, b), (part, start) in zip(ranges, pieces, strict=True)]
        budget = Budget(time_limit, interrupt_function)
        shards = _shards.run(c, _chains_shard, args, shared=model, progress=progress,
                             desc="sample", budget=budget, stop_on_interrupt=True)
    parts, done = _finished(shards, ranges)
    # a shard whose chains all reached the target energy ended early: its records after
    # that repeat each chain's stopped state, as in the single-process run; shards that a
    # budget stopped keep the records every one of them finished
    target = options["target_energy"] is not None
    running = ([p for p in parts if p.info["stopped_by"] != "target_energy"]
               or [max(parts, key=lambda p: p.info["num_records"])])
    kept = min(p.info["num_records"] for p in running)
    info = {**min(running, key=lambda p: p.info["num_records"]).info,
            "burn_in": min(p.info["burn_in"] for p in running),
            "num_sweeps": min(p.info["num_sweeps"] for p in running),
            "shards": done, "seconds": shards.seconds,
            "chain_sweeps": np.concatenate([p.info["chain_sweeps"] for p in parts]),
            "sweeps_to_target": (np.concatenate([p.info["sweeps_to_target"] for p in parts])
                                 if target else None),
            "stopped_by": _stopped_by(parts, budget, "target_energy" if target else None)}
    parts = [_with_records(model, p, kept) for p in parts]
    recorded = parts[0].states is not None
    return dataclasses.replace(
        parts[0],
        energies=np.concatenate([p.energies for p in parts]),
        magnetizations=np.concatenate([p.magnetizations for p in parts]),
        final_states=np.concatenate([p.final_states for p in parts]),
        states=np.concatenate([p.states for p in parts]) if recorded else None,
        interrupted=shards.interrupted, info=info)


def _with_records(model, trace, num_records):
    """`trace` with its first `num_records` records, those it lacks (a shard that ended at
    its chains' target) repeating its final states."""
    from boltz.spin.sampling import stopped_records

    extra = num_records - trace.info["num_records"]
    if extra <= 0:
        return dataclasses.replace(
            trace, energies=trace.energies[:, :num_records],
            magnetizations=trace.magnetizations[:, :num_records],
            states=None if trace.states is None else trace.states[:, :num_records])
    energies, magnet = stopped_records(model, trace.final_states)
    states = trace.final_states[:, None]
    return dataclasses.replace(
        trace,
        energies=np.hstack([trace.energies, np.repeat(energies[:, None], extra, axis=1)]),
        magnetizations=np.hstack([trace.magnetizations,
                                  np.repeat(magnet[:, None], extra, axis=1)]),
        states=(None if trace.states is None else
                np.concatenate([trace.states, np.repeat(states, extra, axis=1)], axis=1)))


# ---- RBM.log_partition("ais") ------------------------------------------------------------

def _ais_shard(rbm, b0, betas, groups):
    # NumPy's BLAS on one thread (the nanny's OMP_NUM_THREADS=1): a worker with t threads
    # runs t shards at once
    from boltz.machines._partition import ais_log_weights

    return ais_log_weights(rbm, b0, betas, groups)


def ais(rbm, b0, betas, groups, *, client, shard_size, work_per_group):
    """The log weights of AIS's groups of runs [(seed, runs), ...], computed in shards of
    whole groups, and whether Ctrl-C stopped it (then: the finished groups only)."""
    with connected(client) as c:
        ranges = _shards.plan(len(groups), work_per_group, len(worker_slots(c)), shard_size)
        shards = _shards.run(c, _ais_shard, [(b0, betas, groups[a:b]) for a, b in ranges],
                             shared=rbm, desc="AIS")
    parts, _ = _finished(shards, ranges)
    return np.concatenate(parts), shards.interrupted
