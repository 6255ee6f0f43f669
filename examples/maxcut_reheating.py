"""Simulated annealing with reheating on a Max-Cut instance.

Max-Cut as an Ising model (``IsingModel.from_maxcut``: J_ij = -w_ij, cut = (W - E) / 2),
annealed by ``boltz.Annealer`` with the same budget of sweeps spent three ways: one slow
anneal, or several shorter cycles in which every read restarts from the best state it has
found, reheated to ``reheat_beta`` (default: the geometric mean of the hot and cold β), and
cools again. Reheating is the "restart from the incumbent" of iterated annealing (as in
Ingber's simulated re-annealing, Math. Comput. Model. 12, 967, 1989): a read stuck in a poor
valley gets more chances to leave it, so the reads' cuts are better and less spread.

The instance is a seeded random graph like Gset's G1 (800 nodes, 6% of the pairs joined,
unit weights), or a Gset / rudy file given with ``--instance`` (Gset's G1 has a best known
cut of 11624).

Run: ``python examples/maxcut_reheating.py [--quick] [--out DIR] [--instance G1.txt]``
(about 20 s; --quick: 8 reads, a tenth of the sweeps).
Expect: on the built-in graph all three settings find the cut 11561, but the mean of the
reads' best cuts rises with the number of cycles (about 11538, 11550, 11555), and more
reads end at the best cut. The figure shows each setting's energy against sweep, with the
reheats marked.
"""
import matplotlib

matplotlib.use("Agg")
import numpy as np
from _common import parser, save
from matplotlib.figure import Figure

import boltz
import boltz.plot


def random_graph(n: int = 800, density: float = 0.06, seed: int = 1) -> boltz.IsingModel:
    """Max-Cut of a random graph: each of the n (n - 1) / 2 pairs joined with probability
    `density`, unit weights."""
    i, j = np.triu_indices(n, 1)
    joined = np.random.default_rng(seed).random(i.size) < density
    return boltz.IsingModel.from_maxcut(np.column_stack([i[joined], j[joined]]))


def main() -> None:
    p = parser(__doc__)
    p.add_argument("--instance", metavar="PATH",
                   help="a Gset / rudy edge-list file (default: a seeded random graph)")
    args = p.parse_args()
    model = random_graph() if args.instance is None else boltz.IsingModel.from_maxcut(
        args.instance)
    print(f"instance: {args.instance or 'random graph'}, {model.num_spins} nodes, "
          f"{model.num_bonds} edges")
    # (sweeps of the first cycle, cycles): a reheat cools over the second half of the
    # geometric schedule, so each setting runs 4500 sweeps in all
    settings = [(4500, 1), (1800, 4), (1000, 8)]
    reads, scale = (8, 10) if args.quick else (32, 1)

    fig = Figure(figsize=(12, 3.6), layout="constrained")
    axes = fig.subplots(1, len(settings), sharey=True)
    low = np.inf
    for ax, (sweeps, cycles) in zip(axes, settings, strict=True):
        annealer = boltz.Annealer(num_sweeps=sweeps // scale, num_cycles=cycles)
        result = annealer.sample(model, num_reads=reads, seed=1, record_every=10)
        cuts = model.maxcut_value(result.states)
        print(f"{cycles} cycle{'s' if cycles > 1 else ' '} of {sweeps // scale:4d} sweeps "
              f"({result.info['sweeps_done']} in all, {result.info['seconds']:.1f} s): "
              f"best cut {cuts.max():.0f}, mean over {reads} reads {cuts.mean():.1f} "
              f"± {cuts.std(ddof=1) / np.sqrt(reads):.1f}, "
              f"{np.mean(cuts == cuts.max()):.0%} of the reads at the best")
        boltz.plot.anneal(result, ax=ax)
        ax.set_title(f"{cycles} cycle{'s' if cycles > 1 else ''}: best cut {cuts.max():.0f}, "
                     f"mean {cuts.mean():.1f}")
        low = min(low, result.best_energy)
    axes[0].set_ylim(low - 0.02 * abs(low), low + 0.2 * abs(low))  # the cold end, zoomed
    for ax in axes[1:]:
        ax.set_ylabel("")
    save(fig, args.out, __file__)


if __name__ == "__main__":
    main()
