"""Question normalisation and the one question-length bound (issue #14, items 2 and 4).

Markup, entities, invisible characters and full-width letters typed into a question must not
change the answer; an over-long question is refused politely by every channel, and one such line
in a batch file is reported and skipped without stalling the rest.
"""
from __future__ import annotations

import json
import time

import pytest
from click.testing import CliRunner

from bot.cli import cli
from kb.normalize import MAX_QUESTION, normalize_question, question_problem, too_long


@pytest.mark.parametrize("raw, clean", [
    ("<b>防空洞</b>能租来开店吗？", "防空洞能租来开店吗？"),
    ('<a href="x">人防工程</a>谁来<i>维护</i>？', "人防工程谁来维护？"),
    ("&lt;b&gt;防空洞&lt;/b&gt;能租吗&#xff1f;", "防空洞能租吗？"),
    ("防空&nbsp;&nbsp;洞能租吗", "防空 洞能租吗"),
    ("防\u200b空\u200d洞\ufeff能\u00ad租吗\u202e", "防空洞能租吗"),
    ("防空洞\x00能\x07租吗\r\n\t 开店", "防空洞 能 租吗 开店"),
    ("人防法第２２条", "人防法第22条"),
    ("ＡＢＣ　防空", "ABC 防空"),
    ("警报，怎么办？（紧急）！", "警报，怎么办？（紧急）！"),  # Chinese punctuation kept
    ("1 < 2 且 3 > 2 的面积", "1 < 2 且 3 > 2 的面积"),  # comparisons are not markup
    ("<script>alert(1)</script>防空警报", "防空警报"),
    ("", ""),
])
def test_normalize_question(raw, clean) -> None:
    assert normalize_question(raw) == clean


def test_normalize_is_idempotent_and_bounded() -> None:
    sample = "<p>防空洞&amp;地下室</p>\u200b  能租吗？ＡＢ"
    once = normalize_question(sample)
    assert normalize_question(once) == once
    hostile = "<b>" * 200_000 + "防空" * 200_000
    started = time.perf_counter()
    assert too_long(hostile)
    assert time.perf_counter() - started < 2.0  # bounded input, not minutes


def test_length_limit_counts_the_cleaned_question() -> None:
    plain = "防" * MAX_QUESTION
    assert question_problem(plain) is None
    assert question_problem("<b>" + plain + "</b>") is None  # markup does not count against a user
    assert "超过 500 字" in question_problem(plain + "防")
    assert question_problem(" \u200b <br> ") == "请输入您想了解的问题。"


def lawbot(home, *args):
    return CliRunner().invoke(cli, ["--home", str(home), "--embedder", "hash", *args])


def test_search_refuses_an_over_long_question(small_home_copy) -> None:
    result = lawbot(small_home_copy, "search", "人民防空工程" * 2000)
    assert result.exit_code == 1
    assert "超过 500 字" in result.output and "Traceback" not in result.output
    assert "可回答" not in result.output


def test_batch_reports_an_over_long_line_and_goes_on(small_home_copy, tmp_path) -> None:
    batch = tmp_path / "q.jsonl"
    lines = [{"id": "a", "question": "人民防空工程平时可以利用吗"},
             {"id": "long", "question": "人民防空工程" * 2000},
             {"id": "b", "question": "<b>人民防空</b>工程平时可以利用吗"}]
    batch.write_text("".join(json.dumps(l, ensure_ascii=False) + "\n" for l in lines), encoding="utf-8")
    result = lawbot(small_home_copy, "search", "--batch", str(batch), "--json")
    out = [json.loads(l) for l in result.stdout.splitlines()]
    assert [o["id"] for o in out] == ["a", "long", "b"]  # one output line per input line
    assert out[1]["results"] == [] and out[1]["answerable"] is False
    assert out[0]["results"] and out[0]["results"] == out[2]["results"]  # markup changed nothing
    assert "第 2 行" in result.stderr and "超过 500 字" in result.stderr
    assert result.exit_code == 1


def test_ask_refuses_an_over_long_question(small_home_copy) -> None:
    result = lawbot(small_home_copy, "ask", "人民防空工程" * 2000)
    assert "超过 500 字" in result.output and "Traceback" not in result.output


@pytest.mark.slow
def test_markup_does_not_change_the_answer(core_home) -> None:
    from kb.assistant import Assistant
    from kb.service import KnowledgeBase
    from kb.settings import Settings

    kb = KnowledgeBase(Settings(home=core_home))
    try:
        assistant = Assistant(kb)
        plain = assistant.answer("防空洞能租来开店吗？", log=False)
        for variant in ("<b>防空洞</b>能租来开店吗？", "防空洞&nbsp;能租来开店吗&#65311;",
                        "防\u200b空洞能租来开店吗？\u200d"):
            marked = assistant.answer(variant, log=False)
            assert marked.kind == plain.kind == "statute"
            assert marked.quotes[0].article.citation == plain.quotes[0].article.citation
        assert "第二十六条" in plain.quotes[0].article.citation
    finally:
        kb.close()
