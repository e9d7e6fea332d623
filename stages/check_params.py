"""Stage `check_params`: check all of params.yaml whenever any key in it changes.

`dvc exp run -S +key=value` adds a key that no stage declares, so no other stage would
re-run and the experiment would silently repeat the defaults. This stage tracks the whole
file, fails on any unknown or invalid key, and writes data/params/<stage>.json for each
stage: the values of the keys that change that stage's results (`Params` declares which).
Each stage depends on its own file, so it runs after the check and re-runs exactly when one
of its parameters changes.
"""

from lfw_siamese.errors import run_stage
from lfw_siamese.fsutil import write_json
from lfw_siamese.params import STAGES, load_params
from lfw_siamese.paths import PARAMS


def main() -> None:
    p = load_params()
    for stage in STAGES:
        write_json(PARAMS / f"{stage}.json", p.for_stage(stage))
    print(f"params.yaml: {len(vars(p))} parameters checked")


if __name__ == "__main__":
    run_stage("check_params", main)
