"""Hardening item 3 (issue 14): per-read random streams without a Python object each, and
sizes that cannot fit in memory refused before anything is allocated.

The streams are seeded in C; numpy's own SeedSequence and PCG64 are the independent truth
they are compared with, state for state and draw for draw.
"""
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from boltz._random import RandomStreams, seed_sequence

HANG_LIMIT = 120  # s; only a guard: the old code ran until killed

SEEDS = [0, 1, 12345, 2**32 - 1, 2**32, 2**64 - 1, 2**128 + 5, 2**300 + 17,
         lambda: np.random.SeedSequence([1, 2, 3]),
         lambda: np.random.SeedSequence([]),
         lambda: np.random.SeedSequence([2**40, 7, 2**70]),
         lambda: np.random.SeedSequence(9, spawn_key=(4, 2**33)),
         lambda: np.random.SeedSequence(2**200, pool_size=8),
         lambda: np.random.SeedSequence(5, n_children_spawned=3),
         lambda: np.random.SeedSequence(5).spawn(3)[2]]


def _fresh(seed):
    """Two equal, independent copies of `seed` (SeedSequences are advanced by spawning)."""
    return (seed(), seed()) if callable(seed) else (seed, seed)


def _numpy_children(seed, n):
    seq = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return [np.random.PCG64(c) for c in seq.spawn(n)]


def _state_row(bg):
    st = bg.state
    mask = 2**64 - 1
    return [st["state"]["state"] >> 64, st["state"]["state"] & mask,
            st["state"]["inc"] >> 64, st["state"]["inc"] & mask,
            st["has_uint32"], st["uinteger"]]


def _mixed_draws(gen):
    """uint32 (leaving and then using the buffered half), uint64, double and bounded draws."""
    return [gen.integers(0, 2**32, 3, dtype=np.uint32).tolist(),
            gen.integers(0, 2**64, 2, dtype=np.uint64).tolist(),
            gen.integers(0, 2**32, 1, dtype=np.uint32).tolist(),
            gen.random(3).tolist(),
            gen.integers(0, 2**32, 1, dtype=np.uint32).tolist(),
            gen.integers(0, 1000, 5).tolist(),
            gen.standard_normal(3).tolist()]


@pytest.mark.parametrize("seed", SEEDS, ids=[str(i) for i in range(len(SEEDS))])
def test_streams_are_numpys_spawned_pcg64(seed):
    """Hardening item 3: the C streams are numpy's PCG64(SeedSequence.spawn(n)[i]): same
    initial states, same draws of every kind (next_uint64, next_uint32 with its buffered
    half, next_double), and the parent SeedSequence advanced as spawn advances it."""
    mine, theirs = _fresh(seed)
    n = 5
    streams = RandomStreams(mine, n)
    reference = _numpy_children(theirs, n)
    assert streams.state.tolist() == [_state_row(bg) for bg in reference]
    for bg, ref in zip(streams.bit_generators, reference, strict=True):
        assert _mixed_draws(np.random.Generator(bg)) == _mixed_draws(np.random.Generator(ref))
    assert streams.state.tolist() == [_state_row(bg) for bg in reference]
    if isinstance(mine, np.random.SeedSequence):
        assert mine.n_children_spawned == theirs.n_children_spawned
        again = RandomStreams(mine, 3)
        assert again.state.tolist() == [_state_row(bg) for bg in _numpy_children(theirs, 3)]


def test_generator_seed_spawns_like_numpy():
    """Hardening item 3: a Generator seed gives the streams of its SeedSequence's next
    child, each call new ones, and the Generator itself is not advanced."""
    g, ref = np.random.default_rng(42), np.random.default_rng(42)
    for _ in range(3):
        streams = RandomStreams(g, 4)
        child = ref.bit_generator.seed_seq.spawn(1)[0]
        assert streams.state.tolist() == [_state_row(bg) for bg in _numpy_children(child, 4)]
    assert g.random() == ref.random()


def test_many_streams_match_numpy_at_the_ends():
    """Hardening item 3: with many streams, the first and last equal numpy's children."""
    n = 20_000
    streams = RandomStreams(7, n)
    children = np.random.SeedSequence(7).spawn(n)
    for i in (0, 1, n // 2, n - 1):
        assert streams.state[i].tolist() == _state_row(np.random.PCG64(children[i]))
    assert len(streams) == n and streams.addresses.shape == (n,)
    assert len(set(streams.addresses.tolist())) == n


def test_zero_streams():
    """Hardening item 3: no streams is a valid, empty set of streams."""
    seq = np.random.SeedSequence(1)
    streams = RandomStreams(seq, 0)
    assert len(streams) == 0 and streams.state.shape == (0, 6)
    assert seq.n_children_spawned == 0


def test_state_round_trip_mid_buffer_matches_numpy():
    """Hardening item 3: a state saved with a buffered 32-bit half continues exactly as
    numpy's PCG64 given the same state."""
    streams = RandomStreams(11, 3)
    for bg in streams.bit_generators:
        np.random.Generator(bg).integers(0, 2**32, 5, dtype=np.uint32)  # odd: half buffered
    state = streams.state
    assert state[:, 4].tolist() == [1, 1, 1]
    restored = RandomStreams.from_state(state)
    for bg, row in zip(restored.bit_generators, state.tolist(), strict=True):
        ref = np.random.PCG64()
        ref.state = {"bit_generator": "PCG64",
                     "state": {"state": row[0] << 64 | row[1], "inc": row[2] << 64 | row[3]},
                     "has_uint32": row[4], "uinteger": row[5]}
        assert _mixed_draws(np.random.Generator(bg)) == _mixed_draws(np.random.Generator(ref))


@pytest.mark.parametrize("column, value", [(4, 2), (5, 2**32)])
def test_state_out_of_range_refused(column, value):
    """Hardening item 3: a tampered buffered half (has_uint32 not 0/1, uinteger > 32 bits)
    is refused, not silently truncated."""
    state = RandomStreams(0, 2).state
    state[1, column] = value
    with pytest.raises(ValueError, match="random-stream state"):
        RandomStreams.from_state(state)


@pytest.mark.parametrize("n", [1, 3, 4, 7, 16, 33])
def test_initial_spins_are_numpys_integers(n):
    """Hardening item 3: the uniform initial spins drawn in C are numpy's
    2 * integers(0, 2, n, dtype=int8) - 1 from each chain's stream, also when the stream
    holds a buffered 32-bit half."""
    from boltz._core._random import uniform_spins

    chains = 6
    streams = RandomStreams(np.random.SeedSequence(n), chains)
    half = streams.bit_generators[1]
    np.random.Generator(half).integers(0, 2**32, dtype=np.uint32)  # stream 1 half-buffered
    state = streams.state
    spins = np.zeros((chains, n), dtype=np.int8)
    uniform_spins(streams.addresses, spins, 2)
    reference = RandomStreams.from_state(state)
    expected = [2 * np.random.Generator(bg).integers(0, 2, n, dtype=np.int8) - 1
                for bg in reference.bit_generators]
    assert np.array_equal(spins, np.array(expected))
    assert np.array_equal(streams.state, reference.state)  # advanced alike


def test_chains_start_from_numpys_spins():
    """Hardening item 3: Chains draws each chain's initial spins from its own stream as
    numpy's Generator.integers does."""
    import boltz
    from boltz.spin._chains import Chains

    model = boltz.IsingModel.square_lattice(3)
    chains = Chains(model, 5, 3, None, 2)
    expected = [2 * np.random.default_rng(c).integers(0, 2, 9, dtype=np.int8) - 1
                for c in seed_sequence(3).spawn(5)]
    assert np.array_equal(chains.spins, np.array(expected))


def _run(code, limit_as=None):
    """Run `code` in a fresh Python, optionally under RLIMIT_AS = current size + limit_as."""
    prelude = ""
    if limit_as is not None:
        prelude = textwrap.dedent(f"""
            import resource
            vm = int(next(l for l in open("/proc/self/status") if l.startswith("VmSize"))
                     .split()[1]) * 1024
            resource.setrlimit(resource.RLIMIT_AS, (vm + {limit_as}, vm + {limit_as}))
        """)
    return subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code)],
                          capture_output=True, text=True, timeout=HANG_LIMIT)


@pytest.mark.parametrize("call, argument", [
    ("boltz.sample(m, 0.5, num_chains=10**12)", "num_chains=1000000000000"),
    ("boltz.Annealer().sample(m, num_reads=10**12)", "num_reads=1000000000000"),
])
def test_size_beyond_memory_refused_before_allocating(call, argument):
    """Hardening item 3: num_chains / num_reads of 10**12 raise a ValueError naming the
    argument, the bytes needed and the machine's memory (they ran until killed)."""
    proc = _run(f"""
        import boltz
        m = boltz.IsingModel.square_lattice(4)
        try:
            {call}
        except ValueError as e:
            print(e)
    """)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(argument + " needs ") and "memory" in proc.stdout


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_address_space_limit_refused_before_allocating():
    """Hardening item 3: under RLIMIT_AS the limit is what counts, and the refusal comes
    before any allocation (10**8 reads would need ~19 GB; the process may grow by 1 GB)."""
    proc = _run("""
        import boltz
        m = boltz.IsingModel.square_lattice(4)
        try:
            boltz.Annealer(num_sweeps=1).sample(m, num_reads=10**8)
        except ValueError as e:
            print(e)
    """, limit_as=2**30)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("num_reads=100000000 needs ")
    assert "RLIMIT_AS" in proc.stdout and "MemoryError" not in proc.stderr


def test_cli_reads_beyond_memory_exits_2(tmp_path):
    """Hardening item 3: ``boltz anneal G.txt --reads 1000000000000`` exits 2 with one line
    naming --reads (it ran until killed)."""
    path = tmp_path / "cycle.txt"
    path.write_text("4 4\n1 2 1\n2 3 1\n3 4 1\n4 1 1\n")
    proc = subprocess.run([sys.executable, "-m", "boltz", "anneal", str(path), "--reads",
                           "1000000000000"], capture_output=True, text=True,
                          timeout=HANG_LIMIT)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "--reads=1000000000000 needs" in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr


def test_pickled_streams_are_rebuilt_not_aliased():
    """Hardening item 3: pickling or copying streams copies their states and makes new
    bitgen_t structs (the addresses were pickled as numbers and pointed into the old
    process: an unpickled RBM's partial_fit segfaulted)."""
    import copy
    import pickle

    streams = RandomStreams(5, 4)
    np.random.Generator(streams.bit_generators[2]).integers(0, 2**32, dtype=np.uint32)
    for duplicate in (lambda s: pickle.loads(pickle.dumps(s)), copy.deepcopy):
        twin = duplicate(streams)
        assert np.array_equal(twin.state, streams.state)
        assert not set(twin.addresses.tolist()) & set(streams.addresses.tolist())
        assert _mixed_draws(np.random.Generator(twin.bit_generators[2])) == \
            _mixed_draws(np.random.Generator(streams.bit_generators[2]))


def test_rbm_unpickled_in_another_process_continues(tmp_path):
    """Hardening item 3: an RBM pickled after fit continues in a new process exactly as the
    original does (it segfaulted on the stale stream addresses)."""
    code = """
        import pickle, sys
        import numpy as np
        import boltz
        X = (np.random.default_rng(0).random((50, 10)) < 0.3).astype(float)
        if sys.argv[1] == "dump":
            r = boltz.RBM(n_components=4, n_iter=1, batch_size=10, random_state=0).fit(X)
            pickle.dump(r, open(sys.argv[2], "wb"))
        else:
            r = pickle.load(open(sys.argv[2], "rb"))
        r.partial_fit(X[:10])
        print(r.components_.tobytes().hex())
    """
    path = str(tmp_path / "rbm.pkl")
    runs = [subprocess.run([sys.executable, "-c", textwrap.dedent(code), step, path],
                           capture_output=True, text=True, timeout=HANG_LIMIT)
            for step in ("dump", "load")]
    assert [p.returncode for p in runs] == [0, 0], runs[1].stderr
    assert runs[0].stdout == runs[1].stdout
