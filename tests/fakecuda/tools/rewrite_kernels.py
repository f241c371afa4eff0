#!/usr/bin/env python3
"""
rewrite_kernels.py IN.ii OUT.ii: the one source transformation the fake CUDA needs beyond its
headers, applied to the preprocessed kernel translation unit (g++ -E with fakecuda_device.h
force-included, so every __shared__ / __global__ / __launch_bounds__ is a plain token).

  __shared__ T name[dims];
      becomes a typedef of the declared type, a fakecuda::SharedSite describing it, and a
      reference `name` bound to this block's storage (fakecuda_shared_get): per-block memory,
      poisoned when the block first touches it, with CUDA's 48 KiB static limit checked;
  extern "C" __global__ void [__launch_bounds__(N)] name(params) { ... }
      loses the keywords and gets a fakecuda::Registrar after its body, which registers the
      kernel under `name` with its real parameter types (the driver unpacks cuLaunchKernel's
      void** by them) and its launch bound.

Replacements keep every newline, so g++'s diagnostics still point at the right source lines.
Anything the fake does not support (dynamic or initialised __shared__, __constant__, template
kernels) stops the build with the file and line.
"""
import re
import sys

SHARED = "__fakecuda_shared__"
GLOBAL = "__fakecuda_global__"
BOUNDS = "__fakecuda_launch_bounds__"
CONSTANT = "__fakecuda_constant__"


class Source:
    def __init__(self, text):
        self.text = text
        # logical (file, line) of every physical line, from the preprocessor's line markers
        self.where = []
        file, line = "?", 1
        for physical in text.split("\n"):
            m = re.match(r'#\s*(?:line\s+)?(\d+)\s+"((?:[^"\\]|\\.)*)"', physical)
            if m:
                self.where.append((file, line))
                file, line = m.group(2), int(m.group(1))
                continue
            self.where.append((file, line))
            line += 1
        self.line_starts = [0]
        for i, ch in enumerate(text):
            if ch == "\n":
                self.line_starts.append(i + 1)

    def location(self, offset):
        lo, hi = 0, len(self.line_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.line_starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return self.where[lo]


def fail(src, offset, message):
    file, line = src.location(offset)
    sys.stderr.write(f"{file}:{line}: error: fakecuda: {message}\n")
    sys.exit(1)


def skip_literal(text, i):
    """text[i] opens a string or character literal: the offset just past it."""
    quote = text[i]
    j = i + 1
    while j < len(text):
        if text[j] == "\\":
            j += 2
            continue
        if text[j] == quote:
            return j + 1
        if text[j] == "\n":
            break
        j += 1
    return j


def match_close(src, i, open_ch, close_ch):
    """text[i] == open_ch: the offset of the matching close_ch (literals skipped)."""
    text = src.text
    depth = 0
    j = i
    while j < len(text):
        ch = text[j]
        if ch in "\"'":
            # a ' between digits is a C++14 digit separator, not a literal
            if ch == "'" and j > 0 and text[j - 1].isalnum() and j + 1 < len(text) and text[j + 1].isalnum():
                j += 1
                continue
            j = skip_literal(text, j)
            continue
        if ch == open_ch:
            depth += 1
        elif ch == close_ch:
            depth -= 1
            if depth == 0:
                return j
        j += 1
    fail(src, i, f"no matching '{close_ch}'")


def statement_start(text, i):
    """Start of the declaration that contains offset i: just after the previous ; { } or line marker."""
    j = i - 1
    while j >= 0:
        if text[j] in ";{}":
            return j + 1
        if text[j] == "\n" and j + 1 < len(text) and text[j + 1] == "#":
            end = text.find("\n", j + 1)
            return end + 1 if end >= 0 and end < i else j + 1
        j -= 1
    return 0


def same_newlines(original, replacement):
    return replacement + "\n" * original.count("\n")


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: rewrite_kernels.py IN.ii OUT.ii\n")
        sys.exit(2)
    src = Source(open(sys.argv[1], encoding="utf-8").read())
    text = src.text
    edits = []  # (start, end, replacement)
    kernels = []

    for m in re.finditer(r"\b" + CONSTANT + r"\b", text):
        fail(src, m.start(), "__constant__ memory is not supported by the fake CUDA")

    # ---- __shared__ declarations ----
    n = 0
    for m in re.finditer(r"\b" + SHARED + r"\b", text):
        start = statement_start(text, m.start())
        end = text.find(";", m.end())
        if end < 0:
            fail(src, m.start(), "__shared__ declaration without ';'")
        prefix = text[start:m.start()]
        decl = text[m.end():end]
        words = prefix.split()
        if "extern" in words:
            fail(src, m.start(), "dynamic (extern) __shared__ memory is not supported by the fake CUDA")
        if "=" in decl or "{" in decl:
            fail(src, m.start(), "a __shared__ variable cannot have an initializer")
        if "," in re.sub(r"\([^()]*(\([^()]*\))*[^()]*\)", "", decl):
            fail(src, m.start(), "declare one __shared__ variable per declaration (the fake CUDA's rewriter)")
        qualifiers = " ".join(w for w in words if w != "static")
        # the declared name: the last identifier before the first top-level '[' (or the end)
        depth = 0
        cut = len(decl)
        for k, ch in enumerate(decl):
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
            elif ch == "[" and depth == 0:
                cut = k
                break
        head, dims = decl[:cut], decl[cut:]
        nm = re.search(r"(\w+)\s*$", head)
        if not nm:
            fail(src, m.start(), "cannot find the name of this __shared__ variable")
        name = nm.group(1)
        type_head = head[:nm.start()]
        file, line = src.location(m.start())
        n += 1
        t = f"fakecuda_shared_t_{n}"
        site = f"fakecuda_shared_site_{n}"
        file_literal = file.replace("\\", "\\\\").replace('"', '\\"')
        replacement = (
            f"typedef {qualifiers} {type_head} {t}{dims}; "
            f"static ::fakecuda::SharedSite {site}{{sizeof({t}), alignof({t}), \"{name}\", \"{file_literal}\", {line}, {{-1}}}}; "
            f"{t} &{name} = *reinterpret_cast<{t} *>(fakecuda_shared_get(&{site}))"
        )
        edits.append((start, end, same_newlines(text[start:end], replacement)))

    # ---- __global__ functions ----
    for m in re.finditer(r"\b" + GLOBAL + r"\b", text):
        start = statement_start(text, m.start())
        prefix = text[start:m.start()]
        if re.search(r"\btemplate\b", prefix):
            fail(src, m.start(), "template __global__ functions are not supported by the fake CUDA")
        extern_c = re.search(r'extern\s+"C"', prefix) is not None
        rest = re.compile(
            r"\s*(?:" + BOUNDS + r"\s*\((?P<b1>[^()]*(?:\([^()]*\)[^()]*)*)\)\s*)?void\s+"
            r"(?:" + BOUNDS + r"\s*\((?P<b2>[^()]*(?:\([^()]*\)[^()]*)*)\)\s*)?(?P<name>\w+)\s*\("
        ).match(text, m.end())
        if not rest:
            fail(src, m.start(), "expected 'void [__launch_bounds__(...)] name(' after __global__")
        name = rest.group("name")
        bounds = rest.group("b1") or rest.group("b2")
        max_threads = "0"
        if bounds:
            # __launch_bounds__(maxThreads[, minBlocks[, maxBlocksPerCluster]])
            depth = 0
            first = bounds
            for k, ch in enumerate(bounds):
                if ch == "(":
                    depth += 1
                elif ch == ")":
                    depth -= 1
                elif ch == "," and depth == 0:
                    first = bounds[:k]
                    break
            max_threads = f"(int)({first.strip()})"
        open_paren = rest.end() - 1
        close_paren = match_close(src, open_paren, "(", ")")
        # the keywords go (the name and parameter list stay where they are)
        header = text[m.start():rest.start("name")]
        edits.append((m.start(), rest.start("name"), same_newlines(header, "void ")))
        k = close_paren + 1
        while k < len(text) and text[k] not in "{;":
            k += 1
        if k >= len(text) or text[k] == ";":
            continue  # a declaration: registered where it is defined
        body_end = match_close(src, k, "{", "}")
        file, line = src.location(m.start())
        file_literal = file.replace("\\", "\\\\").replace('"', '\\"')
        registered = name if extern_c else "<not extern \\\"C\\\": mangled on a GPU> " + name
        if not extern_c:
            sys.stderr.write(f"{file}:{line}: warning: fakecuda: kernel {name} is not extern \"C\"; "
                             "cuModuleGetFunction cannot find it by its plain name (nor can it on a GPU)\n")
        kernels.append(name)
        edits.append((body_end + 1, body_end + 1,
                      f" static ::fakecuda::Registrar fakecuda_kernel_{len(kernels)}(&{name}, \"{registered}\", "
                      f"{max_threads}, \"{file_literal}\");"))

    edits.sort(key=lambda e: (e[0], e[1]))
    out = []
    at = 0
    for s, e, r in edits:
        if s < at:
            fail(src, s, "overlapping rewrites (a __global__ inside a __shared__ declaration?)")
        out.append(text[at:s])
        out.append(r)
        at = e
    out.append(text[at:])
    result = "".join(out)
    for token in (SHARED, GLOBAL, BOUNDS):
        left = re.search(r"\b" + token + r"\b", result)
        if left:
            sys.stderr.write(f"fakecuda: {token} left after rewriting (unsupported syntax near: "
                             f"{result[max(0, left.start() - 80):left.end() + 80]!r})\n")
            sys.exit(1)
    if not kernels:
        sys.stderr.write("fakecuda: no __global__ function found\n")
        sys.exit(1)
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        f.write(result)
    sys.stderr.write(f"fakecuda: {len(kernels)} kernels, {n} __shared__ variables rewritten\n")


if __name__ == "__main__":
    main()
