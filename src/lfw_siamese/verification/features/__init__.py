"""The kinds of hand-made face features a descriptor projects, one module each.

Each module of this package defines `KIND`, a `Kind`, and `kinds()` finds them all: a new kind
of feature is a new module here, with its parameters in lfw_siamese.params, and nothing else
(the stages that load this package depend on its whole folder, in dvc.yaml).
"""

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache


@dataclass(frozen=True)
class Kind:
    """A kind of feature.

    - `name`: the value of the `fusion` parameter that fuses it with the net;
    - `crops(p)`: the centre crops of LFW's frame its descriptors may see (stage regions
      decodes them), from a stage's values `p`;
    - `specs(p)`: one spec per descriptor `p` asks for, a dict of ints with its `crop`;
    - `features(faces, spec)`: (N, D) float32 features of every face of a set
      (lfw_siamese.verification.faces), what they share kept once per set;
    - `words(spec)`: the descriptor in words.
    """

    name: str
    crops: Callable
    specs: Callable
    features: Callable
    words: Callable


@cache
def kinds() -> dict[str, Kind]:
    """Every kind of this package, by name, in the order of their modules' names."""
    found = {}
    for module in pkgutil.iter_modules(__path__):
        kind = importlib.import_module(f"{__name__}.{module.name}").KIND
        found[kind.name] = kind
    return found
