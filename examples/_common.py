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
    fig.savefig(path, dpi=100)
    print(f"figure: {path}")
    return path
