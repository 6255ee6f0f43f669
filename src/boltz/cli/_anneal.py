"""``boltz anneal``: simulated annealing of an Ising / Max-Cut model read from a file."""
from __future__ import annotations

import argparse
import os
import sys
import warnings
import zipfile

import numpy as np

from boltz._files import open_regular
from boltz.cli._common import UsageError, fail, fmt, library_error
from boltz.cli._figures import check_plot_path, save_figure

# The library's argument names and the options that set them, for its error messages.
_OPTIONS = {"num_reads": "--reads", "num_sweeps": "--sweeps", "num_cycles": "--cycles",
            "num_threads": "--threads", "beta_range": "--beta-range", "seed": "--seed"}


def add_parser(sub) -> None:
    """Register ``boltz anneal`` on the subparsers `sub`."""
    an = sub.add_parser(
        "anneal", help="simulated annealing of an Ising / Max-Cut model from a file",
        description="Simulated annealing of an Ising model read from FILE: a Gset/rudy "
        "edge list (first line 'n m', then 'i j w' per edge, 1-based; solved as Max-Cut) "
        "or an .npz with 'J' (dense n x n) or 'rows', 'cols', 'values' (each bond once), "
        "and optional 'h' and 'offset'.")
    an.add_argument("file", metavar="FILE",
                    help="Gset/rudy edge list (Max-Cut) or .npz with J [h, offset]")
    an.add_argument("--reads", type=int, default=8, metavar="N",
                    help="independent anneals, run in parallel (default: 8)")
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
                    help="hot and cold inverse temperatures (default: derived from the "
                    "couplings)")
    an.add_argument("--cycles", type=int, default=1, metavar="N",
                    help="anneal cycles; cycles after the first reheat from each read's "
                    "best state (default: 1)")
    an.add_argument("--seed", type=int, default=None, metavar="S",
                    help="random seed, for reproducible results (default: fresh entropy)")
    an.add_argument("--threads", type=int, default=None, metavar="T",
                    help="OpenMP threads over reads (default: OpenMP's default); results "
                    "do not depend on it")
    an.add_argument("--float32", action="store_true",
                    help="single-precision couplings and fields in the sweep kernels "
                    "(faster for dense models; energies still reported in float64)")
    an.add_argument("--progress", action="store_true",
                    help="show a progress bar on stderr; Ctrl-C stops with the best so far")
    an.add_argument("--plot", metavar="FILE.png",
                    help="also draw the energy against sweep (each read and the best so "
                    "far) into FILE (.png, .pdf, .svg, ...; needs matplotlib)")
    an.set_defaults(func=run)


def _is_npz(path) -> bool:
    fh, _ = open_regular(path, "a model")        # a FIFO or device: refused unopened
    with fh:
        return (str(path).lower().endswith(".npz")
                or fh.read(4) == b"PK\x03\x04")  # a zip archive, which is what .npz is


_NPZ_ARRAYS = ("J", "rows", "cols", "values", "h", "offset", "num_spins")


def _npz_arrays(path) -> dict:
    """The arrays of a model's .npz, each header checked against its member's size and the
    total against the memory before any data is read (a zip bomb is refused unread)."""
    from boltz._memory import check_allocation
    from boltz._npz import DamagedFile, NpyMember

    try:
        with zipfile.ZipFile(path) as zf:
            names = {n[:-4] for n in zf.namelist() if n.endswith(".npy")}
            members = [NpyMember(zf, n) for n in _NPZ_ARRAYS if n in names]
            for m in members:
                if m.dtype.kind not in "biuf":
                    raise DamagedFile(f"{m.name} has dtype {m.dtype}, not a real number type")
            try:
                check_allocation(sum(m.nbytes for m in members), path, "its arrays")
            except ValueError as exc:
                raise UsageError(str(exc)) from None
            return {m.name: m.read() for m in members}
    except UsageError:
        raise
    except Exception as exc:                      # damaged: the zip, a header or the data
        raise UsageError(f"{path}: not a readable .npz file ({exc})") from None


def _load_npz(path, dtype):
    import boltz

    data = _npz_arrays(path)
    if "J" in data:
        J = data["J"]
    elif {"rows", "cols", "values"} <= set(data):
        J = (data["rows"], data["cols"], data["values"])
    else:
        raise UsageError(f"{path}: expected an array 'J' (dense n x n) or arrays "
                          f"'rows', 'cols', 'values'; found {sorted(data) or 'none'}")
    h = data.get("h")
    offset = data.get("offset", 0.0)
    num_spins = data.get("num_spins")
    if np.ndim(offset) != 0:
        if np.size(offset) != 1:
            raise UsageError(f"{path}: 'offset' must be a single number")
        offset = np.ravel(offset)[0]
    try:
        return boltz.IsingModel(J, h=h, offset=float(offset),
                                num_spins=None if num_spins is None else num_spins[()],
                                dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"{path}: {exc}") from None


def _load_model(path, dtype):
    """(model, kind) from a Gset/rudy edge list or an .npz; UsageError when unreadable."""
    import boltz

    if not os.path.exists(path):
        raise UsageError(f"{path}: no such file")
    try:
        if _is_npz(path):
            return _load_npz(path, dtype), "npz"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")      # loadtxt's "no data" warning: error below
            model = boltz.IsingModel.from_maxcut(path, dtype=dtype)
        return model, "maxcut"
    except UsageError:
        raise
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not a text edge list (Gset/rudy format: first line "
                          f"'n m', then 'i j w' per edge) nor an .npz archive") from None
    except (OSError, ValueError, TypeError, IndexError) as exc:
        detail = str(exc)
        if detail.startswith(f"{path}"):   # from_maxcut's errors already name the file
            raise UsageError(detail) from None
        raise UsageError(f"{path}: cannot read as a Gset/rudy edge list "
                          f"(first line 'n m', then 'i j w' per edge, 1-based): {exc}") from None


def _describe(model) -> str:
    bonds = model.num_bonds
    storage = "dense" if model.is_dense else "sparse"
    fields = int(np.count_nonzero(model.h))
    extra = f", {fields} fields" if fields else ""
    extra += f", offset {fmt(model.offset)}" if model.offset else ""
    return (f"{model.num_spins} spins, {bonds} bonds ({storage}{extra}), "
            f"{model.dtype.name}")


def run(args: argparse.Namespace) -> int:
    """Load FILE, anneal it and print the report; 2 for bad input, 130 on Ctrl-C."""
    import boltz

    try:
        check_plot_path(args.plot)
        model, kind = _load_model(args.file, np.float32 if args.float32 else np.float64)
        annealer = boltz.Annealer(num_sweeps=args.sweeps, schedule=args.schedule,
                                  beta_range=args.beta_range, method=args.method,
                                  order=args.order, num_cycles=args.cycles,
                                  num_threads=args.threads, progress=args.progress)
        try:
            # about 200 records of the energies for the figure
            every = (None if args.plot is None
                     else max(1, args.sweeps * max(args.cycles, 1) // 200))
            result = annealer.sample(model, num_reads=args.reads, seed=args.seed,
                                     record_every=every)
        except (TypeError, ValueError) as exc:
            raise library_error(exc, _OPTIONS) from None
        _report(args, model, kind, result)
        if args.plot is not None:
            from boltz.plot import anneal

            save_figure(args.plot, 1, lambda ax: anneal(result, ax=ax), (6.4, 4.2))
    except UsageError as exc:
        return fail(exc)
    if result.info["interrupted"]:
        print(f"interrupted after {result.info['sweeps_done']} sweeps: results are the best "
              f"so far", file=sys.stderr)
        return 130
    return 0


def _report(args, model, kind, result) -> None:
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
    print(f"reads at best: {hits}/{args.reads}", file=out)
    print(f"time: {info['seconds']:.3g} s", file=out)
    print(f"flips/s: {info['spin_updates_per_second']:.3g}", file=out)
