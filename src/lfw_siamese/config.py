"""A stage's parameter values, as stage check_params wrote them to data/params/<stage>.json.

The schema, its checks and the memory estimate live in lfw_siamese.params, a dependency of
check_params alone: a new parameter or a reworded refusal re-runs that stage only, and a
stage re-runs exactly when its own file's values change. This reader knows no parameter by
name, so it does not change with the schema; the few values derived from several keys are
here, shared with the checked `Params`.
"""

import json

from .errors import LfwError
from .paths import PARAMS


def regions(crop: int, context_crop: int = 0) -> tuple[int, ...]:
    """The centre crops a network sees, one region each: `crop`, then `context_crop` if > 0."""
    return (crop, context_crop) if context_crop else (crop,)


def described(crops, cells) -> tuple[tuple[int, int], ...]:
    """(crop, cells) pairs of two lists side by side, a single value standing for all."""
    crops, cells = tuple(crops), tuple(cells)
    n = max(len(crops), len(cells))
    return tuple(zip(crops * n if len(crops) == 1 else crops,
                     cells * n if len(cells) == 1 else cells, strict=True))


class Derived:
    """Values derived from several parameters, for `Params` and `StageParams` alike."""

    @property
    def crops(self) -> tuple[int, ...]:
        """The centre crops a network sees, one region each: `crop`, then `context_crop`."""
        return regions(self.crop, self.context_crop)

    @property
    def input_channels(self) -> int:
        """Channels of the network's input: each region's `channels`, the regions stacked."""
        return self.channels * len(self.crops)

    @property
    def lbp_descriptors(self) -> tuple[tuple[int, int], ...]:
        """(crop, cells) of each LBP descriptor the parameters describe: `lbp_crops` and
        `lbp_cells` side by side, a single value of either standing for every descriptor."""
        return described(self.lbp_crops, self.lbp_cells)


class StageParams(Derived):
    """One stage's checked values, by attribute (`p.lr`); a key the stage was not given is an
    error naming the stage, so a stage cannot read a value its dependencies do not track."""

    def __init__(self, stage: str, values: dict):
        self._stage = stage
        self._values = {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}

    def __getattr__(self, name: str):
        try:
            return self.__dict__["_values"][name]
        except KeyError:
            raise AttributeError(
                f"stage {self.__dict__.get('_stage')!r} was not given the parameter '{name}' "
                "(lfw_siamese.params: add the stage to that parameter's stages)") from None

    def replace(self, **changes) -> "StageParams":
        """A copy with some values changed or added (e.g. `p.replace(patience=0)`)."""
        return StageParams(self._stage, {**self._values, **changes})

    def as_dict(self) -> dict:
        return dict(self._values)


def stage_params(stage: str) -> StageParams:
    """The values check_params wrote for `stage`; missing or unreadable names the fix."""
    path = PARAMS / f"{stage}.json"
    try:
        values = json.loads(path.read_text())
    except FileNotFoundError:
        raise LfwError(f"{path}: not found: run `dvc repro` (its stage check_params checks "
                       "params.yaml and writes it)") from None
    except json.JSONDecodeError as exc:
        raise LfwError(f"{path}: not valid JSON ({exc}); run `dvc repro check_params`") from None
    if not isinstance(values, dict):
        raise LfwError(f"{path}: expected a mapping of parameter names to values; run "
                       "`dvc repro check_params`")
    return StageParams(stage, values)
