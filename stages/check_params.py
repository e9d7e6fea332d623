"""Stage `check_params`: check all of params.yaml whenever any key in it changes.

`dvc exp run -S +key=value` adds a key that no stage declares, so no other stage would
re-run and the experiment would silently repeat the defaults. This stage tracks the whole
file, fails on any unknown or invalid key, and writes a constant marker that every other
stage depends on, so it always runs first without invalidating them.
"""

from lfw_siamese.errors import run_stage
from lfw_siamese.params import load_params
from lfw_siamese.paths import CHECKED as MARKER


def main() -> None:
    p = load_params()
    MARKER.parent.mkdir(exist_ok=True)
    MARKER.write_text("params.yaml passed its checks\n")
    print(f"params.yaml: {len(vars(p))} parameters checked")


if __name__ == "__main__":
    run_stage("check_params", main)
