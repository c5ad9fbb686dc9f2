"""China's 34 province-level regions: full names, the short forms people use, one-letter abbreviations.

Titles of local regulations begin with the region's full name (重庆市人民防空条例); citizens say the
short form (重庆人防条例). Metadata extraction needs both, and so will query understanding.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Region:
    name: str  # 重庆市
    short: str  # 重庆
    abbr: str  # 渝


PROVINCES: tuple[Region, ...] = tuple(Region(*row.split()) for row in """
北京市 北京 京
天津市 天津 津
上海市 上海 沪
重庆市 重庆 渝
河北省 河北 冀
山西省 山西 晋
辽宁省 辽宁 辽
吉林省 吉林 吉
黑龙江省 黑龙江 黑
江苏省 江苏 苏
浙江省 浙江 浙
安徽省 安徽 皖
福建省 福建 闽
江西省 江西 赣
山东省 山东 鲁
河南省 河南 豫
湖北省 湖北 鄂
湖南省 湖南 湘
广东省 广东 粤
海南省 海南 琼
四川省 四川 川
贵州省 贵州 黔
云南省 云南 滇
陕西省 陕西 陕
甘肃省 甘肃 甘
青海省 青海 青
台湾省 台湾 台
内蒙古自治区 内蒙古 蒙
广西壮族自治区 广西 桂
西藏自治区 西藏 藏
宁夏回族自治区 宁夏 宁
新疆维吾尔自治区 新疆 新
香港特别行政区 香港 港
澳门特别行政区 澳门 澳
""".strip().splitlines())

BY_NAME: dict[str, Region] = {r.name: r for r in PROVINCES}


def province_prefix(title: str) -> Region | None:
    """The province-level region whose full name opens ``title``, if any."""
    for region in PROVINCES:
        if title.startswith(region.name):
            return region
    return None
