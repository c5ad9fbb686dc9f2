"""Answer policy units: small talk and declined requests, the decision threshold, the region rule,
citation checking and FAQ matching (fake embedder, real SQLite)."""
from __future__ import annotations

import pytest

from kb import intents
from kb.citations import invalid_citations
from kb.decide import DEFAULT_DECISION, VIEWS_DECISION, DecisionModel, has_domain_marker
from kb.embed import HashEmbedder
from kb.faq import FaqBook, FaqError
from kb.model import Article, Hit, Paragraph, ParsedArticle, ParsedLaw
from kb.retrieve import order_by_region

CN = "一二三四五六七八九"


def parsed(title: str, region: str, n: int, short=()) -> ParsedLaw:
    arts = tuple(ParsedArticle(i, "", f"第{CN[i - 1]}条", (Paragraph(f"{title}第{i}条的内容。"),))
                 for i in range(1, n + 1))
    return ParsedLaw(title=title, articles=arts, version_date="2020-01-01", short_names=short, region=region)


@pytest.fixture
def small_store(store):
    store.load_law(parsed("中华人民共和国人民防空法", "全国", 5, ("人防法",)))
    store.load_law(parsed("重庆市人民防空条例", "重庆市", 3, ("重庆人防条例",)))
    return store


@pytest.mark.parametrize("text", ["你好", "您好！", "你是谁", "谢谢", "谢谢你~", "在吗？", "hello"])
def test_small_talk(text):
    assert intents.classify(text) == "chitchat"


@pytest.mark.parametrize("text", ["你好，防空洞能租吗", "谢谢，那人防工程归谁管", "防空洞能租来开店吗"])
def test_questions_are_not_small_talk(text):
    assert intents.classify(text) is None


@pytest.mark.parametrize("text, kind", [
    ("帮我写一份起诉状告人防办", "advice"),
    ("我这个案子能不能打赢", "advice"),
    ("重庆的雷达站具体在哪里", "military"),
    ("附近部队驻地的坐标是多少", "military"),
])
def test_declined_requests(text, kind):
    assert intents.classify(text) == kind


def test_legal_questions_about_installations_are_answered():
    assert intents.classify("军事禁区的范围由谁划定") is None
    assert intents.classify("在军用机场附近放风筝违法吗") is None


def test_decision_threshold_and_domain_marker():
    m = DecisionModel(w_cos=100.0, w_domain=2.0, bias=-90.0, threshold=0.5)
    assert m.answerable(m.probability(0.95, False))
    assert not m.answerable(m.probability(0.85, True))
    # the domain marker lowers the cosine needed to answer
    assert m.probability(0.89, True) > m.probability(0.89, False)
    assert has_domain_marker("防空洞能租吗") and has_domain_marker("当兵要体检吗")
    assert not has_domain_marker("离婚后孩子归谁")
    p = DEFAULT_DECISION.probability
    assert 0.0 < p(0.80, False) < p(0.90, False) < p(0.95, True) < 1.0


def test_decision_with_question_views():
    """Close to how citizens ask for some article (a view) counts as much as close to its text."""
    p, ok = VIEWS_DECISION.probability, VIEWS_DECISION.answerable
    assert ok(p(0.90, True, 0.95))  # a typical in-scope question
    assert not ok(p(0.87, False, 0.89))  # a divorce question: far from any article and any view
    assert p(0.90, True, 0.96) > p(0.90, True, 0.92)
    assert DecisionModel(1.0, 0.0, 0.0, 0.5).probability(0.5, False, 0.9) == \
        DecisionModel(1.0, 0.0, 0.0, 0.5).probability(0.5, False)  # w_view defaults to 0


@pytest.mark.parametrize("question, texts, kind", [
    ("防空警报的声音有多少分贝", ["第三十二条 ……防空警报设施……"], "number"),
    ("军校录取分数线一般要多少分", ["……"], "number"),
    ("我国现在一共有多少现役军人", ["……"], "number"),
    ("较场口隧道惨案死了多少人", ["……"], "number"),
    ("人防车位一个月租金多少钱", ["……出租……"], "number"),
    ("退役军人优待证在哪里申领，要带什么材料", ["……"], "papers"),
    ("入伍通知书弄丢了怎么补办", ["……"], "papers"),
    ("重庆还有哪些老防空洞改成了火锅店，具体在哪", ["……"], "place"),
    ("防毒面具去哪里能买到", ["……"], "place"),
    ("易地人防工程建设费每平方米收多少钱", ["……处一万元以上五万元以下的罚款"], "number"),  # a fine is no tariff
    ("人防办是哪一年改名的", ["第七条 国务院、中央军事委员会领导全国的人民防空工作。"], "number"),
])
def test_unstated_specifics_are_recognised(question, texts, kind):
    assert intents.unstated_specifics(question, texts) == kind


@pytest.mark.parametrize("question, texts", [
    ("义务兵要当几年兵", ["第二十六条 义务兵服现役的期限为二年。"]),  # the article states it
    ("退伍回来要在多少天内去武装部登记", ["……应当自退出现役之日起三十日内……"]),  # 天 ~ 日
    ("把人防工程挪作他用会被罚多少钱", ["……并处一万元以上五万元以下的罚款"]),  # 钱 ~ 元
    ("参加预备役训练那几天单位能扣我工资吗", ["……"]),  # 那几天 asks nothing
    ("每年征兵招多少人是谁定的", ["……"]),  # asks who decides
    ("国防教育日是几月几号", ["……"]),  # dates are not amounts
    ("业主把杂物堆在人防出入口，劝了几次都不听，能罚吗", ["……"]),  # 劝了几次 asks nothing
    ("防空地下室设计报上去，人防办几天给回复", ["……在五个法定工作日内提出……意见"]),
    ("人防法是哪一年通过的", ["……1996年10月29日第八届全国人民代表大会常务委员会……通过"]),
    ("防空洞能租来开店吗", ["……"]),
])
def test_answerable_questions_are_not_taken_for_unstated_specifics(question, texts):
    assert intents.unstated_specifics(question, texts) is None


def hit(aid: int, region: str, score: float) -> Hit:
    art = Article(aid, f"x#{aid}", aid, f"law{aid}", aid, None, aid, "", f"第{aid}条", "", "t", True, region)
    return Hit(art, score)


def test_region_rule():
    hits = [hit(1, "重庆市", 0.9), hit(2, "全国", 0.8), hit(3, "全国", 0.7)]
    # no place named: national leads, home follows
    assert [h.article.id for h in order_by_region(hits, (), "重庆市")] == [2, 1, 3]
    # home region named: its article leads, then the national one
    assert [h.article.id for h in order_by_region(hits, ("重庆市",), "重庆市")] == [1, 2, 3]
    # a far weaker national article outside the window is not promoted
    far = [hit(1, "重庆市", 0.9)] + [hit(10 + i, "重庆市", 0.5) for i in range(5)] + [hit(2, "全国", 0.1)]
    assert order_by_region(far, (), "重庆市", window=5)[0].article.id == 1


def test_region_rule_with_the_rankers_margin():
    # 重庆 named, but the question is one for a national law the ranker is sure of (drones near a
    # base): beyond the margin the national article keeps the lead and the Chongqing one follows
    sure = [hit(1, "全国", 103.0), hit(2, "全国", 101.5), hit(3, "重庆市", 101.0)]
    assert [h.article.id for h in order_by_region(sure, ("重庆市",), "重庆市", margin=1.0)] == [1, 3, 2]
    # within the margin the place named leads, as without one
    close = [hit(1, "全国", 101.8), hit(2, "全国", 101.5), hit(3, "重庆市", 101.0)]
    assert [h.article.id for h in order_by_region(close, ("重庆市",), "重庆市", margin=1.0)] == [3, 1, 2]
    assert [h.article.id for h in order_by_region(sure, ("重庆市",), "重庆市")] == [3, 1, 2]
    # no place named: the national article leads whatever the margin, the home article follows
    local = [hit(1, "重庆市", 104.0), hit(2, "重庆市", 102.0), hit(3, "全国", 101.0)]
    assert [h.article.id for h in order_by_region(local, (), "重庆市", margin=1.0)] == [3, 1, 2]


def test_citation_check(small_store):
    assert invalid_citations("依据《中华人民共和国人民防空法》第三条和《重庆人防条例》第2条", small_store) == []
    bad = invalid_citations("见《中华人民共和国人民防空法》第九十九条与《不存在法》第一条", small_store)
    assert bad == ["《中华人民共和国人民防空法》第九十九条", "《不存在法》第一条"]


def test_faq_basis_must_exist_and_matching(small_store):
    book = FaqBook(small_store)
    with pytest.raises(FaqError):
        book.add("问", "答", "人防法第九十九条")
    entry = book.add("防空洞可以开火锅店吗", "可以，但不得影响防空效能。", "人防法第三条；重庆人防条例 2")
    assert [b.citation() for b in entry.basis] == ["《中华人民共和国人民防空法》第三条", "《重庆市人民防空条例》第二条"]
    emb = HashEmbedder()
    assert book.match("防空洞可以开火锅店吗？", emb).entry.id == entry.id
    assert book.match("当兵需要什么条件", emb) is None
    book.remove(entry.id)
    assert book.match("防空洞可以开火锅店吗", emb) is None


def test_faq_csv_import_is_all_or_nothing(small_store):
    book = FaqBook(small_store)
    good = "问题,答案,依据\n防空洞能开店吗,可以,人防法第三条\n"
    bad = good + "另一问,另一答,人防法第九十九条\n"
    with pytest.raises(FaqError, match="第 3 行"):
        book.import_csv(bad)
    assert book.entries() == []
    assert len(book.import_csv(good)) == 1


def test_no_place_named_the_home_article_implementing_the_national_lead_follows():
    def art(aid: int, region: str, text: str, score: float) -> Hit:
        return Hit(Article(aid, f"x#{aid}", aid, f"law{aid}", aid, None, aid, "", f"第{aid}条", "", text, True, region),
                   score)

    lead = art(1, "全国", "人民防空工程平时由投资者使用管理，收益归投资者所有。", 3.0)
    best_local = art(2, "重庆市", "人民防空建设项目计划按下列规定审批并报备案。", 2.9)
    implementing = art(3, "重庆市", "人民防空工程平时由投资者使用管理，收益归投资者所有，本市另有规定的除外。", 2.5)
    hits = [lead, best_local, implementing]
    ids = [h.article.id for h in order_by_region(hits, (), "重庆市", implements_weight=4.0)]
    assert ids == [1, 3, 2]
    # without the weight the best-scored local article follows, as before
    assert [h.article.id for h in order_by_region(hits, (), "重庆市")] == [1, 2, 3]
    # a place named: unchanged, that place's best article leads
    assert order_by_region(hits, ("重庆市",), "重庆市", implements_weight=4.0)[0].article.id == 2
