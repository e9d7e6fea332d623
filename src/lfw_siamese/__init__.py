"""Siamese-network face verification on Labeled Faces in the Wild."""

__version__ = "0.1.0"
