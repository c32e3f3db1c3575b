"""Personal data: 公民身份号码 (GB 11643-1999) validation, encryption at rest, lookup hashes, masking.

身份证号 and 手机号 are stored encrypted (AES-256-GCM, a fresh 96-bit nonce per value) next to a
keyed hash used for exact lookups (keying members by 身份证号 on import) and a masked copy used in
lists. Only the selectors that check ``member.view_pii`` ever decrypt. Values written by earlier
versions as Fernet tokens are still read.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import operator
import os
import re
from dataclasses import dataclass
from functools import lru_cache

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")
_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


class IdNumberError(ValueError):
    """A 身份证号 that is not valid; the message is Chinese and user-facing."""


@dataclass(frozen=True)
class IdNumberInfo:
    number: str
    birth_date: dt.date
    gender: str  # "M" / "F"


def normalize_id_number(raw: str) -> str:
    return (raw or "").strip().replace(" ", "").upper()


def id_check_digit(first17: str) -> str:
    if len(first17) != len(_WEIGHTS):
        raise ValueError("id_check_digit takes the first 17 characters")
    return _CHECK[sum(map(operator.mul, map(int, first17), _WEIGHTS)) % 11]


def parse_id_number(raw: str) -> IdNumberInfo:
    """Validate an 18-digit 公民身份号码 and return the birth date and gender it encodes."""
    number = normalize_id_number(raw)
    if len(number) == 15 and number.isdigit():
        raise IdNumberError("身份证号为 15 位旧号码，请换用 18 位号码")
    if not _ID_RE.match(number):
        raise IdNumberError("身份证号应为 18 位：前 17 位数字，末位为数字或 X")
    if number[0] not in "12345678":
        raise IdNumberError("身份证号前两位不是有效的地区码")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError as exc:
        raise IdNumberError("身份证号中的出生日期无效") from exc
    if birth.year < 1900 or birth > dt.date.today():  # noqa: DTZ011 - a calendar date, not a moment
        raise IdNumberError("身份证号中的出生日期无效")
    expected = id_check_digit(number[:17])
    if number[17] != expected:
        raise IdNumberError(f"身份证号校验位错误（末位应为 {expected}）")
    return IdNumberInfo(number=number, birth_date=birth, gender="M" if int(number[16]) % 2 else "F")


def normalize_phone(raw: str) -> str:
    return re.sub(r"[\s\-]", "", (raw or "").strip())


def validate_mobile(raw: str) -> str:
    phone = normalize_phone(raw)
    if not _MOBILE_RE.match(phone):
        raise ValueError("手机号应为 11 位数字，以 1 开头")
    return phone


# The masked 身份证号 keeps only the province (first two digits). Whoever sees it without the right
# to the full number also sees the 性别 and the birth year (never the date): knowing even the exact
# county, that leaves every day of the year × 500 sequence numbers (about 180,000 candidates; the
# 入党 date, at 18 or later, can cut the days but rarely below the two that give a thousand).
ID_MASK_KEEP = 2


def mask_id_number(number: str) -> str:
    if not number:
        return ""
    if len(number) <= ID_MASK_KEEP:
        return "*" * len(number)
    return number[:ID_MASK_KEEP] + "*" * (len(number) - ID_MASK_KEEP)


def birth_year_label(birth_date: dt.date | None) -> str:
    """What a viewer without the right to full personal data sees instead of the birth date."""
    return f"{birth_date.year} 年" if birth_date else ""


def mask_phone(phone: str) -> str:
    if not phone:
        return ""
    if len(phone) >= 7:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    return "*" * len(phone)


_AEAD_PREFIX = "a1."  # cannot start a Fernet token (URL-safe base64 has no ".")
_NONCE_BYTES = 12


@dataclass(frozen=True)
class _Keys:
    aead: AESGCM
    fernet: Fernet  # reads values written before AES-GCM
    mac: bytes


@lru_cache(maxsize=4)
def _keys(secret: str) -> _Keys:
    root = hashlib.sha256(("dangjian-pii:" + secret).encode()).digest()
    legacy = base64.urlsafe_b64encode(hashlib.sha256(root + b"enc").digest())
    return _Keys(
        aead=AESGCM(hashlib.sha256(root + b"aead").digest()),
        fernet=Fernet(legacy),
        mac=hashlib.sha256(root + b"mac").digest(),
    )


def encrypt(value: str) -> str:
    if not value:
        return ""
    nonce = os.urandom(_NONCE_BYTES)
    sealed = _keys(settings.PII_KEY).aead.encrypt(nonce, value.encode(), None)
    return _AEAD_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    keys = _keys(settings.PII_KEY)
    if token.startswith(_AEAD_PREFIX):
        raw = base64.urlsafe_b64decode(token[len(_AEAD_PREFIX) :])
        return keys.aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], None).decode()
    return keys.fernet.decrypt(token.encode()).decode()


def lookup_hash(value: str) -> str:
    """Keyed hash for exact-match lookups; empty input gives empty output."""
    if not value:
        return ""
    return hmac.digest(_keys(settings.PII_KEY).mac, value.encode(), "sha256").hex()
