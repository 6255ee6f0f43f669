"""The ``boltz anneal`` and ``boltz ising`` subcommands (boltz.cli.main, and real runs): one
file or several, on this machine or on a Dask cluster (``--workers``, ``--scheduler``)."""
import os
import socket
import subprocess
import sys

import numpy as np
import pytest

from boltz.cli import main

# 6-node cycle with unit weights: bipartite, so every edge can be cut (max cut 6, E = -6).
CYCLE6 = [(1, 2), (2, 3), (3, 4), (4, 5), (5, 6), (6, 1)]


def write_gset(path, edges, n, *, header_extra="", newline="\n", weights=None):
    lines = [f"{n} {len(edges)}{header_extra}"]
    for k, (i, j) in enumerate(edges):
        w = 1 if weights is None else weights[k]
        lines.append(f"{i} {j} {w}")
    path.write_bytes((newline.join(lines) + newline).encode())
    return path


def facts(text):
    """The 'key: value' lines of the anneal report as a dict."""
    out = {}
    for line in text.splitlines():
        key, sep, value = line.partition(": ")
        if sep:
            out[key] = value
    return out


def cycle_couplings():
    """Dense J of the antiferromagnetic 6-cycle (ground energy -6)."""
    J = np.zeros((6, 6))
    for i, j in CYCLE6:
        J[i - 1, j - 1] = J[j - 1, i - 1] = -1.0
    return J


# ---- boltz anneal ----------------------------------------------------------------------

@pytest.mark.parametrize("header_extra, newline", [("", "\n"), (" 0", "\r\n")],
                         ids=["plain", "trailing-token-crlf"])
def test_anneal_gset_finds_max_cut(tmp_path, capsys, header_extra, newline):
    path = write_gset(tmp_path / "cycle6.txt", CYCLE6, 6, header_extra=header_extra,
                      newline=newline)
    assert main(["anneal", str(path), "--reads", "32", "--sweeps", "200", "--seed", "1"]) == 0
    captured = capsys.readouterr()
    got = facts(captured.out)
    assert got["best cut"] == "6"
    assert float(got["best energy"]) == -6.0
    assert got["model"].startswith("6 spins, 6 bonds")
    hot, cold = (float(b) for b in got["beta range"].split(".."))
    assert 0 < hot < cold
    # the timings are printed (what they say belongs in bench/)
    assert {"time", "flips/s"} <= set(got)
    assert captured.err == ""


def test_anneal_target_prints_the_time_to_solution(tmp_path, capsys):
    path = write_gset(tmp_path / "cycle6.txt", CYCLE6, 6)
    assert main(["anneal", str(path), "--reads", "40", "--sweeps", "30", "--seed", "1",
                 "--target", "-6"]) == 0
    got = facts(capsys.readouterr().out)
    p = float(got["reads at target -6.0"].split()[0])
    hits = int(got["reads at best"].split("/")[0])
    assert p == hits / 40                         # the best here is the ground state
    tts = float(got["time to solution (99%)"].split()[0])
    per_read = float(got["time to solution (99%)"].split("(")[1].split()[0])
    expected = per_read * (max(1.0, np.log(0.01) / np.log(1 - p)) if p < 0.99 else 1.0)
    assert tts == pytest.approx(expected, rel=1e-2)  # both printed to 3 digits
    with pytest.raises(SystemExit) as stop:
        main(["anneal", str(path), "--target", "x"])
    assert stop.value.code == 2


def test_anneal_out_writes_the_states_of_every_file(tmp_path, capsys):
    import boltz

    a = write_gset(tmp_path / "a.txt", CYCLE6, 6)
    b = write_gset(tmp_path / "b.txt", CYCLE6[:5], 6)
    out = tmp_path / "states.npz"
    assert main(["anneal", str(a), str(b), "--reads", "5", "--sweeps", "50", "--seed", "2",
                 "--out", str(out)]) == 0
    got = facts(capsys.readouterr().out)
    for path in (a, b):
        saved = np.load(tmp_path / f"states-{path.stem}.npz")
        model = boltz.IsingModel.from_maxcut(str(path))
        result = boltz.Annealer(num_sweeps=50).sample(model, num_reads=5, seed=2)
        for name in ("states", "energies", "final_states", "final_energies", "best_state"):
            np.testing.assert_array_equal(saved[name], getattr(result, name))
        assert float(saved["best_energy"]) == result.best_energy
    assert "final energy over reads" in got
    for bad in ("x.txt", str(tmp_path / "no" / "x.npz")):
        assert main(["anneal", str(a), "--out", bad]) == 2


def test_anneal_multispin_and_polish_are_the_annealers(tmp_path, capsys):
    import boltz

    path = write_gset(tmp_path / "cycle6.txt", CYCLE6, 6)
    out = tmp_path / "states.npz"
    assert main(["anneal", str(path), "--reads", "70", "--sweeps", "40", "--seed", "5",
                 "--multispin", "--polish", "--out", str(out)]) == 0
    assert facts(capsys.readouterr().out)["best cut"] == "6"
    model = boltz.IsingModel.from_maxcut(str(path))
    result = boltz.Annealer(num_sweeps=40, multispin=True, polish=True).sample(
        model, num_reads=70, seed=5)
    np.testing.assert_array_equal(np.load(out)["final_states"], result.final_states)
    # a weighted file is no ±J model: a one-line error, exit 2
    weighted = write_gset(tmp_path / "tri.txt", [(1, 2), (2, 3), (1, 3)], 3, weights=[2, 3, 4])
    assert main(["anneal", str(weighted), "--multispin"]) == 2
    assert "multispin" in capsys.readouterr().err


def test_anneal_weighted_gset_options(tmp_path, capsys):
    # Triangle 1-2-3 with weights 2, 3, 4: the best cut separates node 3 (3 + 4 = 7).
    path = write_gset(tmp_path / "tri.txt", [(1, 2), (2, 3), (1, 3)], 3, weights=[2, 3, 4])
    assert main(["anneal", str(path), "--reads", "4", "--sweeps", "100", "--seed", "3",
                 "--method", "gibbs", "--schedule", "linear", "--beta-range", "0", "3",
                 "--cycles", "2", "--threads", "2", "--float32"]) == 0
    got = facts(capsys.readouterr().out)
    assert got["best cut"] == "7"
    assert float(got["best energy"]) == -5.0      # E = W - 2 cut = 9 - 14
    assert "float32" in got["model"]
    assert got["beta range"] == "0 .. 3"


def test_anneal_npz_dense(tmp_path, capsys):
    path = tmp_path / "dense.npz"
    np.savez(path, J=cycle_couplings(), h=np.zeros(6), offset=np.float64(1.5))
    assert main(["anneal", str(path), "--reads", "32", "--sweeps", "200", "--seed", "2"]) == 0
    got = facts(capsys.readouterr().out)
    assert float(got["best energy"]) == -4.5      # -6 + offset 1.5
    assert "best cut" not in got                  # not a Max-Cut model
    assert "dense" in got["model"]


def test_anneal_npz_triplets(tmp_path, capsys):
    path = tmp_path / "triplets.npz"
    rows = np.array([i - 1 for i, _ in CYCLE6])
    cols = np.array([j - 1 for _, j in CYCLE6])
    np.savez(path, rows=rows, cols=cols, values=-np.ones(6))
    assert main(["anneal", str(path), "--reads", "32", "--sweeps", "200", "--seed", "4",
                 "--order", "random"]) == 0
    got = facts(capsys.readouterr().out)
    assert float(got["best energy"]) == -6.0
    assert got["model"].startswith("6 spins, 6 bonds")


def _text(name, content):
    def make(d):
        (d / name).write_text(content)
        return d / name
    return make


def _bytes(name, content):
    def make(d):
        (d / name).write_bytes(content)
        return d / name
    return make


def _npz(name, **arrays):
    def make(d):
        np.savez(d / name, **arrays)
        return d / name
    return make


@pytest.mark.parametrize("setup, needle", [
    (lambda d: d / "missing.txt", "no such file"),
    (_text("junk.txt", "hello world\n1 2 x\n"), "junk.txt"),
    (_text("short.txt", "6 3\n1 2 1\n"), "expected 3 lines"),
    (_npz("nokeys.npz", K=np.eye(2)), "'J'"),
    (_bytes("bad.npz", b"PK\x03\x04 not really a zip"), "bad.npz"),
    (_npz("asym.npz", J=np.triu(np.ones((3, 3)), 1)), "symmetric"),
], ids=["missing", "garbage", "too-few-edges", "npz-no-J", "corrupt-npz", "asymmetric-J"])
def test_anneal_errors_exit_2(tmp_path, capsys, setup, needle):
    path = setup(tmp_path)
    assert main(["anneal", str(path), "--sweeps", "10"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err.strip()
    assert "\n" not in err and err.startswith("boltz: error:")
    assert needle in err
    assert "Traceback" not in captured.err


def test_npz_errors_do_not_mention_edge_lists(tmp_path, capsys):
    """Hardening item 21: a damaged .npz is reported as an .npz, not as a Gset edge list."""
    for path in (_npz("nokeys.npz", K=np.eye(2))(tmp_path),
                 _bytes("bad.npz", b"PK\x03\x04 not really a zip")(tmp_path)):
        assert main(["anneal", str(path)]) == 2
        err = capsys.readouterr().err
        assert ".npz" in err and "Gset" not in err and "edge list" not in err


def test_anneal_bad_options_exit_2(tmp_path, capsys):
    path = write_gset(tmp_path / "cycle6.txt", CYCLE6, 6)
    for extra in (["--reads", "0"], ["--beta-range", "2", "1"],
                  ["--beta-range", "0", "1"]):          # geometric schedule needs hot > 0
        assert main(["anneal", str(path), *extra]) == 2
        assert "boltz: error:" in capsys.readouterr().err


def test_anneal_real_entry_point(tmp_path):
    path = write_gset(tmp_path / "cycle6.txt", CYCLE6, 6, header_extra=" 0", newline="\r\n")
    proc = subprocess.run([sys.executable, "-m", "boltz", "anneal", str(path), "--reads", "32",
                           "--sweeps", "200", "--seed", "5"],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "OMP_NUM_THREADS": "2"})
    assert proc.returncode == 0, proc.stderr
    assert facts(proc.stdout)["best cut"] == "6"
    missing = subprocess.run([sys.executable, "-m", "boltz", "anneal",
                              str(tmp_path / "nope.txt")],
                             capture_output=True, text=True, timeout=120)
    assert missing.returncode == 2
    assert "no such file" in missing.stderr and "Traceback" not in missing.stderr


def random_gset(path, n=40, m=120, seed=0):
    """A random +-1 weighted graph: short anneals of it end at different energies per read
    and per seed, so equal reports are not equal by accident."""
    rng = np.random.default_rng(seed)
    pairs = sorted({(min(i, j), max(i, j)) for i, j in rng.integers(1, n + 1, (m, 2))
                    if i != j})
    return write_gset(path, pairs, n, weights=rng.choice([-1, 1], len(pairs)))


def reports(text):
    """The report of each file of a `boltz anneal` output, without its timing lines (time,
    flips/s) and its 'file:' header: {file: [lines]} ({None: [lines]} for one file)."""
    out, name = {}, None
    for line in text.splitlines():
        if line.startswith("file: "):
            name = line[len("file: "):]
        elif line and not line.startswith(("time: ", "flips/s: ")):
            out.setdefault(name, []).append(line)
    return out


@pytest.fixture
def three_files(tmp_path):
    """A random Max-Cut graph, the 6-cycle as an .npz of triplets and another random graph."""
    triplets = tmp_path / "triplets.npz"
    np.savez(triplets, rows=np.array([i - 1 for i, _ in CYCLE6]),
             cols=np.array([j - 1 for _, j in CYCLE6]), values=-np.ones(6))
    return [str(random_gset(tmp_path / "r40.txt")), str(triplets),
            str(random_gset(tmp_path / "r30.txt", n=30, m=80, seed=1))]


SHORT = ["--reads", "8", "--sweeps", "20", "--seed", "11"]


def test_anneal_several_files_match_separate_commands(three_files, capsys):
    """Each file gets the same seed: its report does not depend on the other files."""
    assert main(["anneal", *three_files, *SHORT]) == 0
    captured = capsys.readouterr()
    together = reports(captured.out)
    assert list(together) == three_files and captured.err == ""
    assert captured.out.count("time: ") == 3
    for path in three_files:
        assert main(["anneal", path, *SHORT]) == 0
        assert reports(capsys.readouterr().out) == {None: together[path]}
    # the random graph's reads do not all agree, and another seed gives another report
    assert facts("\n".join(together[three_files[0]]))["reads at best"] != "8/8"
    assert main(["anneal", three_files[0], *SHORT[:-1], "12"]) == 0
    assert reports(capsys.readouterr().out)[None] != together[three_files[0]]


def test_anneal_bad_file_anywhere_stops_before_any_annealing(three_files, tmp_path, capsys,
                                                            monkeypatch):
    import boltz

    calls = []
    monkeypatch.setattr(boltz.Annealer, "sample", lambda *a, **k: calls.append(a))
    junk = str(_text("junk.txt", "hello world\n")(tmp_path))
    missing = str(tmp_path / "missing.txt")
    for files, bad in (([*three_files, junk], junk), ([missing, *three_files], missing)):
        assert main(["anneal", *files]) == 2
        captured = capsys.readouterr()
        assert captured.out == "" and captured.err.count("\n") == 1
        assert captured.err.startswith(f"boltz: error: {bad}")
    assert calls == []


@pytest.mark.parametrize("how", ["KeyboardInterrupt", "interrupted result"])
def test_anneal_ctrl_c_keeps_the_reports_of_the_files_done(three_files, capsys, monkeypatch,
                                                           how):
    """Ctrl-C in the second file: the first file's report stays, the third is not
    annealed, exit status 130 (a KeyboardInterrupt comes out of a cluster run none of whose
    tasks finished; an interrupted result, with the best so far, out of any other)."""
    import boltz

    sample, calls = boltz.Annealer.sample, []

    def stopped_in_the_second(self, *args, **kwargs):
        calls.append(args)
        if len(calls) == 2 and how == "KeyboardInterrupt":
            raise KeyboardInterrupt
        result = sample(self, *args, **kwargs)
        if len(calls) == 2:
            result.info["interrupted"] = True
        return result

    monkeypatch.setattr(boltz.Annealer, "sample", stopped_in_the_second)
    assert main(["anneal", *three_files, *SHORT]) == 130
    captured = capsys.readouterr()
    done = reports(captured.out)
    assert len(calls) == 2 and three_files[2] not in done
    assert main(["anneal", three_files[0], *SHORT]) == 0
    assert done[three_files[0]] == reports(capsys.readouterr().out)[None]
    if how == "KeyboardInterrupt":
        assert list(done) == [three_files[0]] and captured.err == "interrupted\n"
    else:
        assert "best energy" in "\n".join(done[three_files[1]])
        assert captured.err == (f"interrupted after 20 sweeps of {three_files[1]}: results "
                                f"are the best so far; 1 file not annealed\n")


def test_anneal_shard_size_needs_a_cluster(three_files, capsys):
    assert main(["anneal", three_files[0], "--shard-size", "2"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "boltz: error: --shard-size needs --scheduler or --workers\n"


def test_anneal_without_a_cluster_imports_no_dask(three_files):
    code = ("import sys; from boltz.cli import main; "
            f"status = main(['anneal', *{three_files!r}, '--sweeps', '5']); "
            "print(status, sorted(m for m in sys.modules "
            "if m.split('.')[0] in ('dask', 'distributed')))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert proc.stdout.splitlines()[-1] == "0 []", proc.stderr


# ---- boltz ising -----------------------------------------------------------------------

def table_rows(text):
    """Rows of the ising table as lists of floats (T, E, se, |m|, se, C, se)."""
    rows = []
    for line in text.splitlines():
        tokens = line.replace("±", " ").split()
        try:
            rows.append([float(t) for t in tokens])
        except ValueError:
            continue                                   # title, header, time lines
    return rows


def test_ising_table(capsys):
    assert main(["ising", "--size", "8", "--temperatures", "1.5", "3.5", "--sweeps", "300",
                 "--burn-in", "100", "--seed", "7"]) == 0
    out = capsys.readouterr().out
    rows = table_rows(out)
    assert len(rows) == 2 and all(len(r) == 7 for r in rows)
    (t1, e1, e1_se, m1, m1_se, c1, c1_se), (t2, e2, e2_se, m2, m2_se, c2, c2_se) = rows
    assert (t1, t2) == (1.5, 3.5)
    assert abs(e1 - (-1.95)) < 0.1 and abs(e2 - (-0.66)) < 0.1
    assert m1 > 0.9 and m2 < 0.5                       # ordered below T_c, not above
    assert c1 > 0 and c2 > 0
    assert all(se >= 0 for se in (e1_se, m1_se, c1_se, e2_se, m2_se, c2_se))
    # header and rows line up: the '±' columns sit at the same offsets
    lines = [ln for ln in out.splitlines() if "±" in ln]
    assert len(lines) == 3
    positions = {tuple(i for i, ch in enumerate(ln) if ch == "±") for ln in lines}
    assert len(positions) == 1


@pytest.mark.parametrize("argv, needle", [
    (["--size", "8", "--temperatures", "2.0", "-1"], "--temperatures"),
    (["--size", "8", "--temperatures", "0"], "--temperatures"),
    (["--size", "0"], "--size"),
    (["--size", "4", "--chains", "0"], "--chains"),
    (["--size", "4", "--seed", "-1"], "--seed"),          # hardening item 21: was a traceback
])
def test_ising_errors_exit_2(capsys, argv, needle):
    assert main(["ising", *argv]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert err.startswith("boltz: error:") and needle in err and "\n" not in err
    assert captured.out == ""


def test_keyboard_interrupt_exit_130(monkeypatch, capsys):
    import boltz

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(boltz, "sample", interrupted)
    assert main(["ising", "--size", "4", "--temperatures", "2.0"]) == 130
    assert "interrupted" in capsys.readouterr().err


def test_output_closed_early_is_not_a_crash():
    # `boltz info | head -1`: the reader leaves while the self-check still prints
    proc = subprocess.Popen([sys.executable, "-m", "boltz", "info"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    first = proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert first.startswith(b"boltz ")
    assert "Traceback" not in err and proc.returncode == 141


# ---- --plot ----------------------------------------------------------------------------

@pytest.fixture
def drawn(monkeypatch):
    """The figures the subcommands would save, drawn on Agg axes and kept (path -> axes)."""
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    from boltz.cli import _figures

    figures = {}

    def keep(path, panels, draw, size):
        axes = Figure().subplots(1, panels, squeeze=False).ravel()
        draw(axes if panels > 1 else axes[0])
        figures[path] = axes if panels > 1 else axes[0]

    monkeypatch.setattr(_figures, "save_figure", keep)
    for module in ("_ising", "_anneal"):
        monkeypatch.setattr(f"boltz.cli.{module}.save_figure", keep)
    return figures


def test_ising_plot_draws_the_table(capsys, drawn):
    assert main(["ising", "--size", "6", "--temperatures", "1.5", "2.5", "3.5", "--sweeps",
                 "200", "--burn-in", "50", "--seed", "3", "--plot", "ising.png"]) == 0
    rows = np.array(table_rows(capsys.readouterr().out))
    axes = drawn["ising.png"]
    assert len(axes) == 3
    for k, ax in enumerate(axes):
        bars = ax.containers[0]
        np.testing.assert_allclose(bars.lines[0].get_xdata(), rows[:, 0])
        np.testing.assert_allclose(bars.lines[0].get_ydata(), rows[:, 1 + 2 * k], atol=6e-6)
        assert "temperature T" in ax.get_xlabel()
        t_c = [line for line in ax.lines if line.get_linestyle() == "--"]
        assert t_c[0].get_xdata()[0] == pytest.approx(2 / np.log1p(np.sqrt(2)))
    assert "C/N" in axes[2].get_ylabel()


def test_anneal_plot_draws_the_records(tmp_path, capsys, drawn):
    path = write_gset(tmp_path / "c6.txt", CYCLE6, 6)
    assert main(["anneal", str(path), "--reads", "3", "--sweeps", "400", "--seed", "1",
                 "--plot", "anneal.png"]) == 0
    ax = drawn["anneal.png"]
    best = ax.lines[3]
    assert best.get_xdata()[-1] == 400 and len(best.get_xdata()) == 200
    assert best.get_ydata()[-1] == float(facts(capsys.readouterr().out)["best energy"])


def test_anneal_plot_of_several_files_draws_one_figure_each(three_files, tmp_path, capsys,
                                                            drawn):
    plot = str(tmp_path / "run.png")
    assert main(["anneal", *three_files, *SHORT, "--plot", plot]) == 0
    got = reports(capsys.readouterr().out)
    for path in three_files:
        stem = os.path.splitext(os.path.basename(path))[0]
        best = drawn[str(tmp_path / f"run-{stem}.png")].lines[-1]
        assert best.get_ydata()[-1] == float(facts("\n".join(got[path]))["best energy"])
    assert len(drawn) == 3


def test_anneal_plot_of_files_with_one_stem_is_refused(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
        write_gset(tmp_path / d / "g.txt", CYCLE6, 6)
    assert main(["anneal", str(tmp_path / "a" / "g.txt"), str(tmp_path / "b" / "g.txt"),
                 "--plot", str(tmp_path / "run.png")]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "run-g.png" in captured.err and "--plot" in captured.err


def test_plot_writes_an_image(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    path = write_gset(tmp_path / "c6.txt", CYCLE6, 6)
    for argv, name in ((["anneal", str(path), "--sweeps", "50"], "a.png"),
                       (["ising", "--size", "4", "--temperatures", "2", "--sweeps", "20",
                         "--burn-in", "5"], "i.svg")):
        assert main([*argv, "--plot", str(tmp_path / name)]) == 0
        head = (tmp_path / name).read_bytes()[:64]
        assert head.startswith(b"\x89PNG") if name.endswith("png") else b"<svg" in \
            (tmp_path / name).read_bytes()[:2000]


@pytest.mark.parametrize("plot, needle", [("out.txt", "must end in"),
                                          ("no/such/dir/out.png", "no such folder")])
@pytest.mark.parametrize("command", ["anneal", "ising"])
def test_plot_path_checked_before_any_work(tmp_path, capsys, plot, needle, command):
    argv = (["anneal", str(write_gset(tmp_path / "c6.txt", CYCLE6, 6))] if command == "anneal"
            else ["ising", "--size", "4"])
    assert main([*argv, "--plot", str(tmp_path / plot)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and needle in captured.err and "--plot" in captured.err


@pytest.mark.parametrize("command", ["anneal", "ising"])
def test_plot_without_matplotlib_is_a_one_line_error(tmp_path, capsys, monkeypatch, command):
    monkeypatch.setitem(sys.modules, "matplotlib.backends.backend_agg", None)
    argv = (["anneal", str(write_gset(tmp_path / "c6.txt", CYCLE6, 6))] if command == "anneal"
            else ["ising", "--size", "4"])
    assert main([*argv, "--plot", str(tmp_path / "out.png")]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and 'pip install "boltz[plot]"' in captured.err
    assert "Traceback" not in captured.err and not (tmp_path / "out.png").exists()


@pytest.mark.parametrize("command", ["anneal", "ising"])
def test_plot_unwritable_is_a_clean_error(tmp_path, capsys, command):
    """FILE is a folder: the results are printed, then a one-line error and status 2."""
    pytest.importorskip("matplotlib")
    (tmp_path / "taken.png").mkdir()
    argv = (["anneal", str(write_gset(tmp_path / "c6.txt", CYCLE6, 6)), "--sweeps", "20"]
            if command == "anneal" else
            ["ising", "--size", "4", "--temperatures", "2", "--sweeps", "20", "--burn-in", "5"])
    assert main([*argv, "--plot", str(tmp_path / "taken.png")]) == 2
    captured = capsys.readouterr()
    assert "time:" in captured.out and "Is a directory" in captured.err
    assert "Traceback" not in captured.err and len(captured.err.splitlines()) == 1


# ---- boltz anneal on a Dask cluster ----------------------------------------------------

def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def scheduler():
    """The address of a LocalCluster of two single-threaded worker processes."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster:
        yield cluster.scheduler_address


@pytest.mark.slow
@pytest.mark.parametrize("where", ["workers", "scheduler"])
def test_anneal_on_a_cluster_reports_what_the_local_run_does(three_files, tmp_path, capsys,
                                                            drawn, request, where):
    """Several files, one cluster, reads cut into tasks of 3: the same reports and the same
    energy records of every read as without the cluster; the time lines say where."""
    options = [*SHORT, "--plot", str(tmp_path / "run.png")]
    cluster = (["--workers", "2"] if where == "workers"
               else ["--scheduler", request.getfixturevalue("scheduler")])
    assert main(["anneal", *three_files, *options, *cluster, "--shard-size", "3"]) == 0
    captured = capsys.readouterr()
    on_cluster, figures = reports(captured.out), dict(drawn)
    drawn.clear()
    assert main(["anneal", *three_files, *options]) == 0
    assert on_cluster == reports(capsys.readouterr().out)
    assert figures.keys() == drawn.keys() and len(figures) == 3
    for name, ax in figures.items():
        assert len(ax.lines) == 8 + 1                  # each read, and the best so far
        for mine, local in zip(ax.lines, drawn[name].lines, strict=True):
            np.testing.assert_array_equal(mine.get_ydata(), local.get_ydata())
    at = ("of a local cluster" if where == "workers" else f"at {cluster[1]}")
    times = [line for line in captured.out.splitlines() if line.startswith("time: ")]
    assert len(times) == 3
    assert all(t.endswith(f" s on 2 Dask workers {at} (3 tasks)") for t in times), times


def test_anneal_unreachable_scheduler_exit_2(three_files, capsys, monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.setattr("boltz.distributed._cluster.CONNECT_TIMEOUT", 0.5)
    address = f"tcp://127.0.0.1:{_closed_port()}"
    assert main(["anneal", *three_files, "--scheduler", address]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert captured.err.startswith(f"boltz: error: --scheduler: no Dask scheduler answered "
                                   f"at {address!r} within 0.5 s")


def test_anneal_without_dask_exit_2(three_files, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    for option in (["--workers", "2"], ["--scheduler", "tcp://127.0.0.1:8786"]):
        assert main(["anneal", *three_files, *option]) == 2
        captured = capsys.readouterr()
        assert captured.out == "" and captured.err.count("\n") == 1
        assert captured.err.startswith(f"boltz: error: {option[0]} runs on Dask")
        assert captured.err.endswith('pip install "boltz[distributed]"\n')


@pytest.mark.parametrize("options, needle", [
    (["--workers", "0"], "--workers must be >= 1, got 0"),
    (["--workers", "1000000"], "--workers must be <= "),
    (["--workers", "2", "--shard-size", "0"], "--shard-size must be >= 1, got 0"),
])
def test_anneal_bad_cluster_options_exit_2_before_starting_one(three_files, capsys,
                                                               monkeypatch, options, needle):
    monkeypatch.setitem(sys.modules, "distributed", None)   # a cluster would fail to start
    assert main(["anneal", *three_files, *options]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and needle in captured.err


def test_anneal_scheduler_and_workers_together_is_a_usage_error(three_files, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["anneal", *three_files, "--scheduler", "tcp://127.0.0.1:8786", "--workers", "2"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "usage:" in err and "--workers: not allowed with argument --scheduler" in err
