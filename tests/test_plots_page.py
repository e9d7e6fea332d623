"""`dvc plots diff` writes a page that draws its charts with no network (the vega libraries
travel in plots/offline.html), checked in headless Chromium."""

import os
import shutil
import subprocess
import sys

import yaml

from .browser import needs_chromium, render
from .conftest import ROOT


def git(repo, *args):
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def write_run(repo, k: float):
    """The plot files of one run; `k` makes two runs differ."""
    curves = {"loss": lambda e: 3 - e * k, "val_loss": lambda e: 0.7 - e * k / 10,
              "accuracy": lambda e: e * k / 5, "val_accuracy": lambda e: 0.5 + e * k / 20,
              "val_auc": lambda e: 0.6 + e * k / 20, "learning_rate": lambda e: 0.002 / (e + 1)}
    files = {  # as DVCLive writes them
        f"metrics/train/plots/metrics/train/{name}.tsv": f"step\t{name}\n"
        + "".join(f"{e}\t{f(e):.4f}\n" for e in range(5)) for name, f in curves.items()}
    files |= {
        "metrics/roc.csv": f"fpr,tpr\n0,0\n0.1,{0.5 + k:.2f}\n0.5,{0.8 + k / 2:.2f}\n1,1\n",
        "metrics/confusion.csv": "actual,predicted\nsame,same\nsame,different\n"
                                 "different,different\n",
        "metrics/analysis/images_per_person.csv": f"images,people\n1,{4000 + k:.0f}\n2,779\n",
        "metrics/identify_cmc.csv": "rank,fused,net,descriptors,pixels\n" + "".join(
            f"{r},{0.4 + r * k / 10:.3f},{0.3 + r * k / 10:.3f},{0.35 + r * k / 10:.3f},"
            f"{0.05 + r / 100:.3f}\n" for r in range(1, 6)),
    }
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)


@needs_chromium
def test_plots_diff_page_draws_every_chart_offline(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    plots = yaml.safe_load((ROOT / "dvc.yaml").read_text())["plots"]
    (repo / "dvc.yaml").write_text(yaml.safe_dump(
        {"plots": [p for p in plots if isinstance(p, dict)]}, sort_keys=False))
    shutil.copytree(ROOT / "plots", repo / "plots")
    git(repo, "init", "-q", "-b", "main")
    dvc = [sys.executable, "-m", "dvc"]
    subprocess.run(dvc + ["init", "-q"], cwd=repo, check=True)
    (repo / ".dvc/config").write_text((ROOT / ".dvc/config").read_text())
    write_run(repo, 0.1)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "run 1")
    write_run(repo, 0.3)  # the workspace: a second run
    subprocess.run(dvc + ["plots", "diff", "HEAD", "-o", "page"], cwd=repo, check=True,
                   capture_output=True)
    page = repo / "page" / "index.html"
    assert "cdn.jsdelivr.net" not in page.read_text()  # the template replaced DVC's CDN links
    result = render(page)
    assert result["errors"] == []
    assert len(result["charts"]) == len(plots) - 1  # every vega plot of dvc.yaml, drawn
    assert all(ink > 500 for ink in result["charts"]), result["charts"]
