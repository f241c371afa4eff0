"""Reference fixtures for the Java SEANet decoder in EnCodec's causal form (codes -> waveform).

Runs the public EnCodec code itself (github facebookresearch/encodec; its source and einops are
taken from directories given at run time and never copied into this repository):

    /usr/bin/python3 weights/reference/encodec_reference.py \
        --encodec-src DIR --einops-src DIR --out tests/resources/codec

DIR for --encodec-src is a checkout of facebookresearch/encodec (the folder holding `encodec/`),
for --einops-src one of arogozhnikov/einops. The package's `__init__` imports its compressor and
`encodec/utils.py` imports torchaudio (neither is needed to decode, and torchaudio is not in
Debian's python3-torch), so `encodec` is registered as a bare stub package and `encodec.utils` as
a stub module; `encodec.model`, `encodec.modules` and `encodec.quantization` are the public code.

The model is `EncodecModel(SEANetEncoder, SEANetDecoder, ResidualVectorQuantizer, ...)` exactly
as `EncodecModel._get_model` builds the 24 kHz model (causal, weight norm, reflect padding,
trim_right_ratio 1), scaled down (SMALL below) so that its weights can be committed: torch
default init under torch.manual_seed(SEED), codebooks (zeros in a fresh model: k-means init)
drawn from N(0, 1), every weight_g replaced by |weight_g| + 0.1. Each case is decoded by
`EncodecModel.decode([(codes [B, K, T], None)])`, the public decode of one frame without a scale
(the 24 kHz model has no segments and no normalisation).

Writes (deterministic; a rerun writes byte-identical files) into encodec_small/:
  config.json         SpeechTokenizer's key names for the same numbers, plus "causal": true
  encodec_small.th    torch.save of the whole state_dict (encoder, quantizer, decoder)
  case_*.codes.npy    int64 [k, B, T] (level, batch, frame), the first k levels
  case_*.wav.npy      float32 [B, 1, T * hop]
  cases.json          every case, with its peak and the float64 distance
  receptive_field.json  one input frame and one LSTM-output frame perturbed in float64: which
                      samples change
and into encodec_released/ the 24 kHz model's own shapes (`EncodecModel._get_model` for the
bandwidths [1.5, 3, 6, 12, 24]: N 32, D 128, 32 levels of 1024), every tensor filled by the
formula of speechtokenizer_reference.py (same names, same rules; nothing of it committed), and
the codes and waveforms of one short input with all 32 levels and with 8 (6 kbps).
"""
import argparse
import hashlib
import importlib
import json
import os
import sys
import types

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import speechtokenizer_reference as ref  # noqa: E402  (the fill formula, codebook init, receptive field)

SMALL = {"n_filters": 4, "ratios": [4, 3, 2], "dimension": 16, "n_residual_layers": 1,
         "dilation_base": 2, "residual_kernel_size": 3, "lstm": 2, "bins": 32, "n_q": 4,
         "sample_rate": 24000}
SEED = 20261204
CODES_SEED = 11


def import_encodec(src, einops_src):
    """The public EncodecModel, SEANet modules and quantizer, imported through stubs."""
    sys.path.insert(0, os.path.abspath(einops_src))
    import einops  # noqa: F401  (the public modules import it)
    pkg = os.path.join(os.path.abspath(src), "encodec")
    if not os.path.isfile(os.path.join(pkg, "model.py")):
        raise SystemExit(f"--encodec-src {src}: no encodec/model.py")
    stub = types.ModuleType("encodec")
    stub.__path__ = [pkg]
    sys.modules["encodec"] = stub
    utils = types.ModuleType("encodec.utils")

    def unused(*_args, **_kwargs):
        raise AssertionError("not used by a decode without segments")

    utils._check_checksum = utils._linear_overlap_add = utils._get_checkpoint_url = unused
    sys.modules["encodec.utils"] = utils
    model = importlib.import_module("encodec.model")
    return model.EncodecModel, importlib.import_module("encodec.modules"), importlib.import_module(
        "encodec.quantization")


def build(EncodecModel, m, qt):
    c = SMALL
    torch.manual_seed(SEED)
    common = dict(channels=1, dimension=c["dimension"], n_filters=c["n_filters"], ratios=c["ratios"],
                  n_residual_layers=c["n_residual_layers"], dilation_base=c["dilation_base"],
                  residual_kernel_size=c["residual_kernel_size"], lstm=c["lstm"], norm="weight_norm",
                  causal=True)
    encoder = m.SEANetEncoder(**common)
    decoder = m.SEANetDecoder(**common)
    quantizer = qt.ResidualVectorQuantizer(dimension=c["dimension"], n_q=c["n_q"], bins=c["bins"])
    model = EncodecModel(encoder, decoder, quantizer, target_bandwidths=[1.5], sample_rate=c["sample_rate"],
                         channels=1, normalize=False, segment=None, name="small")
    return ref.randomize_codebooks(model, SEED)


def decode(model, codes):
    """The public decode of codes [k, B, T]; and its distance to the same decode in float64."""
    frame = [(codes.transpose(0, 1).contiguous(), None)]
    with torch.no_grad():
        wav = model.decode(frame)
        wav64 = model.double().decode(frame)
        model.float()
    assert wav.dtype == torch.float32 and torch.isfinite(wav).all()
    return wav, float((wav.double() - wav64).abs().max())


def released_model(EncodecModel):
    """The 24 kHz model's structure, every state_dict tensor from the shared fill formula."""
    torch.manual_seed(0)  # the constructor's own init is overwritten below
    model = EncodecModel._get_model([1.5, 3., 6, 12., 24.], 24_000, 1, causal=True, model_norm="weight_norm",
                                    audio_normalize=False, name="unset")
    with torch.no_grad():
        for name, t in model.state_dict().items():
            assert t.is_floating_point(), name
            t.copy_(torch.from_numpy(ref.formula_values(name, t.numel()).reshape(t.shape)))
    return model.eval()


def make_released(EncodecModel, out):
    model = released_model(EncodecModel)
    os.makedirs(out, exist_ok=True)
    hop = int(np.prod(model.decoder.ratios))
    gen = torch.Generator().manual_seed(CODES_SEED)
    codes = torch.randint(0, 1024, (32, 1, 10), generator=gen, dtype=torch.int64)
    cases = []
    for name, k in (("b1_t10_all", 32), ("b1_t10_k8", 8)):
        wav, d64 = decode(model, codes[:k].clone())
        assert list(wav.shape) == [1, 1, 10 * hop], wav.shape
        cf, wf = f"case_{name}.codes.npy", f"case_{name}.wav.npy"
        np.save(os.path.join(out, cf), codes[:k].numpy(), allow_pickle=False)
        np.save(os.path.join(out, wf), np.ascontiguousarray(wav.numpy()), allow_pickle=False)
        peak = float(wav.abs().max())
        cases.append({"name": name, "codes": cf, "codes_shape": [k, 1, 10], "levels_used": k, "wav": wf,
                      "wav_shape": list(wav.shape), "peak_abs": round(peak, 6),
                      "float64_max_abs_diff": float(f"{d64:.3g}")})
        print(f"released {name}: peak {peak:.4f}, |f32-f64| {d64:.2e}")
    write_json(os.path.join(out, "cases.json"), {
        "model": "EncodecModel._get_model([1.5, 3, 6, 12, 24], 24000, 1, causal=True, model_norm='weight_norm'); "
                 "every state_dict tensor from the fill formula of speechtokenizer_reference.py",
        "decode": "EncodecModel.decode([(codes.transpose(0, 1), None)]), eval mode, float32, 2 threads",
        "hop_samples": hop, "cases": cases})


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--encodec-src", required=True, help="checkout of facebookresearch/encodec")
    p.add_argument("--einops-src", required=True, help="checkout of arogozhnikov/einops")
    p.add_argument("--out", required=True, help="output folder (encodec_small/ and encodec_released/ inside)")
    a = p.parse_args()
    torch.set_num_threads(2)
    EncodecModel, m, qt = import_encodec(a.encodec_src, a.einops_src)
    make_released(EncodecModel, os.path.join(a.out, "encodec_released"))
    model = build(EncodecModel, m, qt)
    a.out = os.path.join(a.out, "encodec_small")
    os.makedirs(a.out, exist_ok=True)
    c = SMALL
    write_json(os.path.join(a.out, "config.json"), {
        "n_filters": c["n_filters"], "strides": c["ratios"], "dimension": c["dimension"],
        "lstm_layers": c["lstm"], "dilation_base": c["dilation_base"],
        "residual_kernel_size": c["residual_kernel_size"], "n_residual_layers": c["n_residual_layers"],
        "activation": "ELU", "codebook_size": c["bins"], "n_q": c["n_q"], "sample_rate": c["sample_rate"],
        "causal": True})
    torch.save(model.state_dict(), os.path.join(a.out, "encodec_small.th"))
    hop = int(np.prod(c["ratios"]))
    gen = torch.Generator().manual_seed(CODES_SEED)
    base = {t: torch.randint(0, c["bins"], (c["n_q"], 2, t), generator=gen, dtype=torch.int64)
            for t in (13, 40, 1, 5)}
    specs = [("b2_t13_all", base[13], 2, c["n_q"]), ("b2_t13_k1", base[13], 2, 1),
             ("b2_t13_k3", base[13], 2, 3), ("b1_t40_all", base[40], 1, c["n_q"]),
             ("b1_t1_all", base[1], 1, c["n_q"]), ("b1_t5_all", base[5], 1, c["n_q"])]
    cases = []
    for name, codes, batch, k in specs:
        codes = codes[:k, :batch].clone()
        wav, d64 = decode(model, codes)
        assert list(wav.shape) == [batch, 1, codes.shape[2] * hop], wav.shape
        cf, wf = f"case_{name}.codes.npy", f"case_{name}.wav.npy"
        np.save(os.path.join(a.out, cf), codes.numpy(), allow_pickle=False)
        np.save(os.path.join(a.out, wf), np.ascontiguousarray(wav.numpy()), allow_pickle=False)
        cases.append({"name": name, "codes": cf, "codes_shape": list(codes.shape), "levels_used": k, "wav": wf,
                      "wav_shape": list(wav.shape), "peak_abs": round(float(wav.abs().max()), 6),
                      "float64_max_abs_diff": float(f"{d64:.3g}")})
        print(f"{name}: codes {list(codes.shape)} -> wav {list(wav.shape)}, peak {float(wav.abs().max()):.4f}, "
              f"|f32-f64| {d64:.2e}")
    with open(os.path.join(a.out, "encodec_small.th"), "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    write_json(os.path.join(a.out, "cases.json"), {
        "model": "config.json + encodec_small.th (torch.save of the whole state_dict), sha256 " + digest,
        "decode": "EncodecModel.decode([(codes.transpose(0, 1), None)]), eval mode, float32, 2 threads; codes "
                  "[k, B, T] use levels 0..k-1; wav [B, 1, T*hop]",
        "hop_samples": hop, "cases": cases})
    # the same perturbation as SpeechTokenizer's fixtures (the decoders share their structure)
    rf = ref.receptive_field_empirical(model, 48, 24)
    rf["hop_samples"] = hop
    write_json(os.path.join(a.out, "receptive_field.json"), rf)
    print("receptive field:", rf)


if __name__ == "__main__":
    main()
