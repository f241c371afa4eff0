"""Read and write .safetensors files without the `safetensors` package (numpy + torch only).

Format (https://github.com/huggingface/safetensors):
  bytes 0..7   little-endian uint64 N = length of the JSON header
  bytes 8..8+N UTF-8 JSON object: for every tensor name -> {"dtype", "shape", "data_offsets": [begin, end]}
               (offsets relative to the start of the data section, i.e. byte 8+N), plus an optional
               "__metadata__" object mapping strings to strings. This writer pads the header with
               spaces so that 8+N is a multiple of 8.
  bytes 8+N..  the data section: tensors packed back to back, little-endian, in header order, no holes.

Supported dtypes: F32, F16, BF16 (writing and reading), plus I64/I32 for reading.
BF16 is written as the upper 16 bits of the float32 value rounded to nearest, ties to even
(NaN stays NaN). Reading converts BF16/F16 exactly to float32.

Library module; no command line. Used by weights/make_checkpoint.py, tests/resources/golden/make_golden.py
and bench/pytorch_forward.py.
"""
import json
import mmap
import struct
from collections import OrderedDict

import numpy as np
import torch

_DTYPE_BYTES = {"F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4}


def float32_to_bf16_bits(a):
    """float32 array -> uint16 array of bfloat16 bits, round to nearest even; NaN kept quiet NaN."""
    a = np.ascontiguousarray(a, dtype=np.float32)
    u = a.view(np.uint32).astype(np.uint64)
    rounded = (u + 0x7FFF + ((u >> 16) & 1)) >> 16
    out = rounded.astype(np.uint16)
    nan = np.isnan(a)
    if nan.any():
        out[nan] = ((u[nan] >> 16) | 0x0040).astype(np.uint16)
    return out


def bf16_bits_to_float32(bits):
    """uint16 array of bfloat16 bits -> float32 array (exact)."""
    return (np.asarray(bits, dtype=np.uint16).astype(np.uint32) << 16).view(np.float32)


def _encode(t, dtype):
    """Tensor/array -> (little-endian bytes, safetensors dtype string)."""
    if isinstance(t, torch.Tensor):
        t = t.detach().cpu()
        if t.dtype == torch.bfloat16:
            t = t.float()
        a = t.numpy()
    else:
        a = np.asarray(t)
    if dtype == "F32":
        b = np.ascontiguousarray(a, dtype="<f4")
    elif dtype == "F16":
        b = np.ascontiguousarray(a.astype(np.float32).astype("<f2"))
    elif dtype == "BF16":
        b = float32_to_bf16_bits(a.astype(np.float32)).astype("<u2")
    elif dtype == "I64":
        b = np.ascontiguousarray(a, dtype="<i8")
    elif dtype == "I32":
        b = np.ascontiguousarray(a, dtype="<i4")
    else:
        raise ValueError(f"unsupported dtype {dtype}")
    return b.tobytes(order="C"), list(a.shape)


def save_file(tensors, path, dtype="F32", metadata=None):
    """Write `tensors` (ordered mapping name -> tensor/array) to `path`.

    dtype: "F32", "F16" or "BF16" for every floating tensor (integer tensors keep I64/I32).
    metadata: optional dict of str -> str stored under "__metadata__".
    """
    dtype = dtype.upper()
    if dtype not in ("F32", "F16", "BF16"):
        raise ValueError(f"dtype must be F32, F16 or BF16, got {dtype}")
    header = OrderedDict()
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    blobs = []
    offset = 0
    for name, t in tensors.items():
        if name == "__metadata__":
            raise ValueError("tensor name __metadata__ is reserved")
        is_int = (isinstance(t, torch.Tensor) and not t.is_floating_point()) or \
                 (isinstance(t, np.ndarray) and np.issubdtype(t.dtype, np.integer))
        if is_int:
            td = "I64" if (t.dtype in (torch.int64, np.int64)) else "I32"
        else:
            td = dtype
        data, shape = _encode(t, td)
        header[name] = {"dtype": td, "shape": shape, "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    hjson = json.dumps(header, separators=(",", ":")).encode("utf-8")
    pad = (-(8 + len(hjson))) % 8
    hjson += b" " * pad
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hjson)))
        f.write(hjson)
        for data in blobs:
            f.write(data)


def read_header(path):
    """Return (header dict without __metadata__, metadata dict, data_start byte offset)."""
    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) != 8:
            raise ValueError(f"{path}: too short for a safetensors file")
        (n,) = struct.unpack("<Q", head)
        if n > 100_000_000:
            raise ValueError(f"{path}: header length {n} is implausible")
        raw = f.read(n)
        if len(raw) != n:
            raise ValueError(f"{path}: header truncated")
    header = json.loads(raw.decode("utf-8"), object_pairs_hook=OrderedDict)
    metadata = header.pop("__metadata__", None) or {}
    return header, metadata, 8 + n


def load_file(path, to_float32=True):
    """Read `path` -> (OrderedDict name -> torch.Tensor, metadata dict).

    Floating tensors become float32 when to_float32 (the default); otherwise F16 -> float16 and
    BF16 -> bfloat16. Checks that offsets are in range, tensors do not overlap and that the data
    section has no holes.
    """
    header, metadata, start = read_header(path)
    out = OrderedDict()
    with open(path, "rb") as f:
        mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        try:
            data_len = len(mm) - start
            spans = []
            for name, info in header.items():
                dt = info["dtype"]
                if dt not in _DTYPE_BYTES:
                    raise ValueError(f"{path}: tensor {name}: unsupported dtype {dt}")
                shape = [int(s) for s in info["shape"]]
                b, e = (int(x) for x in info["data_offsets"])
                count = int(np.prod(shape)) if shape else 1
                if not (0 <= b <= e <= data_len) or e - b != count * _DTYPE_BYTES[dt]:
                    raise ValueError(f"{path}: tensor {name}: bad data_offsets {[b, e]} for {dt}{shape}")
                spans.append((b, e))
                raw = mm[start + b:start + e]
                if dt == "F32":
                    a = np.frombuffer(raw, dtype="<f4").astype(np.float32)
                    t = torch.from_numpy(a.reshape(shape))
                elif dt == "F16":
                    a = np.frombuffer(raw, dtype="<f2").reshape(shape)
                    t = torch.from_numpy(a.astype(np.float32)) if to_float32 else torch.from_numpy(a.astype(np.float16))
                elif dt == "BF16":
                    a = bf16_bits_to_float32(np.frombuffer(raw, dtype="<u2")).reshape(shape)
                    t = torch.from_numpy(a.copy())
                    if not to_float32:
                        t = t.to(torch.bfloat16)  # exact: values are bf16-representable
                elif dt == "I64":
                    t = torch.from_numpy(np.frombuffer(raw, dtype="<i8").astype(np.int64).reshape(shape))
                else:
                    t = torch.from_numpy(np.frombuffer(raw, dtype="<i4").astype(np.int32).reshape(shape))
                out[name] = t
            spans.sort()
            pos = 0
            for b, e in spans:
                if b != pos:
                    raise ValueError(f"{path}: data section has a hole or overlap at byte {pos}")
                pos = e
            if pos != data_len:
                raise ValueError(f"{path}: data section is {data_len} bytes, tensors cover {pos}")
        finally:
            mm.close()
    return out, dict(metadata)


if __name__ == "__main__":  # tiny self-test: python3 weights/reference/safetensors_io.py
    import os
    import tempfile
    g = torch.Generator().manual_seed(0)
    ts = OrderedDict(a=torch.randn(3, 5, generator=g), b=torch.randn(7, generator=g) * 1e3,
                     c=torch.tensor([1.0, float("inf"), -0.0, 1.00390625, 1.01171875]))
    with tempfile.TemporaryDirectory() as d:
        for dt in ("F32", "F16", "BF16"):
            p = os.path.join(d, f"x_{dt}.safetensors")
            save_file(ts, p, dtype=dt, metadata={"k": "v"})
            back, meta = load_file(p)
            assert meta == {"k": "v"}
            assert (os.path.getsize(p) - 8 - read_header(p)[2] + 8) >= 0
            assert read_header(p)[2] % 8 == 0
            for k in ts:
                ref = {"F32": ts[k], "F16": ts[k].half().float(), "BF16": ts[k].bfloat16().float()}[dt]
                assert torch.equal(back[k], ref), (dt, k, back[k], ref)
    print("safetensors_io self-test ok")
