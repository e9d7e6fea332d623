"""Judging pairs: descriptors, fusion, metrics, the Verifier and View 2."""
