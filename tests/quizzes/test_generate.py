"""Questions generated from the real core corpus: valid, true to the article, wrong options really
wrong, deterministic, and never drawn before a reviewer approves them."""
from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from quizzes.generate import BLANK, TRUE_FALSE, PhrasePool, article_body, find_spans, generate, \
    questions_for_article
from quizzes.model import MAX_EXPLANATION, MAX_OPTION, MAX_OPTIONS, MAX_STEM, MIN_OPTIONS
from quizzes.question_store import QuestionStore
from tests.helpers.quizzes import load_core


@pytest.fixture(scope="module")
def pool(statutes):
    return PhrasePool(statutes.current_articles())


@pytest.fixture(scope="module")
def everything(statutes, pool):
    """(article, its questions) for every current article of the corpus."""
    return [(a, questions_for_article(a, pool)) for a in statutes.current_articles()]


def statement(q) -> str:
    """The sentence the question is about: the stem after 根据《…》，"""
    m = re.match(r"^(?:判断正误：)?根据《(?:[^《》]|《[^《》]*》)+》，(.+)$", q.stem, re.S)
    assert m, q.stem
    return m.group(1)


def test_generated_questions_are_valid(everything, statutes):
    questions = [q for _, qs in everything for q in qs]
    assert len(questions) > 300
    assert len({q.id for q in questions}) == len(questions)
    for q in questions:
        assert q.id.startswith("gen-") and q.origin == "generated" and q.status == "pending"
        assert MIN_OPTIONS <= len(q.options) <= MAX_OPTIONS and len(set(q.options)) == len(q.options)
        assert len(q.correct) == 1 and 0 <= q.correct[0] < len(q.options)
        assert len(q.stem) <= MAX_STEM and all(0 < len(o) <= MAX_OPTION for o in q.options)
        assert 0 < len(q.explanation) <= MAX_EXPLANATION and q.review
        (basis,) = q.basis
        law = statutes.law_by_title(basis.law)
        assert statutes.article(law.id, basis.article, basis.suffix) is not None
        assert f"《{basis.law}》" in q.explanation
        assert q.topic in ("alarm", "history", "shelter", "rights", "works", "military", "education", "mobilization")


def test_fill_in_answers_come_from_the_article_and_distractors_are_wrong(everything):
    count = 0
    for article, questions in everything:
        body = article_body(article)
        for q in questions:
            if q.options == TRUE_FALSE:
                continue
            count += 1
            clause = statement(q)
            assert clause.count(BLANK) == 1
            answer = q.options[q.correct[0]]
            assert answer in article.text
            assert clause.replace(BLANK, answer) in body  # the article says exactly this
            for i, wrong in enumerate(q.options):
                if i in q.correct:
                    continue
                assert clause.replace(BLANK, wrong) not in body, (q.id, wrong)
                assert wrong not in body, (q.id, wrong)  # nothing the article itself mentions
    assert count > 150


def test_true_false_statements_match_their_verdict(everything):
    verdicts = {"正确": 0, "错误": 0}
    for article, questions in everything:
        body = article_body(article)
        for q in questions:
            if q.options != TRUE_FALSE:
                continue
            said = statement(q)
            verdict = q.options[q.correct[0]]
            verdicts[verdict] += 1
            assert (said in body) == (verdict == "正确"), (q.id, said)
            assert q.explanation.startswith(verdict)
    assert verdicts["正确"] > 50 and verdicts["错误"] > 50


def test_amounts_durations_and_authorities(statutes, pool):
    from kb.lookup import find_article

    fine = find_article(statutes, "人防法", "49")
    q = questions_for_article(fine, pool)[0]
    assert q.options[q.correct[0]] == "五千元以下"
    assert all(o.endswith("元以下") for o in q.options)  # the same shape of amount

    alarm = find_article(statutes, "人防法", "35")
    (span,) = [s for s in find_spans(article_body(alarm)) if s.kind == "duration"]
    assert span.text == "五日"
    fill = [q for q in questions_for_article(alarm, pool) if q.options != TRUE_FALSE]
    assert fill and all(o.endswith("日") for o in fill[0].options)

    body = article_body(find_article(statutes, "人防法", "7"))
    spans = find_spans(body)
    assert "县级以上地方各级人民政府人民防空主管部门" in {s.text for s in spans}
    # 大军区人民防空主管部门, 中央国家机关人民防空主管部门: no sensible blank inside a name
    assert not [s for s in spans if body[s.start - 1:s.start] in ("区", "关")]
    dates = find_spans("本法自1997年1月1日起施行。每年6月5日试鸣防空警报。")
    assert dates == []


def test_deterministic(statutes, pool):
    first = generate(statutes, "人防法", limit=15)
    again = generate(statutes, "人民防空法", limit=15)
    assert first == again and len(first) == 15
    fresh = PhrasePool(statutes.current_articles())
    art = statutes.article(statutes.law_by_title("中华人民共和国人民防空法").id, 49)
    assert questions_for_article(art, fresh) == questions_for_article(art, pool)


def test_articles_with_nothing_to_ask_are_skipped(statutes, pool):
    from kb.lookup import find_article

    assert questions_for_article(find_article(statutes, "人防法", "1"), pool) == []
    assert generate(statutes, "人防法", ["1", "53"]) == []


def test_unknown_law_or_article(statutes):
    from kb.errors import NotFoundError

    with pytest.raises(NotFoundError):
        generate(statutes, "火星法")
    with pytest.raises(NotFoundError):
        generate(statutes, "人防法", ["999"])


def test_pending_until_approved(tmp_path):
    from bot.cli import cli
    from quizzes.engine import QuizEngine

    home = tmp_path / "home"
    home.mkdir()
    load_core(home / "lawbot.db").close()
    runner = CliRunner()

    def run(*args):
        result = runner.invoke(cli, ["--home", str(home), "quiz", *args])
        assert result.exit_code == 0, result.output
        return result.output

    out = run("generate", "人防法", "35", "49", "--limit", "3")
    assert "五千元以下" in out and "新增 3 道待审核" in out
    with QuestionStore(home / "quiz.db") as store:
        ids = [q.id for q in store.by_status("pending")]
    assert len(ids) == 3
    with QuizEngine(home / "quiz.db") as engine:
        assert not {q.id for q in engine.questions()} & set(ids)

    listing = run("review")
    assert all(i in listing for i in ids) and "共 3 道待审核" in listing
    assert "第四十九条 有下列行为之一的" in listing  # the basis text excerpt

    assert "新增 0 道" in run("generate", "人防法", "35", "49", "--limit", "3")  # nothing twice
    out = run("review", "--approve", f"{ids[0]},{ids[1]}", "--reject", ids[2])
    assert "已批准 2 道，退回 1 道；还有 0 道待审核" in out
    with QuizEngine(home / "quiz.db") as engine:
        drawn = {q.id for q in engine.questions()}
    assert ids[0] in drawn and ids[1] in drawn and ids[2] not in drawn
    with QuestionStore(home / "quiz.db") as store:
        row = store.conn.execute("SELECT reviewed_by FROM questions WHERE id=?", (ids[2],)).fetchone()
        assert row[0] == "cli" and store.get(ids[2]).status == "rejected"
    assert "没有待审核的题目" in run("review")

    bad = runner.invoke(cli, ["--home", str(home), "quiz", "review", "--approve", "gen-nope"])
    assert bad.exit_code != 0 and "没有这些编号的题目：gen-nope" in bad.output
    bad = runner.invoke(cli, ["--home", str(home), "quiz", "generate", "火星法"])
    assert bad.exit_code == 1 and "没有找到名为“火星法”的法规" in bad.output
