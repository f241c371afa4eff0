"""Example inputs for the README's main command, beside the demo checkpoint.

weights/demo/example_semantic.npy  int64 [1, 100]     semantic ids in [0, 64)
weights/demo/example_acoustic.npy  int64 [1, 100, 4]  every acoustic id the mask id 64: the
                                                      state before the first decoding pass
weights/demo/example_prompt_semantic.npy  int64 [25]     a 0.5 s acoustic prompt: semantic ids
weights/demo/example_prompt_acoustic.npy  int64 [25, 4]  and its acoustic tokens in [0, 64)

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
PROMPT_FRAMES = 25
prompt_semantic = rng.integers(0, SEMANTIC_VOCAB, size=(PROMPT_FRAMES,), dtype=np.int64)
prompt_acoustic = rng.integers(0, CODEBOOK, size=(PROMPT_FRAMES, LEVELS), dtype=np.int64)
np.save(OUT / "example_prompt_semantic.npy", prompt_semantic)
np.save(OUT / "example_prompt_acoustic.npy", prompt_acoustic)
print(f"wrote {OUT}/example_semantic.npy {semantic.shape}, example_acoustic.npy {acoustic.shape}, "
      f"example_prompt_semantic.npy {prompt_semantic.shape}, example_prompt_acoustic.npy {prompt_acoustic.shape}")
