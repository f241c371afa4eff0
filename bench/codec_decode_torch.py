"""Time a codec's own decode (codes -> waveform) in PyTorch: the peer for the Java decoder.

Usage:
    /usr/bin/python3 bench/codec_decode_torch.py \
        --speechtokenizer-src DIR --einops-src DIR [--frames 1500] [--threads 2] \
        [--warmup 1] [--repeats 5] [--malloc tuned|default|both]
    /usr/bin/python3 bench/codec_decode_torch.py --codec encodec \
        --encodec-src DIR --einops-src DIR [--frames 2250] ...

--codec encodec times EnCodec's 24 kHz model instead (facebookresearch/encodec, imported as in
weights/reference/encodec_reference.py: `EncodecModel._get_model` for the 24 kHz bandwidths, every
tensor from the fill formula, all 32 levels), calling `EncodecModel.decode([(codes, None)])`.
The rest of this text is about the default, SpeechTokenizer.

Builds the public SpeechTokenizer (imported at run time from the given checkouts, as in
weights/reference/speechtokenizer_reference.py) with the released config
(RELEASED_CONFIG there: n_filters 64, strides [8,5,4,2], dimension 1024, ...), random weights
(torch default init under a fixed seed, N(0,1) codebooks, weight_g kept positive), draws random
codes [8, 1, frames] and times `model.decode(codes)` under torch.inference_mode() with
torch.set_num_threads(--threads). Reports the median, min and max of --repeats timed calls after
--warmup untimed ones, as one line of JSON.

glibc's malloc hands large temporaries back with munmap and page-faults them in again on every
call, so a long decode spends much of its time in page faults. --malloc tuned runs with
MALLOC_MMAP_THRESHOLD_=2^30 and MALLOC_TRIM_THRESHOLD_=2^31 (the values bench/pytorch_forward.py
uses), default with glibc's defaults, both (the default) runs the script twice in child
processes, one of each, and prints a JSON object holding both results. The variables must be
set before the process starts, hence the child processes.
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

from pytorch_forward import MALLOC_ENV, _cpu_name  # this folder is first on sys.path when run as a script

HERE = os.path.dirname(os.path.abspath(__file__))


def _child(a, tuned):
    env = {k: v for k, v in os.environ.items() if k not in MALLOC_ENV}
    if tuned:
        env.update(MALLOC_ENV)
    cmd = [sys.executable, os.path.abspath(__file__), "--malloc", "tuned" if tuned else "default",
           "--frames", str(a.frames), "--threads", str(a.threads), "--warmup", str(a.warmup),
           "--repeats", str(a.repeats), "--seed", str(a.seed)]
    cmd += ["--codec", a.codec]
    if a.encodec_src:
        cmd += ["--encodec-src", a.encodec_src]
    if a.speechtokenizer_src:
        cmd += ["--speechtokenizer-src", a.speechtokenizer_src]
    if a.einops_src:
        cmd += ["--einops-src", a.einops_src]
    out = subprocess.run(cmd, env=env, check=True, stdout=subprocess.PIPE, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    sys.path.insert(0, os.path.join(HERE, "..", "weights", "reference"))
    import speechtokenizer_reference as ref

    ap = argparse.ArgumentParser(description="time SpeechTokenizer's or EnCodec's decode in PyTorch")
    ref.add_source_args(ap)
    ap.add_argument("--codec", choices=["speechtokenizer", "encodec"], default="speechtokenizer")
    ap.add_argument("--encodec-src", help="checkout of facebookresearch/encodec (--codec encodec)")
    ap.add_argument("--frames", type=int, default=1500, help="codec frames (50 per second; EnCodec 75)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--malloc", choices=["tuned", "default", "both"], default="both")
    a = ap.parse_args()
    if a.codec == "encodec":
        if not a.encodec_src or not a.einops_src:
            ap.error("--codec encodec needs --encodec-src and --einops-src")
    else:
        ref.check_source_args(ap, a)

    if a.malloc == "both":
        res = {"default_malloc": _child(a, False), "tuned_malloc": _child(a, True),
               "loadavg_after": os.getloadavg()}
        print(json.dumps(res))
        return
    tuned = all(os.environ.get(k) == v for k, v in MALLOC_ENV.items())
    if (a.malloc == "tuned") != tuned:
        env = {k: v for k, v in os.environ.items() if k not in MALLOC_ENV}
        if a.malloc == "tuned":
            env.update(MALLOC_ENV)
        os.execve(sys.executable, [sys.executable] + sys.argv, env)

    import torch
    torch.set_num_threads(a.threads)
    g = torch.Generator().manual_seed(a.seed + 2)
    if a.codec == "encodec":
        import encodec_reference as enc
        model = enc.released_model(enc.import_encodec(a.encodec_src, a.einops_src)[0])
        codes = torch.randint(0, 1024, (1, 32, a.frames), generator=g)
        hop, rate = 320, 24000
        decode = lambda: model.decode([(codes, None)])  # noqa: E731
    else:
        model_cls = ref.import_speechtokenizer(a.speechtokenizer_src, a.einops_src)
        cfg = dict(ref.RELEASED_CONFIG)
        model = ref.init_random(model_cls, cfg, a.seed)
        codes = torch.randint(0, cfg["codebook_size"], (cfg["n_q"], 1, a.frames), generator=g)
        hop, rate = 1, cfg["sample_rate"]
        for s in cfg["strides"]:
            hop *= s
        decode = lambda: model.decode(codes)  # noqa: E731
    load_before = os.getloadavg()
    times = []
    with torch.inference_mode():
        for i in range(a.warmup + a.repeats):
            t0 = time.perf_counter()
            wav = decode()
            dt = time.perf_counter() - t0
            if i >= a.warmup:
                times.append(dt)
    assert wav.shape == (1, 1, a.frames * hop) and torch.isfinite(wav).all()
    audio_s = a.frames * hop / rate
    med = statistics.median(times)
    print(json.dumps({
        "decode_s_median": round(med, 3), "decode_s_min": round(min(times), 3),
        "decode_s_max": round(max(times), 3), "times_s": [round(t, 3) for t in times],
        "codec": a.codec, "frames": a.frames, "audio_s": audio_s, "real_time_factor": round(med / audio_s, 4),
        "threads": a.threads, "warmup": a.warmup, "repeats": a.repeats,
        "malloc_tuned": tuned,
        "decoder_parameters": sum(p.numel() for p in model.decoder.parameters()),
        "torch_version": torch.__version__, "python": platform.python_version(),
        "cpu": _cpu_name(), "nproc": os.cpu_count(),
        "loadavg_before": load_before, "loadavg_after": os.getloadavg(),
    }))


if __name__ == "__main__":
    main()
