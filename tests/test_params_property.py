"""Any value of any parameter either runs or is refused at once, with its key named.

Hypothesis draws one key at a time, with values at and beyond each bound of the schema (NaN,
infinities, zero, negatives, huge integers, wrong types, unknown choices), on top of a tiny
recipe. A value the check refuses must have its key named in the message. A value it accepts
must reach `Params` as its rule reads it and, if training reads that key, run a real training
of the tiny configuration for every epoch asked (capped at 2 epochs of 32 pairs, so that a
legal `epochs: 100000` stays a test of seconds). The whole test runs under an alarm, so a
hang fails it instead of stalling the suite.
"""

import math
import re
import signal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lfw_siamese.errors import LfwError
from lfw_siamese.net.mining import check_mining
from lfw_siamese.params import SCHEMA, Choice, Flag, IntList, Params, Sizes, check_params

from .conftest import RECIPE, synthetic_people

pytestmark = pytest.mark.slow
TINY = {**vars(RECIPE), "image_size": 16, "filters": [2, 2, 2, 2], "context_filters": [2, 2, 2, 2],
        "dense_units": 4, "pairs_per_epoch": 16, "batch_size": 4, "epochs": 2, "val_pairs": 8,
        "lbp_cells": [4]}
# Only turns a hang into a failure: the 60 draws take ~1 min on the Intel, ~2.5 on a slow AMD
# day; an hour is far above that on any machine.
TIME_LIMIT = 3600
HUGE = [10**9, 10**12, 10**30, 2**63, 2**64 + 1, 10**400]
ODD = [math.nan, math.inf, -math.inf, -1, -1e-9, 0, 0.0, True, False, "", "x", None, [], {}]


def around(x):
    """Values at a bound and just beyond it on either side."""
    if isinstance(x, int):
        return [x - 1, x, x + 1]
    return [x, math.nextafter(x, -math.inf), math.nextafter(x, math.inf)]


def values(rule) -> st.SearchStrategy:
    """Values at and beyond the rule's bounds, some inside them, and nonsense."""
    if isinstance(rule, Choice):
        return st.sampled_from([*rule.values, "unknown", 2, *ODD])
    if isinstance(rule, Flag):
        return st.sampled_from([True, False, "true", 1, 0, *ODD])
    if isinstance(rule, IntList):
        widths = st.sampled_from([0, 1, 2, 3, -1, 10**6, 10**12, 2.5, True, "8"])
        return st.one_of(st.lists(widths, min_size=rule.length, max_size=rule.length),
                         st.lists(st.integers(1, 3), min_size=0, max_size=6),
                         st.sampled_from(ODD))
    if isinstance(rule, Sizes):
        sizes = st.sampled_from([*around(1), *around(rule.high), 4, 2.5, True, "8", *HUGE])
        return st.one_of(sizes, st.lists(sizes, min_size=0, max_size=rule.most + 2),
                         st.sampled_from(ODD))
    edges = [v for bound in (rule.low, rule.high) if bound is not None for v in around(bound)]
    if rule.kind is float:
        inside = st.floats(rule.low or 0, rule.high if rule.high is not None else 1e3,
                           allow_nan=False, allow_infinity=False)
    else:
        low = int(rule.low or 0)
        inside = st.integers(low, min(int(rule.high) if rule.high is not None else low + 8,
                                      low + 8))
    return st.one_of(st.sampled_from(edges + HUGE + [-h for h in HUGE] + ODD), inside)


draws = st.sampled_from(sorted(SCHEMA)).flatmap(
    lambda key: st.tuples(st.just(key), values(SCHEMA[key])))


def tiny_run(p):
    """Train configuration `p` on synthetic faces of its shape, at most 2 epochs of 32 pairs."""
    from lfw_siamese.net.training import train

    p = p.replace(epochs=min(p.epochs, 2), pairs_per_epoch=min(p.pairs_per_epoch, 32))
    people = synthetic_people(8, 3, 16, seed=0)
    shape = (p.image_size, p.image_size, p.input_channels)
    people["image"] = np.resize(people["image"], (len(people["person"]), *shape))
    check_mining(p, people["person"])  # as the train stage does, before training
    pairs = {"left": people["image"][0::2][:8], "right": people["image"][1::2][:8],
             "label": np.array([1, 0] * 4, np.uint8)}
    return p, train(p, pairs, pairs=pairs, people=people)


@pytest.fixture
def alarm():
    """A time limit for the whole test; on TensorFlow, its tiny trainings run eagerly (the
    same code, a third of the time: tracing a graph costs more than these steps)."""
    def expired(*_):
        raise TimeoutError(f"the property test ran past {TIME_LIMIT} s: a value hangs")

    import keras

    eager = keras.backend.backend() == "tensorflow"
    if eager:
        import tensorflow as tf

        tf.config.run_functions_eagerly(True)
    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(TIME_LIMIT)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)
    if eager:
        tf.config.run_functions_eagerly(False)


def names(key: str, message: str) -> bool:
    """Whether `message`'s problems name parameter `key` as a word (not inside another key's
    name; the closing list of every known parameter does not count)."""
    problems = message.split("\nKnown parameters:")[0]
    return re.search(rf"(?<![\w.]){re.escape(key)}(?![\w])", problems) is not None


def as_read(rule, value):
    """An accepted value as Params holds it: lists as tuples, a single size as a 1-tuple."""
    if isinstance(value, list):
        return tuple(value)
    return (value,) if isinstance(rule, Sizes) else value


# Draw counts: the `default` profile in `make test`, `full` in `make test-full` (conftest.py);
# both derandomized, so a failure is the same on every run and machine.
@pytest.mark.filterwarnings("ignore:Even though the .*run_functions_eagerly:UserWarning")
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(draw=draws)
def test_every_value_is_refused_with_its_key_or_runs(alarm, draw):
    key, value = draw
    try:
        p = check_params({**TINY, key: value}, "params.yaml")
    except LfwError as exc:
        assert names(key, str(exc)), str(exc)
        return
    assert getattr(p, key) == as_read(SCHEMA[key], value)  # the value itself, not a default
    if "train" not in Params.__dataclass_fields__[key].metadata["stages"]:
        return  # a value that training never reads: checked above, nothing to train
    try:
        p, run = tiny_run(p)
    except LfwError as exc:  # refused by what the data offers, as the train stage would
        assert names(key, str(exc)), str(exc)
        return
    assert [row["epoch"] for row in run.history] == list(range(1, p.epochs + 1))
    assert all(math.isfinite(row["learning_rate"]) for row in run.history)
