"""Personal data: 公民身份号码 (GB 11643-1999) validation, encryption at rest, lookup hashes, masking.

身份证号 and 手机号 are stored encrypted (AES-256-GCM, a fresh 96-bit nonce per value, the key id
in the ciphertext) next to a keyed hash used for exact lookups (keying members by 身份证号 on
import) and a masked copy used in lists. Only the selectors that check ``member.view_pii`` ever
decrypt. Values written by earlier versions (without a key id, or as Fernet tokens) are still read.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import operator
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
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


def mask_landline(number: str) -> str:
    """固定电话: the area code (up to the first "-") and the last two digits stay."""
    number = (number or "").strip()
    if not number:
        return ""
    head, sep, rest = number.partition("-")
    if sep and len(rest) > 2:
        return f"{head}-{'*' * (len(rest) - 2)}{rest[-2:]}"
    if len(number) > 5:
        return number[:3] + "*" * (len(number) - 5) + number[-2:]
    return "*" * len(number)


def mask_address(address: str) -> str:
    """家庭住址: the first six characters (province, city) stay, the rest is hidden."""
    address = (address or "").strip()
    if not address:
        return ""
    return address[:6] + "****" if len(address) > 6 else "*" * len(address)


def mask_phone(phone: str) -> str:
    if not phone:
        return ""
    if len(phone) >= 7:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    return "*" * len(phone)


# ---------------------------------------------------------------- keys and ciphertexts
#
# Keys come from the environment: DANGJIAN_PII_KEY (current) and DANGJIAN_PII_OLD_KEYS (earlier
# ones, comma-separated, only for reading). Production keys are 32+ random bytes written as base64
# or hex (``key_bytes``); the encryption and lookup keys are derived with HKDF-SHA256.
#
# Ciphertexts: "a2.<key id>.<base64(nonce | AES-256-GCM sealed)>", the key id (8 hex digits,
# itself derived from the key) telling which key wrote it. Earlier formats still read:
# "a1.<...>" (AES-GCM, key from one SHA-256) and bare Fernet tokens, tried with every key.
#
# Lookup hashes (HMAC-SHA256) use the current key: ``rotate_pii_key`` re-encrypts every value
# under the current key and recomputes the hashes; run it right after changing keys.

_V2_PREFIX = "a2."
_V1_PREFIX = "a1."  # cannot start a Fernet token (URL-safe base64 has no ".")
_NONCE_BYTES = 12
MIN_KEY_BYTES = 32
DEV_PII_KEY = "dev-only-pii-key"


class PiiKeyError(ValueError):
    """A configured key that is too weak or malformed; the message is Chinese."""


def key_bytes(secret: str) -> bytes:
    """The raw bytes of a configured key: hex or base64 (standard or URL-safe) of 32+ bytes."""
    text = (secret or "").strip()
    raw: bytes | None = None
    if re.fullmatch(r"[0-9a-fA-F]+", text) and len(text) % 2 == 0:
        raw = bytes.fromhex(text)
    else:
        try:
            padded = text + "=" * (-len(text) % 4)
            raw = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
        except (ValueError, binascii.Error):
            raw = None
    if raw is None or len(raw) < MIN_KEY_BYTES:
        raise PiiKeyError(
            f"DANGJIAN_PII_KEY 应为至少 {MIN_KEY_BYTES} 个随机字节的 base64 或十六进制写法，"
            '例如 python -c "import secrets; print(secrets.token_urlsafe(32))" 的输出'
        )
    if len(set(raw)) < 16:  # e.g. 32 zero bytes or a repeated pattern
        raise PiiKeyError("DANGJIAN_PII_KEY 不像随机生成的密钥（重复的字节太多）")
    return raw


def _material(secret: str) -> bytes:
    """Key bytes for HKDF: the decoded key, or (development keys only) the text itself."""
    try:
        return key_bytes(secret)
    except PiiKeyError:
        return secret.encode()


def _hkdf(material: bytes, info: bytes, length: int = 32) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=b"dangjian-pii", info=info).derive(material)


@dataclass(frozen=True)
class PiiKey:
    kid: str
    aead: AESGCM
    mac: bytes
    v1_aead: AESGCM  # "a1." values: key from one SHA-256 of the secret
    v1_fernet: Fernet  # bare Fernet tokens, the first format
    v1_mac: bytes  # lookup hashes written before HKDF


@lru_cache(maxsize=16)
def _key(secret: str) -> PiiKey:
    material = _material(secret)
    root = hashlib.sha256(("dangjian-pii:" + secret).encode()).digest()
    return PiiKey(
        kid=_hkdf(material, b"key-id", 4).hex(),
        aead=AESGCM(_hkdf(material, b"aead")),
        mac=_hkdf(material, b"lookup-mac"),
        v1_aead=AESGCM(hashlib.sha256(root + b"aead").digest()),
        v1_fernet=Fernet(base64.urlsafe_b64encode(hashlib.sha256(root + b"enc").digest())),
        v1_mac=hashlib.sha256(root + b"mac").digest(),
    )


def keyring() -> tuple[PiiKey, ...]:
    """The current key first, then the old ones (settings.PII_KEY, settings.PII_OLD_KEYS)."""
    secrets = [settings.PII_KEY, *getattr(settings, "PII_OLD_KEYS", ())]
    return tuple(_key(s) for s in dict.fromkeys(s for s in secrets if s))


def encrypt(value: str) -> str:
    if not value:
        return ""
    key = keyring()[0]
    nonce = os.urandom(_NONCE_BYTES)
    header = f"{_V2_PREFIX}{key.kid}."
    sealed = key.aead.encrypt(nonce, value.encode(), header.encode())
    return header + base64.urlsafe_b64encode(nonce + sealed).decode()


def decrypt(token: str) -> str:
    """The plain value of any ciphertext format written with the current or an old key."""
    if not token:
        return ""
    ring = keyring()
    if token.startswith(_V2_PREFIX):
        kid, _, body = token[len(_V2_PREFIX) :].partition(".")
        key = next((k for k in ring if k.kid == kid), None)
        if key is None:
            raise InvalidTag(f"no configured key has id {kid}")
        raw = base64.urlsafe_b64decode(body)
        header = f"{_V2_PREFIX}{kid}.".encode()
        return key.aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], header).decode()
    if token.startswith(_V1_PREFIX):
        raw = base64.urlsafe_b64decode(token[len(_V1_PREFIX) :])
        for key in ring:
            try:
                return key.v1_aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], None).decode()
            except InvalidTag:
                continue
        raise InvalidTag("no configured key opens this value")
    return MultiFernet([k.v1_fernet for k in ring]).decrypt(token.encode()).decode()


def key_id(token: str) -> str:
    """The id of the key that wrote ``token`` ("" for the formats without one)."""
    if token.startswith(_V2_PREFIX):
        return token[len(_V2_PREFIX) :].partition(".")[0]
    return ""


def lookup_hash(value: str) -> str:
    """Keyed hash for exact-match lookups (current key); empty input gives empty output."""
    if not value:
        return ""
    return hmac.digest(keyring()[0].mac, value.encode(), "sha256").hex()


def encrypted_columns(model: Any) -> list[tuple[str, str | None]]:
    """(encrypted field, its lookup-hash field or None) of a model: fields named ``*_encrypted``
    and, next to them, ``*_hash``."""
    names = {f.name for f in model._meta.concrete_fields}
    out = []
    for name in sorted(names):
        if name.endswith("_encrypted"):
            stem = name[: -len("_encrypted")]
            out.append((name, f"{stem}_hash" if f"{stem}_hash" in names else None))
    return out


def rekey_rows(model: Any, *, batch: int = 2000) -> int:
    """Re-encrypt every encrypted column of ``model`` under the current key and recompute its
    lookup hashes. Each batch is one transaction; returns the number of rows rewritten."""
    from django.db import transaction

    columns = encrypted_columns(model)
    if not columns:
        return 0
    fields = [c for c, _ in columns] + [h for _, h in columns if h]
    manager = model._base_manager
    done = 0
    last = None
    while True:
        qs = manager.order_by("pk").only("pk", *fields)
        if last is not None:
            qs = qs.filter(pk__gt=last)
        rows = list(qs[:batch])
        if not rows:
            return done
        for row in rows:
            for column, hash_field in columns:
                plain = decrypt(getattr(row, column))
                setattr(row, column, encrypt(plain))
                if hash_field:
                    setattr(row, hash_field, lookup_hash(plain))
        with transaction.atomic():
            manager.bulk_update(rows, fields, batch_size=500)
        done += len(rows)
        last = rows[-1].pk
