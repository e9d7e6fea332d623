"""Deliberate breakages, each of which the tests named beside it must catch.

    python -m tests.breakages                 # every breakage but those of a whole pipeline
    python -m tests.breakages --all           # those too (each runs a whole tiny pipeline)
    python -m tests.breakages --only NAME...  # some of them

Each breakage is one text replacement in one file. It is applied to a copy of the working
tree (what git would commit) in a temporary folder, and the named tests run there; the
breakage is caught when they fail. Nothing in the working tree is touched. Exits 1 if any
breakage goes unnoticed, so a test that can no longer fail shows up here.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Breakage:
    name: str
    file: str
    old: str
    new: str
    tests: tuple[str, ...]
    pipeline: bool = False  # the tests run a whole pipeline (minutes): only with --all


PROPERTY = "tests/test_params_property.py"
PIPELINE = "tests/test_pipeline.py"
QUIET = "tests/test_quiet_log.py::test_training_and_predicting_log_no_tensorflow_chatter"
BREAKAGES = (
    Breakage("a refusal that does not name its key", "src/lfw_siamese/params.py",
             'problems.append(f"{key}: got {_shown(raw[key])}, expected {exc}")',
             'problems.append(f"got {_shown(raw[key])}, expected {exc}")', (PROPERTY,)),
    Breakage("an accepted flag read as true", "src/lfw_siamese/params.py",
             "        if isinstance(value, bool):\n            return value",
             "        if isinstance(value, bool):\n            return True", (PROPERTY,)),
    Breakage("training one epoch whatever was asked", "src/lfw_siamese/net/training.py",
             "epochs=p.epochs", "epochs=1", (PROPERTY,)),
    Breakage("a DataParallel that does nothing", "src/lfw_siamese/backend.py",
             "    keras.distribution.set_distribution(keras.distribution.DataParallel("
             "devices=devices))\n", "",
             ("tests/test_data_parallel.py::test_two_devices_train_as_one",)),
    Breakage("TensorFlow loaded with its start-up information", "src/lfw_siamese/backend.py",
             "        sys.meta_path.insert(0, _QuietTensorFlow())\n", "        pass\n",
             (QUIET,)),
    Breakage("validation pairs fed to Keras as arrays", "src/lfw_siamese/net/objectives.py",
             'return FixedBatches(val["left"], val["right"], val["label"])',
             'return (val["left"], val["right"]), val["label"]', (QUIET,)),
    Breakage("predictions through model.predict", "src/lfw_siamese/backend.py",
             "    if distribution is not None:\n",
             "    if distribution is None:\n        return model.predict(inputs, "
             "batch_size=batch_size, verbose=0)\n    if distribution is not None:\n", (QUIET,)),
    Breakage("grid cells laid out without the remainder in the last cell",
             "src/lfw_siamese/verification/features/lbp.py",
             "rows = np.minimum(np.arange(side) // (side // cells), cells - 1)",
             "rows = np.arange(side) * cells // side",
             ("tests/test_descriptor.py::test_grid_histograms_on_a_hand_counted_5px_face",)),
    Breakage("histograms normalised per radius", "src/lfw_siamese/verification/features/lbp.py",
             "out[i] = np.sqrt(hist / hist.sum())",
             "out[i] = np.sqrt(hist / hist.sum() * len(RADII))",
             ("tests/test_descriptor.py::test_grid_histograms_on_a_hand_counted_5px_face",)),
    Breakage("the train stage importing Keras before its checks", "stages/train.py",
             "import os\n", "import os\n\nimport keras  # noqa: F401\n",
             ("tests/test_limits.py::test_train_refuses_what_the_training_people_cannot_serve",)),
    Breakage("a View 2 fold importing Keras before its checks", "stages/view2_train.py",
             "import sys\n", "import sys\n\nimport keras  # noqa: F401\n",
             ("tests/test_limits.py::test_a_view2_fold_refuses_before_the_backend_is_imported",)),
    Breakage("verify fusing the net's score, not its logit", "src/lfw_siamese/verification/fusion.py",
             "z = _inputs(net_scores, cosines) @",
             "z = np.column_stack([net_scores, *cosines]) @",
             ("tests/test_cli.py::test_a_fused_card_fuses_the_net_with_the_descriptors_each_on_"
              "its_region",)),
    Breakage("verify describing the whole photo, not the face found",
             "src/lfw_siamese/data/faces.py",
             "+ [frame(image, faces[0], size, 1, c) for c in gray_crops])",
             "+ [load_image(path, size, 1, c) for c in gray_crops])",
             ("tests/test_faces.py::test_a_fused_card_describes_the_detected_faces",)),
    Breakage("the GPU bundle's labels out of order", "benchmarks/gpu.py",
             'arrays[f"{split}/label"] = d["label"]',
             'arrays[f"{split}/label"] = d["label"][::-1]', ("tests/test_gpu_bundle.py",)),
    Breakage("the View 2 report mixing folds of two configurations", "stages/view2_report.py",
             "                          own=str(METRICS / \"view2\"))\n",
             "                          own=str(METRICS / \"view2\")) if False else None\n",
             ("tests/test_view2_report.py",)),
    Breakage("View 2 accepting 11 jobs", "scripts/view2.py", "if not 1 <= jobs <= 10:",
             "if not 1 <= jobs <= 11:", ("tests/test_view2_script.py",)),
    Breakage("View 2 merging while folds are unfinished", "scripts/view2.py",
             "        if missing:\n", "        if missing and False:\n",
             ("tests/test_view2_script.py",)),
    Breakage("View 2's standard error over n, not n - 1", "src/lfw_siamese/verification/view2.py",
             "float(stats.sem(values))", "float(values.std() / np.sqrt(len(values)))",
             ("tests/test_view2_pipeline.py::test_ten_folds_then_the_report_then_nothing",),
             pipeline=True),
    Breakage("a View 2 fold's fusion fitted on its test fold", "stages/view2_judge.py",
             'fitted = {name: v.fit(pairs["calibration"])', 'fitted = {name: v.fit(pairs["test"])',
             ("tests/test_view2_pipeline.py::test_a_fold_fuses_on_its_calibration_fold_and_"
              "records_the_fused_test_scores",), pipeline=True),
    Breakage("evaluate's headline at 0.5, not at the validation threshold",
             "stages/evaluate.py",
             '"test": {k: report["test"][k] for k in ("accuracy", "auc", "eer", "accuracy_at_0.5")}',
             '"test": {**{k: report["test"][k] for k in ("auc", "eer", "accuracy_at_0.5")}, '
             '"accuracy": report["test"]["accuracy_at_0.5"]}',
             (f"{PIPELINE}::test_repro_writes_every_metric",
              f"{PIPELINE}::test_threshold_is_chosen_on_validation_pairs"), pipeline=True),
    Breakage("evaluate's fusion fitted on the test pairs", "stages/evaluate.py",
             'fitted = verifier.fit(pairs["val"])',
             'fitted = verifier.fit(pairs["test"])',
             (f"{PIPELINE}::test_the_card_holds_the_evaluated_verifier_fused_on_validation_"
              "pairs_only",), pipeline=True),
    Breakage("verify's decision inverted", "src/lfw_siamese/cli.py",
             "same_person=bool(verifier.decide(s))", "same_person=not verifier.decide(s)",
             (f"{PIPELINE}::test_verify_scores_two_real_photos_with_the_pipeline_model",),
             pipeline=True),
)


GIT = {"GIT_AUTHOR_NAME": "breakages", "GIT_AUTHOR_EMAIL": "breakages@example.invalid",
       "GIT_COMMITTER_NAME": "breakages", "GIT_COMMITTER_EMAIL": "breakages@example.invalid"}


def working_copy(into: Path) -> None:
    """What git would commit (tracked and new, not ignored files) copied into `into`, as a
    git repository of its own (the pipeline tests copy the project from git's list)."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT,
                           capture_output=True, text=True, check=True).stdout.splitlines()
    for name in files:
        if (ROOT / name).is_file():
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, into / name)
    env = {**os.environ, **GIT}
    for cmd in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "copy"]):
        subprocess.run(["git", *cmd], cwd=into, env=env, check=True, capture_output=True)


def mirror() -> str:
    """The real-data folder the tests of this checkout use (tests/conftest.py), absolute, so
    that the copy finds it too."""
    named = os.environ.get("LFW_MIRROR")
    path = Path(named) if named else ROOT.parent / "shared" / "data" / "lfw-mirror"
    return str(path if path.is_absolute() else (ROOT / path).resolve())


def caught(breakage: Breakage) -> tuple[bool, str]:
    """Whether the breakage's tests fail on a copy of the tree with it applied, and the tail
    of their output."""
    with tempfile.TemporaryDirectory(prefix="breakage-") as tmp:
        copy = Path(tmp)
        working_copy(copy)
        target = copy / breakage.file
        text = target.read_text()
        if text.count(breakage.old) != 1:
            raise SystemExit(f"{breakage.file}: the text to break is not there exactly once "
                             f"({breakage.name}); update tests/breakages.py")
        target.write_text(text.replace(breakage.old, breakage.new))
        env = {**os.environ, **GIT, "PYTHONPATH": str(copy / "src"), "LFW_MIRROR": mirror()}
        result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p",
                                 "no:cacheprovider", *breakage.tests], cwd=copy, env=env,
                                capture_output=True, text=True)
        lines = (result.stdout + result.stderr).strip().splitlines()
        tail, summary = "\n".join(lines[-3:]), lines[-1] if lines else ""
        # a verdict is a test that failed, or tests that all passed; an error (a fixture
        # that broke), a skip or an exit status other than 0 or 1 is not one
        if (result.returncode not in (0, 1) or " error" in summary or " skipped" in summary
                or (result.returncode == 1) != (" failed" in summary)):
            raise SystemExit(f"{breakage.name}: no verdict (pytest exited "
                             f"{result.returncode}):\n{tail}")
        return result.returncode == 1, tail


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--all", action="store_true", help="also the real-pipeline breakages")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="breakages by name")
    args = parser.parse_args()
    known = {b.name for b in BREAKAGES}
    unknown = sorted(set(args.only or ()) - known)
    if unknown:
        parser.error(f"unknown breakage(s) {unknown}; known: {sorted(known)}")
    chosen = [b for b in BREAKAGES if (b.name in args.only if args.only
                                       else args.all or not b.pipeline)]
    missed = []
    for b in chosen:
        start = time.monotonic()
        ok, tail = caught(b)
        print(f"{'caught' if ok else 'MISSED':6s}  {time.monotonic() - start:6.1f} s  {b.name}",
              flush=True)
        if not ok:
            missed.append(b.name)
            print(f"        {tail}", flush=True)
    print(f"{len(chosen) - len(missed)} of {len(chosen)} breakages caught")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
