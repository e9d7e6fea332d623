"""scripts/grid.py args: a named configuration as `dvc exp run -S` arguments, by hand."""

import subprocess
import sys

import yaml

from lfw_siamese.experiments import load_set, sizes

from .conftest import ROOT

GRID_PY = [sys.executable, str(ROOT / "scripts" / "grid.py")]


def test_args_give_back_the_configuration_and_survive_word_splitting():
    out = subprocess.run(GRID_PY + ["args", "report", "exp9", "--size", "reduced"], capture_output=True,
                         text=True, check=True).stdout
    words = out.split()  # as the shell splits `$(python scripts/grid.py args exp9)`
    assert words[::2] == ["-S"] * (len(words) // 2)
    settings = dict(w.split("=", 1) for w in words[1::2])
    assert {k: yaml.safe_load(v) for k, v in settings.items()} == {
        **load_set("report", ROOT / "experiments")["exp9"], **sizes(ROOT / "experiments")["reduced"]}


def test_args_of_an_unknown_name_list_the_known_ones():
    result = subprocess.run(GRID_PY + ["args", "report", "exp12"], capture_output=True, text=True)
    assert result.returncode == 2
    assert "unknown report name(s) exp12; known: exp1, exp2" in result.stderr
