"""``boltz ising``: the 2D Ising ferromagnet's energy, magnetisation and heat capacity vs T."""
from __future__ import annotations

import argparse
import math
import sys
import time
import warnings

import numpy as np

from boltz.cli._common import UsageError, fail, library_error
from boltz.cli._figures import check_plot_path, save_figure

# Critical temperature of the 2D square-lattice ferromagnet (Onsager): 2 / ln(1 + sqrt 2).
_T_CRITICAL = 2.0 / math.log1p(math.sqrt(2.0))

# The library's argument names and the options that set them, for its error messages.
_OPTIONS = {"L": "--size", "num_sweeps": "--sweeps", "burn_in": "--burn-in",
            "num_chains": "--chains", "num_threads": "--threads", "seed": "--seed"}


def add_parser(sub) -> None:
    """Register ``boltz ising`` on the subparsers `sub`."""
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
    ising.add_argument("--burn-in", type=int, default=500, metavar="N",
                       help="sweeps discarded at the start of each chain (default: 500)")
    ising.add_argument("--chains", type=int, default=4, metavar="N",
                       help="independent chains per temperature, run in parallel; the "
                       "heat capacity's error needs >= 2 (default: 4)")
    ising.add_argument("--method", choices=("metropolis", "gibbs"), default="metropolis",
                       help="spin-flip acceptance rule (default: metropolis)")
    ising.add_argument("--seed", type=int, default=None, metavar="S",
                       help="random seed, for reproducible results (default: fresh entropy)")
    ising.add_argument("--threads", type=int, default=None, metavar="T",
                       help="OpenMP threads over chains (default: OpenMP's default)")
    ising.add_argument("--plot", metavar="FILE.png",
                       help="also draw <E>/N, <|m|> and C/N against T with their standard "
                       "errors and T_c marked into FILE (.png, .pdf, .svg, ...; needs "
                       "matplotlib)")
    ising.set_defaults(func=run)


def _estimate(fn):
    """A trace statistic, or nan where it is undefined (one chain, one record)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return float(fn())
        except (ValueError, ZeroDivisionError, FloatingPointError):
            return math.nan


def _estimates(trace, n) -> tuple[float, ...]:
    """<E>/N, its se, <|m|>, its se, C/N, its se."""
    return (_estimate(lambda: trace.mean_energy) / n,
            _estimate(lambda: trace.mean_energy_se) / n,
            _estimate(lambda: trace.mean_abs_magnetization),
            _estimate(lambda: trace.mean_abs_magnetization_se),
            _estimate(lambda: trace.heat_capacity) / n,
            _estimate(lambda: trace.heat_capacity_se) / n)


def _row(T, values) -> str:
    e, e_se, m, m_se, c, c_se = values
    return (f"{T:>7g}  {e:9.5f} ± {e_se:<7.5f}  {m:8.5f} ± {m_se:<7.5f}  "
            f"{c:8.5f} ± {c_se:.5f}")


_PANELS = ("energy per spin <E>/N (units of J)", "magnetisation per spin <|m|>",
           "heat capacity per spin C/N (units of k_B)")


def _draw(axes, L, temps, rows) -> None:
    """The three columns of the table against T, with error bars and T_c."""
    values = np.array(rows, dtype=float).reshape(-1, 6)
    temps = np.asarray(temps, dtype=float)[:len(values)]
    for k, (ax, label) in enumerate(zip(axes, _PANELS, strict=True)):
        ax.errorbar(temps, values[:, 2 * k], yerr=values[:, 2 * k + 1],
                    marker="o", capsize=3)
        ax.axvline(_T_CRITICAL, color="gray", linestyle="--",
                   label=f"T_c = {_T_CRITICAL:.4f} (Onsager)")
        ax.set_xlabel("temperature T (units of J / k_B)")
        ax.set_ylabel(label)
    axes[0].set_title(f"2D Ising ferromagnet, {L} x {L}")
    axes[2].legend()


def _header(args, L) -> str:
    title = (f"2D Ising ferromagnet, {L}x{L} periodic ({L * L} spins), {args.method}, "
             f"{args.chains} chain{'s' if args.chains != 1 else ''} x ({args.burn_in} "
             f"burn-in + {args.sweeps}) sweeps")
    columns = (f"{'T':>7}  {'<E>/N':>9} ± {'se':<7}  {'<|m|>':>8} ± {'se':<7}  "
               f"{'C/N':>8} ± {'se'}")
    return f"{title}\n{columns}"


def run(args: argparse.Namespace) -> int:
    """Sample at each temperature and print one table row per temperature.

    The library checks every argument; the table's header is printed with the first row,
    so bad input gives one error line and no partial table. Returns 2 for bad input, 130
    on Ctrl-C.
    """
    import boltz
    from boltz._random import seed_sequence
    from boltz._validation import check_temperature

    out = sys.stdout
    try:
        check_plot_path(args.plot)
        # temperatures are the command line's own input (the library takes beta = 1/T)
        temps = check_temperature(args.temperatures, "--temperatures").tolist()
        model = boltz.IsingModel.square_lattice(args.size)
        seeds = seed_sequence(args.seed).spawn(len(temps))
    except (TypeError, ValueError) as exc:
        return fail(library_error(exc, _OPTIONS))
    except UsageError as exc:
        return fail(exc)
    n = model.num_spins
    rows = []
    t0 = time.perf_counter()
    for k, (T, seed) in enumerate(zip(temps, seeds, strict=True)):
        start = np.ones(n) if T < _T_CRITICAL else None
        try:
            trace = boltz.sample(model, 1.0 / T, num_chains=args.chains,
                                 num_sweeps=args.sweeps, burn_in=args.burn_in,
                                 method=args.method, seed=seed, num_threads=args.threads,
                                 initial_states=start)
        except (TypeError, ValueError) as exc:
            return fail(library_error(exc, _OPTIONS))
        if k == 0:
            print(_header(args, args.size), file=out)
        if trace.energies.shape[1] > 0:
            rows.append(_estimates(trace, n))
            print(_row(T, rows[-1]), file=out)
        if trace.interrupted:
            print("interrupted", file=sys.stderr)
            return 130
    print(f"time: {time.perf_counter() - t0:.3g} s", file=out)
    if args.plot is not None:
        try:
            save_figure(args.plot, 3, lambda axes: _draw(axes, args.size, temps, rows),
                        (13.0, 3.8))
        except UsageError as exc:
            return fail(exc)
    return 0


