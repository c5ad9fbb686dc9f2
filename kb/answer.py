"""Composing the reply: a typed :class:`Answer` that any channel (CLI, Telegram) renders.

Answers are extractive: the article text is quoted verbatim from the store, with the sentence
that best answers the question marked. Nothing here invents text about the law.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from kb.model import Article
from kb.numerals import int_to_cn
from kb.referrals import referral
from kb.retrieve import SearchResult
from kb.text import tokenize

DISCLAIMER = "以上为法律条文原文摘录，仅供参考，不构成法律意见。"
FAQ_DISCLAIMER = "以上解答由工作人员依据法律条文整理，仅供参考，不构成法律意见。"
MAX_RELATED = 3
UNSTATED_RELATED = 2  # related articles listed with a decline for an unstated specific
SCOPE = "人民防空、国防动员、军事设施保护、国防教育、兵役等方面的法规"
NOT_COVERED = f"这个问题不在我能解答的范围内（我熟悉{SCOPE}），没有找到能直接回答它的条文。"
# Questions asking for a specific that statutes do not state (kb.intents.unstated_specifics).
UNSTATED = {
    "number": "法规条文里没有写明您问的这个具体数字（例如分数线、技术标准、统计数据），我无法根据条文回答。",
    "place": "法规条文不会写明具体的地点或地址，我无法根据条文回答。",
    "papers": "法规条文里没有规定具体的办事材料和流程，建议直接向办理该事项的机关咨询。",
    "contact": "法规条文不会写明具体的联系电话、网址或办公地址，我无法根据条文回答。",
    "policy": "法规条文没有规定具体的减免、优惠或补贴标准（这类标准由政府部门另行制定），我无法根据条文回答。",
}
WHICH_LAW = ("您想查的是哪部法规的{label}？请连同法规名称一起发送，"
             "例如“人防法{label}”或“重庆人防条例{label}”。")
INTRODUCTION = (f"您好！我是人民防空普法助手，可以帮您查找{SCOPE}的原文条款。"
                "请用日常语言提问，例如“防空洞能租来开店吗？”，或直接查条文，例如“人防法第二十二条”。")
ADVICE_DECLINED = ("抱歉，我只能提供法律条文原文供您参考，不能就个人的具体案件提供法律意见、代写文书或判断结果。"
                   "建议咨询律师或法律援助机构。")
ADVICE_RULE = "与您的问题相关的法律规定如下，供您参考："
MILITARY_DECLINED = ("抱歉，涉及具体军事设施的位置、部署等信息不便提供，也请勿打听、传播此类信息。"
                     "如想了解军事设施保护方面的法律规定，欢迎换个方式提问。")
_SENTENCE = re.compile(r"[^。；！？\n]+[。；！？]?")


@dataclass(frozen=True)
class Quote:
    """One quoted article and the sentence in it that answers the question."""

    article: Article
    highlight: str = ""


@dataclass(frozen=True)
class Answer:
    """What the assistant replies; channels only render it.

    ``kind``: statute (quotes articles) | faq (a curated pair) | decline (not covered) |
    chitchat (introduction) | advice / military (politely declined) | invalid (empty, too long).
    """

    kind: str
    question: str
    quotes: tuple[Quote, ...] = ()
    related: tuple[Article, ...] = ()
    message: str = ""
    help_line: str = ""
    disclaimer: str = ""
    confidence: float = 0.0
    faq: object | None = None  # kb.faq.FaqEntry for kind == "faq"
    log_id: int | None = None

    @property
    def answered(self) -> bool:
        return self.kind in ("statute", "faq")

    @property
    def lead(self) -> Quote | None:
        return self.quotes[0] if self.quotes else None


def lead_articles(result: SearchResult, home_region: str) -> list[Article]:
    """The article that answers and, when it is national law and no place was named, the home
    region's article right behind it (the local rule implementing it: fines, dates, fees)."""
    lead = result.hits[0].article
    if lead.region != "全国" or result.info.regions or len(result.hits) < 2:
        return [lead]
    second = result.hits[1].article
    return [lead, second] if second.region == home_region else [lead]


# What the question asks for, and the words of a sentence that gives it.
_ASKS = (
    (re.compile(r"(罚|处罚|处分|后果|会怎样|会怎么样|咋办|判刑|坐牢|拘留|追究|责任|违法|犯法|赔)"),
     re.compile(r"(罚款|处分|警告|责令|追究|拘留|没收|赔偿|处罚|依法给予|承担)")),
    (re.compile(r"(能不能|能否|可不可以|可以吗|能吗|行不行|允许|让不让|准不准|不准|禁止)"),
     re.compile(r"(不得|禁止|可以|应当|允许|有权|严禁|不准)")),
    (re.compile(r"(谁|哪个部门|哪个单位|由谁|负责|管)"),
     re.compile(r"(负责|主管|管理|由.{1,12}(部门|机关|政府|单位)|人民政府|主管部门|机构)")),
    (re.compile(r"(多少钱|罚多少|多少元|几千|几万|多少罚款)"),
     re.compile(r"[0-9一二三四五六七八九十百千万]+元")),
    (re.compile(r"(什么时候|何时|哪天|几月|几号|多久|期限|多长时间)"),
     re.compile(r"(日|月|年|期间|期限|以前|以内|之前|之日)")),
)
_GENERIC = {"人民防空", "人防", "规定", "应当", "国家", "法律", "条例", "本法", "依照", "有关"}


def best_sentence(article: Article, question: str) -> str:
    """The sentence of the article that answers: most shared query terms (longer terms weigh
    more, the law's ubiquitous words little), plus a bonus when it gives what the question asks
    for (a penalty, a permission, who is responsible, when). Empty when nothing overlaps or the
    article is a single sentence (the quote itself is then the answer)."""
    from kb.synonyms import default_synonyms

    terms = set(tokenize(default_synonyms().expand(question)))
    body = article.text[len(article.label):].strip() if article.text.startswith(article.label) else article.text
    sentences = [m.group().strip() for m in _SENTENCE.finditer(body)]
    sentences = [x for x in sentences if len(x) >= 4]
    if len(sentences) < 2:
        return ""
    wanted = [gives for asks, gives in _ASKS if asks.search(question)]
    best, best_score = "", 0.0
    for sentence in sentences:
        shared = terms & set(tokenize(sentence))
        score = sum(0.3 if t in _GENERIC else min(len(t), 4) for t in shared)
        score += sum(5.0 for gives in wanted if gives.search(sentence))
        if score > best_score:
            best, best_score = sentence, score
    return best


def missing_message(result: SearchResult) -> str:
    """《…》共N条: the reply to a reference to an article the law does not have."""
    parts = []
    for m in result.missing:
        parts.append(f"《{m.law_title}》共{int_to_cn(m.article_count)}条，没有第{int_to_cn(m.number)}条。")
    return "".join(dict.fromkeys(parts)) + "请核对条文序号，或直接描述您想了解的问题。"


def decline_message(result: SearchResult) -> str:
    if result.reason == "no_such_article" and result.missing:
        return missing_message(result)
    if result.reason == "which_law" and result.info.refs:
        ref = result.info.refs[0]
        return WHICH_LAW.format(label=f"第{int_to_cn(ref.number)}条{ref.suffix}")
    return UNSTATED.get(result.unstated, NOT_COVERED)


def help_line(hotline: str, office_contact: str) -> str:
    line = f"如需具体帮助，可拨打 {hotline}"
    if office_contact:
        line += f"，或联系{office_contact}"
    return line + "。"


def compose(result: SearchResult, hotline: str = "12348 公共法律服务热线", office_contact: str = "",
            home_region: str = "重庆市") -> Answer:
    """Turn a retrieval result into an answer (quotes for statutes, a polite decline otherwise)."""
    helpline = help_line(hotline, office_contact)
    if not result.answerable or not result.hits:
        line = "" if result.reason in ("which_law", "no_such_article") else \
            referral(result.question, hotline, office_contact, result.reason)
        # On topic but asking for a specific no article states (a date's hour, a fee this year, an
        # address): the articles on the subject are still worth reading, listed as related only.
        related = tuple(h.article for h in result.hits[:UNSTATED_RELATED]) if result.unstated else ()
        return Answer(kind="decline", question=result.question, help_line=line, related=related,
                      confidence=result.confidence, message=decline_message(result))
    leads = list(result.references) or lead_articles(result, home_region)
    quotes = tuple(Quote(a, best_sentence(a, result.question)) for a in leads)
    shown = {a.id for a in leads}
    related = tuple(h.article for h in result.hits if h.article.id not in shown)[:MAX_RELATED]
    return Answer(kind="statute", question=result.question, quotes=quotes, related=related,
                  help_line=helpline, disclaimer=DISCLAIMER, confidence=result.confidence)
