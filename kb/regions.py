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


# Cities and districts people name instead of their province: the capitals and best-known cities
# of every province, and every city or district of the provinces whose civil-air-defence
# regulations the core corpus holds (北京, 上海, 河南, 浙江). A question from 郑州 is under 河南's
# regulation, not the home region's. Names that are also common words or shared by two provinces
# (朝阳, 金山, 普陀, 长宁, 通州) are left out.
CITIES: dict[str, str] = {city: province for province, cities in (
    ("北京市", "海淀 东城区 西城区 丰台 石景山 门头沟 房山 顺义 昌平 大兴 怀柔 平谷 密云 延庆 中关村 王府井"),
    ("上海市", "浦东 黄浦区 徐汇 闵行 杨浦 虹口 静安 宝山区 嘉定 松江 青浦 奉贤 崇明 陆家嘴"),
    ("河南省", "郑州 洛阳 开封 南阳 商丘 信阳 安阳 新乡 许昌 周口 驻马店 平顶山 焦作 鹤壁 濮阳 漯河 三门峡 济源"),
    ("浙江省", "杭州 宁波 温州 嘉兴 湖州 绍兴 金华 衢州 舟山 台州 丽水 义乌"),
    ("天津市", "滨海新区"),
    ("河北省", "石家庄 唐山 保定 邯郸"),
    ("山西省", "太原 大同"),
    ("辽宁省", "沈阳 大连"),
    ("吉林省", "长春"),
    ("黑龙江省", "哈尔滨"),
    ("江苏省", "南京 苏州 无锡 常州 徐州"),
    ("安徽省", "合肥 芜湖"),
    ("福建省", "福州 厦门 泉州"),
    ("江西省", "南昌 赣州"),
    ("山东省", "济南 青岛 烟台"),
    ("湖北省", "武汉 宜昌 襄阳"),
    ("湖南省", "长沙 株洲"),
    ("广东省", "广州 深圳 东莞 佛山"),
    ("海南省", "海口 三亚"),
    ("四川省", "成都 绵阳 宜宾 泸州 南充 达州"),
    ("贵州省", "贵阳 遵义"),
    ("云南省", "昆明"),
    ("陕西省", "西安 咸阳"),
    ("甘肃省", "兰州"),
    ("青海省", "西宁"),
    ("内蒙古自治区", "呼和浩特 包头"),
    ("广西壮族自治区", "南宁 桂林"),
    ("西藏自治区", "拉萨"),
    ("宁夏回族自治区", "银川"),
    ("新疆维吾尔自治区", "乌鲁木齐"),
) for city in cities.split()}
