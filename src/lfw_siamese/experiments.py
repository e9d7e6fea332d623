"""Named configurations: the files of experiments/, each a set of runs as params.yaml overrides.

A set file holds `runs` (name -> overrides), and may hold `base` (runs of other sets applied
first, as `set:run`), `common` (overrides every run of the set shares) and `figures` (a
published result per run). experiments/sizes.yaml holds the network sizes a set can run at.
scripts/grid.py queues a set as DVC experiments; nothing here imports Keras.
"""

from pathlib import Path

import yaml

from .errors import LfwError

FOLDER = Path("experiments")
SIZES = "sizes"


def set_names(folder=FOLDER) -> list[str]:
    """The sets there are: one per file of the folder, sizes aside."""
    return sorted(p.stem for p in Path(folder).glob("*.yaml") if p.stem != SIZES)


def _read(name: str, folder) -> dict:
    path = Path(folder) / f"{name}.yaml"
    if not path.is_file():
        raise LfwError(f"{path}: no such experiment set; known: {', '.join(set_names(folder))}")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise LfwError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise LfwError(f"{path}: expected a mapping with `runs` (or `sizes`)")
    return data


def load_set(name: str, folder=FOLDER) -> dict[str, dict]:
    """Each run of the set by name: the overrides of params.yaml it runs with, bases resolved."""
    data = _read(name, folder)
    runs = data.get("runs")
    if not isinstance(runs, dict) or not runs:
        raise LfwError(f"{Path(folder) / name}.yaml: expected `runs:` mapping names to overrides")
    shared = {}
    for ref in data.get("base", []):
        base_set, _, base_run = ref.partition(":")
        base = load_set(base_set, folder)
        if base_run not in base:
            raise LfwError(f"{Path(folder) / name}.yaml: base {ref}: no run {base_run!r} in "
                           f"{base_set}; known: {', '.join(base)}")
        shared.update(base[base_run])
    shared.update(data.get("common") or {})
    return {run: {**shared, **(overrides or {})} for run, overrides in runs.items()}


def figures(name: str, folder=FOLDER) -> dict[str, list]:
    """The published figures a set's file gives per run (empty if none)."""
    return _read(name, folder).get("figures") or {}


def sizes(folder=FOLDER) -> dict[str, dict]:
    """Network sizes by name (full: as written), as overrides applied on top of a run's."""
    return _read(SIZES, folder)["sizes"]
