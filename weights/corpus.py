"""A structured synthetic corpus of (semantic, acoustic) token sequences for training and judging
SoundStorm decoders. docs/QUALITY.md describes it with the measured accuracies.

Every utterance has a latent speaker k (uniform over SPEAKERS) and is generated as follows; the
tables (F0, H1, H2, H3, the semantic chain) are fixed random tables drawn from TABLE_SEED, so
the corpus is one fixed "language" and every utterance a fresh draw from it.

Semantic tokens (vocabulary V = 32) come from a first-order Markov chain at HALF the codec frame
rate (semantic_rate_ratio 2, as in the paper): each id has 4 possible successors with
probabilities 0.4, 0.3, 0.2, 0.1. At the codec frame rate the semantic id of frame t is
sem[t // 2] (each id repeated twice, exactly as the Java SoundStorm facade upsamples).
The semantic chain does not depend on the speaker: the speaker can only be inferred from
acoustic tokens (e.g. an acoustic prompt).

Acoustic tokens: Q = 4 levels, C = 32 codes. Write s_t for the upsampled semantic id of frame t,
x_q[t] for the observed token of level q (after noise). Per level, deterministic value first:
  level 0 ("content + register"):  x0 = 2 * F0[k][s_t] + (r_t XOR (s_t & 1))
        F0[k]: a speaker-specific table V -> 16 "content" values;
        r_t: a binary "register" (think pitch) following a sticky Markov chain at the frame rate:
        r_0 uniform, r_{t+1} = r_t except with probability REGISTER_FLIP (0.03).
        The register is not determined by anything the model is given; it only has to stay
        consistent with its neighbours. This is what one-shot parallel argmax cannot do (every
        frame's marginal is close to 50/50, each frame breaks the tie on its own) and what the
        paper's iterative decoding does (committed frames pin their neighbours): the Fig. 4 effect.
  level 1:  x1 = 4 * H1[x0[t] >> 1] + ((x0[t-1] >> 1) & 3)          (x0[-1] := 0)
        the content of this frame (coarser level) and of the previous frame (neighbour).
  level 2:  x2 = 4 * H2[k][x1[t] >> 2] + (x1[t+1] & 3)              (x1[T] := 0)
        a speaker-specific permutation of level 1's high part, and the next frame's level 1.
  level 3:  x3 = 4 * H3[x2[t] >> 2] + (((x2[t-1] & 3) + (x1[t] & 3)) & 3)   (x2[-1] := 0)
Then irreducible noise: with probability NOISE[q] = (0.03, 0.05, 0.1, 0.15) the token of level q
is replaced by a uniformly random code (the finer levels are computed from the noisy, observed
coarser tokens, so noise never propagates into a contradiction).

Best achievable per-token accuracy (speaker known, coarser levels and neighbours true; a noisy
token is right by chance with probability 1/C):
  level q >= 1: 1 - NOISE[q] + NOISE[q] / C  -> 0.9516, 0.9031, 0.8547 for q = 1, 2, 3
  level 0: content (x0 >> 1) 1 - NOISE[0] + NOISE[0] * 2 / C = 0.9719; the full token also needs
        the register, which is a coin flip far from any known frame: (1 - NOISE[0]) * P(register)
        + NOISE[0] / C, with P(register) = 0.5 + 0.5 * (1 - 2 * REGISTER_FLIP)^d at distance d
        from the last known frame (e.g. 0.5 + 0.5 * 0.94^d after a prompt).
`python3 weights/corpus.py --check` prints these numbers and verifies them on sampled data.

Library module (sample_utterance, sample_batch, upsample) and a command line that writes the
held-out examples for weights/trained/:
    /usr/bin/python3 weights/corpus.py --examples weights/trained --seed 7 --count 8 \
        --prompt-semantic 10 --target-semantic 50
"""
import argparse
import os

import numpy as np

TABLE_SEED = 20230516          # the corpus' fixed tables (arXiv 2305.09636 was posted 2023-05-16)
Q, C, V = 4, 32, 32            # levels, codes per level, semantic vocabulary
RATIO = 2                      # codec frames per semantic token
SPEAKERS = 4
CONTENT = 16                   # level-0 content values (x0 >> 1)
REGISTER_FLIP = 0.03
NOISE = (0.03, 0.05, 0.10, 0.15)
SUCCESSOR_P = np.array([0.4, 0.3, 0.2, 0.1])


def _tables():
    g = np.random.default_rng(TABLE_SEED)
    successors = np.stack([g.choice(V, size=4, replace=False) for _ in range(V)])      # [V, 4]
    f0 = g.integers(0, CONTENT, size=(SPEAKERS, V))                                   # [K, V]
    h1 = g.integers(0, 8, size=CONTENT)                                               # [16] -> 8
    h2 = np.stack([g.permutation(8) for _ in range(SPEAKERS)])                        # [K, 8]
    h3 = g.permutation(8)                                                              # [8]
    return successors, f0, h1, h2, h3


SUCCESSORS, F0, H1, H2, H3 = _tables()


def upsample(semantic):
    """Semantic ids at the semantic rate [..., n] -> codec frame rate [..., n * RATIO]."""
    return np.repeat(np.asarray(semantic), RATIO, axis=-1)


def sample_utterance(rng, n_semantic, speaker=None):
    """One utterance: (semantic [n] int64, acoustic [n * RATIO, Q] int64, speaker)."""
    k = int(rng.integers(SPEAKERS)) if speaker is None else int(speaker)
    sem = np.empty(n_semantic, dtype=np.int64)
    sem[0] = rng.integers(V)
    picks = rng.choice(4, size=n_semantic, p=SUCCESSOR_P)
    for i in range(1, n_semantic):
        sem[i] = SUCCESSORS[sem[i - 1], picks[i]]
    s = upsample(sem)
    t_len = len(s)
    flips = rng.random(t_len) < REGISTER_FLIP
    flips[0] = False
    reg = (int(rng.integers(2)) + np.cumsum(flips)) & 1
    noise = rng.random((t_len, Q)) < np.asarray(NOISE)
    random_codes = rng.integers(0, C, size=(t_len, Q))
    x = np.empty((t_len, Q), dtype=np.int64)
    x[:, 0] = 2 * F0[k][s] + (reg ^ (s & 1))
    x[:, 0] = np.where(noise[:, 0], random_codes[:, 0], x[:, 0])
    prev0 = np.concatenate([[0], x[:-1, 0]])
    x[:, 1] = 4 * H1[x[:, 0] >> 1] + ((prev0 >> 1) & 3)
    x[:, 1] = np.where(noise[:, 1], random_codes[:, 1], x[:, 1])
    next1 = np.concatenate([x[1:, 1], [0]])
    x[:, 2] = 4 * H2[k][x[:, 1] >> 2] + (next1 & 3)
    x[:, 2] = np.where(noise[:, 2], random_codes[:, 2], x[:, 2])
    prev2 = np.concatenate([[0], x[:-1, 2]])
    x[:, 3] = 4 * H3[x[:, 2] >> 2] + (((prev2 & 3) + (x[:, 1] & 3)) & 3)
    x[:, 3] = np.where(noise[:, 3], random_codes[:, 3], x[:, 3])
    return sem, x, k


def sample_batch(rng, batch, n_semantic):
    """batch utterances of the same length: semantic [B, n], acoustic [B, n * RATIO, Q], speakers [B]."""
    out = [sample_utterance(rng, n_semantic) for _ in range(batch)]
    return (np.stack([o[0] for o in out]), np.stack([o[1] for o in out]),
            np.array([o[2] for o in out], dtype=np.int64))


def best_accuracy():
    """Best achievable per-token accuracy given the speaker, true coarser levels and neighbours
    (level 0: content part x0 >> 1 only)."""
    level0_content = 1 - NOISE[0] + NOISE[0] * 2 / C
    return [level0_content] + [1 - n + n / C for n in NOISE[1:]]


def register_of(x0, s):
    """Register bit of level-0 tokens x0 given the upsampled semantic ids s (same shape)."""
    return (np.asarray(x0) & 1) ^ (np.asarray(s) & 1)


def _check(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    sem, x, spk = sample_batch(rng, n, 60)
    s = upsample(sem)
    best = best_accuracy()
    # the deterministic rules, recomputed from the observed coarser levels, hit at the predicted rate
    prev0 = np.concatenate([np.zeros((n, 1), np.int64), x[:, :-1, 0]], axis=1)
    next1 = np.concatenate([x[:, 1:, 1], np.zeros((n, 1), np.int64)], axis=1)
    prev2 = np.concatenate([np.zeros((n, 1), np.int64), x[:, :-1, 2]], axis=1)
    pred = [2 * F0[spk[:, None], s],
            4 * H1[x[..., 0] >> 1] + ((prev0 >> 1) & 3),
            4 * H2[spk[:, None], x[..., 1] >> 2] + (next1 & 3),
            4 * H3[x[..., 2] >> 2] + (((prev2 & 3) + (x[..., 1] & 3)) & 3)]
    got = [float(np.mean((x[..., 0] >> 1) == (pred[0] >> 1)))] + [float(np.mean(x[..., q] == pred[q]))
                                                                     for q in range(1, Q)]
    reg = register_of(x[..., 0], s)
    same = float(np.mean(reg[:, 1:] == reg[:, :-1]))
    print("best achievable accuracy (level 0: content part):", " ".join(f"{b:.4f}" for b in best))
    print("measured on", n, "utterances:               ", " ".join(f"{g:.4f}" for g in got))
    print(f"register unchanged between neighbouring frames: {same:.4f} "
          f"(expected {(1 - REGISTER_FLIP) * (1 - NOISE[0]) ** 2 + 0.5 * (1 - (1 - NOISE[0]) ** 2):.4f})")
    for q in range(Q):
        assert abs(got[q] - best[q]) < 0.01, (q, got[q], best[q])


def write_examples(out_dir, seed, count, prompt_semantic, target_semantic):
    """Held-out utterances (seed stream distinct from training's) split into prompt and target."""
    rng = np.random.default_rng([seed, 999])
    sem, x, spk = sample_batch(rng, count, prompt_semantic + target_semantic)
    pf = prompt_semantic * RATIO
    os.makedirs(out_dir, exist_ok=True)
    files = {"example_semantic.npy": sem[:, prompt_semantic:],
             "example_prompt_semantic.npy": sem[:, :prompt_semantic],
             "example_prompt_acoustic.npy": x[:, :pf],
             "example_truth.npy": x[:, pf:],
             "example_speaker.npy": spk}
    for name, a in files.items():
        np.save(os.path.join(out_dir, name), np.ascontiguousarray(a, dtype=np.int64))
        print(f"{out_dir}/{name}: {list(a.shape)}")


def main(argv=None):
    ap = argparse.ArgumentParser(description="Synthetic SoundStorm corpus: checks and held-out examples.")
    ap.add_argument("--check", action="store_true", help="print and verify the best achievable accuracies")
    ap.add_argument("--examples", help="write held-out example .npy files into this directory")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--count", type=int, default=8)
    ap.add_argument("--prompt-semantic", type=int, default=10)
    ap.add_argument("--target-semantic", type=int, default=50)
    a = ap.parse_args(argv)
    if a.check:
        _check()
    if a.examples:
        write_examples(a.examples, a.seed, a.count, a.prompt_semantic, a.target_semantic)


if __name__ == "__main__":
    main()
