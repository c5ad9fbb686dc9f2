"""Messages that are not questions about the law, recognised before retrieval.

Greetings and thanks get a friendly introduction; requests for individual legal advice and
questions about specific military installations are declined politely. The rules are narrow on
purpose: anything they do not clearly match goes on to retrieval and the confidence decision.
"""
from __future__ import annotations

import re

_PUNCT = re.compile(r"[\s，。！？!?,.~～…、：:；;“”\"'（）()\U0001F300-\U0001FAFF\u2600-\u27BF]+")

CHITCHAT = re.compile(
    r"^(你好|您好|hi|hello|hey|哈喽|嗨|在吗|在不在|有人吗|早上好|上午好|中午好|下午好|晚上好|早安|晚安|"
    r"谢谢|谢谢你|谢谢您|多谢|感谢|谢啦|好的|好|嗯|哦|ok|收到|明白了|知道了|再见|拜拜|bye|"
    r"你是谁|你是谁呀|你叫什么|你叫什么名字|你是机器人吗|你是人工智能吗|你能做什么|你会什么|你有什么用|"
    r"怎么用|怎么使用|帮助|help|菜单|测试|test)+$",
    re.IGNORECASE)

# Drafting documents, representing someone, or predicting the outcome of their case.
ADVICE = re.compile(
    r"(帮我|替我|给我|帮忙)(写|起草|拟|出|代写)[^，。？]{0,8}(起诉|诉状|答辩|上诉|合同|协议|申诉|复议|材料|文书)|"
    r"(帮我|替我|代我|给我)(打官司|辩护|代理|出庭|维权)|"
    r"(我|我们|我家)[^，。？]{0,20}(能不能|能否|可不可以|会不会|有没有可能)(打赢|赢|胜诉)|"
    r"(胜诉|打赢)(的)?(概率|几率|可能性|把握)|"
    r"(你|您)(是|当)我的律师|(推荐|介绍)(一个|个)?律师")

MILITARY_OBJECT = (r"(军事基地|军用机场|军港|雷达站|导弹|发射场|弹药库|军火库|军营|营区|部队驻地|驻军|"
                   r"指挥所|作战工程|军事禁区|军事管理区|核设施|兵工厂|军工厂)")
MILITARY_DETAIL = (r"(在哪|在哪里|在哪儿|位置|坐标|地址|具体地点|怎么走|部署|编制|番号|"
                   r"有多少(人|兵|架|枚|个)|多少(兵力|人马)|地图|定位|分布)")
MILITARY = re.compile(MILITARY_OBJECT + r".{0,12}" + MILITARY_DETAIL + "|" + MILITARY_DETAIL + r".{0,6}" + MILITARY_OBJECT)
# Asking what the law says about such places is fine: 军事禁区的范围由谁划定 is a legal question.
_MILITARY_LEGAL = re.compile(r"(划定|确定|规定|法律|条例|由谁|谁来|审批|批准|能不能|可不可以|可以吗|违法|处罚)")


def is_chitchat(text: str) -> bool:
    core = _PUNCT.sub("", text)
    return bool(core) and len(core) <= 16 and bool(CHITCHAT.match(core))


def is_advice_request(text: str) -> bool:
    return bool(ADVICE.search(text))


def is_military_installation_request(text: str) -> bool:
    return bool(MILITARY.search(text)) and not _MILITARY_LEGAL.search(text)


def classify(text: str) -> str | None:
    """``chitchat``, ``advice`` or ``military`` for messages handled without retrieval, else None."""
    if is_chitchat(text):
        return "chitchat"
    if is_military_installation_request(text):
        return "military"
    if is_advice_request(text):
        return "advice"
    return None
