"""examples/: each script is listed in README and says how to run it and what to expect
(CI runs each one with --quick); README's figures exist and are small."""
import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted(p for p in (ROOT / "examples").glob("*.py") if not p.name.startswith("_"))


def test_every_example_is_listed_in_readme_and_documents_itself():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert SCRIPTS
    for path in SCRIPTS:
        assert f"`{path.name}`" in readme, f"{path.name} is not in README's Examples"
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
        assert doc and f"python examples/{path.name} [--quick] [--out DIR]" in doc, path.name
        assert "Expect" in doc, path.name


def test_readme_figures_exist_and_stay_small():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    figures = re.findall(r"!\[[^\]]*\]\((docs/figures/[^)]+\.png)\)", readme)
    assert figures
    for name in figures:
        assert 0 < (ROOT / name).stat().st_size < 150_000, name
