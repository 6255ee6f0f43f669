"""Block runner behind every long loop: progress display and a clean stop on Ctrl-C."""
import builtins

from boltz import _progress


def test_blocks_cover_the_range_in_order():
    seen = []
    done, interrupted = _progress.run_in_blocks(10, 3, lambda a, b: seen.append((a, b)))
    assert seen == [(0, 3), (3, 6), (6, 9), (9, 10)]
    assert (done, interrupted) == (10, False)


def test_ctrl_c_stops_after_the_finished_blocks():
    def step(a, b):
        if a == 6:
            raise KeyboardInterrupt

    assert _progress.run_in_blocks(10, 3, step) == (6, True)


def test_text_progress_without_tqdm(monkeypatch, capsys):
    real_import = builtins.__import__

    def no_tqdm(name, *args, **kwargs):
        if name.startswith("tqdm"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tqdm)
    done, _ = _progress.run_in_blocks(4, 1, lambda a, b: None, progress=True, desc="work")
    assert done == 4
    err = capsys.readouterr().err
    assert "work: 100%" in err and "work:  25%" in err


def test_tqdm_progress(capsys):
    done, _ = _progress.run_in_blocks(4, 2, lambda a, b: None, progress=True, desc="tq")
    assert done == 4
    assert "tq" in capsys.readouterr().err
