"""The three wings (and the distributed runner across them): public names unchanged, 0.1
module paths still importable (deprecated)."""
import importlib
import subprocess
import sys

import pytest

import boltz
from boltz._moved_modules import MOVED


def test_every_public_name_lives_in_its_wing():
    wings = {"numerics": boltz.numerics, "spin": boltz.spin, "machines": boltz.machines,
             "distributed": boltz.distributed}
    for name in boltz.__all__:
        if name.startswith("__"):
            continue
        homes = [w for w, mod in wings.items() if name in mod.__all__]
        assert len(homes) == 1, name
        assert getattr(wings[homes[0]], name) is getattr(boltz, name)


@pytest.mark.parametrize("old", sorted(MOVED))
def test_a_moved_module_path_warns_and_forwards(old):
    # a fresh interpreter: the alias must warn on first import
    code = (f"import warnings; warnings.simplefilter('error')\n"
            f"try:\n    import {old}\nexcept DeprecationWarning as w:\n    print(w)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert f"{old} moved to {MOVED[old]}" in out
    with pytest.warns(DeprecationWarning):
        sys.modules.pop(old, None)
        alias = importlib.import_module(old)
    new = importlib.import_module(MOVED[old])
    public = [n for n in dir(new) if not n.startswith("__")]
    assert public and all(getattr(alias, n) is getattr(new, n) for n in public)


def test_mcmc_statistics_stays_public_without_a_warning():
    code = ("import warnings; warnings.simplefilter('error')\n"
            "import boltz.mcmc_statistics, boltz.numerics.mcmc_statistics as m\n"
            "assert boltz.mcmc_statistics is m\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_moved_module_is_an_attribute_of_boltz_too_and_warns_at_the_importer(tmp_path):
    script = tmp_path / "user_script.py"
    script.write_text("import warnings\nwarnings.simplefilter('always')\nimport boltz\n"
                      "with warnings.catch_warnings(record=True) as w:\n"
                      "    warnings.simplefilter('always')\n"
                      "    Annealer = boltz.annealing.Annealer\n"
                      "print(Annealer is boltz.Annealer, w[0].category.__name__,\n"
                      "      w[0].filename.endswith('user_script.py'))\n")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["True", "DeprecationWarning", "True"]
