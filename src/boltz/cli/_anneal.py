"""``boltz anneal``: simulated annealing of Ising / Max-Cut models read from files, on this
machine or on a Dask cluster."""
from __future__ import annotations

import argparse
import contextlib
import os
import sys

import numpy as np

from boltz.cli._common import UsageError, fail, fmt, library_error
from boltz.cli._figures import check_plot_path, save_figure
from boltz.spin._instance_files import InstanceFileError, load_instance
from boltz.spin.time_to_solution import time_to_solution

# The library's argument names and the options that set them, for its error messages.
_OPTIONS = {"num_reads": "--reads", "num_sweeps": "--sweeps", "num_cycles": "--cycles",
            "num_threads": "--threads", "beta_range": "--beta-range", "seed": "--seed",
            "shard_size": "--shard-size"}

#: ``--workers N`` starts at most this many worker processes per available core.
MAX_WORKERS_PER_CORE = 4


def add_parser(sub) -> None:
    """Register ``boltz anneal`` on the subparsers `sub`."""
    an = sub.add_parser(
        "anneal", help="simulated annealing of Ising / Max-Cut models from files",
        description="Simulated annealing of the Ising model in each FILE: a Gset/rudy "
        "edge list (first line 'n m', then 'i j w' per edge, 1-based; solved as Max-Cut) "
        "or an .npz with 'J' (dense n x n) or 'rows', 'cols', 'values' (each bond once), "
        "and optional 'h' and 'offset'. Every FILE is read and checked before any is "
        "annealed; each is then annealed with the same options and the same --seed and "
        "reported in turn (under a 'file:' line when there are several), so a file's result "
        "does not depend on the other files listed. With --scheduler or --workers the reads "
        "run on a Dask cluster, with results identical to the run on this machine. Exit "
        "status: 0 done, 2 bad input, 130 Ctrl-C (the reports of the files finished, and the "
        "best so far of the file interrupted, are printed).")
    an.add_argument("files", nargs="+", metavar="FILE",
                    help="Gset/rudy edge list (Max-Cut) or .npz with J [h, offset]; "
                    "several are annealed one after the other")
    an.add_argument("--reads", type=int, default=8, metavar="N",
                    help="independent anneals per file, run in parallel (default: 8)")
    an.add_argument("--sweeps", type=int, default=1000, metavar="N",
                    help="sweeps per anneal cycle (default: 1000)")
    an.add_argument("--method", choices=("metropolis", "gibbs"), default="metropolis",
                    help="spin-flip acceptance rule (default: metropolis)")
    an.add_argument("--order", choices=("sequential", "random"), default="sequential",
                    help="visit spins in index order, or n random sites per sweep "
                    "(default: sequential)")
    an.add_argument("--schedule", choices=("geometric", "linear"), default="geometric",
                    help="how beta rises from HOT to COLD (default: geometric; HOT = 0 "
                    "needs linear)")
    an.add_argument("--beta-range", type=float, nargs=2, metavar=("HOT", "COLD"),
                    help="hot and cold inverse temperatures (default: derived from each "
                    "file's couplings)")
    an.add_argument("--cycles", type=int, default=1, metavar="N",
                    help="anneal cycles; cycles after the first reheat from each read's "
                    "best state (default: 1)")
    an.add_argument("--seed", type=int, default=None, metavar="S",
                    help="random seed, for reproducible results; every FILE is annealed "
                    "with this same seed (default: fresh entropy)")
    an.add_argument("--threads", type=int, default=None, metavar="T",
                    help="OpenMP threads over reads (default: OpenMP's default; on a Dask "
                    "worker, its threads); results do not depend on it")
    an.add_argument("--polish", action="store_true",
                    help="descend each read's best and final state to a local minimum "
                    "after the anneal (steepest single-spin-flip descent)")
    an.add_argument("--multispin", action="store_true",
                    help="64 reads per machine word (multi-spin coding): for models whose "
                    "couplings all have one magnitude and no fields, such as unweighted "
                    "Max-Cut (Metropolis, sequential order)")
    an.add_argument("--float32", action="store_true",
                    help="single-precision couplings and fields in the sweep kernels "
                    "(faster for dense models; energies still reported in float64)")
    an.add_argument("--progress", action="store_true",
                    help="show a progress bar on stderr (of Dask tasks on a cluster); "
                    "Ctrl-C stops with the best so far")
    an.add_argument("--target", type=float, default=None, metavar="E",
                    help="a target energy (e.g. the best known): also print the fraction "
                    "of reads that reached it and the time to reach it with 99%% "
                    "confidence, TTS = t log(0.01)/log(1 - p) with t the CPU seconds per "
                    "read, with a bootstrap 95%% interval")
    an.add_argument("--out", metavar="FILE.npz",
                    help="also write each read's best and final state and their energies "
                    "(arrays states, energies, final_states, final_energies, best_state, "
                    "best_energy; numpy.load reads them); with several FILEs, one file "
                    "each, named with the FILE's stem appended")
    an.add_argument("--plot", metavar="FILE.png",
                    help="also draw the energy against sweep (each read and the best so "
                    "far) into FILE (.png, .pdf, .svg, ...; needs matplotlib); with several "
                    "FILEs, one figure each, named with the FILE's stem appended "
                    "(--plot run.png g1.txt g2.txt writes run-g1.png and run-g2.png)")
    dask = an.add_argument_group(
        "Dask cluster", "Run each file's reads as tasks on a Dask cluster (pip install "
        "\"boltz[distributed]\"); results are identical to the run on this machine. One "
        "cluster serves all FILEs; the report's time line says where they ran.")
    where = dask.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="connect to the Dask scheduler at ADDRESS "
                       "(e.g. tcp://host:8786)")
    where.add_argument("--workers", type=int, metavar="N",
                       help="start a cluster of N single-threaded worker processes on this "
                       f"machine (at most {MAX_WORKERS_PER_CORE} per core) for the command, "
                       "and close it at the end")
    dask.add_argument("--shard-size", type=int, metavar="N",
                      help="reads per task (default: two tasks per worker, fewer when a task "
                      "would run under about half a second)")
    an.set_defaults(func=run)


def _load_instance(path, dtype):
    """load_instance, with its errors as usage errors (exit 2)."""
    try:
        return load_instance(path, dtype)
    except InstanceFileError as exc:
        raise UsageError(str(exc)) from None


def _describe(model) -> str:
    bonds = model.num_bonds
    storage = "dense" if model.is_dense else "sparse"
    fields = int(np.count_nonzero(model.h))
    extra = f", {fields} fields" if fields else ""
    extra += f", offset {fmt(model.offset)}" if model.offset else ""
    return (f"{model.num_spins} spins, {bonds} bonds ({storage}{extra}), "
            f"{model.dtype.name}")


def _per_file(option: str, path: str | None, files: list[str]) -> list[str | None]:
    """Each FILE's output of `option` (--plot, --out): `path` itself for one FILE, else
    `path` with each FILE's stem appended (``run.png`` -> ``run-g1.png``); UsageError when
    two stems coincide."""
    if path is None:
        return [None] * len(files)
    if len(files) == 1:
        return [path]
    base, ext = os.path.splitext(path)
    paths = [f"{base}-{os.path.splitext(os.path.basename(f))[0]}{ext}" for f in files]
    for k, out in enumerate(paths):
        if out in paths[:k]:
            raise UsageError(f"{option} {path}: {files[paths.index(out)]} and {files[k]} "
                             f"would both be written to {out}; run them in separate "
                             f"commands")
    return paths


def _check_out_path(path: str | None) -> None:
    """Before any work: --out names an .npz file in a folder that exists."""
    if path is None:
        return
    if not path.lower().endswith(".npz"):
        raise UsageError(f"--out {path}: the file name must end in .npz")
    folder = os.path.dirname(path) or "."
    if not os.path.isdir(folder):
        raise UsageError(f"--out {path}: no such folder {folder!r}")


def _save_states(path: str, result) -> None:
    """The reads' best and final states and energies, as an .npz (np.load reads it)."""
    np.savez(path, states=result.states, energies=result.energies,
             final_states=result.final_states, final_energies=result.final_energies,
             best_state=result.best_state, best_energy=result.best_energy)


def _connect(args, stack: contextlib.ExitStack):
    """The Dask Client that `--scheduler` or `--workers` asks for, closed by `stack`; None
    (and nothing of Dask imported) without either. UsageError when it cannot be had."""
    if args.scheduler is None and args.workers is None:
        if args.shard_size is not None:
            raise UsageError("--shard-size needs --scheduler or --workers")
        return None
    from boltz._validation import available_cores, check_int, check_positive_int
    from boltz.distributed._cluster import connected, import_distributed, local_cluster

    option = "--workers" if args.scheduler is None else "--scheduler"
    try:
        if args.workers is not None:
            check_int(args.workers, "--workers", minimum=1,
                      maximum=MAX_WORKERS_PER_CORE * available_cores())
        if args.shard_size is not None:
            check_positive_int(args.shard_size, "--shard-size")
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    try:
        distributed = import_distributed()
    except ImportError:
        raise UsageError(f"{option} runs on Dask's distributed scheduler, which is not "
                         f"installed: pip install \"boltz[distributed]\"") from None
    if args.workers is None:
        client = args.scheduler
    else:
        from boltz._progress import deferred_interrupts

        # A Ctrl-C while the cluster starts is raised once `stack` holds it (a cluster cut
        # off half-started fails to close)
        with deferred_interrupts():
            cluster = stack.enter_context(local_cluster(args.workers))
            client = stack.enter_context(distributed.Client(cluster))
    try:
        return stack.enter_context(connected(client))
    except (TypeError, ValueError) as exc:
        raise library_error(exc, {"client": "--scheduler"}) from None


def _where(args, client) -> str:
    """Where a run took place, for the report's time line ('' on this machine)."""
    if client is None:
        return ""
    from boltz.distributed._cluster import worker_slots

    n = len(worker_slots(client))
    at = "of a local cluster" if args.scheduler is None else f"at {args.scheduler}"
    return f" on {n} Dask worker{'s' if n != 1 else ''} {at}"


def run(args: argparse.Namespace) -> int:
    """Load every FILE, then anneal each and print its report; 2 for bad input, 130 on
    Ctrl-C (after the reports of the files finished)."""
    import boltz

    several = len(args.files) > 1
    try:
        if args.target is not None and not np.isfinite(args.target):
            raise UsageError(f"--target must be a finite energy, got {args.target}")
        check_plot_path(args.plot)
        _check_out_path(args.out)
        plots = _per_file("--plot", args.plot, args.files)
        outs = _per_file("--out", args.out, args.files)
        dtype = np.float32 if args.float32 else np.float64
        models = [_load_instance(path, dtype) for path in args.files]
        annealer = boltz.Annealer(num_sweeps=args.sweeps, schedule=args.schedule,
                                  beta_range=args.beta_range, method=args.method,
                                  order=args.order, num_cycles=args.cycles,
                                  num_threads=args.threads, progress=args.progress,
                                  polish=args.polish, multispin=args.multispin)
        # about 200 records of the energies for the figure
        every = (None if args.plot is None
                 else max(1, args.sweeps * max(args.cycles, 1) // 200))
        with contextlib.ExitStack() as stack:
            client = _connect(args, stack)
            for k, (path, (model, kind), plot, out) in enumerate(
                    zip(args.files, models, plots, outs, strict=True)):
                try:
                    result = annealer.sample(model, num_reads=args.reads, seed=args.seed,
                                             record_every=every, client=client,
                                             shard_size=args.shard_size)
                except (TypeError, ValueError) as exc:
                    raise library_error(exc, _OPTIONS) from None
                if several:
                    print(f"file: {path}" if k == 0 else f"\nfile: {path}", file=sys.stdout)
                _report(args, model, kind, result, _where(args, client))
                if plot is not None:
                    from boltz.plot import anneal

                    save_figure(plot, 1, lambda ax, r=result: anneal(r, ax=ax), (6.4, 4.2))
                if out is not None:
                    _save_states(out, result)
                if result.info["interrupted"]:
                    _interrupted(args, path if several else None, result,
                                 len(args.files) - k - 1)
                    return 130
    except UsageError as exc:
        return fail(exc)
    return 0


def _interrupted(args, path, result, skipped) -> None:
    """The stderr line after a run that Ctrl-C stopped."""
    info = result.info
    if "shards" in info:                            # on a cluster: the finished tasks' reads
        what = (f"interrupted{'' if path is None else f' in {path}'}: "
                f"{result.energies.size} of {args.reads} reads finished, results are the "
                f"best of those")
    else:
        what = (f"interrupted after {info['sweeps_done']} sweeps"
                f"{'' if path is None else f' of {path}'}: results are the best so far")
    if skipped:
        what += f"; {skipped} file{'s' if skipped != 1 else ''} not annealed"
    print(what, file=sys.stderr)


def _report(args, model, kind, result, where) -> None:
    info = result.info
    hot, cold = info["beta_range"]
    out = sys.stdout
    print(f"model: {_describe(model)}", file=out)
    print(f"anneal: {args.reads} reads x {info['num_sweeps']} sweeps x {info['num_cycles']} "
          f"cycle{'s' if info['num_cycles'] != 1 else ''}, {args.method} ({args.order}), "
          f"{args.schedule} schedule", file=out)
    print(f"beta range: {hot:.6g} .. {cold:.6g}", file=out)
    print(f"best energy: {fmt(result.best_energy)}", file=out)
    if kind == "maxcut":
        print(f"best cut: {fmt(model.maxcut_value(result.best_state)).removesuffix('.0')}",
              file=out)
    hits = int(np.count_nonzero(result.energies <= result.best_energy + 1e-9 *
                                max(1.0, abs(result.best_energy))))
    print(f"reads at best: {hits}/{result.energies.size}", file=out)
    shards = len(info["shards"]) if "shards" in info else 0
    tasks = f" ({shards} task{'s' if shards != 1 else ''})" if shards else ""
    print(f"best energy over reads: mean {fmt(float(result.energies.mean()))}, "
          f"median {fmt(float(np.median(result.energies)))}", file=out)
    print(f"final energy over reads: mean {fmt(float(result.final_energies.mean()))}, "
          f"lowest {fmt(float(result.final_energies.min()))}", file=out)
    print(f"time: {info['seconds']:.3g} s{where}{tasks}", file=out)
    print(f"flips/s: {info['spin_updates_per_second']:.3g}", file=out)
    if args.target is not None:
        tts = time_to_solution(result, args.target, seed=0)
        low, high = tts.tts_interval
        print(f"reads at target {fmt(args.target)}: {tts.success_probability:.4g} "
              f"(residual energy {tts.residual_energy:.4g})", file=out)
        print(f"time to solution (99%): {tts.tts:.3g} s, 95% interval {low:.3g} .. "
              f"{high:.3g} s ({tts.seconds_per_read:.3g} CPU s per read)", file=out)
