"""scripts/view2.py (`make view2 JOBS=N`): its bounds, and folds the queue did not finish,
with DVC and git replaced by a record of the commands it gives."""

import importlib.util
import subprocess
import sys
from types import SimpleNamespace

import pytest

from lfw_siamese.errors import LfwError

from .conftest import ROOT

HEAD = "ab" + "c" * 38


@pytest.fixture
def script(monkeypatch):
    """The script as a module, its shell commands recorded: `given` maps a command's start to
    what it prints."""
    spec = importlib.util.spec_from_file_location("view2_script", ROOT / "scripts/view2.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.commands, module.given = [], {}

    def sh(*cmd, capture=False):
        module.commands.append(" ".join(cmd))
        return next((out for start, out in module.given.items()
                     if " ".join(cmd).startswith(start)), "")

    monkeypatch.setattr(module, "sh", sh)
    return module


@pytest.mark.parametrize("jobs", ["0", "11", "-2"])
def test_jobs_outside_one_to_ten_are_refused_before_any_command(script, monkeypatch, jobs):
    monkeypatch.setattr(sys, "argv", ["view2.py", "--jobs", jobs])
    with pytest.raises(LfwError, match=rf"--jobs {jobs}: expected 1 to 10"):
        script.main()
    assert script.commands == []


def test_folds_the_queue_did_not_finish_are_named_and_nothing_is_merged(script, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["view2.py", "--jobs", "2"])
    script.given.update({
        "dvc status --json view2/dvc.yaml":
            '{"view2/dvc.yaml:train@3": [], "view2/dvc.yaml:train@4": [],'
            ' "view2/dvc.yaml:judge@5": []}',  # a stale judge alone needs no training
        "git rev-parse HEAD": HEAD + "\n"})
    finished = f"refs/exps/ab/{HEAD[2:]}/view2-fold-3"

    def run(cmd, **_):  # `git rev-parse --verify`: only fold 3's experiment exists
        return SimpleNamespace(returncode=0 if cmd[-1] in (finished, "view2-fold-3") or
                               cmd[:3] == ["dvc", "exp", "remove"] else 1)

    monkeypatch.setattr(subprocess, "run", run)
    with pytest.raises(LfwError, match=rf"folds did not finish: refs/exps/ab/{HEAD[2:]}/"
                                       r"view2-fold-4 \(see `dvc queue logs view2-fold-K`\)"):
        script.main()
    assert "dvc exp run --queue -n view2-fold-3 view2/dvc.yaml:train@3" in script.commands
    assert not any("@5" in c for c in script.commands)
    assert "dvc exp run --run-all --jobs 2" in script.commands
    assert not any(c.startswith("git merge") for c in script.commands)
