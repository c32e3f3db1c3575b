from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from hypothesis import given
from hypothesis import strategies as st

from dangjian.core import pii

KEY_A = base64.urlsafe_b64encode(bytes(range(32))).decode()
KEY_B = bytes(range(100, 132)).hex()


def valid(first17: str) -> str:
    return first17 + pii.id_check_digit(first17)


def test_known_valid_number_parses_birth_and_gender():
    info = pii.parse_id_number("11010519491231002X")
    assert info.birth_date == dt.date(1949, 12, 31)
    assert info.gender == "F"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("110105194912310021", "校验位错误"),
        ("11010519491231002", "18 位"),
        ("110105491231002", "15 位旧号码"),
        ("910105194912310021", "地区码"),
        (valid("11010519491331002"), "出生日期无效"),
        ("", "18 位"),
    ],
)
def test_bad_numbers_are_rejected_with_a_chinese_reason(raw, message):
    with pytest.raises(pii.IdNumberError, match=message):
        pii.parse_id_number(raw)


def test_lowercase_x_and_spaces_are_normalised():
    assert pii.parse_id_number(" 11010519491231002x ").number == "11010519491231002X"


@given(st.dates(min_value=dt.date(1920, 1, 1), max_value=dt.date(2008, 12, 31)), st.integers(0, 999))
def test_any_number_with_its_check_digit_is_valid_and_one_changed_digit_is_not(birth, order):
    first17 = f"222401{birth:%Y%m%d}{order:03d}"
    number = valid(first17)
    assert pii.parse_id_number(number).birth_date == birth
    wrong = "0" if number[-1] != "0" else "1"
    with pytest.raises(pii.IdNumberError):
        pii.parse_id_number(number[:-1] + wrong)


def test_masks():
    assert pii.mask_id_number("22240119800101123X") == "22****************"
    assert pii.mask_phone("13912345678") == "139****5678"
    assert pii.mask_id_number("") == ""


def test_encryption_round_trip_and_lookup_hash_is_stable_and_keyed(settings):
    token = pii.encrypt("22240119800101123X")
    assert "22240119800101123X" not in token
    assert pii.decrypt(token) == "22240119800101123X"
    h1 = pii.lookup_hash("22240119800101123X")
    assert h1 == pii.lookup_hash("22240119800101123X")
    settings.PII_KEY = "another-key"
    assert pii.lookup_hash("22240119800101123X") != h1


def test_encryption_uses_a_fresh_nonce_and_detects_tampering(settings):
    a, b = pii.encrypt("13912345678"), pii.encrypt("13912345678")
    assert a != b
    assert pii.decrypt(a) == pii.decrypt(b) == "13912345678"
    flipped = a[:-2] + ("A" if a[-2] != "A" else "B") + a[-1]
    with pytest.raises(InvalidTag):
        pii.decrypt(flipped)
    settings.PII_KEY = "another-key"
    with pytest.raises(InvalidTag):
        pii.decrypt(a)


def test_values_written_as_fernet_tokens_are_still_read(settings):
    root = hashlib.sha256(("dangjian-pii:" + settings.PII_KEY).encode()).digest()
    legacy = Fernet(base64.urlsafe_b64encode(hashlib.sha256(root + b"enc").digest()))
    assert pii.decrypt(legacy.encrypt(b"22240119800101123X").decode()) == "22240119800101123X"


def test_lookup_hash_is_hmac_sha256_with_an_hkdf_derived_key(settings):
    settings.PII_KEY = KEY_A
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"dangjian-pii", info=b"lookup-mac").derive(
        pii.key_bytes(KEY_A)
    )
    expected = hmac.new(key, b"22240119800101123X", hashlib.sha256).hexdigest()
    assert pii.lookup_hash("22240119800101123X") == expected
    assert pii.lookup_hash("") == ""


def test_mobile_validation():
    assert pii.validate_mobile("139 1234 5678") == "13912345678"
    with pytest.raises(ValueError, match="11 位"):
        pii.validate_mobile("12345")


# ---------------------------------------------------------------- keys, key ids, rotation


@pytest.mark.parametrize(
    "weak",
    [
        "abc",
        "dev-only-pii-key",
        base64.b64encode(b"x" * 31).decode(),
        "00" * 32,
        base64.b64encode(b"ab" * 16).decode(),
    ],
)
def test_weak_keys_are_refused(weak):
    with pytest.raises(pii.PiiKeyError):
        pii.key_bytes(weak)


def test_keys_are_base64_or_hex_of_32_random_bytes():
    assert pii.key_bytes(KEY_A) == bytes(range(32))
    assert pii.key_bytes(KEY_B) == bytes(range(100, 132))
    assert len(pii.key_bytes(base64.b64encode(bytes(range(48))).decode())) == 48


def test_ciphertexts_carry_the_key_id_and_old_keys_still_read(settings):
    settings.PII_KEY, settings.PII_OLD_KEYS = KEY_A, []
    token = pii.encrypt("22240119800101123X")
    kid_a = pii.keyring()[0].kid
    assert token.startswith(f"a2.{kid_a}.") and pii.key_id(token) == kid_a
    settings.PII_KEY, settings.PII_OLD_KEYS = KEY_B, [KEY_A]
    assert pii.decrypt(token) == "22240119800101123X"
    assert pii.key_id(pii.encrypt("x")) == pii.keyring()[0].kid != kid_a
    settings.PII_OLD_KEYS = []
    with pytest.raises(InvalidTag):
        pii.decrypt(token)


def test_the_earlier_formats_are_read_with_any_configured_key(settings):
    settings.PII_KEY, settings.PII_OLD_KEYS = KEY_B, [KEY_A]
    root = hashlib.sha256(("dangjian-pii:" + KEY_A).encode()).digest()
    nonce = b"\x01" * 12
    sealed = AESGCM(hashlib.sha256(root + b"aead").digest()).encrypt(nonce, b"13912345678", None)
    v1 = "a1." + base64.urlsafe_b64encode(nonce + sealed).decode()
    fernet = Fernet(base64.urlsafe_b64encode(hashlib.sha256(root + b"enc").digest())).encrypt(b"13900000000")
    assert pii.decrypt(v1) == "13912345678"
    assert pii.decrypt(fernet.decode()) == "13900000000"
    assert pii.key_id(v1) == ""
