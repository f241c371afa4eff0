"""Example inputs for the README's main command, beside the demo checkpoint.

weights/demo/example_semantic.npy  int64 [1, 100]     semantic ids in [0, 64)
weights/demo/example_acoustic.npy  int64 [1, 100, 4]  every acoustic id the mask id 64: the
                                                      state before the first decoding pass

Made with (deterministic):
    /usr/bin/python3 weights/make_demo_inputs.py
"""
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent / "demo"
FRAMES, LEVELS, CODEBOOK, SEMANTIC_VOCAB = 100, 4, 64, 64

rng = np.random.default_rng(2026)
semantic = rng.integers(0, SEMANTIC_VOCAB, size=(1, FRAMES), dtype=np.int64)
acoustic = np.full((1, FRAMES, LEVELS), CODEBOOK, dtype=np.int64)
np.save(OUT / "example_semantic.npy", semantic)
np.save(OUT / "example_acoustic.npy", acoustic)
print(f"wrote {OUT}/example_semantic.npy {semantic.shape} and example_acoustic.npy {acoustic.shape}")
