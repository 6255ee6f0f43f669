"""Boltzmann (softmax) exploration against ε-greedy on the 10-armed testbed.

Sutton & Barto, *Reinforcement learning: an introduction* (2nd ed., 2018), section 2.3 and
figure 2.2: 2000 bandit problems, each with 10 arms whose true values q*(a) are drawn from
N(0, 1); pulling arm a pays a reward drawn from N(q*(a), 1). Each agent keeps sample-average
estimates Q(a) (starting at 0) and chooses an arm with ε-greedy (the greedy arm, ties broken
at random, or with probability ε any arm) or with ``boltz.BoltzmannPolicy``, which picks arm
a with probability exp(Q(a) / T) / Σ_b exp(Q(b) / T): all 2000 problems in one call of
``act`` on the (2000, 10) array of estimates. A fixed T trades exploring (high T) against
exploiting (low T); ``BoltzmannPolicy.exponential`` cools from T = 1 to 0.05 by a factor
0.99 per step, exploring first and exploiting later.

Run: ``python examples/bandit_boltzmann.py [--quick] [--out DIR]`` (about 15 s; --quick:
200 problems, 300 steps).
Expect (means over the last 100 of 1000 steps; the best possible reward is 1.535): as in
Sutton & Barto, greedy is stuck at 1.05 reward and 36% optimal arms, ε = 0.01 climbs slowly
(1.30, 59%) and ε = 0.1 reaches 1.36 and 80%. Boltzmann exploration at T = 1 explores too
much for rewards of unit noise (0.80, 32%); T = 0.1 is close to ε = 0.01 (1.29, 56%); the
cooling schedule explores early and exploits later and beats them all (1.52, 91%).
"""
import matplotlib

matplotlib.use("Agg")
import numpy as np
from _common import parser, save
from matplotlib.figure import Figure

import boltz


def epsilon_greedy(epsilon: float):
    """The greedy arm (ties broken at random) or, with probability ε, a random arm."""
    def choose(Q, step, rng):
        ties = np.where(Q == Q.max(axis=1, keepdims=True), rng.random(Q.shape), -1.0)
        explore = rng.random(len(Q)) < epsilon
        return np.where(explore, rng.integers(0, Q.shape[1], len(Q)), ties.argmax(axis=1))
    return choose


def boltzmann(policy: boltz.BoltzmannPolicy):
    """Arms drawn from the policy's softmax over the estimates."""
    return lambda Q, step, rng: policy.act(Q, step=step, seed=rng)


def play(choose, q_star: np.ndarray, steps: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean reward and fraction of optimal arms over the problems at each step."""
    rng = np.random.default_rng(seed)
    runs, arms = q_star.shape
    rows, best = np.arange(runs), q_star.argmax(axis=1)
    Q, N = np.zeros((runs, arms)), np.zeros((runs, arms))
    reward, optimal = np.empty(steps), np.empty(steps)
    for t in range(steps):
        a = choose(Q, t, rng)
        r = rng.normal(q_star[rows, a], 1.0)
        N[rows, a] += 1
        Q[rows, a] += (r - Q[rows, a]) / N[rows, a]          # sample average
        reward[t], optimal[t] = r.mean(), np.mean(a == best)
    return reward, optimal


def main() -> None:
    args = parser(__doc__).parse_args()
    runs, steps = (200, 300) if args.quick else (2000, 1000)
    q_star = np.random.default_rng(0).normal(size=(runs, 10))
    agents = {"greedy (ε = 0)": epsilon_greedy(0.0),
              "ε-greedy, ε = 0.01": epsilon_greedy(0.01),
              "ε-greedy, ε = 0.1": epsilon_greedy(0.1),
              "Boltzmann, T = 1": boltzmann(boltz.BoltzmannPolicy(1.0)),
              "Boltzmann, T = 0.1": boltzmann(boltz.BoltzmannPolicy(0.1)),
              "Boltzmann, T = 1 → 0.05 (×0.99 per step)":
                  boltzmann(boltz.BoltzmannPolicy.exponential(1.0, 0.05, 0.99))}
    fig = Figure(figsize=(12, 4.2), layout="constrained")
    axes = fig.subplots(1, 2)
    print(f"{runs} problems, {steps} steps; averages over the last 100 steps:")
    for k, (name, choose) in enumerate(agents.items()):
        reward, optimal = play(choose, q_star, steps, seed=1 + k)
        print(f"  {name:<42} reward {reward[-100:].mean():.3f}, "
              f"optimal arm {optimal[-100:].mean():6.1%}")
        style = "-" if name.startswith("Boltzmann") else "--"
        axes[0].plot(reward, style, linewidth=1, label=name)
        axes[1].plot(100 * optimal, style, linewidth=1, label=name)
    print(f"  (the best possible: {q_star.max(axis=1).mean():.3f}, the mean of max q*)")
    axes[0].axhline(q_star.max(axis=1).mean(), color="gray", linestyle=":",
                    label="best possible")
    axes[0].set_ylabel("average reward")
    axes[1].set_ylabel("% optimal arm")
    for ax in axes:
        ax.set_xlabel("step")
    axes[0].legend(fontsize=8)
    fig.suptitle(f"10-armed testbed, {runs} problems (Sutton & Barto, figure 2.2)")
    save(fig, args.out, __file__)


if __name__ == "__main__":
    main()
