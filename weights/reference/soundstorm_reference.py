"""Plain-PyTorch reference of the SoundStorm network (forward pass only), for tests and benchmarks.

A reimplementation (no einops, no beartype) of the network of ZhangXInFD/soundstorm-speechtokenizer
(soundstorm.py + attend.py: a SoundStorm module wrapping a ConformerWrapper as `net`), whose
state_dict keys it reproduces exactly, so the public checkpoint loads with strict=True. It also
expresses the paper's simpler head (config logit_head = "dense"). The project's design notes
(section 2, "The model") describe the same semantics.

Per frame t: x[t] = sum_q code_embeds[q*(C+1) + acoustic[t,q]] + semantic_token_emb[semantic[t]]
(id C is the mask token at every level; semantic ids are already at the codec frame rate), then
`depth` Conformer blocks
    x += 0.5*FF1(LN x); x += MHSA(LN x); x += ConvModule(x); x += 0.5*FF2(LN x); x = LN_post(x)
then the logit head:
    projected (public release): y = heads.0(x) split into Q slices of d; y_q = LN_shared(y_q);
                                logits_q = y_q @ W[q] + b[q]
    dense (paper):              logits_q = x @ W[q] + b[q]
with W = net.to_logits.2.weight [Q, d, C] and b = net.to_logits.2.bias [1, 1, Q, C].

Decisions where the public code is not a definition:
- Batches: `forward` takes equal-length sequences with no padding. Sequences of different
  lengths are defined to produce exactly the logits each would get when run alone at its own
  length (`logits_for_level` does that literally); the public code's key-padding mask would let
  the depthwise conv mix padded frames in.
- ChanLayerNorm clamps the variance at 1e-6 in every dtype (the public code uses 1e-4 for
  non-float32 dtypes, meant for fp16; here float64 is used for golden data and must mean the
  same function as float32).
- Rotary angles pos * theta^(-2i/dh) are computed in float64 and then cast to the working dtype
  (the public code computes them in float32).

Library module; no command line. Used by weights/make_checkpoint.py,
tests/resources/golden/make_golden.py and bench/pytorch_forward.py.
"""
import json
import os

import torch
import torch.nn.functional as F
from torch import nn

CONFIG_KEYS = ("dim", "depth", "heads", "dim_head", "ff_mult", "conv_expansion_factor",
               "conv_kernel_size", "num_quantizers", "codebook_size", "num_semantic_tokens",
               "semantic_rate_ratio", "logit_head")
LN_EPS = 1e-5
CHAN_NORM_EPS = 1e-6
ROTARY_THETA = 10000.0


def check_config(cfg):
    """Validate a config dict (exactly CONFIG_KEYS, plus optionally codec_pairing, which says how the
    levels line up with a codec's and does not change the network; integers >= 1 except logit_head)."""
    keys = set(cfg) - {"codec_pairing"}
    if cfg.get("codec_pairing", "all_acoustic") not in ("semantic_is_level_0", "all_acoustic"):
        raise ValueError(f"codec_pairing must be 'semantic_is_level_0' or 'all_acoustic', got {cfg['codec_pairing']!r}")
    if keys != set(CONFIG_KEYS):
        raise ValueError(f"config keys differ: missing {sorted(set(CONFIG_KEYS) - keys)}, "
                         f"unexpected {sorted(keys - set(CONFIG_KEYS))}")
    for k in CONFIG_KEYS:
        if k == "logit_head":
            if cfg[k] not in ("projected", "dense"):
                raise ValueError(f"logit_head must be 'projected' or 'dense', got {cfg[k]!r}")
        elif not isinstance(cfg[k], int) or isinstance(cfg[k], bool) or cfg[k] < 1:
            raise ValueError(f"config {k} must be a positive integer, got {cfg[k]!r}")
    if cfg["dim_head"] % 2:
        raise ValueError("dim_head must be even (rotary embedding)")
    return cfg


# ---------------------------------------------------------------------------------------------
# Parameter holders. Their nesting only exists to reproduce the public state_dict key names;
# the arithmetic is written out in the forward functions below.

class _Params(nn.Module):
    """A module holding named parameters with given shapes (filled by an init or a checkpoint)."""

    def __init__(self, **shapes):
        super().__init__()
        for name, shape in shapes.items():
            self.register_parameter(name, nn.Parameter(torch.zeros(*shape)))


def _linear(n_in, n_out, bias=True):
    return _Params(weight=(n_out, n_in), bias=(n_out,)) if bias else _Params(weight=(n_out, n_in))


def _norm(d):
    return _Params(weight=(d,), bias=(d,))


def _slots(**named):
    """Sequential-like container: keys '0', '1', ...; unnamed slots are parameter-free nn.Identity."""
    n = 1 + max(int(k[1:]) for k in named)
    mods = [named.get(f"m{i}", nn.Identity()) for i in range(n)]
    return nn.Sequential(*mods)


class _Wrap(nn.Module):
    """Holder with attribute names given as keyword arguments (e.g. fn=..., norm=...)."""

    def __init__(self, **mods):
        super().__init__()
        for k, m in mods.items():
            self.add_module(k, m)


def _feed_forward(d, mult):
    # ffN.fn.norm.*, ffN.fn.fn.net.0.*, ffN.fn.fn.net.3.*
    return _Wrap(fn=_Wrap(norm=_norm(d),
                          fn=_Wrap(net=_slots(m0=_linear(d, d * mult), m3=_linear(d * mult, d)))))


class ConformerBlock(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d, h, dh = cfg["dim"], cfg["heads"], cfg["dim_head"]
        inner = cfg["conv_expansion_factor"] * d
        k = cfg["conv_kernel_size"]
        self.heads, self.dim_head, self.kernel_size = h, dh, k
        self.ff1 = _feed_forward(d, cfg["ff_mult"])
        self.attn = _Wrap(norm=_norm(d),
                          fn=_Wrap(to_q=_linear(d, h * dh, bias=False),
                                   to_kv=_linear(d, 2 * h * dh, bias=False),
                                   to_out=_linear(h * dh, d)))
        self.conv = _Wrap(net=_slots(
            m0=_norm(d),
            m2=_Params(weight=(2 * inner, d, 1), bias=(2 * inner,)),
            m4=_Wrap(conv=_Params(weight=(inner, 1, k), bias=(inner,))),
            m6=_Params(gamma=(1, inner, 1)),
            m7=_Params(weight=(d, inner, 1), bias=(d,))))
        self.ff2 = _feed_forward(d, cfg["ff_mult"])
        self.post_norm = _norm(d)

    # --- sub-layers, x: [B, T, d] ---

    @staticmethod
    def _ff(p, x):
        n = p.fn.norm
        y = F.layer_norm(x, (x.shape[-1],), n.weight, n.bias, LN_EPS)
        l0, l3 = p.fn.fn.net[0], p.fn.fn.net[3]
        y = F.linear(y, l0.weight, l0.bias)
        y = y * torch.sigmoid(y)
        return F.linear(y, l3.weight, l3.bias)

    def _mhsa(self, x, cos, sin):
        b, t, _ = x.shape
        h, dh = self.heads, self.dim_head
        n = self.attn.norm
        y = F.layer_norm(x, (x.shape[-1],), n.weight, n.bias, LN_EPS)
        a = self.attn.fn
        q = F.linear(y, a.to_q.weight)
        kv = F.linear(y, a.to_kv.weight)
        k, v = kv[..., :h * dh], kv[..., h * dh:]
        # [B, T, h*dh] -> [B, h, T, dh]
        q, k, v = (z.reshape(b, t, h, dh).transpose(1, 2) for z in (q, k, v))
        q = q * cos + _rotate_half(q) * sin
        k = k * cos + _rotate_half(k) * sin
        sim = torch.matmul(q, k.transpose(-1, -2)) * (dh ** -0.5)
        attn = torch.softmax(sim, dim=-1)
        o = torch.matmul(attn, v)                       # [B, h, T, dh]
        o = o.transpose(1, 2).reshape(b, t, h * dh)
        return F.linear(o, a.to_out.weight, a.to_out.bias)

    def _conv_module(self, x):
        net = self.conv.net
        y = F.layer_norm(x, (x.shape[-1],), net[0].weight, net[0].bias, LN_EPS)
        y = y.transpose(1, 2)                           # [B, d, T]
        y = F.conv1d(y, net[2].weight, net[2].bias)     # [B, 2*inner, T]
        inner = y.shape[1] // 2
        y = y[:, :inner] * torch.sigmoid(y[:, inner:])  # GLU over channels
        k = self.kernel_size
        y = F.pad(y, (k // 2, k // 2 - (k + 1) % 2))    # 'same' padding with zeros
        y = F.conv1d(y, net[4].conv.weight, net[4].conv.bias, groups=inner)
        y = y * torch.sigmoid(y)
        mean = y.mean(dim=1, keepdim=True)
        var = ((y - mean) ** 2).mean(dim=1, keepdim=True)
        y = (y - mean) * var.clamp(min=CHAN_NORM_EPS).rsqrt() * net[6].gamma
        y = F.conv1d(y, net[7].weight, net[7].bias)     # [B, d, T]
        return y.transpose(1, 2)

    def forward(self, x, cos, sin):
        x = x + 0.5 * self._ff(self.ff1, x)
        x = x + self._mhsa(x, cos, sin)
        x = x + self._conv_module(x)
        x = x + 0.5 * self._ff(self.ff2, x)
        p = self.post_norm
        return F.layer_norm(x, (x.shape[-1],), p.weight, p.bias, LN_EPS)


def _rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def rotary_cos_sin(t, dim_head, dtype, device=None):
    """cos, sin of the GPT-NeoX rotary angles, [T, dim_head] each (angles in float64)."""
    inv_freq = ROTARY_THETA ** (-torch.arange(0, dim_head, 2, dtype=torch.float64) / dim_head)
    ang = torch.arange(t, dtype=torch.float64)[:, None] * inv_freq[None, :]
    ang = torch.cat((ang, ang), dim=-1)
    return ang.cos().to(dtype=dtype, device=device), ang.sin().to(dtype=dtype, device=device)


class _Conformer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.layers = nn.ModuleList([ConformerBlock(cfg) for _ in range(cfg["depth"])])


class _Net(nn.Module):
    """Keys under `net.`: code_embeds, conformer.layers.*, heads.0 (projected), to_logits.0/2."""

    def __init__(self, cfg):
        super().__init__()
        d, q, c = cfg["dim"], cfg["num_quantizers"], cfg["codebook_size"]
        self.code_embeds = _Params(weight=((c + 1) * q, d))
        self.conformer = _Conformer(cfg)
        if cfg["logit_head"] == "projected":
            self.heads = _slots(m0=_linear(d, d * q))
            self.to_logits = _slots(m0=_norm(d), m2=_Params(weight=(q, d, c), bias=(1, 1, q, c)))
        else:
            self.to_logits = _slots(m2=_Params(weight=(q, d, c), bias=(1, 1, q, c)))


class SoundStormReference(nn.Module):
    """The SoundStorm network. `SoundStormReference(config_dict)`; state_dict keys = public checkpoint's."""

    def __init__(self, config):
        super().__init__()
        self.config = check_config(dict(config))
        cfg = self.config
        self.dim = cfg["dim"]
        self.num_quantizers = cfg["num_quantizers"]
        self.codebook_size = cfg["codebook_size"]
        self.mask_id = cfg["codebook_size"]
        self.num_semantic_tokens = cfg["num_semantic_tokens"]
        self.projected = cfg["logit_head"] == "projected"
        self.semantic_token_emb = _Params(weight=(cfg["num_semantic_tokens"], cfg["dim"]))
        self.net = _Net(cfg)

    @property
    def _dtype(self):
        return self.semantic_token_emb.weight.dtype

    def _check_inputs(self, acoustic, semantic):
        if acoustic.dim() != 3 or semantic.dim() != 2 or acoustic.shape[:2] != semantic.shape:
            raise ValueError(f"expected acoustic [B,T,Q] and semantic [B,T], got "
                             f"{tuple(acoustic.shape)} and {tuple(semantic.shape)}")
        if acoustic.shape[2] != self.num_quantizers:
            raise ValueError(f"acoustic has {acoustic.shape[2]} levels, model has {self.num_quantizers}")
        if acoustic.numel() and (acoustic.min() < 0 or acoustic.max() > self.mask_id):
            raise ValueError(f"acoustic ids must lie in [0, {self.mask_id}] (mask id {self.mask_id})")
        if semantic.numel() and (semantic.min() < 0 or semantic.max() >= self.num_semantic_tokens):
            raise ValueError(f"semantic ids must lie in [0, {self.num_semantic_tokens - 1}]")

    def embed(self, acoustic, semantic):
        """[B,T,Q] acoustic ids + [B,T] semantic ids -> input embeddings [B,T,d]."""
        self._check_inputs(acoustic, semantic)
        offsets = torch.arange(self.num_quantizers, device=acoustic.device) * (self.codebook_size + 1)
        x = F.embedding(acoustic.long() + offsets, self.net.code_embeds.weight).sum(dim=2)
        return x + F.embedding(semantic.long(), self.semantic_token_emb.weight)

    def hidden(self, acoustic, semantic):
        """Conformer output [B,T,d] (after the last block's post-norm)."""
        x = self.embed(acoustic, semantic)
        cos, sin = rotary_cos_sin(x.shape[1], self.config["dim_head"], x.dtype, x.device)
        for block in self.net.conformer.layers:
            x = block(x, cos, sin)
        return x

    def head(self, x, level=None):
        """Hidden [B,T,d] -> logits [B,T,Q,C] (level None) or [B,T,C] for one level."""
        d, nq = self.dim, self.num_quantizers
        w, b = self.net.to_logits[2].weight, self.net.to_logits[2].bias.reshape(nq, -1)
        if level is not None:
            if not 0 <= level < nq:
                raise ValueError(f"level {level} outside [0, {nq - 1}]")
            y = x
            if self.projected:
                h = self.net.heads[0]
                y = F.linear(x, h.weight[level * d:(level + 1) * d], h.bias[level * d:(level + 1) * d])
                n = self.net.to_logits[0]
                y = F.layer_norm(y, (d,), n.weight, n.bias, LN_EPS)
            return torch.matmul(y, w[level]) + b[level]
        bsz, t, _ = x.shape
        if self.projected:
            h = self.net.heads[0]
            y = F.linear(x, h.weight, h.bias).reshape(bsz, t, nq, d)
            n = self.net.to_logits[0]
            y = F.layer_norm(y, (d,), n.weight, n.bias, LN_EPS)
        else:
            y = x.unsqueeze(2).expand(bsz, t, nq, d)
        # [Q, B*T, d] @ [Q, d, C] -> [Q, B*T, C]
        y = y.permute(2, 0, 1, 3).reshape(nq, bsz * t, d)
        logits = torch.bmm(y, w) + b[:, None, :]
        return logits.reshape(nq, bsz, t, -1).permute(1, 2, 0, 3)

    def forward(self, acoustic, semantic, level=None):
        """acoustic [B,T,Q] long (ids in [0, C], C = mask), semantic [B,T] long (codec frame rate)
        -> logits [B,T,Q,C] (all levels, like the public model) or [B,T,C] when `level` is given.
        All sequences of the batch have length T (no padding)."""
        return self.head(self.hidden(acoustic, semantic), level)

    @torch.no_grad()
    def logits_for_level(self, acoustic, semantic, lengths, level):
        """Logits [B,T,C] of one level for a batch of sequences of different lengths: sequence b is
        run alone on frames [0, lengths[b]); rows at and beyond lengths[b] are 0."""
        bsz, t, _ = acoustic.shape
        out = torch.zeros(bsz, t, self.codebook_size, dtype=self._dtype)
        for i in range(bsz):
            n = int(lengths[i])
            if not 1 <= n <= t:
                raise ValueError(f"length {n} of sequence {i} outside [1, {t}]")
            out[i, :n] = self.forward(acoustic[i:i + 1, :n], semantic[i:i + 1, :n], level=level)[0]
        return out


def load_config(path):
    with open(path) as f:
        return check_config(json.load(f))


def load_model(weights_dir, dtype=torch.float32):
    """Load DIR/config.json + DIR/model.safetensors (F32, F16 or BF16) into a SoundStormReference."""
    from safetensors_io import load_file  # noqa: local import keeps this module importable alone
    cfg = load_config(os.path.join(weights_dir, "config.json"))
    model = SoundStormReference(cfg)
    tensors, _ = load_file(os.path.join(weights_dir, "model.safetensors"))
    model.load_state_dict(tensors, strict=True)
    return model.to(dtype).eval()


def parameter_count(model):
    return sum(p.numel() for p in model.parameters())


def _check_shapes(model):  # sanity: every key's shape as documented
    cfg = model.config
    d, q, c = cfg["dim"], cfg["num_quantizers"], cfg["codebook_size"]
    sd = model.state_dict()
    assert tuple(sd["net.code_embeds.weight"].shape) == ((c + 1) * q, d)
    assert tuple(sd["net.to_logits.2.bias"].shape) == (1, 1, q, c)
    return sorted(sd)


if __name__ == "__main__":  # prints the state_dict keys and shapes of the demo config
    demo = {"dim": 64, "depth": 1, "heads": 4, "dim_head": 16, "ff_mult": 4, "conv_expansion_factor": 2,
            "conv_kernel_size": 31, "num_quantizers": 4, "codebook_size": 64, "num_semantic_tokens": 64,
            "semantic_rate_ratio": 1, "logit_head": "projected"}
    m = SoundStormReference(demo)
    _check_shapes(m)
    for k, v in m.state_dict().items():
        print(k, list(v.shape))
    print("parameters:", parameter_count(m))
