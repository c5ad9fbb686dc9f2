"""The learned ranker (kb/rank.py): the packaged weights fit the feature set, and the features say
what an article offers against what the question asks."""
from __future__ import annotations

from kb.model import Article
from kb.rank import FEATURES, Channels, LinearRanker, asked, default_ranker, features


def art(aid: int, text: str, chapter: str = "第三章 人民防空工程", region: str = "全国", number: int = 25) -> Article:
    return Article(aid, f"x#{aid}", 1, "中华人民共和国人民防空法", 1, None, number, "", f"第{number}条", chapter,
                   text, True, region)


CH = Channels(rrf={1: 0.03, 2: 0.02}, text_cos={1: 0.85, 2: 0.83}, view_cos={1: 0.9}, bm25={2: 5.0},
              dense_rank={1: 0, 2: 1}, view_rank={1: 0}, bm25_rank={2: 0})


def row(article: Article, question: str, regions=()) -> dict[str, float]:
    return dict(zip(FEATURES, features(article, CH, question, asked(question), (), regions, "重庆市", 53)))


def test_packaged_ranker_matches_the_features():
    ranker = default_ranker()
    assert ranker is not None and ranker.names == FEATURES
    assert len(ranker.weights) == len(FEATURES) and all(s > 0 for s in ranker.scale)
    assert LinearRanker.from_json(ranker.to_json()) == ranker


def test_features_match_what_the_question_asks_with_what_the_article_says():
    duty = art(1, "第二十五条 人民防空主管部门对人民防空工程的维护管理进行监督检查。公用的人民防空工程的维护管理由人民防空主管部门负责。")
    fine = art(2, "第四十九条 ……可以对个人并处五千元以下的罚款", chapter="第八章 法律责任", number=49)
    who = row(duty, "小区的防空洞归谁管")
    assert who["match_who"] == 1.0 and who["match_penalty"] == 0.0
    penalty = row(fine, "占用防空洞罚多少")
    assert penalty["match_penalty"] == 1.0 and penalty["liability_asked"] == 1.0
    assert row(fine, "防空洞归谁管")["liability_asked"] == 0.0
    # channel signals: a candidate missing from a channel gets that channel's floor, not zero
    assert penalty["view_cos"] == 0.9 and penalty["bm25"] == 1.0 and penalty["r_view"] == 0.0


def test_region_features():
    local = art(3, "第二十九条 每年6月5日组织一次全市防空警报试鸣放。", region="重庆市", number=29)
    assert row(local, "防空警报哪天试鸣")["home_no_place"] == 1.0
    named = row(local, "渝中区防空警报哪天响", regions=("重庆市",))
    assert named["named_region"] == 1.0 and named["home_no_place"] == 0.0
