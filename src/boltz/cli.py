"""The ``boltz`` command line (also ``python -m boltz``)."""
from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time
import warnings

import numpy as np


def _self_check(out) -> bool:
    """A few seconds of real work whose answers are known exactly; True when all agree."""
    import boltz

    ok = True

    def report(name, passed, detail):
        nonlocal ok
        ok &= bool(passed)
        print(f"  [{'ok' if passed else 'FAIL'}] {name}: {detail}", file=out)

    # 1. log-sum-exp with one dominant term: log1p(10^6 e^-40), exact to the last bits
    a = np.full(10**6 + 1, -40.0)
    a[0] = 0.0
    exact = math.log1p(10**6 * math.exp(-40.0))
    rel = abs(float(boltz.logsumexp(a)) - exact) / exact
    report("logsumexp([0] + [-40]*1e6)", rel <= 1e-14, f"relative error {rel:.1e} (<= 1e-14)")

    # 2. Boltzmann sampling of a two-level system against p1 = 1/(1+e^{1/T})
    n, t = 2_000_000, 1.0
    draws = boltz.sample_boltzmann([0.0, 1.0], temperature=t, size=n, seed=2024)
    p1 = 1.0 / (1.0 + math.exp(1.0 / t))
    freq = float(draws.mean())
    z = (freq - p1) / math.sqrt(p1 * (1 - p1) / n)
    report("sample_boltzmann two-level, 2e6 draws", abs(z) < 5,
           f"P(upper) = {freq:.5f}, exact {p1:.5f}, z = {z:+.2f}")

    # 3. thermodynamics of the two-level system against closed forms
    th = boltz.thermodynamics([0.0, 1.0], temperature=t)
    c_exact = math.exp(1.0) / (1.0 + math.exp(1.0)) ** 2
    report("two-level heat capacity", abs(float(th.heat_capacity) - c_exact) < 1e-14,
           f"C = {float(th.heat_capacity):.15f} (exact {c_exact:.15f})")

    # 4. maximum-entropy die (Jaynes): faces 1..6 with mean 4.5
    beta = boltz.solve_beta(np.arange(1, 7), 4.5)
    mean = float(boltz.softmax(-beta * np.arange(1, 7.0)) @ np.arange(1, 7))
    report("solve_beta die with mean 4.5", abs(mean - 4.5) < 1e-12,
           f"beta = {beta:.9f}, mean at that beta = {mean:.15f}")

    # 5. throughput of logsumexp over 1e7 float64 (single thread)
    x = np.random.default_rng(0).standard_normal(10**7)
    boltz.logsumexp(x[:1000])
    best = math.inf
    deadline = time.perf_counter() + 1.0
    while time.perf_counter() < deadline:
        t0 = time.perf_counter()
        boltz.logsumexp(x, num_threads=1)
        best = min(best, time.perf_counter() - t0)
    report("logsumexp speed, 1e7 float64, 1 thread", True,
           f"{best * 1e3:.1f} ms ({best / x.size * 1e9:.2f} ns/element)")
    return ok


def _info(args) -> int:
    import boltz
    from boltz._core import _parallel

    out = sys.stdout
    print(f"boltz {boltz.__version__}  (Python {platform.python_version()}, "
          f"numpy {np.__version__}, {platform.machine()})", file=out)
    print(f"OpenMP: {'on' if _parallel.openmp_enabled() else 'OFF (serial build)'}, "
          f"default threads: {_parallel.default_num_threads()}", file=out)
    print(f"SIMD kernels: {_parallel.simd_isa()}", file=out)
    if args.no_check:
        return 0
    print("self-check:", file=out)
    ok = _self_check(out)
    print("self-check passed" if ok else "self-check FAILED", file=out)
    return 0 if ok else 1


# ---- shared helpers ---------------------------------------------------------------------

# Critical temperature of the 2D square-lattice ferromagnet (Onsager): 2 / ln(1 + sqrt 2).
_T_CRITICAL = 2.0 / math.log1p(math.sqrt(2.0))


class _UsageError(Exception):
    """A problem with the command's input: reported as one line on stderr, exit status 2."""


def _fail(message) -> int:
    text = " ".join(str(message).split())      # one line, whatever the message held
    print(f"boltz: error: {text}", file=sys.stderr)
    return 2


def _fmt(x) -> str:
    """A float for humans: shortest repr, '-123.0' for integral values."""
    x = float(x)
    if math.isfinite(x) and x == int(x) and abs(x) < 1e15:
        return f"{x:.1f}"
    return f"{x:.12g}"


def _positive(name, value, minimum=1):
    if value is not None and value < minimum:
        raise _UsageError(f"{name} must be >= {minimum}, got {value}")


def _nonnegative_int(text):
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


# ---- boltz anneal -----------------------------------------------------------------------

def _is_npz(path) -> bool:
    if str(path).lower().endswith(".npz"):
        return True
    with open(path, "rb") as fh:
        return fh.read(4) == b"PK\x03\x04"      # a zip archive, which is what .npz is


def _load_npz(path, dtype):
    import boltz

    try:
        data = np.load(path, allow_pickle=False)
    except Exception as exc:                     # noqa: BLE001 - zip/format errors vary
        raise _UsageError(f"{path}: not a readable .npz file ({exc})") from None
    with data:
        keys = set(data.files)
        if "J" in keys:
            J = data["J"]
        elif {"rows", "cols", "values"} <= keys:
            J = (data["rows"], data["cols"], data["values"])
        else:
            raise _UsageError(f"{path}: expected an array 'J' (dense n x n) or arrays "
                              f"'rows', 'cols', 'values'; found {sorted(keys) or 'none'}")
        h = data["h"] if "h" in keys else None
        offset = data["offset"] if "offset" in keys else 0.0
        num_spins = int(data["num_spins"]) if "num_spins" in keys else None
    if np.ndim(offset) != 0:
        if np.size(offset) != 1:
            raise _UsageError(f"{path}: 'offset' must be a single number")
        offset = np.ravel(offset)[0]
    try:
        return boltz.IsingModel(J, h=h, offset=float(offset), num_spins=num_spins,
                                dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise _UsageError(f"{path}: {exc}") from None


def _load_model(path, dtype):
    """(model, kind) from a Gset/rudy edge list or an .npz; _UsageError when unreadable."""
    import boltz

    if not os.path.exists(path):
        raise _UsageError(f"{path}: no such file")
    if os.path.isdir(path):
        raise _UsageError(f"{path}: is a directory, not a file")
    try:
        if _is_npz(path):
            return _load_npz(path, dtype), "npz"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")      # loadtxt's "no data" warning: error below
            model = boltz.IsingModel.from_maxcut(path, dtype=dtype)
        return model, "maxcut"
    except _UsageError:
        raise
    except UnicodeDecodeError:
        raise _UsageError(f"{path}: not a text edge list (Gset/rudy format: first line "
                          f"'n m', then 'i j w' per edge) nor an .npz archive") from None
    except (OSError, ValueError, TypeError, IndexError) as exc:
        raise _UsageError(f"{path}: cannot read as a Gset/rudy edge list "
                          f"(first line 'n m', then 'i j w' per edge, 1-based): {exc}") from None


def _describe(model) -> str:
    bonds = model.num_bonds
    storage = "dense" if model.is_dense else "sparse"
    fields = int(np.count_nonzero(model.h))
    extra = f", {fields} fields" if fields else ""
    extra += f", offset {_fmt(model.offset)}" if model.offset else ""
    return (f"{model.num_spins} spins, {bonds} bonds ({storage}{extra}), "
            f"{model.dtype.name}")


def _anneal(args) -> int:
    import boltz

    try:
        _positive("--reads", args.reads)
        _positive("--sweeps", args.sweeps)
        _positive("--cycles", args.cycles)
        _positive("--threads", args.threads)
        if args.beta_range is not None:
            hot, cold = args.beta_range
            if not (math.isfinite(hot) and math.isfinite(cold) and 0 <= hot <= cold):
                raise _UsageError(f"--beta-range needs 0 <= HOT <= COLD (finite), "
                                  f"got {hot:g} {cold:g}")
            if args.schedule == "geometric" and hot == 0:
                raise _UsageError("--beta-range HOT must be > 0 for a geometric schedule "
                                  "(use --schedule linear to start at beta = 0)")
        dtype = np.float32 if args.float32 else np.float64
        model, kind = _load_model(args.file, dtype)
        annealer = boltz.Annealer(num_sweeps=args.sweeps, schedule=args.schedule,
                                  beta_range=args.beta_range, method=args.method,
                                  order=args.order, num_cycles=args.cycles,
                                  num_threads=args.threads, progress=args.progress)
        try:
            result = annealer.sample(model, num_reads=args.reads, seed=args.seed)
        except (TypeError, ValueError) as exc:
            raise _UsageError(str(exc)) from None
    except _UsageError as exc:
        return _fail(exc)

    info = result.info
    hot, cold = info["beta_range"]
    out = sys.stdout
    print(f"model: {_describe(model)}", file=out)
    print(f"anneal: {args.reads} reads x {info['num_sweeps']} sweeps x {info['num_cycles']} "
          f"cycle{'s' if info['num_cycles'] != 1 else ''}, {args.method} ({args.order}), "
          f"{args.schedule} schedule", file=out)
    print(f"beta range: {hot:.6g} .. {cold:.6g}", file=out)
    print(f"best energy: {_fmt(result.best_energy)}", file=out)
    if kind == "maxcut":
        print(f"best cut: {_fmt(model.maxcut_value(result.best_state)).removesuffix('.0')}",
              file=out)
    hits = int(np.count_nonzero(result.energies <= result.best_energy + 1e-9 *
                                max(1.0, abs(result.best_energy))))
    print(f"reads at best: {hits}/{args.reads}", file=out)
    print(f"time: {info['seconds']:.3g} s", file=out)
    print(f"flips/s: {info['spin_updates_per_second']:.3g}", file=out)
    if info["interrupted"]:
        print(f"interrupted after {info['sweeps_done']} sweeps: results are the best so far",
              file=sys.stderr)
        return 130
    return 0


# ---- boltz ising ------------------------------------------------------------------------

def _estimate(fn):
    """A trace statistic, or nan where it is undefined (one chain, one record)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return float(fn())
        except (ValueError, ZeroDivisionError, FloatingPointError):
            return math.nan


def _ising(args) -> int:
    import boltz

    try:
        _positive("--size", args.size)
        _positive("--sweeps", args.sweeps)
        _positive("--chains", args.chains)
        _positive("--threads", args.threads)
        bad = [t for t in args.temperatures if not (math.isfinite(t) and t > 0)]
        if bad:
            raise _UsageError(f"--temperatures must be finite and > 0, got {bad[0]:g}")
    except _UsageError as exc:
        return _fail(exc)

    L = args.size
    n = L * L
    model = boltz.IsingModel.square_lattice(L)
    seeds = np.random.SeedSequence(args.seed).spawn(len(args.temperatures)) \
        if args.seed is not None else [None] * len(args.temperatures)
    out = sys.stdout
    print(f"2D Ising ferromagnet, {L}x{L} periodic ({n} spins), {args.method}, "
          f"{args.chains} chain{'s' if args.chains != 1 else ''} x ({args.burn_in} burn-in + "
          f"{args.sweeps}) sweeps", file=out)
    header = (f"{'T':>7}  {'<E>/N':>9} ± {'se':<7}  {'<|m|>':>8} ± {'se':<7}  "
              f"{'C/N':>8} ± {'se'}")
    print(header, file=out)
    t0 = time.perf_counter()
    for T, seed in zip(args.temperatures, seeds):
        start = np.ones(n) if T < _T_CRITICAL else None
        try:
            trace = boltz.sample(model, 1.0 / T, num_chains=args.chains,
                                 num_sweeps=args.sweeps, burn_in=args.burn_in,
                                 method=args.method, seed=seed, num_threads=args.threads,
                                 initial_states=start)
        except (TypeError, ValueError) as exc:
            return _fail(exc)
        if trace.energies.shape[1] > 0:
            e = _estimate(lambda: trace.mean_energy) / n
            e_se = _estimate(lambda: trace.mean_energy_se) / n
            m = _estimate(lambda: trace.mean_abs_magnetization)
            m_se = _estimate(lambda: trace.mean_abs_magnetization_se)
            c = _estimate(lambda: trace.heat_capacity) / n
            c_se = _estimate(lambda: trace.heat_capacity_se) / n
            print(f"{T:>7g}  {e:9.5f} ± {e_se:<7.5f}  {m:8.5f} ± {m_se:<7.5f}  "
                  f"{c:8.5f} ± {c_se:.5f}", file=out)
        if trace.interrupted:
            print("interrupted", file=sys.stderr)
            return 130
    print(f"time: {time.perf_counter() - t0:.3g} s", file=out)
    return 0


# ---- entry point ------------------------------------------------------------------------

def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="boltz", description="Boltzmann distributions, "
                                     "samplers and Boltzmann machines.")
    sub = parser.add_subparsers(dest="command", required=True)
    info = sub.add_parser("info", help="version, OpenMP, threads, and a 5-second self-check")
    info.add_argument("--no-check", action="store_true", help="skip the self-check")
    info.set_defaults(func=_info)

    methods = ("metropolis", "gibbs")
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
    an.add_argument("--method", choices=methods, default="metropolis",
                    help="spin-flip acceptance rule (default: metropolis)")
    an.add_argument("--order", choices=("sequential", "random"), default="sequential",
                    help="visit spins in index order, or n random sites per sweep "
                    "(default: sequential)")
    an.add_argument("--schedule", choices=("geometric", "linear"), default="geometric",
                    help="how beta rises from HOT to COLD (default: geometric)")
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
    an.set_defaults(func=_anneal)

    ising = sub.add_parser(
        "ising", help="2D Ising ferromagnet: energy, magnetisation, heat capacity vs T",
        description="Sample the periodic L x L square-lattice ferromagnet (J = 1, h = 0) at "
        f"each temperature and print <E>/N, <|m|> and C/N with standard errors. Chains "
        f"start all-up below T_c = {_T_CRITICAL:.4f}, random above.")
    ising.add_argument("--size", type=int, required=True, metavar="L",
                       help="side length L of the lattice (N = L*L spins)")
    ising.add_argument("--temperatures", type=float, nargs="+",
                       default=[1.5, 2.0, 2.269, 2.5, 3.0, 3.5], metavar="T",
                       help="temperatures T > 0 (default: 1.5 2.0 2.269 2.5 3.0 3.5)")
    ising.add_argument("--sweeps", type=int, default=2000, metavar="N",
                       help="recorded sweeps per chain after the burn-in (default: 2000)")
    ising.add_argument("--burn-in", type=_nonnegative_int, default=500, metavar="N",
                       help="sweeps discarded at the start of each chain (default: 500)")
    ising.add_argument("--chains", type=int, default=4, metavar="N",
                       help="independent chains per temperature, run in parallel; the "
                       "heat capacity's error needs >= 2 (default: 4)")
    ising.add_argument("--method", choices=methods, default="metropolis",
                       help="spin-flip acceptance rule (default: metropolis)")
    ising.add_argument("--seed", type=int, default=None, metavar="S",
                       help="random seed, for reproducible results (default: fresh entropy)")
    ising.add_argument("--threads", type=int, default=None, metavar="T",
                       help="OpenMP threads over chains (default: OpenMP's default)")
    ising.set_defaults(func=_ising)
    return parser


def main(argv=None) -> int:
    parser = _build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (`boltz info | head`): stop quietly, and keep Python's final
        # flush of stdout from failing again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
