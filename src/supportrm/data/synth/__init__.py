"""Deterministic generator of the embedded support-pairs dataset."""
