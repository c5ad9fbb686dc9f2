"""Direct lookup of a law by any of its names, and of one article by number (人防法 22, 第二十二条)."""
from __future__ import annotations

import re

from kb.errors import NotFoundError
from kb.model import Article, Law
from kb.numerals import cn_to_int
from kb.query import pick
from kb.store import Store

_NUMBER = re.compile(r"^第?\s*([0-9０-９]+|[零〇一二两三四五六七八九十百千]+)\s*条?(之[一二三四五六七八九十]+)?$")


def find_law(store: Store, name: str, home_region: str = "重庆市") -> Law:
    catalog = store.catalog()
    cleaned = name.strip().strip("《》")
    ids = catalog.aliases.get(cleaned)
    if not ids:
        found = catalog.find(cleaned)
        ids = found[0][2] if len(found) == 1 else None
    if not ids:
        raise NotFoundError(f"没有找到名为“{name}”的法规。可用 lawbot laws 查看已导入的法规。")
    return catalog.by_id(pick(ids, catalog, home_region, cleaned))


def parse_article_number(text: str) -> tuple[int, str]:
    m = _NUMBER.match(text.strip())
    if not m:
        raise NotFoundError(f"“{text}”不是有效的条文序号（例如 22 或 第二十二条）。")
    return cn_to_int(m.group(1)), m.group(2) or ""


def find_article(store: Store, law_name: str, number: str, version_date: str | None = None,
                 home_region: str = "重庆市") -> Article:
    law = find_law(store, law_name, home_region)
    n, suffix = parse_article_number(number)
    version_id = None
    if version_date:
        match = [v for v in store.versions(law.id) if v["version_date"] == version_date]
        if not match:
            dates = "、".join(v["version_date"] or "未注明日期" for v in store.versions(law.id))
            raise NotFoundError(f"《{law.title}》没有 {version_date} 的版本（已有：{dates}）。")
        version_id = match[0]["id"]
    art = store.article(law.id, n, suffix, version_id)
    if art is None:
        raise NotFoundError(f"《{law.title}》没有第{n}条{suffix}（共 {law.article_count} 条）。")
    return art
