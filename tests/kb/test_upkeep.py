"""Keeping the corpus current (issue 13), with the fake embedder: same-date corrections, restore,
rollback, repeal, remove, the text in force on a date, diffs, the audit trail, question views
carried over or queued, dependants flagged, FAQ pairs on a named source, review from the CLI."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from bot.cli import cli
from kb.errors import CorpusChangeError, VersionConflictError
from kb.model import Paragraph, ParsedArticle, ParsedLaw
from kb.store import Store

CN = {1: "一", 2: "二", 3: "三", 4: "四"}
TITLE = "中华人民共和国测试法"


def law(date: str, texts: dict[int, str], effective: str | None = None) -> ParsedLaw:
    arts = tuple(ParsedArticle(number=n, suffix="", label=f"第{CN[n]}条", paragraphs=(Paragraph(t),))
                 for n, t in sorted(texts.items()))
    return ParsedLaw(title=TITLE, articles=arts, version_date=date, effective_date=effective,
                     short_names=("测试法",), level="法律")


def current_text(store: Store, n: int) -> str:
    return store.article(store.law_by_title(TITLE).id, n).text


def test_same_date_edit_is_refused_unless_replaced_and_the_original_restores(store: Store) -> None:
    store.load_law(law("2020-01-01", {1: "原文。", 2: "乙。"}), "a.md")
    edited = law("2020-01-01", {1: "改过的文字。", 2: "乙。"})
    with pytest.raises(VersionConflictError, match="--replace"):
        store.load_law(edited, "b.md")
    assert current_text(store, 1).endswith("原文。") and len(store.versions(1)) == 1
    fixed = store.load_law(edited, "b.md", replace=True, actor="cli:alice")
    assert fixed.action == "replaced" and fixed.changed == ("第一条",)
    assert current_text(store, 1).endswith("改过的文字。")
    assert [v["state"] for v in store.versions(1)] == ["replaced", "active"]
    back = store.load_law(law("2020-01-01", {1: "原文。", 2: "乙。"}), "a.md")  # the original again
    assert back.action == "restored" and current_text(store, 1).endswith("原文。")
    actions = [(e["actor"], e["action"]) for e in _audit(store)]
    assert ("cli:alice", "load:replaced") in actions and ("system", "load:restored") in actions


def _audit(store: Store) -> list[dict]:
    cur = store.db.execute("SELECT actor, action, law_title, detail FROM audit_log ORDER BY id")
    return [dict(zip(("actor", "action", "law", "detail"), r)) for r in cur]


def test_rollback_makes_the_previous_version_current_and_reloading_restores(store: Store) -> None:
    store.load_law(law("2010-01-01", {1: "旧。"}))
    with pytest.raises(CorpusChangeError, match="没有可回退"):
        store.rollback(1, "cli:bob")
    store.load_law(law("2020-01-01", {1: "新。"}))
    rev = store.revision()
    assert store.rollback(1, "cli:bob", expect="2020-01-01") == ("2020-01-01", "2010-01-01")
    with pytest.raises(CorpusChangeError, match="未作改动"):  # the same request again
        store.rollback(1, "cli:bob", expect="2020-01-01")
    assert current_text(store, 1).endswith("旧。") and store.revision() == rev + 1
    assert store.load_law(law("2020-01-01", {1: "新。"})).action == "restored"
    assert current_text(store, 1).endswith("新。")
    assert [e["action"] for e in _audit(store)][-2:] == ["rollback", "load:restored"]


def test_text_in_force_on_a_date_uses_the_effective_date(store: Store) -> None:
    store.load_law(law("2010-01-01", {1: "旧。"}, effective="2010-03-01"))
    store.load_law(law("2020-06-01", {1: "新。"}, effective="2020-09-01"))
    law_id = store.law_by_title(TITLE).id
    old_id, new_id = (v["id"] for v in store.versions(law_id))
    assert store.version_on(law_id, "2010-02-01") is None  # adopted, not yet in force
    assert store.version_on(law_id, "2020-07-01") == old_id  # promulgated, not yet in force
    assert store.version_on(law_id, "2020-09-01") == new_id


def test_effective_date_is_read_from_the_file_where_it_says_so() -> None:
    from ingest import parse_path
    from tests.helpers.paths import CORE

    edu = parse_path(CORE / "国防教育法(2024-09-13).md")
    assert (edu.version_date, edu.effective_date) == ("2024-09-13", "2024-09-21")
    air = parse_path(CORE / "人民防空法(2009-08-27).md")  # 本法自1997年1月1日起施行: the original text's
    assert (air.version_date, air.effective_date) == ("2009-08-27", None)


def write_law(folder, date: str, texts: dict[int, str], effective: str = ""):
    body = "\n\n".join(f"第{CN[n]}条 {t}" for n, t in sorted(texts.items()))
    tail = f"\n\n第{CN[len(texts) + 1]}条 本法自{effective}起施行。" if effective else ""
    path = folder / f"测试法({date}).md"
    path.write_text(f"# {TITLE}\n\n{date[:4]}年{int(date[5:7])}月{int(date[8:])}日 通过\n\n"
                    f"<!-- INFO END -->\n\n{body}{tail}\n", encoding="utf-8")
    return path


@pytest.fixture
def run(tmp_path):
    home = tmp_path / "home"

    def invoke(*args, input=None):
        return CliRunner().invoke(cli, ["--home", str(home), "--embedder", "hash", *args], input=input)
    return invoke


def test_cli_diff_rollback_article_on_and_versions_in_local_time(run, tmp_path) -> None:
    old = write_law(tmp_path, "2010-01-01", {1: "每年六月五日试鸣防空警报，鸣放前五日内发布公告。", 2: "乙。"},
                    "2010年3月1日")
    new_dir = tmp_path / "new"
    new_dir.mkdir()
    new = write_law(new_dir, "2020-06-01", {1: "每年六月五日试鸣防空警报，鸣放前七日内发布公告。", 2: "乙。"},
                    "2020年9月1日")
    assert run("ingest", str(old)).exit_code == 0
    result = run("ingest", str(new))
    assert result.exit_code == 0 and "修改：第一条、第三条" in result.output  # text and 施行 date
    shown = run("diff", "测试法")
    assert shown.exit_code == 0, shown.output
    assert "旧：第一条 每年六月五日试鸣防空警报，鸣放前五日内" in shown.output
    assert "新：第一条 每年六月五日试鸣防空警报，鸣放前七日内" in shown.output
    assert "[-五-]{+七+}" in shown.output
    on = run("article", "测试法", "1", "--on", "2020-07-01")  # promulgated but not yet in force
    assert "五日内" in on.output and "七日内" not in on.output
    assert "七日内" in run("article", "测试法", "1", "--on", "2021-01-01").output
    assert "尚未施行" in run("article", "测试法", "1", "--on", "2009-12-31").output
    versions = run("versions", "测试法").output
    assert "施行 2020-09-01" in versions and "现行" in versions
    refused = run("rollback", "测试法", input="n\n")
    assert refused.exit_code == 1 and "七日内" in run("article", "测试法", "1").output
    assert run("rollback", "测试法", "--yes").exit_code == 0
    assert "五日内" in run("article", "测试法", "1").output
    audit = run("audit", "--json").output.splitlines()
    entry = json.loads(audit[0])
    assert entry["action"] == "rollback" and entry["actor"].startswith("cli")
    # stored in UTC, shown in Asia/Shanghai (UTC+8)
    from datetime import datetime, timedelta

    utc = datetime.fromisoformat(entry["at"].replace("Z", ""))
    assert entry["local_time"] == (utc + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")


def test_cli_same_date_edit_needs_replace(run, tmp_path) -> None:
    original = write_law(tmp_path, "2010-01-01", {1: "原文。"})
    assert run("ingest", str(original)).exit_code == 0
    other = tmp_path / "fix"
    other.mkdir()
    edited = write_law(other, "2010-01-01", {1: "更正后的文字。"})
    refused = run("ingest", str(edited))
    assert refused.exit_code == 1 and "--replace" in refused.output
    assert "原文" in run("article", "测试法", "1").output
    assert run("ingest", "--replace", str(edited)).exit_code == 0
    assert "更正后的文字" in run("article", "测试法", "1").output
    restored = run("ingest", str(original))
    assert "恢复" in restored.output and "原文" in run("article", "测试法", "1").output
    assert "load:replaced" in run("audit").output


def test_cli_repeal_and_remove(run, tmp_path) -> None:
    path = write_law(tmp_path, "2010-01-01", {1: "防空洞可以出租开店。", 2: "乙。"})
    assert run("ingest", str(path)).exit_code == 0
    assert run("repeal", "测试法", "--date", "2026-01-01", "--yes").exit_code == 0
    again = run("repeal", "测试法", "--date", "2026-01-01", "--yes")
    assert "未作改动" in again.output
    asked = run("ask", "测试法第一条")
    assert "已于 2026-01-01 废止" in asked.output, asked.output
    searched = run("search", "防空洞可以出租开店吗", "--json")
    assert json.loads(searched.output)["results"] == []  # a repealed law is not quoted as current
    kept = run("remove", "测试法", input="n\n")
    assert kept.exit_code == 1 and "测试法" in run("laws").output
    gone = run("remove", "测试法", "--yes")
    assert gone.exit_code == 0 and "还没有导入任何法规" in run("laws").output
    trail = [json.loads(line) for line in run("audit", "--json").output.splitlines()]
    assert trail[0]["action"] == "remove" and trail[0]["detail"]["versions"][0]["version_date"] == "2010-01-01"


def test_bad_input_gets_a_polite_message(run, tmp_path) -> None:
    assert run("ingest", str(write_law(tmp_path, "2010-01-01", {1: "甲。"}))).exit_code == 0
    for args, words in [(("article", "测试法", "1", "--on", "明天"), "不是有效的日期"),
                        (("diff", "测试法"), "没有可比较"), (("rollback", "某某法", "--yes"), "没有找到"),
                        (("views", "accept", "99999"), "没有编号为 99999"),
                        (("dependants", "approve", "quiz:nope"), "无效")]:
        result = run(*args)
        assert result.exit_code != 0 and words in result.output and "Traceback" not in result.output, result.output


# ---- question views, dependants, FAQ sources, review ---------------------------------------------

def test_views_are_carried_over_when_they_still_fit_and_queued_otherwise(store: Store) -> None:
    from kb.embed import HashEmbedder
    from kb.views import QuestionView, accept_view, drop_view, reconcile_views, review_queue, seed_views, \
        stored_views, text_prefix

    store.load_law(law("2010-01-01", {1: "每年六月五日组织一次全市防空警报试鸣放，鸣放前五日内发布公告。",
                                      2: "人民防空工程平时可以用于经营，收益用于工程维护。"}))
    texts = {a.number: a.text for a in store.current_articles()}
    seed = [QuestionView(TITLE, 1, "每年几号试鸣防空警报", text_prefix(texts[1])),
            QuestionView(TITLE, 2, "防空洞能租来开店吗", text_prefix(texts[2]))]
    assert seed_views(store, seed) == 2 and seed_views(store, seed) == 0
    store.load_law(law("2020-01-01", {1: "每年六月五日组织一次全市防空警报试鸣放，鸣放前七日内发布公告。",
                                      2: "征兵工作每年进行一次，由兵役机关负责。"}))
    done = reconcile_views(store, HashEmbedder())
    assert [v.question for v in done.carried] == ["每年几号试鸣防空警报"]  # a figure changed: still fits
    assert [v.question for v in done.queued] == ["防空洞能租来开店吗"]  # the article now says another thing
    assert [v.question for v in stored_views(store)] == ["每年几号试鸣防空警报"]
    (item,) = review_queue(store)
    assert "经营" in item.old_text and "征兵" in item.new_text
    accepted = accept_view(store, item.view.id, "cli:alice", question="征兵多久一次")
    assert accepted.state == "active" and accepted.question == "征兵多久一次"
    assert drop_view(store, accepted.id, "cli:alice") and not drop_view(store, accepted.id, "cli:alice")
    assert seed_views(store, seed + [QuestionView(TITLE, 2, "新问法", "0" * 12)]) == 1  # dropped stays dropped
    actions = [a["action"] for a in _audit(store)]
    assert actions[-5:] == ["view:carry", "view:queue", "view:add", "view:accept", "view:drop"]


def test_a_view_withdrawn_from_the_package_leaves_the_index_but_staff_views_stay(store: Store) -> None:
    from kb.views import QuestionView, accept_view, add_view, seed_views, stored_views, text_prefix

    store.load_law(law("2010-01-01", {1: "每年六月五日组织一次全市防空警报试鸣放。",
                                      2: "人民防空工程平时可以用于经营，收益用于工程维护。"}))
    texts = {a.number: a.text for a in store.current_articles()}
    a, b, c = (QuestionView(TITLE, 1, "每年几号拉警报", text_prefix(texts[1])),
               QuestionView(TITLE, 2, "防空洞能开店吗", text_prefix(texts[2])),
               QuestionView(TITLE, 2, "防空洞租金归谁", text_prefix(texts[2])))
    assert seed_views(store, [a, b, c]) == 3
    confirmed = next(v for v in stored_views(store) if v.question == c.question)
    accept_view(store, confirmed.id, "cli:alice")  # staff confirmed it: theirs now
    add_view(store, TITLE, 2, "地下室出租要批吗", "cli:alice")
    assert seed_views(store, [a]) == 0  # the next release withdrew b and c
    assert {v.question for v in stored_views(store)} == {"地下室出租要批吗", "防空洞租金归谁", "每年几号拉警报"}
    dropped = [v for v in stored_views(store, "dropped")]
    assert [(v.question, v.note) for v in dropped] == [("防空洞能开店吗", "no longer packaged")]
    assert seed_views(store, [a, b]) == 0  # and a withdrawn view is not revived by a later seed


def write_bank(folder, law_title: str = TITLE, sha_line: str = "") -> None:
    (folder / "bank.toml").write_text(f'''
[[question]]
id = "fine-001"
stem = "试鸣防空警报前几日内发布公告？"
options = ["五日", "七日"]
answer = "A"
explanation = "依第一条，鸣放前五日内发布公告。"
basis = ["《{law_title}》第一条"]
{sha_line}
topic = "alarm"
difficulty = "easy"
''', encoding="utf-8")


def test_quiz_validate_flags_questions_whose_basis_changed_until_reapproved(run, tmp_path) -> None:
    bank = tmp_path / "bank"
    bank.mkdir()
    write_bank(bank)
    assert run("ingest", str(write_law(tmp_path, "2010-01-01", {1: "鸣放前五日内发布公告。"}))).exit_code == 0
    assert run("quiz", "validate", str(bank)).exit_code == 0
    new_dir = tmp_path / "new"
    new_dir.mkdir()
    assert run("ingest", str(write_law(new_dir, "2020-01-01", {1: "鸣放前七日内发布公告。"}))).exit_code == 0
    flagged = run("quiz", "validate", str(bank))
    assert flagged.exit_code == 1 and "fine-001" in flagged.output and "依据条文已修改，需复核" in flagged.output
    from quizzes.bank import flagged_ids, load_bank

    with Store(tmp_path / "home" / "lawbot.db") as s:
        assert flagged_ids(load_bank([bank]).questions, s) == {"fine-001"}
    assert run("rollback", "测试法", "--yes").exit_code == 0  # the old text again: nothing to review
    assert run("quiz", "validate", str(bank)).exit_code == 0
    assert run("ingest", str(new_dir)).exit_code == 0
    assert run("quiz", "validate", str(bank)).exit_code == 1
    assert run("dependants", "approve", "quiz:fine-001").exit_code == 1  # not in the packaged bank
    with Store(tmp_path / "home" / "lawbot.db") as s:
        from kb.dependants import Ref, pin

        pin(s, "quiz", "fine-001", [Ref(TITLE, 1)], "cli:alice")  # what approve does for a bank question
    assert run("quiz", "validate", str(bank)).exit_code == 0


def test_faq_pair_on_a_changed_article_is_held_until_reapproved(settings, store: Store) -> None:
    from kb.embed import HashEmbedder
    from kb.faq import FaqBook

    store.load_law(law("2010-01-01", {1: "鸣放前五日内发布公告。"}))
    book = FaqBook(store)
    pair = book.add("试鸣前几天发公告", "鸣放前五日内发布公告。", "测试法第一条", created_by="cli:alice")
    assert book.match("试鸣前几天发公告", HashEmbedder()).entry.id == pair.id
    store.load_law(law("2020-01-01", {1: "鸣放前七日内发布公告。"}))
    (flag,) = book.flagged()
    assert flag.ref == str(pair.id) and "五日" in flag.old_text and "七日" in flag.new_text
    assert book.match("试鸣前几天发公告", HashEmbedder()) is None  # not served while flagged
    book.approve(pair.id, "cli:alice")
    assert book.flagged() == [] and book.match("试鸣前几天发公告", HashEmbedder()) is not None


def test_faq_on_a_named_source_is_marked_and_seeded_once(run, store: Store) -> None:
    from kb.faq import FaqBook, FaqError

    book = FaqBook(store, seed=True)
    seeded = {e.question: e for e in book.entries()}
    assert "防空警报有几种？分别是什么声音？" in seeded
    signals = seeded["防空警报有几种？分别是什么声音？"]
    assert not signals.basis and "国家人民防空办公室" in signals.source
    assert all(w in signals.answer for w in ("预先警报", "空袭警报", "解除警报", "鸣36秒", "鸣6秒", "连续"))
    book.remove(signals.id)
    assert FaqBook(store, seed=True).seed() == 0 and signals.question not in [e.question for e in book.entries()]
    with pytest.raises(FaqError, match="出处"):
        book.add("问", "答", "", source="")
    from bot.render_text import render_answer
    from kb.answer import Answer

    text = render_answer(Answer("faq", "q", message=signals.answer, faq=signals))
    assert "出处（非法律条文）：国家人民防空办公室" in text and "依据法律条文" not in text


def test_review_unanswered_to_faq(run, settings) -> None:
    from kb.logbook import Logbook

    with Store(settings.db_path) as s:
        log_id = Logbook(s).record("telegram", "42", "防空警报有几种声音？", "decline")
        down = Logbook(s).record("telegram", "43", "防空洞能开店吗", "statute")
        Logbook(s).feedback(down, "43", -1)
    listed = run("review", "unanswered", "--since", "2000-01-01")
    assert f"#{log_id}" in listed.output and "防空警报有几种声音" in listed.output
    assert "防空洞能开店吗" in run("review", "feedback").output
    assert "防空警报有几种声音" not in run("review", "feedback").output
    assert "没有需要处理" in run("review", "unanswered", "--since", "2999-01-01").output
    made = run("review", "unanswered", "--to-faq", str(log_id), "-a", "三种：预先、空袭、解除。",
               "--source", "国家人民防空办公室统一规定的防空警报信号")
    assert made.exit_code == 0, made.output
    assert "防空警报有几种声音" not in run("review", "unanswered").output  # resolved
    assert "faq:add" in run("audit").output


def test_new_rounds_do_not_draw_a_question_whose_basis_changed(run, tmp_path) -> None:
    from quizzes.bank import BasisHolds, load_bank
    from quizzes.engine import QuizEngine
    from quizzes.errors import QuizError

    bank = tmp_path / "bank"
    bank.mkdir()
    write_bank(bank)
    assert run("ingest", str(write_law(tmp_path, "2010-01-01", {1: "鸣放前五日内发布公告。"}))).exit_code == 0
    db = tmp_path / "home" / "lawbot.db"
    questions = load_bank([bank]).questions
    with QuizEngine(tmp_path / "quiz.db", questions, held=BasisHolds(db)) as eng:
        first = eng.start_practice("1", 1, count=1)
        assert first.question_count == 1
        eng.abandon(first.id)
        new_dir = tmp_path / "new"
        new_dir.mkdir()
        assert run("ingest", str(write_law(new_dir, "2020-01-01", {1: "鸣放前七日内发布公告。"}))).exit_code == 0
        with pytest.raises(QuizError, match="没有可用的题目"):
            eng.start_practice("2", 2, count=1)  # the only question is held until re-approved
        with Store(db) as s:
            from kb.dependants import Ref, pin

            pin(s, "quiz", "fine-001", [Ref(TITLE, 1)], "cli:alice")
        assert eng.start_practice("3", 3, count=1).question_count == 1


def test_a_bank_question_records_the_text_it_was_written_against(run, tmp_path) -> None:
    """With basis_sha in the file, the first check after an amendment already flags it."""
    from kb.store import sha256

    bank = tmp_path / "bank"
    bank.mkdir()
    write_bank(bank, sha_line=f'basis_sha = ["{sha256("第一条 鸣放前五日内发布公告。")[:12]}"]')
    assert run("ingest", str(write_law(tmp_path, "2020-01-01", {1: "鸣放前七日内发布公告。"}))).exit_code == 0
    flagged = run("quiz", "validate", str(bank))
    assert flagged.exit_code == 1 and "fine-001" in flagged.output
    write_bank(bank, sha_line='basis_sha = ["12"]')
    assert "basis_sha 应为 12 位十六进制" in run("quiz", "validate", str(bank)).output
