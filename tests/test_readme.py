"""README's examples run as written (hardening item 25), and say what is true."""
import os
import re
from pathlib import Path

import numpy as np
import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def _python_blocks():
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


@pytest.fixture(scope="module")
def readme(tmp_path_factory):
    """The namespace after running every python block of README in order."""
    pytest.importorskip("dimod")
    pytest.importorskip("sklearn")
    namespace = {}
    cwd = Path.cwd()
    os.chdir(tmp_path_factory.mktemp("readme"))       # rbm.save writes a file
    try:
        for block in _python_blocks():
            exec(compile(block, str(README), "exec"), namespace)
    finally:
        os.chdir(cwd)
    return namespace


@pytest.mark.slow
def test_readme_examples_run_and_their_comments_hold(readme):
    import boltz

    # log1p(e^-40) and the zero-temperature softmax with a tie
    assert boltz.logsumexp([0.0, -40.0]) == pytest.approx(np.log1p(np.exp(-40.0)), rel=1e-15)
    assert np.allclose(boltz.softmax([1.0, 2.0, 2.0], temperature=1e-9), [0, 0.5, 0.5])
    # the two-level Schottky peak: C = x^2 e^x / (1 + e^x)^2 with x = 1/T peaks at T = 0.4168
    assert readme["T"][readme["th"].heat_capacity.argmax()] == pytest.approx(0.42)
    # temperature scaling recovers T = 2 within its standard error, and calibrates
    fit, z, y = readme["fit"], readme["z"], readme["y"]
    assert (round(fit.temperature, 3), round(fit.stderr, 3)) == (2.049, 0.029)
    assert abs(fit.temperature - 2.0) < 3 * fit.stderr
    assert round(boltz.expected_calibration_error(fit.calibrate(z), y), 3) == 0.017
    assert round(boltz.expected_calibration_error(boltz.softmax(z), y), 3) == 0.213
    # Jaynes' die: mean 4.5
    beta = boltz.solve_beta([1, 2, 3, 4, 5, 6], 4.5)
    assert beta == pytest.approx(-0.371048938, abs=1e-9)
    # Onsager: u(T = 1.5) = -1.9511 per spin on the infinite lattice (64 x 64 is within noise)
    trace = readme["trace"]
    assert abs(trace.mean_energy / 64**2 + 1.9511) < 5 * trace.mean_energy_se / 64**2 + 2e-3
    # a cut of the random graph: at least the half of the edges a random assignment gets
    maxcut, result = readme["maxcut"], readme["result"]
    assert maxcut.maxcut_value(result.best_state) > 0.55 * readme["pairs"].sum()
    # 4-2-4 encoder: V2 follows the clamped V1
    v2 = readme["bm"].sample(200, clamp=[1, 0, 0, 0] + [-1] * 6, seed=0)[:, 4:8]
    assert (v2.argmax(axis=1) == 0).mean() > 0.5
    # the plotted best-so-far curve ends at the anneal's best energy
    annealed, ax = readme["annealed"], readme["ax"]
    (best,) = [line for line in ax.lines if line.get_label() == "best so far"]
    assert best.get_ydata()[-1] == pytest.approx(annealed.best_energy)
    # Scaling out: the cluster's anneal is the local one, bit for bit; map_models in order
    assert np.array_equal(readme["there"].states, readme["here"].states)
    assert [r.energies.shape for r in readme["per_model"]] == [(8,)] * 4
    # the RBM's AIS estimate agrees with its reported standard error being finite
    assert np.isfinite(readme["rbm"].ais_.log_z_se)
    # the recommender: its comment's RMSE and MAE, and ten films user 1 has not rated
    recommender, part, test = readme["recommender"], readme["part"], readme["test"]
    assert abs(recommender.rmse(part(test)) - 0.915) < 0.01
    assert abs(recommender.mae(part(test)) - 0.72) < 0.01
    top = recommender.recommend(1, n=10)
    ml, train = readme["ml"], readme["train"]
    rated = set(ml.item_ids[train][ml.user_ids[train] == 1].tolist())
    assert len(top) == 10 and not rated & set(top.tolist())
