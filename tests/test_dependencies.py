"""Every stage of both dvc.yaml files declares exactly the project modules its script uses,
and the pipeline paths its script names (so DVC never keeps a stale output)."""

import ast
from pathlib import Path

import pytest
import yaml

from lfw_siamese import paths

from .conftest import ROOT

PACKAGE = ROOT / "src" / "lfw_siamese"
PIPELINES = (ROOT / "dvc.yaml", ROOT / "view2" / "dvc.yaml", ROOT / "blufr" / "dvc.yaml")
# Deliberately not DVC outputs: the download cache (checked on use) and the checkpoints of
# unfinished runs (a `persist` output would keep the stage out of DVC's run-cache).
UNTRACKED = {str(paths.DOWNLOADS), str(paths.CHECKPOINTS)}


def discovering(folder: Path) -> bool:
    """Whether a package finds its modules at run time (pkgutil): loading it loads every
    module in its folder, so a stage that loads it depends on the whole folder."""
    init = folder / "__init__.py"
    return init.is_file() and "pkgutil.iter_modules" in init.read_text()


def module_file(name: str) -> Path | None:
    """The file of a project module `lfw_siamese[.sub].name` (a package's __init__.py), or
    None for anything else."""
    parts = name.split(".")
    if parts[0] != "lfw_siamese":
        return None
    base = PACKAGE.joinpath(*parts[1:])
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if parts[1:] and path.is_file() or not parts[1:] and path == PACKAGE / "__init__.py":
            return path
    return None


def package_of(path: Path) -> str:
    """The dotted package a file of the project lies in (`lfw_siamese.net`); '' outside."""
    if not path.is_relative_to(PACKAGE):
        return ""
    return ".".join(("lfw_siamese", *path.parent.relative_to(PACKAGE).parts))


def imported_modules(path: Path) -> set[str]:
    """Project modules a file imports anywhere in it (function-level imports included)."""
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the file's package, up level - 1
                package = package_of(path).split(".")
                package = package[:len(package) - node.level + 1]
                base = ".".join(package + ([base] if base else []))
            found.add(base)
            found |= {f"{base}.{a.name}" for a in node.names}  # `from pkg import module`
    return {m for m in found if module_file(m)}


def used_files(script: Path) -> set[Path]:
    """The package files a stage script loads: its imports, theirs, the __init__.py of each
    package they lie in, and every module of a package that finds its modules at run time."""
    todo, seen = [script], set()
    while todo:
        for name in imported_modules(todo.pop()):
            parts = name.split(".")
            files = [module_file(".".join(parts[:k])) for k in range(1, len(parts))] + [
                module_file(name)]
            files += [f for file in files if file is not None and discovering(file.parent)
                      for f in sorted(file.parent.glob("*.py"))]
            for file in files:
                if file is not None and file not in seen:
                    seen.add(file)
                    todo.append(file)
    return seen


def declared_form(files: set[Path]) -> set[str]:
    """How dvc.yaml lists package files: each file, except those of a package that finds its
    modules at run time, listed as its folder."""
    return {(f.parent if discovering(f.parent) else f).relative_to(ROOT).as_posix()
            for f in files}


def named_paths(script: Path) -> set[str]:
    """Pipeline paths (lfw_siamese.paths constants) a stage script names."""
    constants = {k: str(v) for k, v in vars(paths).items() if isinstance(v, Path)}
    tree = ast.parse(script.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "lfw_siamese.paths":
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.Attribute) and getattr(node.value, "id", None) == "paths":
            names.add(node.attr)
    return {constants[n] for n in names if n in constants}


def stages():
    for pipeline in PIPELINES:
        for name, stage in yaml.safe_load(pipeline.read_text())["stages"].items():
            yield f"{pipeline.relative_to(ROOT)}:{name}", stage.get("do", stage)


def problems(stage: dict) -> list[str]:
    """What a stage's declarations miss or declare in vain."""
    script = ROOT / stage["cmd"].split()[1]
    declared = [str(d) for d in stage.get("deps", [])]
    outs = [next(iter(o)) if isinstance(o, dict) else o
            for key in ("outs", "metrics", "plots") for o in stage.get(key, [])]
    found = []
    if script.relative_to(ROOT).as_posix() not in declared:
        found.append(f"missing dependency {script.relative_to(ROOT)} (the script itself)")
    used = declared_form(used_files(script))
    listed = {d for d in declared if d.startswith("src/")}
    found += [f"missing dependency {f}" for f in sorted(used - listed)]
    found += [f"stale dependency {f} (the script does not use it)" for f in sorted(listed - used)]
    for path in sorted(named_paths(script) - UNTRACKED):
        if not any(path == d or path.startswith(d + "/") or d.startswith(path + "/")
                   for d in declared + [str(o) for o in outs]):
            found.append(f"{path}: named by the script, neither a dependency nor an output")
    return found


@pytest.mark.parametrize("where, stage", list(stages()), ids=[w for w, _ in stages()])
def test_stage_declares_what_its_script_uses(where, stage):
    assert problems(stage) == [], f"{where}: " + "; ".join(problems(stage))


def test_a_dependency_removed_on_purpose_is_reported():
    stage = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]["prepare"]
    assert problems(stage) == []
    stage["deps"].remove("src/lfw_siamese/data/images.py")
    stage["deps"].remove("data/lfw")
    assert problems(stage) == [
        "missing dependency src/lfw_siamese/data/images.py",
        "data/lfw/images.zip: named by the script, neither a dependency nor an output",
        "data/lfw/pairs: named by the script, neither a dependency nor an output",
    ]


def test_an_unused_dependency_is_reported_as_stale():
    stage = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]["analyze"]
    stage["deps"].append("src/lfw_siamese/net/model.py")
    assert problems(stage) == [
        "stale dependency src/lfw_siamese/net/model.py (the script does not use it)"]


# pyproject.toml's distributions and the module each provides; dvc is used as a command.
MODULES = {"keras": "keras", "numpy": "numpy", "pillow": "PIL", "pyyaml": "yaml",
           "matplotlib": "matplotlib", "tqdm": "tqdm", "gdown": "gdown", "dvclive": "dvclive",
           "opencv-python-headless": "cv2", "tensorflow-cpu": "tensorflow",
           "tensorflow": "tensorflow", "pytest": "pytest", "hypothesis": "hypothesis",
           "scikit-learn": "sklearn", "scikit-image": "skimage", "scipy": "scipy",
           "faiss-cpu": "faiss"}
COMMANDS = {"dvc", "ruff"}
PLUGINS = {"pytest-xdist": "--dist"}  # pytest plugins, used by an option of a Makefile line


def test_every_declared_package_is_used():
    """A package in pyproject.toml that no code imports (or, for a command, no Makefile line
    runs) is dead weight in every install."""
    import re
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = project["dependencies"] + [d for extra in project["optional-dependencies"].values()
                                          for d in extra]
    names = {re.match(r"[A-Za-z0-9_.-]+", d).group(0).lower() for d in declared}
    code = "\n".join(p.read_text() for folder in ("src", "stages", "scripts", "tests",
                                                  "benchmarks", "research")
                     for p in (ROOT / folder).rglob("*.py"))
    makefile = (ROOT / "Makefile").read_text()
    unused = sorted(n for n in names - COMMANDS - PLUGINS.keys()
                    if not re.search(rf"^\s*(import|from) {MODULES.get(n, n)}\b", code, re.M))
    unused += sorted(n for n in names & COMMANDS if not re.search(rf"^\t{n} ", makefile, re.M))
    unused += sorted(n for n in names & PLUGINS.keys()
                     if not re.search(rf"^\tpytest .*{PLUGINS[n]}\b", makefile, re.M))
    assert unused == [], f"declared but never used: {', '.join(unused)}"


def test_a_package_that_finds_its_modules_is_declared_as_its_folder():
    """verification/features finds its kinds at run time: a stage that loads it depends on its
    folder (so a new kind's module needs no dvc.yaml edit), and DVC ignores Python's caches
    in it."""
    features = PACKAGE / "verification" / "features"
    assert discovering(features) and not discovering(PACKAGE / "verification")
    stage = yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"]["describe"]
    assert "src/lfw_siamese/verification/features" in stage["deps"]
    assert not [d for d in stage["deps"] if d.startswith("src/lfw_siamese/verification/features/")]
    assert {f.name for f in used_files(ROOT / "stages/describe.py")} >= {
        f.name for f in features.glob("*.py")}
    stage["deps"].remove("src/lfw_siamese/verification/features")
    assert problems(stage) == ["missing dependency src/lfw_siamese/verification/features"]
    assert "__pycache__/" in (ROOT / ".dvcignore").read_text().split("\n")
