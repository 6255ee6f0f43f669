"""Hardening (issue 14) of what an Ising model is built from: Gset files (item 4), numbers
that do not fit the model's precision (item 11), complex and masked input (item 12, the
spin part), fractional node numbers (item 13) and unsigned indices (item 16)."""
import contextlib
import itertools
import os
import resource
import subprocess
import sys
import threading

import numpy as np
import pytest
import scipy.sparse as sp

import boltz
from boltz.spin import _maxcut_input

F32 = np.finfo(np.float32)
F64 = np.finfo(np.float64)


def _write(path, text):
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def _brute_force_min(model):
    states = np.array(list(itertools.product([-1, 1], repeat=model.num_spins)))
    return float(np.min(model.energy(states)))


# ---- item 4: Gset headers, streaming, non-regular files ------------------------------------

def test_gset_header_is_bounded_by_the_file_size(tmp_path):
    """Hardening item 4: a header may declare at most size // 4 edges and
    max(65536, 16 * size) nodes; beyond that a ValueError names the file and line 1, before
    anything of that size is allocated (n = 10**12 was a MemoryError traceback)."""
    huge_n = _write(tmp_path / "n.txt", "1000000000000 1\n1 2 1\n")
    with pytest.raises(ValueError, match=r"n\.txt, line 1: declares 1000000000000 nodes"):
        boltz.IsingModel.from_maxcut(huge_n)
    huge_m = _write(tmp_path / "m.txt", "3 1000000000000\n1 2 1\n")
    with pytest.raises(ValueError, match=r"m\.txt, line 1: declares 1000000000000 edges"):
        boltz.IsingModel.from_maxcut(huge_m)
    # isolated nodes are fine up to the documented bound, and exactly up to it
    padding = "# padding comment line\n" * 400
    for extra, accepted in ((0, True), (1, False)):
        probe = f"{{n}} 1\n{padding}1 2 1\n"
        size = len(probe.format(n=10**5))            # the bound has 6 digits too
        n = max(_maxcut_input.FREE_NODES, _maxcut_input.NODES_PER_BYTE * size) + extra
        path = _write(tmp_path / f"iso{extra}.txt", probe.format(n=n))
        assert path.stat().st_size == size
        if accepted:
            model = boltz.IsingModel.from_maxcut(path)
            assert model.num_spins == n and model.num_bonds == 1
            assert model.maxcut_value(np.r_[1, -1, np.ones(n - 2)]) == 1.0
        else:
            with pytest.raises(ValueError, match="line 1: declares"):
                boltz.IsingModel.from_maxcut(path)


@pytest.mark.parametrize("text, needle", [
    ("3 2\n1 2 1\n2 3 1\n1 3 1\n", "line 4: more edge lines than line 1 declares"),
    ("3 3\n1 2 1\n2 3 1\n", "expected 3 lines 'i j [w]' (the edges declared on line 1), "
                            "found 2"),
    ("3 2\n1 2 1\n\n# a comment\n2 3 x\n", "line 5: 'x' is not a number"),
    ("3 1\n1 2 nan\n", "line 2: weight nan is not finite"),
    ("3 1\n2 2 1\n", "line 2: edge joins node 2 to itself"),
    ("3 1\n1 4 1\n", "line 2: node 4 is outside 1..3"),
    ("3 1\n0 2 1\n", "line 2: node 0 is outside 1..3"),
    ("3 1\n1 2 1 7\n", "line 2: expected 'i j [w]' (2 or 3 numbers), got 4 fields"),
    ("three 1\n1 2 1\n", "line 1: expected 'num_nodes num_edges'"),
    ("", "line 1: expected 'num_nodes num_edges'"),
    ("0 0\n", "line 1: num_nodes must be >= 1"),
    ("3 1\n1 2 \xe9\n".encode("latin-1"), "line 2: not text"),
    (b"3 1\n1 2 1\x00\n", "line 2: not text"),
], ids=["more", "fewer", "garbage", "nan", "self-loop", "above-n", "zero", "four-fields",
        "bad-header", "empty", "no-nodes", "latin-1", "nul"])
def test_gset_errors_name_the_file_and_line(tmp_path, text, needle):
    """Hardening item 4: more or fewer edge lines than declared and garbage lines are a
    ValueError naming the file and the line (counting blank and comment lines)."""
    path = _write(tmp_path / "g.txt", text)
    with pytest.raises(ValueError) as info:
        boltz.IsingModel.from_maxcut(path)
    assert str(info.value).startswith(str(path))
    assert needle in str(info.value)


def test_gset_errors_past_the_first_block(tmp_path):
    """Hardening item 4: the file is read a block at a time; line numbers stay right across
    blocks, and a line with no end is refused without reading it whole."""
    m = 120_000                                      # > 1 MiB of edge lines
    lines = [f"{k % 999 + 1} {k % 999 + 2} 1" for k in range(m)]
    lines[100_000] = "5 6 oops"
    path = _write(tmp_path / "big.txt", f"1000 {m}\n" + "\n".join(lines) + "\n")
    with pytest.raises(ValueError, match=r"big\.txt, line 100002: 'oops' is not a number"):
        boltz.IsingModel.from_maxcut(path)
    endless = _write(tmp_path / "endless.txt", b"3 1\n" + b"1" * (3 << 20))
    with pytest.raises(ValueError, match=r"endless\.txt, line 2: a line longer than"):
        boltz.IsingModel.from_maxcut(endless)


def test_gset_blocks_parse_like_one_table(tmp_path, rng):
    """Hardening item 4: streaming gives the graph the whole file describes (a multi-block
    file with 2- and 3-column lines, comments and CRLF, against the edges written)."""
    n, m = 500, 90_000
    i = rng.integers(0, n, m)
    j = (i + rng.integers(1, n, m)) % n
    w = rng.integers(-3, 4, m)
    body = []
    for k in range(m):
        body.append(f"{i[k] + 1} {j[k] + 1}" + ("" if w[k] == 1 else f" {w[k]}")
                    + (" # note" if k % 1000 == 0 else ""))
    path = _write(tmp_path / "g.txt", f"{n} {m}\r\n" + "\r\n".join(body) + "\r\n")
    n_read, i_read, j_read, w_read = _maxcut_input.read_edge_list(path)
    assert n_read == n
    np.testing.assert_array_equal(i_read, i)
    np.testing.assert_array_equal(j_read, j)
    np.testing.assert_array_equal(w_read, w)


def test_non_regular_files_are_refused_without_reading(tmp_path):
    """Hardening item 4: /dev/zero, a directory and a FIFO (with no writer: opening it would
    block) are refused as not regular files, before a byte is read."""
    for path, kind in (("/dev/zero", "a device"), (tmp_path, "a directory")):
        if os.path.exists(path):
            with pytest.raises(ValueError, match=f"{kind}, not a regular file"):
                boltz.IsingModel.from_maxcut(path)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    code = (f"import boltz\ntry:\n    boltz.IsingModel.from_maxcut({str(fifo)!r})\n"
            f"except ValueError as e:\n    print(e)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert "a FIFO (pipe), not a regular file" in proc.stdout, proc.stderr


def _limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


def _anneal(path, timeout=120):
    return subprocess.run([sys.executable, "-m", "boltz", "anneal", str(path), "--reads", "1",
                           "--sweeps", "1"], capture_output=True, text=True,
                          timeout=timeout, preexec_fn=_limit_memory)


def _assert_one_line_exit_2(proc):
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("boltz: error:")


@pytest.mark.parametrize("make", [
    lambda d: "/dev/zero",
    lambda d: _write(d / "empty.txt", b""),
    lambda d: _write(d / "binary.txt", np.random.default_rng(0).bytes(1 << 20)),
    lambda d: d,
    lambda d: _write(d / "n.txt", "1000000000000 1\n1 2 1\n"),
    lambda d: _write(d / "n8.txt", "100000000 1\n1 2 1\n"),
    lambda d: _write(d / "m.txt", "3 1000000000000\n1 2 1\n"),
    lambda d: _write(d / "frac.txt", "3 1\n1.5 2 1\n"),
], ids=["dev-zero", "empty", "binary", "directory", "n-1e12", "n-1e8", "m-1e12", "fraction"])
def test_cli_hostile_files_exit_2(tmp_path, make):
    """Hardening item 4: `boltz anneal` on /dev/zero, an empty, binary or fractional file, a
    directory or an absurd header exits 2 with one line, under a 2 GiB address-space limit
    (it read /dev/zero until memory ran out; n = 10**12 was a MemoryError traceback)."""
    path = make(tmp_path)
    if not os.path.exists(path):
        pytest.skip(f"{path} does not exist here")
    _assert_one_line_exit_2(_anneal(path))


def test_cli_fifo_with_a_writer_exits_2(tmp_path):
    """Hardening item 4: a FIFO that is being written is refused, not read until the writer
    stops."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    stop = threading.Event()

    def writer():
        try:
            with open(fifo, "wb") as fh:
                while not stop.is_set():
                    fh.write(b"3 1\n1 2 1\n" * 1000)
        except (BrokenPipeError, OSError):
            pass

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        proc = _anneal(fifo)
    finally:
        stop.set()
        with contextlib.suppress(OSError):          # unblock a writer still opening the FIFO
            os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
        thread.join(10)
    _assert_one_line_exit_2(proc)
    assert "not a regular file" in proc.stderr


def test_cli_fifo_without_a_writer_exits_2(tmp_path):
    """Hardening item 4: a FIFO nobody writes to is refused at once, not waited on."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    try:
        proc = _anneal(fifo, timeout=15)
    except subprocess.TimeoutExpired:
        pytest.fail("boltz anneal blocked on a FIFO without a writer")
    _assert_one_line_exit_2(proc)


# ---- item 11: values the model's precision cannot hold ---------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_values_outside_the_precision_are_refused(dtype):
    """Hardening item 11: a coupling or field that does not fit in the model's dtype (float32
    |J| > 3.4e38 only warned, then energies were -inf) or would underflow (|J| < 1e-45
    silently became no bond) is a ValueError naming J or h."""
    info = np.finfo(dtype)
    big, tiny = float(info.max) * 2 if dtype == np.float32 else None, float(info.tiny) / 4
    name = info.dtype.name
    if big is not None:
        with pytest.raises(ValueError, match=f"J holds .* does not fit in {name}"):
            boltz.IsingModel([[0, big], [big, 0]], dtype=dtype)
        with pytest.raises(ValueError, match=f"h holds .* does not fit in {name}"):
            boltz.IsingModel(np.zeros((2, 2)), h=[big, 0], dtype=dtype)
    for J in ([[0, tiny], [tiny, 0]], ([0], [1], [tiny]), sp.csr_matrix([[0, tiny], [tiny, 0]])):
        with pytest.raises(ValueError, match=f"J holds .* below the smallest normal {name}"):
            boltz.IsingModel(J, dtype=dtype)
    with pytest.raises(ValueError, match=f"h holds .* below the smallest normal {name}"):
        boltz.IsingModel(np.zeros((2, 2)), h=[0, -tiny], dtype=dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_local_fields_must_fit_and_energies_are_float64(dtype):
    """Hardening item 11: couplings that fit one by one but whose local field (twice it is a
    flip cost) would overflow the dtype are refused; a model that fits has exact float64
    energies even when they exceed float32."""
    half = float(np.finfo(dtype).max) / 2
    J = np.zeros((3, 3))
    J[0, 1] = J[1, 0] = J[0, 2] = J[2, 0] = 0.6 * half        # spin 0: field 1.2 * half
    with pytest.raises(ValueError, match="local fields"):
        boltz.IsingModel(J, dtype=dtype)
    # a ring of 100 bonds of 8e37 (exact in float32): E(all up) = -8e39, beyond float32
    value = float(np.float32(8e37))
    ring = boltz.IsingModel((np.arange(100), (np.arange(100) + 1) % 100, np.full(100, value)),
                            dtype=np.float32)
    assert ring.energy(np.ones(100)) == -100 * value


def test_extreme_models_anneal_with_the_default_beta_range():
    """Hardening item 11: every model that can be built gets a usable default beta_range
    (the largest float64 fields gave beta_hot = 0 and "a geometric schedule needs
    beta_range[0] > 0" though the user gave no beta_range); the issue's float32 model is
    refused when built, naming J."""
    with pytest.raises(ValueError, match=r"J holds .* does not fit in float32"):
        boltz.IsingModel([[0, 1e39], [1e39, 0]], dtype=np.float32)
    x = 0.24 * float(F64.max)                          # local fields 0.48 * max
    for model in (boltz.IsingModel([[0, x], [x, 0]], h=[x, -x]),
                  boltz.IsingModel([[0, 4 * float(F64.tiny)], [4 * float(F64.tiny), 0]]),
                  boltz.IsingModel([[0, 8e37], [8e37, 0]], h=[8e37, 0], dtype=np.float32)):
        result = boltz.Annealer(num_sweeps=50).sample(model, num_reads=4, seed=0)
        hot, cold = result.info["beta_range"]
        assert 0 < hot <= cold < np.inf
        assert result.best_energy == _brute_force_min(model)


# ---- item 12 (spin part): complex and masked input ------------------------------------------

@pytest.mark.parametrize("fmt", ["csr", "coo", "csc"])
def test_complex_sparse_couplings_are_refused(fmt):
    """Hardening item 12: a complex scipy.sparse J is a TypeError naming J (its imaginary
    part was dropped with only a ComplexWarning), even with a zero imaginary part."""
    for J in (np.array([[0, 1 + 5j], [1 - 5j, 0]]), np.array([[0, 1 + 0j], [1 + 0j, 0]])):
        with pytest.raises(TypeError, match="J must be real"):
            boltz.IsingModel(sp.csr_matrix(J).asformat(fmt))
    with pytest.raises(TypeError, match=r"J must be a real scipy\.sparse matrix"):
        boltz.IsingModel(sp.csr_matrix(np.eye(2, dtype=np.longdouble)))


def test_masked_indices_and_edges_are_refused():
    """Hardening item 12: masked triplets and masked edge arrays (which np.asarray would
    unmask silently) are a TypeError naming the argument."""
    masked = np.ma.masked_array([0, 1], mask=[False, True])
    with pytest.raises(TypeError, match="J triplet rows: masked arrays"):
        boltz.IsingModel((masked, np.array([1, 2]), np.array([1.0, 1.0])))
    with pytest.raises(TypeError, match="J triplet cols: masked arrays"):
        boltz.IsingModel((np.array([1, 2]), masked, np.array([1.0, 1.0])))
    with pytest.raises(TypeError, match="J triplet values: masked arrays"):
        boltz.IsingModel(([0], [1], np.ma.masked_array([1.0], mask=[True])))
    with pytest.raises(TypeError, match="edges: masked arrays"):
        boltz.IsingModel.from_maxcut(np.ma.masked_array([[0, 1, 1]], mask=[[0, 0, 1]]))


def test_masked_dense_couplings_fields_and_qubo_are_refused():
    """Hardening item 12: masked dense J, h and QUBO matrices are a TypeError (a mask has no
    meaning for couplings)."""
    J = np.ma.masked_array([[0.0, 1.0], [1.0, 0.0]], mask=[[0, 1], [1, 0]])
    with pytest.raises(TypeError, match="J"):
        boltz.IsingModel(J)
    with pytest.raises(TypeError, match="h"):
        boltz.IsingModel(np.zeros((2, 2)), h=np.ma.masked_array([1.0, 2.0], mask=[1, 0]))
    with pytest.raises(TypeError, match="Q"):
        boltz.IsingModel.from_qubo(J)


# ---- item 13: node numbers must be whole ----------------------------------------------------

def test_fractional_node_numbers_are_refused(tmp_path):
    """Hardening item 13: fractional node numbers (truncated before) are a ValueError naming
    the edges, or the file and line; exact integral floats such as 2.0 are node 2."""
    with pytest.raises(ValueError, match=r"edges: node numbers must be whole numbers, "
                                         r"entry 0 is .*0\.5"):
        boltz.IsingModel.from_maxcut(np.array([[0.5, 1.7]]))
    with pytest.raises(ValueError, match="edges: node numbers must be whole numbers"):
        boltz.IsingModel.from_maxcut(np.array([[0.0, 1.0, 1.0], [1.0, np.nan, 1.0]]))
    with pytest.raises(ValueError, match="edges: node numbers must lie in"):
        boltz.IsingModel.from_maxcut(np.array([[0.0, -1.0]]))
    with pytest.raises(TypeError, match="edges"):
        boltz.IsingModel.from_maxcut([["0", "1"]])
    path = _write(tmp_path / "frac.txt", "3 2\n1 2 1\n1.5 2 1\n")
    with pytest.raises(ValueError, match=r"frac\.txt, line 3: node 1\.5 is not an integer"):
        boltz.IsingModel.from_maxcut(path)
    floats = boltz.IsingModel.from_maxcut(np.array([[0.0, 2.0, 1.5], [1.0, 2.0, -1.0]]))
    ints = boltz.IsingModel.from_maxcut([(0, 2, 1.5), (1, 2, -1.0)])
    np.testing.assert_array_equal(floats.couplings_dense(), ints.couplings_dense())
    assert floats.num_spins == 3


# ---- item 16: unsigned indices --------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.uint32, np.uint64])
def test_unsigned_triplet_indices(dtype):
    """Hardening item 16: unsigned triplet indices without num_spins (OverflowError for
    uint64) give the model of the same signed indices; indices >= 2**63 or beyond num_spins
    are a ValueError."""
    rows, cols, vals = [0, 1, 2], [1, 2, 3], [1.0, -2.0, 0.5]
    model = boltz.IsingModel((np.array(rows, dtype), np.array(cols, dtype), np.array(vals)))
    signed = boltz.IsingModel((np.array(rows), np.array(cols), np.array(vals)))
    assert model.num_spins == 4
    np.testing.assert_array_equal(model.couplings_dense(), signed.couplings_dense())
    with pytest.raises(ValueError, match=r"must lie in \[0, 4\)"):
        boltz.IsingModel((np.array([0], dtype), np.array([4], dtype), np.array([1.0])),
                         num_spins=4)
    top = np.array([np.iinfo(dtype).max], dtype)
    if top[0] >= 2**31:                                 # more spins than int32 indexes
        with pytest.raises(ValueError, match=r"J describes|2\*\*63"):
            boltz.IsingModel((np.array([0], dtype), top, np.array([1.0])))
    with pytest.raises(ValueError, match=r"2\*\*63"):
        boltz.IsingModel((np.array([0], np.uint64), np.array([2**63], np.uint64),
                          np.array([1.0])), num_spins=3)


def test_spin_counts_beyond_the_kernels_are_refused_before_allocating():
    """Hardening item 16: an index that would make more spins than the kernels address
    (int32) is a ValueError naming J or num_spins, not a MemoryError."""
    with pytest.raises(ValueError, match="J describes 1099511627777 spins"):
        boltz.IsingModel((np.array([0], np.uint64), np.array([2**40], np.uint64),
                          np.array([1.0])))
    with pytest.raises(ValueError, match="num_spins describes"):
        boltz.IsingModel(([0], [1], [1.0]), num_spins=2**31)
    with pytest.raises(ValueError, match="J describes"):
        boltz.IsingModel(sp.coo_matrix(([1.0, 1.0], ([0, 1], [1, 0])), shape=(2**32, 2**32)))
