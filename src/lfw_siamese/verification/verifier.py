"""The Verifier: the one way pairs of faces become scores and decisions, wherever they are
judged (stage evaluate, each View 2 fold's judge, `lfw-siamese verify`).

It holds the net's preprocessing and the net's file (optional), zero or more fitted
descriptors, the fusion's weights and the threshold:
- `fit` on held-out pairs: the fusion of the net's score with the descriptors' cosines (a
  logistic regression, lfw_siamese.verification.fusion), then the threshold of best accuracy;
- `score`: each pair's fused score, the net's alone and each descriptor's cosine;
- `judge`: the metrics of groups of labelled pairs at the fitted threshold;
- `save`/`load`: one card (data/verifier.json) naming the files it needs, with their sha256,
  validated on load.
With no descriptors it is the net alone; with no net, the classical branch alone.
"""

import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..errors import LfwError
from ..fsutil import write_json
from ..net.inference import NetScores
from . import metrics as m
from .descriptor import Descriptor, fit_descriptors, load_descriptors, pair_cosines
from .faces import Faces
from .features import kinds
from .fusion import Fusion

FORMAT = 2  # the card's format; an older card is refused with the fix (`dvc repro`)
PREPROCESSING = ("image_size", "channels", "crop", "context_crop")


def described(p) -> tuple[tuple[str, dict], ...]:
    """(kind, spec) of each descriptor the parameters fuse with the net (none without)."""
    if p.fusion == "none":
        return ()
    return tuple((p.fusion, spec) for spec in kinds()[p.fusion].specs(p))


def fit_described(p, faces: Faces, files, person) -> list[Descriptor]:
    """The descriptors of `p`, fitted on the faces `files` of the set (the training people's
    images, `person` their ids) and their mirrors; none without fusion."""
    asked = described(p)
    return fit_descriptors(faces, person, asked, p.lbp_pca, faces.rows(files)) if asked else []


def described_crops(p) -> list[int]:
    """The crops the descriptors of `p` see, each once (none without fusion)."""
    return list(dict.fromkeys(spec["crop"] for _, spec in described(p)))


@dataclass
class Pairs:
    """Pairs to score: their labels (None when unknown), the net's scores, and (for the
    descriptors) a set of faces with the rows of each pair's left and right face in it."""

    label: np.ndarray | None
    net: NetScores | None = None
    faces: Faces | None = None
    left: np.ndarray | None = None
    right: np.ndarray | None = None

    @classmethod
    def of(cls, label, net, faces: Faces | None, left_files, right_files) -> "Pairs":
        """Pairs whose faces are found by name in `faces` (None: no faces)."""
        if faces is None:
            return cls(label, net)
        return cls(label, net, faces, faces.rows(left_files), faces.rows(right_files))

    def __len__(self) -> int:
        return len(self.label if self.label is not None else self.net.plain)

    def cosines(self, descriptors: list[Descriptor]) -> list[np.ndarray]:
        if self.faces is None:
            raise LfwError("these pairs carry no faces for the descriptors")
        return pair_cosines(descriptors, self.faces, self.left, self.right)


@dataclass(frozen=True)
class Verifier:
    """Preprocessing (`PREPROCESSING` values), `tta`, the net's file (None: no net), the
    descriptors (and their file), the fusion and the threshold (None until fitted)."""

    preprocessing: dict
    tta: bool
    model: Path | None
    descriptors: tuple[Descriptor, ...] = ()
    descriptor_file: Path | None = None
    fusion: Fusion | None = None
    threshold: float | None = None

    def __post_init__(self):
        if self.model is None and not self.descriptors:
            raise LfwError("a verifier needs a net, descriptors, or both")

    @classmethod
    def of(cls, p, model: Path | None, descriptors=(), descriptor_file: Path | None = None):
        """An unfitted verifier with the `tta` of a stage's values `p`, and the preprocessing
        values it has (a verifier that scores no images, e.g. from a net's saved scores, needs
        none)."""
        return cls({k: getattr(p, k) for k in PREPROCESSING if hasattr(p, k)}, p.tta, model,
                   tuple(descriptors), descriptor_file)

    def net_alone(self) -> "Verifier":
        """The same net without the descriptors, unfitted."""
        return replace(self, descriptors=(), descriptor_file=None, fusion=None, threshold=None)

    def descriptors_alone(self) -> "Verifier":
        """The descriptors without the net, unfitted."""
        return replace(self, model=None, fusion=None, threshold=None)

    def branches(self) -> dict[str, "Verifier"]:
        """A fused verifier's net alone and descriptors alone, unfitted (none if not fused)."""
        if self.model is None or not self.descriptors:
            return {}
        return {"net": self.net_alone(), "descriptors": self.descriptors_alone()}

    # scoring

    def score(self, pairs: Pairs) -> dict:
        """{"fused": each pair's score, "net": the net's alone (None without a net),
        "descriptors": each descriptor's cosines}; fused needs a fitted fusion when there are
        descriptors."""
        net = pairs.net.combined(self.tta) if self.model is not None else None
        cosines = pairs.cosines(list(self.descriptors)) if self.descriptors else []
        if not self.descriptors:
            fused = net
        elif self.fusion is None:
            raise LfwError("the verifier's fusion is not fitted (fit it on held-out pairs)")
        else:
            fused = self.fusion(net, cosines)
        return {"fused": fused, "net": net, "descriptors": cosines}

    def fit(self, pairs: Pairs) -> "Verifier":
        """Fitted on labelled held-out pairs: the fusion (with descriptors), then the
        threshold of best accuracy on its scores."""
        fusion = None
        if self.descriptors:
            net = pairs.net.combined(self.tta) if self.model is not None else None
            fusion = Fusion.fit(net, pairs.cosines(list(self.descriptors)), pairs.label)
        fitted = replace(self, fusion=fusion)
        threshold = m.best_threshold(pairs.label, fitted.score(pairs)["fused"])
        return replace(fitted, threshold=threshold)

    def decide(self, scores: np.ndarray) -> np.ndarray:
        """Same person (True) where a fused score is above the threshold."""
        return np.asarray(scores) > self._threshold()

    def judge(self, groups: dict[str, Pairs]) -> dict[str, dict]:
        """Per group of labelled pairs, the metrics of its fused scores at the threshold."""
        return {name: {"pairs": len(pairs), **m.summary(
            pairs.label, self.score(pairs)["fused"], self._threshold())}
            for name, pairs in groups.items()}

    def _threshold(self) -> float:
        if self.threshold is None:
            raise LfwError("the verifier is not fitted (fit it on held-out pairs)")
        return self.threshold

    def fusion_summary(self) -> str:
        """The fusion's weights in words (empty without descriptors)."""
        if self.fusion is None:
            return ""
        net = f"{self.fusion.net:.3f} on the net's logit, " if self.fusion.net is not None else ""
        return (f"fused with {len(self.descriptors)} descriptor(s) (weights {net}"
                f"{', '.join(f'{w:.3f}' for w in self.fusion.descriptors)} on the cosines of "
                f"{'; '.join(d.words() for d in self.descriptors)})")

    # the net's scores of images

    def image_pairs(self, left, right, label=None, faces=None, names=None,
                    net_model=None) -> Pairs:
        """Pairs of images preprocessed as `preprocessing` says, scored by the net (loaded
        from `model`, or `net_model` if given; flipped too with `tta`); their faces for the
        descriptors are found in the set `faces` by `names` (left names, right names)."""
        net = None
        if self.model is not None:
            from ..net.inference import net_scores
            from ..net.saving import load_model

            model = net_model if net_model is not None else load_model(self.model)
            net = net_scores(model, left, right, flipped=self.tta)
        return Pairs.of(label, net, faces, *(names or (None, None)))

    @property
    def gray_crops(self) -> list[int]:
        """The crops the descriptors see, each once, in order."""
        return list(dict.fromkeys(d.crop for d in self.descriptors))

    # the card

    def save(self, path: Path, project: Path = Path("."), **extra) -> None:
        """The card, with the paths it names relative to `project` and their sha256; `extra`
        (e.g. the release, the validation accuracy) is recorded beside, not read back."""
        if self.threshold is None:
            raise LfwError(f"{path}: the verifier is not fitted; nothing to save")
        if set(PREPROCESSING) - set(self.preprocessing):
            raise LfwError(f"{path}: the verifier lacks preprocessing values "
                           f"({', '.join(sorted(set(PREPROCESSING) - set(self.preprocessing)))})")
        files = {"model": self.model, "descriptors": self.descriptor_file if self.descriptors
                 else None}
        write_json(path, {
            "format": FORMAT, **extra, "preprocessing": self.preprocessing, "tta": self.tta,
            "files": {k: None if f is None else {"path": str(f), "sha256": _sha256(project / f)}
                      for k, f in files.items()},
            "descriptor_count": len(self.descriptors),
            "fusion": self.fusion.as_dict() if self.fusion else None,
            "threshold": self.threshold})

    @classmethod
    def load(cls, path: Path, project: Path | None = None, model: Path | None = None):
        """The verifier a card describes, its files found relative to `project` (default: the
        card's project, the folder above data/) and checked against their sha256; `model`
        replaces the card's net. Errors name the file and the fix."""
        project = path.resolve().parent.parent if project is None else project
        card = _read(path)
        files = card["files"]
        net = files.get("model")
        model_path = model if model is not None else (project / net["path"] if net else None)
        if model is None and net:
            _check_file(project / net["path"], net["sha256"], path)
        descriptors, descriptor_file = [], None
        if files.get("descriptors"):
            descriptor_file = project / files["descriptors"]["path"]
            _check_file(descriptor_file, files["descriptors"]["sha256"], path)
            descriptors = load_descriptors(descriptor_file)
        fusion = Fusion.from_dict(card["fusion"]) if card["fusion"] else None
        if len(descriptors) != card["descriptor_count"] or (
                fusion and len(fusion.descriptors) != len(descriptors)) or (
                bool(descriptors) != bool(fusion)):
            raise LfwError(f"{path}: names {card['descriptor_count']} descriptor(s) with fusion "
                           f"weights for {len(fusion.descriptors) if fusion else 0}, but "
                           f"{descriptor_file} holds {len(descriptors)}: run `dvc repro`")
        return cls(card["preprocessing"], card["tta"], model_path, tuple(descriptors),
                   descriptor_file, fusion, float(card["threshold"]))


CARD_KEYS = ("format", "preprocessing", "tta", "files", "descriptor_count", "fusion",
             "threshold")


def _read(path: Path) -> dict:
    try:
        card = json.loads(path.read_text())
    except FileNotFoundError:
        raise LfwError(f"{path}: not found: train and evaluate a model first (`dvc repro`), "
                       "or pass --card") from None
    except json.JSONDecodeError as exc:
        raise LfwError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(card, dict) or card.get("format") != FORMAT:
        found = card.get("format", "none") if isinstance(card, dict) else "none"
        raise LfwError(f"{path}: a verifier card of format {found}, this version reads format "
                       f"{FORMAT}: re-run `dvc repro` to write it anew")
    missing = [k for k in CARD_KEYS if k not in card]
    if missing or set(PREPROCESSING) - set(card["preprocessing"] or {}):
        raise LfwError(f"{path}: missing {', '.join(missing) or 'preprocessing values'} "
                       "(re-run `dvc repro`)")
    return card


def _check_file(file: Path, sha256: str, card: Path) -> None:
    if not file.is_file():
        raise LfwError(f"{file}: not found, though {card} names it: run `dvc repro` (or "
                       "`dvc pull`) in the project")
    if _sha256(file) != sha256:
        raise LfwError(f"{file}: not the file {card} was fitted with (sha256 differs): run "
                       "`dvc repro` to evaluate it anew")


def _sha256(file: Path) -> str:
    digest = hashlib.sha256()
    with open(file, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
