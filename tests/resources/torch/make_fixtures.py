"""PyTorch checkpoint fixtures for the Java .pt reader (org.soundstorm4j.weights.torch).

Usage (from the repository root; this is the command that produced the committed files):
    /usr/bin/python3 tests/resources/torch/make_fixtures.py

Debian's PyTorch 1.13.1. Writes, under tests/resources/torch/:
  public_small.pt      torch.save(model.state_dict()) of the golden public_small model
                       (tests/resources/golden/public_small): the public checkpoint's keys and
                       archive layout (fp32 OrderedDict with _metadata, one storage per tensor,
                       archive folder named after the file), so its logits equal the golden ones.
  strided.pt           torch.save of views of base = arange(60).reshape(3, 4, 5) (float32):
                       transposed = base.permute(2, 0, 1), stepped = base[:, ::2, 1::2],
                       offset = base.view(-1)[7:19].view(3, 4), whole = base; plus
                       half_t = arange(6, float16).reshape(2, 3).t() and
                       bf16 = arange(4, bfloat16) * 0.5. All four float32 tensors share one storage.
  shared.pt            w = arange(12).reshape(3, 4) and w_row1 = w[1] (one storage), v = arange(3) + 100.
  list.pt              torch.save([zeros(2)]): a pickled list, not a state_dict.
  training.pt          torch.save({"model": {"w": zeros(2)}, "epoch": 3}): a training checkpoint.
  legacy.pt            torch.save({"w": zeros(2)}, _use_new_zipfile_serialization=False).
Hand-crafted archives (folder "archive/", as torch names it when saving to a buffer), made with
Python's pickler and zipfile and never unpickled:
  os_system.pt         data.pkl calls os.system('echo pwned') (raw opcodes).
  int64_storage.pt     {'w': tensor on a torch.LongStorage}.
  out_of_range.pt      {'w': size (3, 4), stride (4, 1)} on a FloatStorage of 6 elements.
  missing_storage.pt   {'w': ...} whose storage entry archive/data/0 is absent.
Deterministic except legacy.pt (the legacy format keys storages by object address): running it
again rewrites identical files.
"""
import collections
import io
import os
import pickle
import sys
import zipfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "weights", "reference"))
from soundstorm_reference import load_model  # noqa: E402


def out(name):
    return os.path.join(HERE, name)


def real_files():
    model = load_model(os.path.join(ROOT, "tests", "resources", "golden", "public_small"))
    torch.save(model.state_dict(), out("public_small.pt"))

    base = torch.arange(60, dtype=torch.float32).reshape(3, 4, 5)
    torch.save(collections.OrderedDict([
        ("transposed", base.permute(2, 0, 1)),
        ("stepped", base[:, ::2, 1::2]),
        ("offset", base.view(-1)[7:19].view(3, 4)),
        ("whole", base),
        ("half_t", torch.arange(6, dtype=torch.float16).reshape(2, 3).t()),
        ("bf16", torch.arange(4, dtype=torch.bfloat16) * 0.5),
    ]), out("strided.pt"))

    w = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    torch.save(collections.OrderedDict([("w", w), ("w_row1", w[1]),
                                        ("v", torch.arange(3, dtype=torch.float32) + 100)]), out("shared.pt"))
    torch.save([torch.zeros(2)], out("list.pt"))
    torch.save({"model": {"w": torch.zeros(2)}, "epoch": 3}, out("training.pt"))
    torch.save({"w": torch.zeros(2)}, out("legacy.pt"), _use_new_zipfile_serialization=False)


class _Storage:
    """Stands for a storage in a crafted pickle; written as torch's persistent id."""

    def __init__(self, storage_class, key, numel):
        self.pid = ("storage", storage_class, key, "cpu", numel)


class _Tensor:
    """Pickles as torch does: _rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())."""

    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, size, stride, False, collections.OrderedDict())

    def __reduce__(self):
        return torch._utils._rebuild_tensor_v2, self.args


class _Pickler(pickle.Pickler):
    def persistent_id(self, obj):
        return obj.pid if isinstance(obj, _Storage) else None


def crafted_pickle(state):
    buf = io.BytesIO()
    _Pickler(buf, protocol=2).dump(state)
    return buf.getvalue()


def write_archive(name, pickle_bytes, storages):
    """A torch.save-like zip: archive/data.pkl, archive/data/<key> for each storage, archive/version."""
    with zipfile.ZipFile(out(name), "w", zipfile.ZIP_STORED) as z:
        def put(entry, data):
            info = zipfile.ZipInfo("archive/" + entry, date_time=(1980, 1, 1, 0, 0, 0))
            z.writestr(info, data)
        put("data.pkl", pickle_bytes)
        for key, data in storages.items():
            put("data/" + key, data)
        put("version", b"3\n")


def crafted_files():
    # PROTO 2; GLOBAL 'os system'; BINUNICODE 'echo pwned'; TUPLE1; REDUCE; STOP
    cmd = b"echo pwned"
    evil = b"\x80\x02cos\nsystem\n" + b"X" + len(cmd).to_bytes(4, "little") + cmd + b"\x85R."
    write_archive("os_system.pt", evil, {})

    floats6 = torch.arange(6, dtype=torch.float32).numpy().tobytes()
    longs = _Storage(torch.LongStorage, "0", 6)
    write_archive("int64_storage.pt", crafted_pickle(collections.OrderedDict(
        [("w", _Tensor(longs, 0, (2, 3), (3, 1)))])), {"0": bytes(48)})
    small = _Storage(torch.FloatStorage, "0", 6)
    write_archive("out_of_range.pt", crafted_pickle(collections.OrderedDict(
        [("w", _Tensor(small, 0, (3, 4), (4, 1)))])), {"0": floats6})
    write_archive("missing_storage.pt", crafted_pickle(collections.OrderedDict(
        [("w", _Tensor(small, 0, (2, 3), (3, 1)))])), {})


if __name__ == "__main__":
    real_files()
    crafted_files()
    for f in sorted(os.listdir(HERE)):
        if f.endswith(".pt"):
            print(f, os.path.getsize(out(f)))
