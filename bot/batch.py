"""The batch search contract other tools rely on (see DESIGN.md, "Contracts").

Input: JSONL lines ``{"id", "question"}``; output: one line per input line,
``{"id", "results": [{"law", "article", "score"}], "answerable"}``.
"""
from __future__ import annotations

import json
import sys
from typing import IO

from kb.retrieve import SearchResult


def result_json(qid, result: SearchResult | None, answerable: bool) -> dict:
    hits = result.hits if result is not None else ()
    return {
        "id": qid,
        "results": [{"law": h.article.law_title, "article": h.article.number, "score": round(h.score, 6)}
                    for h in hits],
        "answerable": bool(answerable),
    }


def run_batch(assistant, lines: IO[str], k: int, out: IO[str]) -> int:
    """Answer every line; malformed lines are reported on stderr (with their line number) and skipped.

    A question the core refuses (over-long, empty) is reported on stderr with its line number and
    still gets its output line (no results, not answerable), so one bad line never stalls the batch."""
    status = 0
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            qid, question = item["id"], item["question"]
            if not isinstance(question, str):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            print(f"错误：第 {lineno} 行不是有效的 {{\"id\", \"question\"}} JSON，已跳过。", file=sys.stderr)
            status = 1
            continue
        problem = assistant.problem(question)
        if problem is not None:
            print(f"错误：第 {lineno} 行（id {qid}）：{problem}", file=sys.stderr)
            status = 1
            result, answerable = None, False
        else:
            result, answerable = assistant.decide(question, k)
        out.write(json.dumps(result_json(qid, result, answerable), ensure_ascii=False) + "\n")
        out.flush()
    return status
