"""``boltz info``'s self-check: a few seconds of real work whose answers are known exactly."""
from __future__ import annotations

import math
import time
from typing import TextIO

import numpy as np


def run_self_check(out: TextIO) -> bool:
    """A few seconds of real work whose answers are known exactly; True when all agree.

    Parameters
    ----------
    out : text stream
        Where each check prints one ``[ok]`` or ``[FAIL]`` line.

    Returns
    -------
    bool
        True when every check agrees with its exact answer.
    """
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
