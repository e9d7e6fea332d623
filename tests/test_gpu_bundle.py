"""benchmarks/gpu.py --pack: the bundle carried to the GPU machine loads back as the arrays of
the data/pairs folder it was made from."""

import importlib.util

import numpy as np
import pytest

from .conftest import ROOT


@pytest.fixture(scope="module")
def gpu():
    spec = importlib.util.spec_from_file_location("gpu_benchmark", ROOT / "benchmarks/gpu.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def pairs_folder(tmp_path):
    """A data/pairs folder as `prepare` writes it; pairs reuse images, as real lists do."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (10, 16, 16, 1), dtype=np.uint8)
    folder = tmp_path / "pairs"
    folder.mkdir()
    np.savez(folder / "people.npz", image=images, person=np.repeat(np.arange(5), 2),
             files=np.array([f"P{i // 2}/P{i // 2}_{i % 2 + 1:04d}.jpg" for i in range(10)]))
    for split, n in (("train", 12), ("val", 8), ("test", 6)):
        left, right = rng.integers(0, 10, n), rng.integers(0, 10, n)
        np.savez(folder / f"{split}.npz", left=images[left], right=images[right],
                 label=rng.integers(0, 2, n).astype(np.uint8),
                 left_file=np.array([f"f{i}" for i in left]),
                 right_file=np.array([f"f{i}" for i in right]))
    return folder


@pytest.mark.parametrize("config", ["recipe", "reference"])
def test_a_packed_bundle_loads_as_its_folder(gpu, pairs_folder, tmp_path, config):
    bundle = tmp_path / "data.npz.xz"
    gpu.pack(pairs_folder, config, bundle)
    packed, plain = gpu.load(bundle, config), gpu.load(pairs_folder, config)
    assert sorted(packed) == sorted(gpu.SPLITS[config])
    for split, arrays in packed.items():
        keys = ("image", "person", "files") if split == "people" else ("left", "right", "label")
        assert sorted(arrays) == sorted(keys)
        for key in keys:
            assert np.array_equal(arrays[key], plain[split][key]), (split, key)
    # distinct images stored once: smaller than the pairs' arrays side by side
    assert bundle.stat().st_size < sum((pairs_folder / f"{s}.npz").stat().st_size
                                       for s in gpu.SPLITS[config])
