"""boltz.plot._reliability: the drawn bars and lines are the reliability diagram's data."""
import numpy as np
import pytest
import scipy.special as sp

import boltz

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from boltz.plot._reliability import reliability  # noqa: E402


@pytest.fixture
def probs_labels():
    rng = np.random.default_rng(5)
    z = rng.standard_normal((2000, 4)) * 2
    labels = (np.cumsum(sp.softmax(z, axis=1), axis=1) < rng.random((2000, 1))).sum(axis=1)
    return sp.softmax(3 * z, axis=1), np.minimum(labels, 3)      # over-confident


def test_bars_are_the_accuracy_and_the_gap(probs_labels):
    probs, labels = probs_labels
    d = boltz.reliability_diagram(probs, labels, n_bins=10)
    ax = reliability(probs, labels, n_bins=10)
    full = d.counts > 0
    bars, gaps = ax.containers[0], ax.containers[1]
    assert len(bars) == len(gaps) == full.sum()
    np.testing.assert_allclose([b.get_height() for b in bars], d.accuracy[full], rtol=1e-12)
    np.testing.assert_allclose([b.get_x() for b in bars], d.bin_edges[:-1][full])
    np.testing.assert_allclose([b.get_width() for b in bars], 0.1, rtol=1e-12)
    np.testing.assert_allclose([g.get_y() + g.get_height() for g in gaps], d.confidence[full],
                               rtol=1e-12)
    np.testing.assert_array_equal(ax.lines[0].get_xydata(), [[0, 0], [1, 1]])
    assert ax.get_xlabel() == "confidence (top-class probability)"
    assert ax.get_ylabel() == "accuracy"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(f"ECE = {d.ece:.4f}" in t for t in legend)
    plt.close(ax.figure)


def test_a_diagram_and_an_axes_can_be_given(probs_labels):
    probs, labels = probs_labels
    d = boltz.reliability_diagram(probs, labels)
    fig, (left, right) = plt.subplots(1, 2)
    assert reliability(d, ax=right) is right and not left.containers
    np.testing.assert_allclose([b.get_height() for b in right.containers[0]],
                               d.accuracy[d.counts > 0])
    with pytest.raises(TypeError, match="labels"):
        reliability(d, labels)
    with pytest.raises(TypeError, match="labels"):
        reliability(probs)
    plt.close(fig)
