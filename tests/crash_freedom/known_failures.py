"""Failures of boltz that the suite finds today and that are being fixed (issue 14).

Each entry names the issue's item, the public name whose calls show it, what happens and a
minimal reproducer. A generated call whose outcome matches an entry is reported as known
instead of failing the suite. **Empty this list as the fixes land**: an entry that no
longer matches anything is reported by ``test_known_failures_still_happen``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class KnownFailure:
    item: str          # the item of issue 14
    label: str         # regex matching the targets (public names) whose calls show it
    kind: str          # the outcome: "crash", "hang", "raised", "memory", "violation"
    pattern: str       # regex searched in "<error>: <message> <detail>" and the call
    reproducer: str

    def matches(self, label: str, source: str, outcome) -> bool:
        text = f"{outcome.error}: {outcome.message} {outcome.detail} || {source}"
        return (re.fullmatch(self.label, label) is not None
                and re.fullmatch(self.kind, outcome.kind) is not None
                and re.search(self.pattern, text, re.S) is not None)


_RBM_DAMAGE = r"^(EOFError|BadZipFile|error|KeyError|IndexError|RecursionError|OSError|zlib)"

KNOWN_FAILURES: list[KnownFailure] = [
    # 2: arrays set on a fitted RBM reach the kernels unchecked (heap corruption, IndexError)
    KnownFailure("2", r"RBM \(tampered state\)", "crash", ".",
                 "r = rbm(0); r.h_samples_ = np.ones((10, 50), np.float32); "
                 "r.partial_fit(np.ones((6, 3))); import gc; gc.collect()"),
    KnownFailure("2", r"RBM \(tampered state\)", "hang", ".",
                 "(a hang after an earlier call corrupted the heap)"),
    KnownFailure("2", r"RBM \(tampered state\)", "raised", ".",
                 "tampered_rbm(5, 'components_', arr(1.0, 'float64'), 'free_energy', "
                 "np.ones((3, 4)))  # IndexError"),
    # 3: sizes that cannot fit are attempted (MemoryError under RLIMIT_AS, or a long run)
    KnownFailure("3", r"sample|Annealer\.sample|dimod\.AnnealingSampler|cli anneal",
                 "memory|hang", r"num_(chains|reads)=|--reads",
                 "boltz.sample(ising(0), 0.5, num_chains=10**12, num_sweeps=1, burn_in=0)"),
    # 4: /dev/zero and huge Gset headers
    KnownFailure("4", r"IsingModel\.from_maxcut|cli anneal", "memory|hang", ".",
                 "IsingModel.from_maxcut('/dev/zero')  # MemoryError"),
    # 5: zip-bomb declared shapes in an RBM file are allocated
    KnownFailure("5", r"RBM\.load", "memory|hang", ".",
                 "RBM.load(rbm_file(0, 'declared', 'components_', (2**20, 2**20), '<f4'))"),
    # 9, 10: float32 softmax / log_softmax / boltzmann_probs give NaN
    KnownFailure("9", r"softmax|log_softmax|boltzmann_probs", "violation", r"float32|float16",
                 "boltz.softmax(np.array([1., 2.], np.float32), temperature=1e-39)"),
    # 12: complex input silently truncated (ComplexWarning)
    KnownFailure("12", r".*", "raised", r"^ComplexWarning",
                 "rbm(4).transform(sparse('lil_array', (1, 3), [(0, 0, 1j)], 'complex128'))"),
    # 15: one-record trace: SampleTrace.mean_energy (TemperingResult.mean_energy_se) raises
    KnownFailure("15", r"sample|cli ising|ParallelTempering\.sample", "raised",
                 r"reading (SampleTrace|TemperingResult)\.",
                 "boltz.sample(IsingModel.square_lattice(4), 0.5, num_chains=4, num_sweeps=5, "
                 "burn_in=1, seed=0).mean_energy"),
    # 16: unsigned triplet indices
    KnownFailure("16", r"IsingModel", "raised", r"^OverflowError: .*out of bounds for uint",
                 "IsingModel((arr([0], 'uint64'), arr([1], 'uint64'), arr([1.0], 'float64')))"),
    # NEW (not in issue 14; found by this suite; for the integrator to file or fix):
    # a real argument given as an int too large for a float: OverflowError from float()
    KnownFailure("new: huge int as a real", r".*", "raised",
                 r"^OverflowError: int too large to convert to float",
                 "boltz.softmax([1.0], temperature=10**400)"),
    # counts >= 2**63 reach C: OverflowError instead of ValueError
    KnownFailure("new: count >= 2**63", r".*", "raised",
                 r"^OverflowError: Python int too large to convert to C",
                 "BoltzmannMachine.encoder_connectivity(2, 2**63)"),
    # RBM.sample allocates n_samples rows without a size check (item 3's rule, another name)
    KnownFailure("new: RBM.sample size", r"RBM\.sample", "memory", r"n_samples=",
                 "rbm(2).sample(n_samples=10**12, num_sweeps=2, seed=0)"),
    # counts >= 2**63 (beyond any C counter) accepted: the call runs for ever
    KnownFailure("new: count >= 2**63 runs", r".*", "hang", r"=(10\*\*30|2\*\*6[34])\b",
                 "rbm(3).sample(num_sweeps=10**30, seed=0)"),
    # a scipy.sparse X of huge declared shape is converted (tocsr: a 4 GB indptr) before its
    # width is checked
    KnownFailure("new: sparse X shape", r"RBM\..*", "memory", r"sparse\('coo",
                 "rbm(2).transform(sparse('coo_array', (10**9, 10**9), [], 'int8'))"),
    # boltz.dimod.bqm_to_ising_model(None): AttributeError instead of TypeError
    KnownFailure("new: bqm type", r"dimod\..*", "raised", r"^AttributeError: .* 'variables'",
                 "boltz.dimod.bqm_to_ising_model(None)"),
    # 24: damaged RBM files raise BadZipFile, EOFError, zlib.error, KeyError, ...
    KnownFailure("24", r"RBM\.load", "raised", _RBM_DAMAGE,
                 "RBM.load(rbm_file(0, 'truncate', 0))  # EOFError"),
]

# test_cli_files.py: malformed files given to `boltz anneal` in a real subprocess
# (case id -> item of issue 14)
KNOWN_CLI_FAILURES = {
    "header n=10**12": "4",        # MemoryError traceback, exit 1
    "header n=2**63": "4",         # OverflowError traceback, exit 1
    "/dev/zero": "4",              # reads until killed
}
