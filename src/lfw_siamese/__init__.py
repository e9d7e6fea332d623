"""Siamese-network face verification on Labeled Faces in the Wild."""

import os

# TensorFlow turns its oneDNN kernels on by default only on CPUs with AVX-512 VNNI/BF16 or
# AMX; elsewhere (e.g. AMD EPYC) it falls back to slower Eigen kernels that allocate and
# free large buffers every step (system time, page faults). Measured on both kinds of CPU:
# benchmarks/train.py. Set before any Keras import; an explicit setting is respected.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")

__version__ = "0.1.0"
