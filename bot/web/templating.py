"""The Jinja2 environment: autoescaping on, a few filters for Chinese dates, and the globals
every page uses (paths below the mount point, static files, the page's CSRF token).

Every dynamic string reaches HTML through autoescaping; templates never mark user or law text
``|safe``.
"""
from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates


def date_cn(iso: str | None) -> str:
    """'2009-08-27' → '2009年8月27日'; '' for none."""
    if not iso:
        return ""
    try:
        y, m, d = iso[:10].split("-")
        return f"{int(y)}年{int(m)}月{int(d)}日"
    except ValueError:
        return iso


def build_templates(directory: Path) -> Jinja2Templates:
    from bot.web.context import path_for, static_url

    templates = Jinja2Templates(directory=str(directory))
    env = templates.env
    env.autoescape = True
    env.auto_reload = False  # templates ship with the code: no stat() of each file on every page
    env.trim_blocks = env.lstrip_blocks = True
    env.filters["date_cn"] = date_cn
    env.globals["path_for"] = path_for
    env.globals["static"] = static_url
    return templates
