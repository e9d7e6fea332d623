"""Where the pipeline's files live, named once (relative to the project root, as in dvc.yaml)."""

from pathlib import Path

PARAMS = Path("data/params")            # check_params: <stage>.json, the values it uses
LFW = Path("data/lfw")                   # download: the verified release
IMAGES = LFW / "images.zip"              #   its images, one stored zip
PAIR_LISTS = LFW / "pairs"               #   pairsDevTrain.txt, pairsDevTest.txt, pairs.txt
RELEASE_CARD = LFW / "release.json"      #   what was verified
DOWNLOADS = Path("data/downloads")       # cache of downloaded archives (checked, not trusted)
PAIRS = Path("data/pairs")               # prepare: {train,val,test,people}.npz
DESCRIPTOR = Path("data/descriptor.npz")  # describe: the LBP descriptor's projection
MODEL = Path("data/model.keras")         # train
CHECKPOINTS = Path("data/checkpoints")   #   checkpoints of unfinished runs (not tracked)
CARD = Path("data/verifier.json")        # evaluate: what `lfw-siamese verify` needs
VIEW2 = Path("data/view2")               # view2: images.npz, fold_N.keras
METRICS = Path("metrics")
PLOTS = METRICS / "plots"
TRAIN_LOG = METRICS / "train"            # train: DVCLive's folder
