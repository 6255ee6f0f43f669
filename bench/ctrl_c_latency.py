"""Ctrl-C latency of boltz's long calls: SIGINT to a subprocess running each call, the
seconds until the call returns (median and max of several runs). Run it directly:

    python bench/ctrl_c_latency.py [--repeat 5] [--only NAME ...]

Not a pytest module (pytest collects only test_*.py). The goal is < 0.5 s for every call;
the machine's load shows in the numbers, so note it with the results.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from interrupting import interrupt_call, interrupt_command

SK = """
import numpy as np, boltz
def sk(n, dtype=np.float64):
    J = np.random.default_rng(0).standard_normal((n, n)) / np.sqrt(n)
    J = np.triu(J, 1)
    return boltz.IsingModel(J + J.T, dtype=dtype)
"""

CALLS = {
    "sample (lattice 256^2, 8 chains)": (
        "import boltz\nm = boltz.IsingModel.square_lattice(256)",
        "boltz.sample(m, 0.44, num_chains=8, num_sweeps=10**7, seed=0)",
        "print(int(result.interrupted))"),
    "sample (SK n=3000, 8 chains)": (
        SK + "m = sk(3000)",
        "boltz.sample(m, 1.0, num_chains=8, num_sweeps=10**7, seed=0)",
        "print(int(result.interrupted))"),
    "descend (SK n=2000, 10^4 random states)": (
        SK + "m = sk(2000)\nstarts = np.random.default_rng(0).choice("
        "np.array([-1, 1], np.int8), size=(10000, 2000))",
        "boltz.descend(m, starts)",
        "print(int(result.interrupted))"),
    "Annealer on a 2-worker LocalCluster (SK n=300, 64 reads, shards of 2)": (
        "import boltz, distributed\n"
        "cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, "
        "dashboard_address=':0')\nclient = distributed.Client(cluster)\n"
        "m = boltz.IsingModel.sherrington_kirkpatrick(300, seed=3)\n"
        "boltz.Annealer(num_sweeps=10).sample(m, num_reads=2, client=client)",
        "boltz.Annealer(num_sweeps=20000).sample(m, num_reads=64, seed=11, client=client, "
        "shard_size=2)",
        "print(int(result.info['interrupted']))"),
    "Annealer (SK n=3000 x 8 reads)": (
        SK + "m = sk(3000)",
        "boltz.Annealer(num_sweeps=10**7).sample(m, num_reads=8, seed=0)",
        "print(int(result.info['interrupted']))"),
    "Annealer (SK n=6000 x 2 reads)": (
        SK + "m = sk(6000)",
        "boltz.Annealer(num_sweeps=10**7).sample(m, num_reads=2, seed=0)",
        "print(int(result.info['interrupted']))"),
    "Annealer (SK n=3000 x 64 reads, random order)": (
        SK + "m = sk(3000)",
        "boltz.Annealer(num_sweeps=10**7, order='random').sample(m, num_reads=64, seed=0)",
        "print(int(result.info['interrupted']))"),
    "ParallelTempering (SK n=2000, 16 betas)": (
        SK + "import numpy as np\nm = sk(2000)",
        "boltz.ParallelTempering(np.linspace(0.2, 2, 16), num_sweeps=10**7, "
        "swap_interval=10).sample(m, seed=0)",
        "print(int(result.interrupted))"),
    "BoltzmannMachine.sample (2000 units, 2000 samples)": (
        "import numpy as np, boltz\n"
        "bm = boltz.BoltzmannMachine(2000, dtype=np.float32)\n"
        "W = np.random.default_rng(0).normal(0, 0.02, (2000, 2000)); W = np.triu(W, 1)\n"
        "bm.weights_ = W + W.T; bm.thresholds_ = np.zeros(2000)\n"
        "import warnings; warnings.simplefilter('ignore')",
        "bm.sample(2000, num_sweeps=20000, seed=0)",
        "print(int(bm.sample_interrupted_))"),
    "BoltzmannMachine.fit (n_iter=10**5)": (
        "import numpy as np, boltz\n"
        "X = (np.random.default_rng(0).random((50, 12)) < 0.5).astype(int)\n"
        "bm = boltz.BoltzmannMachine(12, n_hidden=4, n_iter=10**5, random_state=0)",
        "bm.fit(X)",
        "print(int(bm.interrupted_))"),
    "RBM.fit (4000 x 400 data, 200 hidden)": (
        "import numpy as np, boltz\n"
        "X = (np.random.default_rng(0).random((4000, 400)) < 0.2).astype(np.float32)\n"
        "rbm = boltz.RBM(n_components=200, batch_size=20, n_iter=10**6, random_state=0)",
        "rbm.fit(X)",
        "print(int(rbm.interrupted_))"),
    "RBM.log_partition AIS (784 x 500, 10^3 runs)": (
        "import numpy as np, boltz\n"
        "X = (np.random.default_rng(0).random((50, 784)) < 0.2).astype(np.float32)\n"
        "rbm = boltz.RBM(n_components=500, n_iter=1, random_state=0).fit(X)\n"
        "def ais():\n"
        "    try:\n"
        "        return rbm.log_partition('ais', n_runs=1000, n_betas=10**6)\n"
        "    except KeyboardInterrupt:\n"
        "        return 'KeyboardInterrupt'",
        "ais()",
        "import json; print(json.dumps(result if isinstance(result, str) else 'returned'))"),
    "sample_boltzmann (size=10**8)": (
        "import numpy as np, boltz\ne = np.linspace(0, 5, 1000)\n"
        "def draw():\n"
        "    try:\n"
        "        return boltz.sample_boltzmann(e, size=10**8, seed=0)\n"
        "    except KeyboardInterrupt:\n"
        "        return 'KeyboardInterrupt'",
        "draw()",
        "import json; print(json.dumps(result if isinstance(result, str) else 'returned'))"),
}


def _gset(path, n=20000, m=80000):
    import numpy as np
    rng = np.random.default_rng(0)
    i = rng.integers(1, n + 1, m)
    j = rng.integers(1, n + 1, m)
    keep = i != j
    with open(path, "w") as f:
        f.write(f"{n} {int(keep.sum())}\n")
        for a, b in zip(i[keep], j[keep], strict=True):
            f.write(f"{a} {b} 1\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", nargs="*", default=None, help="substrings of call names")
    args = parser.parse_args()
    results = {}
    for name, (setup, call, report) in CALLS.items():
        if args.only and not any(s in name for s in args.only):
            continue
        runs = [interrupt_call(setup, call, report, delay=1.0, hang_limit=60)
                for _ in range(args.repeat)]
        lat = [r.latency for r in runs]
        results[name] = lat
        reported = sorted({str(r.report) for r in runs})   # 1 or "KeyboardInterrupt": stopped
        print(f"{name:55s} median {statistics.median(lat):.3f} s  max {max(lat):.3f} s  "
              f"reported {', '.join(reported)}", flush=True)
    if args.only and not any(s in "boltz anneal boltz ising" for s in args.only):
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "g.txt")
        _gset(path)
        for name, argv in [
            ("boltz anneal (n=20000 sparse, 8 reads x 10^6 sweeps)",
             ["anneal", path, "--sweeps", str(10**6), "--reads", "8"]),
            ("boltz ising (256x256, 10^7 sweeps)",
             ["ising", "--size", "256", "--sweeps", str(10**7)]),
        ]:
            lat = []
            for _ in range(args.repeat):
                seconds, done = interrupt_command([sys.executable, "-m", "boltz", *argv],
                                                  delay=2.0, hang_limit=60)
                assert done.returncode == 130, done
                lat.append(seconds)
            print(f"{name:55s} median {statistics.median(lat):.3f} s  max {max(lat):.3f} s "
                  "(process exit, interpreter shutdown included)", flush=True)


if __name__ == "__main__":
    main()
