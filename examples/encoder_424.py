"""The 4-2-4 encoder: a Boltzmann machine learns to pass a message through two hidden units.

Ackley, Hinton & Sejnowski, "A learning algorithm for Boltzmann machines", Cognitive
Science 9, 147 (1985). Two groups of four visible units, V1 and V2, are not connected to
each other; both connect to two hidden units (``BoltzmannMachine.encoder_connectivity``).
The environment shows the four patterns in which V1 = V2 is one of the four one-of-four
vectors. To reproduce it the machine must give the four patterns four different binary
codes on the two hidden units. ``boltz.BoltzmannMachine`` learns with the paper's positive
and negative phases (annealed Gibbs sampling with the hidden units free or the visible units
clamped), and because it is small its exact visible distribution and the KL divergence from
the environment's are computed by enumeration. As in the paper, some runs settle with two
patterns sharing a code (KL stuck near 0.3-0.5 nats); the best of a few restarts is kept.

Run: ``python examples/encoder_424.py [--quick] [--out DIR]`` (one to two minutes: four
restarts of 600 learning steps; --quick: one short run, a few seconds).
Expect: two restarts reach a KL below 0.1 nats (the best 0.040), two stay at 0.26 and 0.45;
the best puts 0.97 of the probability on the environment's four patterns (0.27, 0.27, 0.18,
0.26) and gives them the four different hidden codes 00, 01, 10, 11. The KL of one
learning step is noisy (the negative phase is sampled), as the figure's curves show.
"""
import matplotlib

matplotlib.use("Agg")
import numpy as np
from _common import parser, save
from matplotlib.figure import Figure

import boltz

P = np.eye(4, dtype=int)
ANNEAL = [(8, 2), (6, 2), (4, 2), (2, 4), (1.5, 4)]  # (temperature, sweeps), the paper's kind


def grid(bm: boltz.BoltzmannMachine) -> np.ndarray:
    """P(V1 = pattern a, V2 = pattern b) of the machine, a 4 x 4 array."""
    states, probs = bm.visible_distribution()       # lexicographic, unit 0 most significant
    index = {tuple(s): p for s, p in zip(states.tolist(), probs, strict=True)}
    return np.array([[index[tuple(np.r_[P[a], P[b]])] for b in range(4)] for a in range(4)])


def hidden_code(bm: boltz.BoltzmannMachine, k: int) -> str:
    """The most frequent hidden state with V1 and V2 both clamped to pattern k."""
    clamp = np.r_[P[k], P[k], -1, -1]                # -1: free
    hidden = bm.sample(400, clamp=clamp, seed=k)[:, 8:]
    return format(np.bincount(hidden @ [2, 1], minlength=4).argmax(), "02b")


def main() -> None:
    args = parser(__doc__).parse_args()
    restarts, n_iter = (1, 40) if args.quick else (4, 600)
    fits = []
    for seed in range(restarts):
        bm = boltz.BoltzmannMachine(8, n_hidden=2, learning_rate=2.0, n_iter=n_iter,
                                    num_sweeps=20, anneal=ANNEAL, burn_in=4, random_state=seed,
                                    connectivity=boltz.BoltzmannMachine.encoder_connectivity(4, 2))
        fits.append(bm.fit(np.hstack([P, P])))
        print(f"restart {seed}: KL = {bm.kl_history_[-1]:.4f} nats after {n_iter} steps")
    best = min(fits, key=lambda m: m.kl_history_[-1])
    learned = grid(best)
    print(f"best: KL(environment || machine) = {best.kl_history_[-1]:.4f} nats")
    print(f"  P on the 4 patterns V1 = V2: {np.diag(learned).round(3)} "
          f"(sum {np.trace(learned):.3f}; target 1/4 each)")
    print(f"  P on the 12 patterns V1 != V2: {learned.sum() - np.trace(learned):.4f}, "
          f"on the 240 vectors that are not one-of-four in each group: "
          f"{1 - learned.sum():.4f}")
    codes = [hidden_code(best, k) for k in range(4)]
    print(f"  hidden codes of the patterns 1..4: {' '.join(codes)} "
          f"({len(set(codes))} different)")

    fig = Figure(figsize=(12, 3.8), layout="constrained")
    axes = fig.subplots(1, 3)
    for ax, values, title in ((axes[0], P / 4, "environment"),
                              (axes[1], learned, f"machine (KL {best.kl_history_[-1]:.3f})")):
        ax.imshow(values, cmap="Blues", vmin=0, vmax=0.3)
        for (a, b), v in np.ndenumerate(values):
            ax.text(b, a, f"{v:.3f}", ha="center", va="center", fontsize=8)
        ax.set_xticks(range(4), [f"V2={k + 1}" for k in range(4)])
        ax.set_yticks(range(4), [f"V1={k + 1}" for k in range(4)])
        ax.set_title(f"P(V1, V2): {title}")
    for seed, bm in enumerate(fits):
        axes[2].semilogy(bm.kl_history_, linewidth=2 if bm is best else 0.8,
                         label=f"restart {seed}" + (" (best)" if bm is best else ""))
    axes[2].set_xlabel("learning step")
    axes[2].set_ylabel("exact KL(environment || machine) (nats)")
    axes[2].legend()
    save(fig, args.out, __file__)


if __name__ == "__main__":
    main()
