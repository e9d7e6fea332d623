"""A throw-away copy of this project as a git + DVC repository, and commands run in it."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def run(cmd, cwd, env, check=True):
    """Run `cmd` in `cwd`; with `check`, fail the test with its output if it fails."""
    # The limit only turns a hang into a failure. The longest command of the suite, the ten
    # real View 2 folds, ran past 900 s on a slow 2-core AMD day (numpy matmul 89 GFLOP/s):
    # 3 h is far above any of them on any machine this suite runs on.
    result = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=3 * 3600)
    if check and result.returncode != 0:
        pytest.fail(f"{' '.join(cmd)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def copy_project(repo: Path, params: dict, mirror: Path | None = None) -> dict:
    """Copy what git would commit (less data/ and metrics/, and with no dvc.lock) into `repo`,
    with `params` over params.yaml's values, as the first commit of a new git repository.
    view2/dvc.lock stays, as in every clone of the project: its folds, recorded on other
    inputs, are stale there. Returns the environment to run its commands in."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.split()
    for name in files:
        if (ROOT / name).is_file() and not name.startswith(("data/", "metrics/")):
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, repo / name)
    (repo / "dvc.lock").unlink(missing_ok=True)
    recipe = yaml.safe_load((repo / "params.yaml").read_text())
    (repo / "params.yaml").write_text(yaml.safe_dump({**recipe, **params}, sort_keys=False))
    env = {**os.environ, "PYTHONPATH": str(repo / "src"),
           "PATH": f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ['PATH']}",
           "GIT_AUTHOR_NAME": "test", "GIT_AUTHOR_EMAIL": "test@example.invalid",
           "GIT_COMMITTER_NAME": "test", "GIT_COMMITTER_EMAIL": "test@example.invalid"}
    if mirror is not None:
        env["LFW_MIRROR"] = str(mirror)
    run(["git", "init", "-q", "-b", "main"], repo, env)
    run(["git", "add", "-A"], repo, env)
    run(["git", "commit", "-qm", "the project"], repo, env)
    return env
