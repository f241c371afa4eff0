"""Write a random-weight model with the public checkpoint's layout (351M parameters) as a .pt.

Usage:
    /usr/bin/python3 bench/make_public_pt.py --out /tmp/public351m.pt [--seed 7] [--dtype f32|bf16|f16]

Same network, names and initialisation as weights/make_checkpoint.py --preset public (d 1024,
depth 12, 8 x 128 heads, ff 4, E 2, K 31, Q 7, C 1024, semantic vocab 1024, ratio 1), saved the
way the public SoundStorm_best_dev.pt is: torch.save(model.state_dict()), ~1.41 GB in f32.
Keep it out of the repository (e.g. under /tmp); `java -jar target/soundstorm4j.jar convert`
turns it into a safetensors model directory. Used for the memory and load-time figures in
docs/BENCHMARKS.md.
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "weights"))
from make_checkpoint import PRESETS, build  # noqa: E402
from soundstorm_reference import parameter_count  # noqa: E402

DTYPES = {"f32": torch.float32, "bf16": torch.bfloat16, "f16": torch.float16}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="output .pt file")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--dtype", choices=sorted(DTYPES), default="f32")
    a = ap.parse_args(argv)
    model = build(dict(PRESETS["public"]), a.seed)
    sd = model.state_dict()  # an OrderedDict with _metadata, as the public file holds
    for k in sd:
        sd[k] = sd[k].to(DTYPES[a.dtype])
    torch.save(sd, a.out)
    print(f"{a.out}: preset public, seed {a.seed}, {parameter_count(model):,} parameters, {a.dtype}, "
          f"{os.path.getsize(a.out):,} bytes")


if __name__ == "__main__":
    main()
