"""Certificate codes, their MACs, and keyed hashes of student numbers.

A certificate code (``LB-7K3M-Q9TX``) uses 32 characters that cannot be misread (no 0/O, 1/I);
its database row carries an HMAC-SHA256 over the fields a forger would change, keyed with a
secret kept in ``meta``, so a hand-edited row no longer verifies. Student numbers are never
stored: only an HMAC keyed with a separate secret and scoped to the campaign, enough to refuse
the same number twice in one campaign and useless for recovering the number.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import unicodedata

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32 symbols, no 0 O 1 I
_CODE = re.compile(r"^(?:LB)?([%s]{4})([%s]{4})$" % (ALPHABET, ALPHABET))


def new_code() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"LB-{body[:4]}-{body[4:]}"


def normalise_code(text: str) -> str | None:
    """``lb 7k3m q9tx`` or ``7K3MQ9TX`` → ``LB-7K3M-Q9TX``; None when it cannot be a code."""
    compact = re.sub(r"[\s\-—_–－]", "", unicodedata.normalize("NFKC", text or "")).upper()
    m = _CODE.match(compact)
    return f"LB-{m.group(1)}-{m.group(2)}" if m else None


def certificate_mac(key: bytes, code: str, campaign_id: int, registration_id: int, name: str,
                    score: int, total: int, issued_at: float) -> str:
    message = json.dumps([code, int(campaign_id), int(registration_id), name, int(score), int(total),
                          float(issued_at)], ensure_ascii=False, separators=(",", ":"))
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def normalise_student_no(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).upper()


def student_hash(key: bytes, campaign_id: int, student_no: str) -> str:
    message = f"{int(campaign_id)}:{normalise_student_no(student_no)}"
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()
