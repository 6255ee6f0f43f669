"""What the examples share: their command line (``--quick``, ``--out``) and the figure file."""
from __future__ import annotations

import argparse
from pathlib import Path


def parser(doc: str) -> argparse.ArgumentParser:
    """The command line of an example whose module docstring is `doc`; add options to it."""
    p = argparse.ArgumentParser(description=doc,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="a smaller run of a few seconds (what CI runs)")
    p.add_argument("--out", type=Path, default=Path("."), metavar="DIR",
                   help="folder to write the figure into (default: the current directory)")
    return p


def save(fig, out: Path, script: str) -> Path:
    """Write `fig` as ``out/<script's name>.png`` and say where."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{Path(script).stem}.png"
    fig.savefig(path, dpi=100, bbox_inches="tight")
    print(f"figure: {path}")
    return path


def mlp_logits(clf, X):
    """The logits of a fitted ``sklearn.neural_network.MLPClassifier``: its output layer
    before the softmax (the log of ``predict_proba`` loses the rows that underflow to 0)."""
    import numpy as np

    activation = {"relu": lambda a: np.maximum(a, 0.0), "tanh": np.tanh,
                  "logistic": lambda a: 1.0 / (1.0 + np.exp(-a)), "identity": lambda a: a}
    h = X
    for W, b in zip(clf.coefs_[:-1], clf.intercepts_[:-1], strict=True):
        h = activation[clf.activation](h @ W + b)
    return h @ clf.coefs_[-1] + clf.intercepts_[-1]
