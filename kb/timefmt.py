"""Showing stored times to people: the store keeps UTC, staff read the configured time zone.

One place converts, so the CLI, the bot and the web console show the same clock
(``Settings.timezone``, Asia/Shanghai by default) and parse local dates the same way.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo


def local_time(utc_iso: str | None, tz: str = "Asia/Shanghai") -> str:
    """``2026-12-03T13:30:00Z`` → ``2026-12-03 21:30`` in ``tz`` (empty stays empty)."""
    if not utc_iso:
        return ""
    try:
        moment = datetime.fromisoformat(utc_iso.replace("Z", "+00:00"))
    except ValueError:
        return utc_iso
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M")


def utc_from_local_date(day: str, tz: str = "Asia/Shanghai") -> str:
    """The UTC instant (ISO, ``Z``) at which local day ``YYYY-MM-DD`` begins in ``tz``."""
    start = datetime.combine(parse_date(day), datetime.min.time(), ZoneInfo(tz))
    return start.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_date(text: str) -> date:
    """``2020-01-01`` (also 2020/1/1, 2020.1.1, 2020年1月1日) → date; ``ValueError`` otherwise."""
    cleaned = (text or "").strip().replace("/", "-").replace(".", "-")
    cleaned = cleaned.replace("年", "-").replace("月", "-").rstrip("日")
    parts = cleaned.split("-")
    if len(parts) != 3 or not all(p.strip().isdigit() for p in parts):
        raise ValueError(text)
    return date(*(int(p) for p in parts))


def today_local(tz: str = "Asia/Shanghai") -> str:
    return datetime.now(ZoneInfo(tz)).date().isoformat()
