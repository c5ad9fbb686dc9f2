"""Where to send someone the statutes cannot help: one referral policy for every channel.

A decline is only useful with the right next step. Local services (where the shelters are, what a
permit costs, the office's phone) belong to the district civil-air-defence office or the 12345
government service line; enlistment to the district conscription office; individual legal help to
the 12348 public legal service line; an emergency to 110 / 119 / 120; the weather to the
meteorological service, never to a legal hotline. The table is ordered: the first topic whose
words the question contains decides. A question that matches no topic and says nothing legal gets
no hotline at all.
"""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Referral:
    topic: str
    pattern: re.Pattern
    line: str  # the sentence shown under the decline ("" = suggest nothing)


LEGAL = "legal"  # the deployment's legal hotline (Settings.legal_hotline), filled in by referral()
REFERRALS: tuple[Referral, ...] = (
    Referral("emergency", re.compile(r"(着火|失火|火灾|急救|受伤|流血|晕倒|被抢|被打|有人闯|救命|报警)"),
             "如遇紧急情况，请立即拨打 110（报警）、119（火警）或 120（急救）。"),
    Referral("weather", re.compile(r"(天气|下雨|下雪|气温|温度多少|台风|暴雨|雾霾|空气质量|预报)"),
             "天气情况请查看气象部门发布的天气预报，或拨打 12121 气象服务热线。"),
    Referral("enlistment", re.compile(r"(征兵|参军|入伍|当兵|应征|兵役登记|体检|政审|退役|退伍|复员|士兵|义务兵|新兵|志愿兵|津贴|"
                                      r"大学生士兵|学费补偿|优待金|军属|民兵)"),
             "征兵、入伍和退役安置的具体事项，请咨询当地区县征兵办公室（人民武装部）。"),
    Referral("civil_defence", re.compile(r"(人防|人民防空|防空|警报|掩蔽|避难|易地建设费|疏散|民防|国动|"
                                         r"国防动员|地下室|地下车库|地铁)"),
             "具体办事和本地情况，请咨询所在区县人防办（国防动员办公室），或拨打 12345 政务服务便民热线。"),
    Referral("military_facility", re.compile(r"(军事设施|军事禁区|军事管理区|营区|部队)"),
             "涉及军事设施的具体情况，请咨询当地人民政府或驻地部队的有关部门。"),
)
# A question that touches the law at all (its referral is the legal hotline).
_LEGAL_WORDS = re.compile(r"(法|律|罚|违|告|诉|赔|权|责任|合同|纠纷|判|拘|规定|条例|义务|处分|申诉|复议|仲裁|"
                          r"离婚|工资|欠薪|劳动|房东|押金|物业|继承|借钱|欠款|侵权|维权|报警)")


def referral_topic(question: str) -> str:
    """The topic of the first table row the question matches; ``legal`` or ``none`` otherwise."""
    for r in REFERRALS:
        if r.pattern.search(question):
            return r.topic
    return LEGAL if _LEGAL_WORDS.search(question) else "none"


def referral(question: str, legal_hotline: str, office_contact: str = "", reason: str = "") -> str:
    """The line shown under a decline. Requests for legal advice always go to the legal hotline."""
    topic = LEGAL if reason == "advice" else referral_topic(question)
    if topic == "none":
        return ""
    if topic == LEGAL:
        line = f"如需法律帮助，可拨打 {legal_hotline}"
        return line + (f"，或联系{office_contact}。" if office_contact else "。")
    line = next(r.line for r in REFERRALS if r.topic == topic)
    if topic == "civil_defence" and office_contact:
        line = line[:-1] + f"；也可联系{office_contact}。"
    return line
