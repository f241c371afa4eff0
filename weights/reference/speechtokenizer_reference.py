"""Reference fixtures for a Java SpeechTokenizer decoder (codes -> 16 kHz waveform).

Runs the public SpeechTokenizer code itself (github ZhangXInFD/SpeechTokenizer; its source and
einops are taken from directories given at run time and never copied into this repository) and
writes small fixtures that a Java decoder is tested against:

    /usr/bin/python3 weights/reference/speechtokenizer_reference.py \
        --speechtokenizer-src DIR --einops-src DIR --out tests/resources/codec

DIR for --speechtokenizer-src is a checkout of ZhangXInFD/SpeechTokenizer (the folder holding
`speechtokenizer/`), for --einops-src a checkout of arogozhnikov/einops (the folder holding
`einops/`); env vars SPEECHTOKENIZER_SRC / EINOPS_SRC are used when the options are absent.
The package's `__init__` imports its trainer (extra dependencies), so `speechtokenizer` is
registered as a bare stub package and only `speechtokenizer.model` is imported from it.

Output (deterministic; a rerun writes byte-identical files):
  small/     a scaled-down model of the released structure (SMALL_CONFIG), torch default init
             under torch.manual_seed(SMALL_SEED), codebooks (zeros in a fresh model: k-means
             init) drawn from N(0, 1), every weight_g replaced by |weight_g| + 0.1. config.json
             (SpeechTokenizer's own config keys), SpeechTokenizer.pt (torch.save of the whole
             state_dict: encoder, transform, quantizer, decoder), cases (codes int64
             [k, B, T] -> waveform float32 [B, 1, T*hop], both .npy, computed by the model's
             own `decode`), cases.json, receptive_field.json.
  released/  the released config (RELEASED_CONFIG) with every state_dict tensor filled by the
             formula below (nothing of it committed), one case (codes + waveform),
             formula.json (the formula's parameters), formula_check.json (first values and
             per-tensor sums), receptive_field.json.

Tensor-fill formula for released/ (exact integer arithmetic, then exact float64 operations,
then one rounding to float32; Java reproduces it bit for bit with long arithmetic):
  seed(N)  = FNV-1a 64-bit of the tensor name N's UTF-8 bytes
             (h = 0xCBF29CE484222325; for each byte b: h = (h XOR b) * 0x100000001B3 mod 2^64)
  z        = seed(N) + (i + 1) * 0x9E3779B97F4A7C15 mod 2^64   (i = flat row-major index)
  z        = (z XOR (z >>> 30)) * 0xBF58476D1CE4E5B9 mod 2^64
  z        = (z XOR (z >>> 27)) * 0x94D049BB133111EB mod 2^64
  z        = z XOR (z >>> 31)                                   (SplitMix64's finaliser)
  u        = (z >>> 40) * 2^-23 - 1                             (in [-1, 1), exact)
  value    = float32(scale_N * u)                  for every tensor except weight_g
  value    = float32(0.5 + |scale_N * u|)          for names ending in "weight_g"
  scale_N  = the first rule of FILL_SCALES whose test matches N (all powers of two).
(A sine of i, the first idea, was not used: rows of a weight matrix would
all be phase shifts of one sinusoid, i.e. rank 2, and a libm sine is not bit-reproducible
across Java and glibc. The hash keeps every tensor pseudo-random and full rank.)

Also prints, for both configs, the decoder's receptive field and look-ahead (analytic, walking
the decoder's own modules, and empirical, perturbing one input frame in float64) and writes it
to receptive_field.json.
"""
import argparse
import hashlib
import importlib
import json
import math
import os
import sys
import types

import numpy as np
import torch

SMALL_CONFIG = {
    "n_filters": 4, "strides": [4, 2, 2], "dimension": 32, "semantic_dimension": 24,
    "bidirectional": True, "dilation_base": 2, "residual_kernel_size": 3,
    "n_residual_layers": 1, "lstm_layers": 2, "activation": "ELU", "codebook_size": 16,
    "n_q": 8, "sample_rate": 16000,
}
# The model keys of the release's config.json (speechtokenizer_hubert_avg/config.json, as in
# the repository's config/spt_base_cfg.json; the training-only keys are left out).
RELEASED_CONFIG = {
    "n_filters": 64, "strides": [8, 5, 4, 2], "dimension": 1024, "semantic_dimension": 768,
    "bidirectional": True, "dilation_base": 2, "residual_kernel_size": 3,
    "n_residual_layers": 1, "lstm_layers": 2, "activation": "ELU", "codebook_size": 1024,
    "n_q": 8, "sample_rate": 16000,
}
SMALL_SEED = 20261202
CODES_SEED = 7
EMBED_STD = 1.0
WEIGHT_G_FLOOR = 0.1

# (rule name, test on the tensor name, scale). First match wins.
FILL_SCALES = [
    ("weight_g", lambda n: n.endswith("weight_g"), 0.5),
    ("weight_v", lambda n: n.endswith("weight_v"), 1.0),
    ("lstm", lambda n: ".lstm." in n, 2.0 ** -5),
    ("codebook_embed", lambda n: n.endswith("._codebook.embed"), 1.0),
    ("bias", lambda n: n.endswith(".bias"), 2.0 ** -4),
    ("other", lambda n: True, 1.0),
]
FILL_SCALE_TEXT = {
    "weight_g": "name ends with 'weight_g' (value = 0.5 + |scale*u|)",
    "weight_v": "name ends with 'weight_v'",
    "lstm": "name contains '.lstm.' (weights and biases of every LSTM)",
    "codebook_embed": "name ends with '._codebook.embed'",
    "bias": "name ends with '.bias' (conv biases, transform bias)",
    "other": "anything else (transform.weight; the codebooks' inited, cluster_size, embed_avg)",
}
RELEASED_CASE = {"batch": 1, "frames": 10, "seed": 11}
MASK64 = (1 << 64) - 1


# ---------------------------------------------------------------------------------------------
# Importing the public code

def import_speechtokenizer(st_src, einops_src):
    """Return the public SpeechTokenizer class, importing speechtokenizer.model via a stub."""
    einops_src = os.path.abspath(einops_src)
    if not os.path.isdir(os.path.join(einops_src, "einops")):
        raise SystemExit(f"--einops-src {einops_src}: no einops/ package inside")
    st_src = os.path.abspath(st_src)
    pkg_dir = os.path.join(st_src, "speechtokenizer")
    if not os.path.isfile(os.path.join(pkg_dir, "model.py")):
        if os.path.isfile(os.path.join(st_src, "model.py")):
            pkg_dir = st_src
        else:
            raise SystemExit(f"--speechtokenizer-src {st_src}: no speechtokenizer/model.py")
    sys.path.insert(0, einops_src)
    import einops  # noqa: F401  (the public modules import it)
    stub = types.ModuleType("speechtokenizer")
    stub.__path__ = [pkg_dir]
    sys.modules["speechtokenizer"] = stub
    return importlib.import_module("speechtokenizer.model").SpeechTokenizer


def add_source_args(p):
    p.add_argument("--speechtokenizer-src", default=os.environ.get("SPEECHTOKENIZER_SRC"),
                   help="checkout of ZhangXInFD/SpeechTokenizer (or env SPEECHTOKENIZER_SRC)")
    p.add_argument("--einops-src", default=os.environ.get("EINOPS_SRC"),
                   help="checkout of arogozhnikov/einops (or env EINOPS_SRC)")


def check_source_args(p, a):
    if not a.speechtokenizer_src or not a.einops_src:
        p.error("--speechtokenizer-src and --einops-src (or SPEECHTOKENIZER_SRC / EINOPS_SRC) "
                "are required")


# ---------------------------------------------------------------------------------------------
# Weights

def init_random(model_cls, cfg, seed):
    """Torch default init under a seed; codebooks N(0, EMBED_STD); weight_g kept positive."""
    torch.manual_seed(seed)
    return randomize_codebooks(model_cls(cfg), seed)


def randomize_codebooks(model, seed):
    """A fresh model's codebooks (zeros: k-means init) drawn from N(0, EMBED_STD) under seed + 1,
    their training buffers set to match, every weight_g replaced by |weight_g| + WEIGHT_G_FLOOR;
    in eval mode. Shared with encodec_reference.py (the quantizer and weight norm are the same code)."""
    gen = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for name, t in model.state_dict().items():
            if name.endswith("._codebook.embed"):
                t.copy_(torch.randn(t.shape, generator=gen) * EMBED_STD)
            elif name.endswith("._codebook.embed_avg"):
                pass  # set from embed below
            elif name.endswith("._codebook.inited"):
                t.fill_(1.0)
            elif name.endswith("._codebook.cluster_size"):
                t.fill_(1.0)
            elif name.endswith("weight_g"):
                t.copy_(t.abs() + WEIGHT_G_FLOOR)
        for layer in model.quantizer.vq.layers:
            layer._codebook.embed_avg.copy_(layer._codebook.embed)
    return model.eval()


def fnv1a64(name):
    h = 0xCBF29CE484222325
    for b in name.encode("utf-8"):
        h = ((h ^ b) * 0x100000001B3) & MASK64
    return h


def fill_scale(name):
    for rule, test, scale in FILL_SCALES:
        if test(name):
            return rule, scale
    raise AssertionError


def formula_values(name, n):
    """float32 array of the first n values of tensor `name` (see the module docstring)."""
    seed = np.uint64(fnv1a64(name))
    with np.errstate(over="ignore"):
        i = np.arange(1, n + 1, dtype=np.uint64)
        z = seed + i * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    u = (z >> np.uint64(40)).astype(np.float64) * 2.0 ** -23 - 1.0
    rule, scale = fill_scale(name)
    v = scale * u
    if rule == "weight_g":
        v = 0.5 + np.abs(v)
    return v.astype(np.float32)


def formula_value_scalar(name, i):
    """The same value by plain Python integers (an independent check of formula_values)."""
    z = (fnv1a64(name) + (i + 1) * 0x9E3779B97F4A7C15) & MASK64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    z ^= z >> 31
    u = (z >> 40) * 2.0 ** -23 - 1.0
    rule, scale = fill_scale(name)
    v = scale * u
    return float(np.float32(0.5 + abs(v) if rule == "weight_g" else v))


def init_formula(model_cls, cfg):
    torch.manual_seed(0)  # the constructor's own init is overwritten below
    model = model_cls(cfg)
    with torch.no_grad():
        for name, t in model.state_dict().items():
            if not t.is_floating_point():
                raise AssertionError(f"{name}: {t.dtype}")
            t.copy_(torch.from_numpy(formula_values(name, t.numel()).reshape(t.shape)))
    return model.eval()


# ---------------------------------------------------------------------------------------------
# Receptive field

def _decoder_layers(decoder):
    """The decoder's nn.Sequential as a list of plain descriptors (from the modules themselves)."""
    out = []

    def conv_desc(sconv):
        c = sconv.conv.conv
        assert not sconv.causal and sconv.pad_mode == "reflect"
        k, s, d = c.kernel_size[0], c.stride[0], c.dilation[0]
        assert s == 1, "the decoder has only stride-1 convs"
        pt = (k - 1) * d
        return {"type": "conv", "kernel": k, "dilation": d, "stride": s,
                "pad_left": pt - pt // 2, "pad_right": pt // 2, "pad_mode": "reflect",
                "in": c.in_channels, "out": c.out_channels}

    for m in decoder.model:
        kind = type(m).__name__
        if kind == "SConv1d":
            out.append(conv_desc(m))
        elif kind == "SConvTranspose1d":
            c = m.convtr.convtr
            assert not m.causal
            k, s = c.kernel_size[0], c.stride[0]
            pt = k - s
            out.append({"type": "convtr", "kernel": k, "stride": s,
                        "trim_left": pt - pt // 2, "trim_right": pt // 2,
                        "in": c.in_channels, "out": c.out_channels})
        elif kind == "SLSTM":
            assert not m.bidirectional
            out.append({"type": "lstm", "layers": m.lstm.num_layers,
                        "hidden": m.lstm.hidden_size, "skip": m.skip})
        elif kind == "SEANetResnetBlock":
            block = [conv_desc(b) for b in m.block if type(b).__name__ == "SConv1d"]
            sc = m.shortcut
            shortcut = "identity" if isinstance(sc, torch.nn.Identity) else conv_desc(sc)
            out.append({"type": "resblock", "order": "y = shortcut(x) + conv2(elu(conv1(elu(x))))",
                        "block": block, "shortcut": shortcut})
        elif kind == "ELU":
            out.append({"type": "elu", "alpha": m.alpha})
        else:
            raise AssertionError(kind)
    return out


NEG_INF = -(1 << 60)


def _back(layer, a, b):
    """Input index interval [a', b'] that output interval [a, b] of `layer` depends on."""
    t = layer["type"]
    if t == "conv":
        return a - layer["pad_left"], b + layer["pad_right"]
    if t == "convtr":
        k, s, tl = layer["kernel"], layer["stride"], layer["trim_left"]
        # untrimmed output m = n + trim_left gets input t for t*s <= m <= t*s + k - 1
        return -((-(a + tl - k + 1)) // s), (b + tl) // s
    if t == "resblock":
        lo, hi = a, b
        for c in reversed(layer["block"]):
            lo, hi = _back(c, lo, hi)
        if layer["shortcut"] != "identity":
            slo, shi = _back(layer["shortcut"], a, b)
            lo, hi = min(lo, slo), max(hi, shi)
        return lo, hi
    if t == "lstm":
        return NEG_INF, b  # unidirectional: all of the past, nothing of the future
    return a, b


def receptive_field_analytic(layers, hop):
    lstm_at = [i for i, l in enumerate(layers) if l["type"] == "lstm"]
    assert len(lstm_at) == 1
    post = layers[lstm_at[0] + 1:]
    pre = layers[:lstm_at[0]]
    base = 1000  # an interior frame, far from both ends
    per_phase = []
    for p in range(hop):
        n = base * hop + p
        lo, hi = n, n
        for layer in reversed(post):
            lo, hi = _back(layer, lo, hi)
        plo, phi = lo, hi
        for layer in reversed(pre):
            plo, phi = _back(layer, plo, phi)
        per_phase.append((lo - base, hi - base, phi - base))
    post_left = -min(x[0] for x in per_phase)
    post_right = max(x[1] for x in per_phase)
    total_right = max(x[2] for x in per_phase)

    def runs(vals):
        r = []
        for p, v in enumerate(vals):
            if r and r[-1][2] == v:
                r[-1][1] = p
            else:
                r.append([p, p, v])
        return r

    # Streaming: with frames 0..F-1 received (F large), sample n is final once every frame it
    # depends on has arrived; the first sample that still needs frame F gives the hold-back.
    F = 1000
    waiting = None
    for n in range((F - total_right - 2) * hop, F * hop):
        fr, p = divmod(n, hop)
        if fr + per_phase[p][2] >= F:
            waiting = n
            break
    return {
        "hop_samples": hop,
        "pre_lstm_conv_frames": {"left": -min(_back_chain(pre, 0)[0], 0),
                                 "right": _back_chain(pre, 0)[1]},
        "post_lstm_frames": {"left": post_left, "right": post_right,
                             "left_by_phase": runs([-x[0] for x in per_phase]),
                             "right_by_phase": runs([x[1] for x in per_phase])},
        "lookahead_frames": total_right,
        "lookahead_frames_by_phase": runs([x[2] for x in per_phase]),
        "holdback_samples": F * hop - waiting,
    }


def _back_chain(layers, n):
    lo, hi = n, n
    for layer in reversed(layers):
        lo, hi = _back(layer, lo, hi)
    return lo, hi


def receptive_field_empirical(model, frames, t0):
    """Perturb one frame of the decoder input (and of the LSTM output) in float64."""
    dec = model.decoder.double()
    gen = torch.Generator().manual_seed(3)
    d = dec.dimension
    x = torch.randn(1, d, frames, generator=gen, dtype=torch.float64)
    dx = torch.zeros_like(x)
    dx[:, :, t0] = 1e-3 * torch.randn(d, generator=gen, dtype=torch.float64)
    with torch.no_grad():
        y0 = dec(x)[0, 0]
        y1 = dec(x + dx)[0, 0]
        changed = torch.nonzero(y1 != y0).flatten()
        # the same at the LSTM's output: a hook adds a perturbation to frame t0
        lstm = dec.model[1]
        pert = {}

        def hook(_m, _inp, out):
            if "d" in pert:
                out = out.clone()
                out[:, :, t0] += pert["d"]
            return out

        h = lstm.register_forward_hook(hook)
        z0 = dec(x)[0, 0]
        pert["d"] = 1e-3 * torch.randn(lstm.lstm.hidden_size, generator=gen, dtype=torch.float64)
        z1 = dec(x)[0, 0]
        h.remove()
        changed_post = torch.nonzero(z1 != z0).flatten()
    model.decoder.float()
    return {
        "frames": frames, "perturbed_frame": t0, "samples": int(y0.numel()),
        "decoder_input_changed_samples": [int(changed.min()), int(changed.max())],
        "decoder_input_changed_count": int(changed.numel()),
        "lstm_output_changed_samples": [int(changed_post.min()), int(changed_post.max())],
        "lstm_output_changed_count": int(changed_post.numel()),
    }


def receptive_field(model, label):
    hop = int(np.prod(model.decoder.ratios))
    layers = _decoder_layers(model.decoder)
    ana = receptive_field_analytic(layers, hop)
    frames, t0 = 48, 24
    emp = receptive_field_empirical(model, frames, t0)
    # what the analytic numbers predict for the empirical runs
    per_right = _expand(ana["lookahead_frames_by_phase"], hop)
    per_post_left = _expand(ana["post_lstm_frames"]["left_by_phase"], hop)
    per_post_right = _expand(ana["post_lstm_frames"]["right_by_phase"], hop)
    pred_first = min(n for n in range(frames * hop) if n // hop + per_right[n % hop] >= t0)
    post = [n for n in range(frames * hop)
            if n // hop - per_post_left[n % hop] <= t0 <= n // hop + per_post_right[n % hop]]
    emp["predicted_decoder_input_changed_samples"] = [pred_first, frames * hop - 1]
    emp["predicted_lstm_output_changed_samples"] = [min(post), max(post)]
    emp["agrees"] = (emp["decoder_input_changed_samples"] == [pred_first, frames * hop - 1]
                     and emp["lstm_output_changed_samples"] == [min(post), max(post)]
                     and emp["lstm_output_changed_count"] == len(post))
    result = {
        "config": label,
        "note": ("Interior figures (reflect padding at the sequence ends not counted). Frames "
                 "are codec frames (hop_samples samples each); phase p is sample p of a frame. "
                 "The decoder's LSTM is unidirectional: every sample depends on all earlier "
                 "frames. lookahead_frames: how many frames after a sample's own frame it "
                 "depends on (max over phases). holdback_samples: once frames 0..F-1 are in, "
                 "the last holdback_samples of the F*hop samples can still change. "
                 "post_lstm_frames: span, in LSTM output frames, of the convolution stack after "
                 "the LSTM (what a streaming decoder must keep on its left)."),
        "analytic": ana,
        "empirical": emp,
        "layers": layers,
    }
    print(f"[{label}] hop {hop}: look-ahead {ana['lookahead_frames']} frames, hold-back "
          f"{ana['holdback_samples']} samples; post-LSTM convs span frames "
          f"-{ana['post_lstm_frames']['left']}..+{ana['post_lstm_frames']['right']}; "
          f"empirical {emp['decoder_input_changed_samples']} / "
          f"{emp['lstm_output_changed_samples']} (predicted "
          f"{emp['predicted_decoder_input_changed_samples']} / "
          f"{emp['predicted_lstm_output_changed_samples']}): "
          f"{'agrees' if emp['agrees'] else 'DISAGREES'}")
    return result


def _expand(runs, hop):
    v = [None] * hop
    for a, b, x in runs:
        for p in range(a, b + 1):
            v[p] = x
    return v


# ---------------------------------------------------------------------------------------------
# Output

def save_npy(path, arr):
    np.save(path, np.ascontiguousarray(arr), allow_pickle=False)


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def random_codes(n_q, batch, frames, bins, seed):
    gen = torch.Generator().manual_seed(seed)
    return torch.randint(0, bins, (n_q, batch, frames), generator=gen, dtype=torch.int64)


def decode_case(model, codes):
    """The model's own decode in float32, and the float64 difference for a tolerance figure."""
    with torch.no_grad():
        wav = model.decode(codes)
        m64 = model.double()
        wav64 = m64.decode(codes)
        model.float()
    assert wav.dtype == torch.float32 and torch.isfinite(wav).all()
    return wav, float((wav.double() - wav64).abs().max())


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def make_small(model_cls, out):
    d = os.path.join(out, "small")
    os.makedirs(d, exist_ok=True)
    cfg = dict(SMALL_CONFIG)
    model = init_random(model_cls, cfg, SMALL_SEED)
    write_json(os.path.join(d, "config.json"), cfg)
    torch.save(model.state_dict(), os.path.join(d, "SpeechTokenizer.pt"))
    hop = int(np.prod(cfg["strides"]))
    n_q = cfg["n_q"]
    base13 = random_codes(n_q, 2, 13, cfg["codebook_size"], CODES_SEED)
    base1 = random_codes(n_q, 1, 1, cfg["codebook_size"], CODES_SEED + 1)
    specs = [("b2_t13_all", base13, n_q), ("b2_t13_k1", base13, 1),
             (f"b2_t13_k{n_q - 1}", base13, n_q - 1), ("b1_t1_all", base1, n_q),
             ("b1_t1_k1", base1, 1)]
    cases = []
    for name, base, k in specs:
        codes = base[:k].clone()
        wav, d64 = decode_case(model, codes)
        assert list(wav.shape) == [codes.shape[1], 1, codes.shape[2] * hop], wav.shape
        cf, wf = f"case_{name}.codes.npy", f"case_{name}.wav.npy"
        save_npy(os.path.join(d, cf), codes.numpy())
        save_npy(os.path.join(d, wf), wav.numpy())
        cases.append({"name": name, "codes": cf, "codes_shape": list(codes.shape),
                      "codes_dtype": "int64", "levels_used": k, "wav": wf,
                      "wav_shape": list(wav.shape), "wav_dtype": "float32",
                      "peak_abs": round(float(wav.abs().max()), 6),
                      "float64_max_abs_diff": float(f"{d64:.3g}")})
        print(f"[small] {name}: codes {list(codes.shape)} -> wav {list(wav.shape)}, peak "
              f"{float(wav.abs().max()):.4f}, |f32-f64| {d64:.2e}")
    write_json(os.path.join(d, "cases.json"), {
        "model": "config.json + SpeechTokenizer.pt (torch.save of the whole state_dict)",
        "decode": "SpeechTokenizer.decode(codes) with st=0, eval mode, float32; codes [k, B, T] "
                  "use levels 0..k-1; wav [B, 1, T*hop]",
        "hop_samples": hop,
        "cases": cases})
    write_json(os.path.join(d, "receptive_field.json"), receptive_field(model, "small"))


def make_released(model_cls, out):
    d = os.path.join(out, "released")
    os.makedirs(d, exist_ok=True)
    cfg = dict(RELEASED_CONFIG)
    model = init_formula(model_cls, cfg)
    sd = model.state_dict()
    # self-check: vectorised formula == plain-integer formula on a few values of a few tensors
    check_names = ["decoder.model.0.conv.conv.weight_g", "decoder.model.1.lstm.weight_ih_l0",
                   "quantizer.vq.layers.0._codebook.embed", "decoder.model.3.convtr.convtr.weight_v",
                   "decoder.model.15.conv.conv.bias"]
    first = {}
    for name in check_names:
        flat = sd[name].flatten()
        vals = [float(x) for x in flat[:5]]  # fewer when the tensor is smaller
        scal = [formula_value_scalar(name, i) for i in range(min(5, flat.numel()))]
        assert vals == scal, (name, vals, scal)
        last = flat.numel() - 1
        assert float(flat[last]) == formula_value_scalar(name, last)
        first[name] = {"shape": list(sd[name].shape), "fnv1a64": f"0x{fnv1a64(name):016X}",
                       "first5": vals, "last_index": last, "last": float(flat[last])}
        print(f"[released] {name} {list(sd[name].shape)}: {vals}")
    used = {n: t for n, t in sd.items()
            if n.startswith("decoder.") or n.endswith("._codebook.embed")}
    sums = {n: {"shape": list(t.shape), "sum": float(t.double().sum()),
                "sum_abs": float(t.double().abs().sum())} for n, t in used.items()}
    write_json(os.path.join(d, "formula_check.json"), {
        "note": "first5: the first 5 row-major values (float32, printed exactly as Python "
                "floats) of a few tensors; tensors: for every tensor the decode uses, its shape "
                "and the float64 sums of its float32 values and of their absolute values",
        "first_values": first, "tensors": sums})
    write_json(os.path.join(d, "formula.json"), {
        "config": cfg,
        "fnv1a64": {"offset_basis": "0xCBF29CE484222325", "prime": "0x100000001B3",
                    "input": "UTF-8 bytes of the state_dict key"},
        "splitmix64": {"increment": "0x9E3779B97F4A7C15", "mul1": "0xBF58476D1CE4E5B9",
                       "mul2": "0x94D049BB133111EB", "shifts": [30, 27, 31],
                       "z0": "seed + (i + 1) * increment mod 2^64, i = flat row-major index"},
        "u": "(z >>> 40) * 2^-23 - 1 (float64)",
        "value": "float32(scale * u); for names ending in 'weight_g': float32(0.5 + |scale * u|)",
        "scales": [{"rule": r, "applies_to": FILL_SCALE_TEXT[r], "scale": s}
                   for r, _, s in FILL_SCALES],
        "first_matching_rule_wins": True,
    })
    hop = int(np.prod(cfg["strides"]))
    c = RELEASED_CASE
    codes = random_codes(cfg["n_q"], c["batch"], c["frames"], cfg["codebook_size"], c["seed"])
    wav, d64 = decode_case(model, codes)
    assert list(wav.shape) == [c["batch"], 1, c["frames"] * hop]
    name = f"b{c['batch']}_t{c['frames']}_all"
    cf, wf = f"case_{name}.codes.npy", f"case_{name}.wav.npy"
    save_npy(os.path.join(d, cf), codes.numpy())
    save_npy(os.path.join(d, wf), wav.numpy())
    peak, rms = float(wav.abs().max()), float(wav.pow(2).mean().sqrt())
    print(f"[released] {name}: codes {list(codes.shape)} -> wav {list(wav.shape)}, peak "
          f"{peak:.4f}, rms {rms:.4f}, |f32-f64| {d64:.2e}")
    write_json(os.path.join(d, "cases.json"), {
        "model": "config in formula.json; every state_dict tensor from the fill formula",
        "decode": "SpeechTokenizer.decode(codes), eval mode, float32",
        "hop_samples": hop,
        "cases": [{"name": name, "codes": cf, "codes_shape": list(codes.shape),
                   "codes_dtype": "int64", "levels_used": cfg["n_q"], "wav": wf,
                   "wav_shape": list(wav.shape), "wav_dtype": "float32",
                   "peak_abs": round(peak, 6), "rms": round(rms, 6),
                   "float64_max_abs_diff": float(f"{d64:.3g}")}]})
    write_json(os.path.join(d, "receptive_field.json"), receptive_field(model, "released"))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_source_args(p)
    p.add_argument("--out", required=True, help="output folder (small/ and released/ inside)")
    p.add_argument("--only", choices=["small", "released"], help="make one set only")
    a = p.parse_args()
    check_source_args(p, a)
    torch.set_num_threads(2)
    model_cls = import_speechtokenizer(a.speechtokenizer_src, a.einops_src)
    if a.only in (None, "small"):
        make_small(model_cls, a.out)
    if a.only in (None, "released"):
        make_released(model_cls, a.out)


if __name__ == "__main__":
    main()
