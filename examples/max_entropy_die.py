"""The maximum-entropy die: Jaynes' Brandeis dice problem.

A die is thrown many times and the mean of the faces is 4.5 instead of a fair die's 3.5.
Which probabilities p_1..p_6 should we assign to its faces? The least committal ones, of
maximum entropy -Σ p_i log p_i under the constraint Σ p_i i = 4.5, are a Boltzmann
distribution with the face value as its energy, p_i = exp(-β i) / Z, and the Lagrange
multiplier β is fixed by the mean. ``boltz.solve_beta`` finds β; ``boltz.boltzmann_probs``
gives the probabilities. A mean above the uniform 3.5 needs β < 0, a negative temperature
(the high faces favoured, like a population inversion), so the probabilities are computed
from the reduced energies βE at T = 1.

Reference: E. T. Jaynes, "Where do we stand on maximum entropy?" (1978), in *The Maximum
Entropy Formalism* (Levine & Tribus, eds., MIT Press), the Brandeis dice problem:
p = 0.0543, 0.0788, 0.1142, 0.1654, 0.2398, 0.3475.

Run: ``python examples/max_entropy_die.py [--quick] [--out DIR]`` (instant either way).
Expect: β = -0.371049, the six probabilities within 1e-4 of Jaynes' (given to 4 decimals), and a
figure of the maximum-entropy distributions for means 1.5 ... 5.5 (flat at 3.5).
"""
import matplotlib

matplotlib.use("Agg")
import numpy as np
from _common import parser, save
from matplotlib.figure import Figure

import boltz

FACES = np.arange(1, 7)
JAYNES = np.array([0.0543, 0.0788, 0.1142, 0.1654, 0.2398, 0.3475])


def max_entropy(mean: float) -> tuple[float, np.ndarray]:
    """β and p_i = exp(-β i) / Z of the maximum-entropy die with the given mean."""
    beta = boltz.solve_beta(FACES, mean)
    return beta, boltz.boltzmann_probs(beta * FACES, temperature=1.0)


def main() -> None:
    args = parser(__doc__).parse_args()
    beta, p = max_entropy(4.5)
    print(f"mean 4.5: beta = {beta:.6f} (temperature {1 / beta:.4f}, negative)")
    print("  p      = " + " ".join(f"{x:.5f}" for x in p))
    print("  Jaynes = " + " ".join(f"{x:.4f} " for x in JAYNES))
    deviation = np.max(np.abs(p - JAYNES))
    print(f"  largest difference {deviation:.1e}: "
          f"{'agrees' if deviation < 1e-4 else 'DISAGREES'} to Jaynes' 4 decimals")
    entropy = -np.sum(p * np.log(p))
    print(f"  mean {p @ FACES:.6f}, entropy {entropy:.5f} nats (a fair die's: "
          f"log 6 = {np.log(6):.5f})")

    means = [1.5, 2.5, 3.5, 4.5, 5.5]
    fig = Figure(figsize=(7, 4), layout="constrained")
    ax = fig.subplots()
    width = 0.8 / len(means)
    for k, mean in enumerate(means):
        b, q = max_entropy(mean)
        ax.bar(FACES + (k - 2) * width, q, width, label=f"mean {mean} (β = {b:+.3f})")
    ax.plot(FACES + 1 * width, JAYNES, "k_", markersize=12, mew=2,
            label="Jaynes (1978), mean 4.5")
    ax.set_xticks(FACES)
    ax.set_xlabel("face i (its energy)")
    ax.set_ylabel("probability p_i = exp(-β i) / Z")
    ax.set_title("Maximum-entropy die for a given mean face")
    ax.legend(fontsize=8)
    save(fig, args.out, __file__)


if __name__ == "__main__":
    main()
