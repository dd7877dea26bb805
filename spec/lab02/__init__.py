"""Spec of lab 02 (stand-in, the norm ablation) and the lecture's mitigations."""
