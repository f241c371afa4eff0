"""Quality measures of generated tokens against the synthetic corpus' held-out truth (the same
measures as tests/org/soundstorm4j/QualityTest.java; docs/QUALITY.md explains them).

Usage:
    /usr/bin/python3 weights/quality.py --tokens target/tokens.npy [--examples weights/trained]
prints one line: accuracy per level, level-0 content accuracy (x0 >> 1), and the fraction of
neighbouring frames that keep level 0's register ((x0 & 1) ^ (s_t & 1)).
"""
import argparse
import os

import numpy as np

import corpus


def measures(tokens, truth, semantic):
    """tokens, truth [B, T, Q]; semantic [B, T / RATIO] -> dict of the measures."""
    tokens, truth = np.asarray(tokens), np.asarray(truth)
    if tokens.shape != truth.shape:
        raise ValueError(f"tokens {tokens.shape} and truth {truth.shape} differ in shape")
    s = corpus.upsample(semantic)
    reg = corpus.register_of(tokens[..., 0], s)
    return {"accuracy": (tokens == truth).mean(axis=(0, 1)),
            "content": float(((tokens[..., 0] >> 1) == (truth[..., 0] >> 1)).mean()),
            "register_kept": float((reg[:, 1:] == reg[:, :-1]).mean()),
            "truth_register_kept": float((corpus.register_of(truth[..., 0], s)[:, 1:]
                                          == corpus.register_of(truth[..., 0], s)[:, :-1]).mean())}


def main(argv=None):
    ap = argparse.ArgumentParser(description="Quality of generated tokens against the held-out truth.")
    ap.add_argument("--tokens", required=True)
    ap.add_argument("--examples", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "trained"))
    a = ap.parse_args(argv)
    m = measures(np.load(a.tokens), np.load(os.path.join(a.examples, "example_truth.npy")),
                 np.load(os.path.join(a.examples, "example_semantic.npy")))
    print("accuracy " + " ".join(f"{v:.3f}" for v in m["accuracy"]) + f" content {m['content']:.3f} "
          f"register_kept {m['register_kept']:.3f} (truth {m['truth_register_kept']:.3f})")


if __name__ == "__main__":
    main()
