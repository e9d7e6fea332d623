"""DVC's record of the stages it ran (a dvc.lock file): the inputs each run used.

Results aggregated over several stages (View 2's ten folds) must come from one configuration.
A fold re-run after a change of code or parameters, beside folds that were not, would mix two;
the hashes DVC recorded for each fold's inputs tell.
"""

from pathlib import Path

import yaml

from .errors import LfwError


def recorded_inputs(lock: Path, stage: str) -> dict[str, str]:
    """{input path: its hash} as DVC recorded them for `stage`'s last run in `lock`."""
    try:
        record = (yaml.safe_load(lock.read_text()) or {}).get("stages", {}).get(stage)
    except FileNotFoundError:
        record = None
    except (yaml.YAMLError, AttributeError) as exc:
        raise LfwError(f"{lock}: not a DVC lock file ({exc})") from None
    if not record:
        raise LfwError(f"{lock}: no record of {stage}'s run; run it through DVC "
                       f"(`dvc repro {lock.parent / 'dvc.yaml'}`)")
    return {d["path"]: d.get("md5") or d.get("hash") for d in record.get("deps", [])}


def check_same_inputs(lock: Path, stages: list[str], own: str | None = None) -> None:
    """Refuse `stages` whose recorded runs used different code, parameters or data than the
    first one's: their results would mix configurations. Inputs under the folder `own` are
    each stage's own (a fold's net scores), not compared."""
    def shared(stage):
        return {k: v for k, v in recorded_inputs(lock, stage).items()
                if own is None or not k.startswith(own.rstrip("/") + "/")}

    first = shared(stages[0])
    for stage in stages[1:]:
        inputs = shared(stage)
        differ = sorted(p for p in first.keys() | inputs.keys() if first.get(p) != inputs.get(p))
        if differ:
            shown = ", ".join(differ[:4]) + (f" and {len(differ) - 4} more" if differ[4:] else "")
            raise LfwError(
                f"{lock}: {stage} ran on other inputs than {stages[0]} ({shown}): their results "
                f"would mix two configurations. Re-run the stale ones with "
                f"`dvc repro {lock.parent / 'dvc.yaml'}` (`dvc status` lists them)")
