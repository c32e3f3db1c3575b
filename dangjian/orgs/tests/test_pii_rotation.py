"""``manage.py rotate_pii_key``: every value still decrypts with only the new key, lookups work."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command

from dangjian.core import pii
from dangjian.orgs import services
from dangjian.orgs.models import Member
from dangjian.orgs.tests.factories import make_member

pytestmark = pytest.mark.django_db
OLD = base64.urlsafe_b64encode(bytes(range(32))).decode()
NEW = bytes(range(200, 232)).hex()


def _fernet(secret: str, value: str) -> str:
    root = hashlib.sha256(("dangjian-pii:" + secret).encode()).digest()
    return (
        Fernet(base64.urlsafe_b64encode(hashlib.sha256(root + b"enc").digest()))
        .encrypt(value.encode())
        .decode()
    )


def test_rotation_re_encrypts_everything_and_lookups_still_work(tree, settings):
    settings.PII_KEY, settings.PII_OLD_KEYS = OLD, []
    members = [make_member(tree["branch_a1"]) for _ in range(5)]
    numbers = {m.pk: pii.decrypt(m.id_number_encrypted) for m in members}
    phones = {m.pk: pii.decrypt(m.phone_encrypted) for m in members}
    # One value in the first format of all (a Fernet token), as older databases hold.
    Member.objects.filter(pk=members[0].pk).update(phone_encrypted=_fernet(OLD, phones[members[0].pk]))
    members[1].note = "改"
    members[1].save()  # a history row with its own encrypted copy

    settings.PII_KEY, settings.PII_OLD_KEYS = NEW, [OLD]
    call_command("rotate_pii_key", batch=2)
    settings.PII_OLD_KEYS = []  # the old key is gone: everything must open with the new one
    new_kid = pii.keyring()[0].kid
    for m in Member.objects.all():
        assert pii.decrypt(m.id_number_encrypted) == numbers[m.pk]
        assert pii.decrypt(m.phone_encrypted) == phones[m.pk]
        assert pii.key_id(m.id_number_encrypted) == pii.key_id(m.phone_encrypted) == new_kid
        assert services.member_by_id_number(numbers[m.pk]) == m
    history = Member.history.model.objects.all()
    assert history.count() >= 6
    for h in history:
        assert pii.decrypt(h.id_number_encrypted) == numbers[h.id]
        assert h.id_number_hash == pii.lookup_hash(numbers[h.id])


def test_rotation_refuses_when_a_value_cannot_be_read_and_changes_nothing(tree, settings):
    settings.PII_KEY, settings.PII_OLD_KEYS = OLD, []
    member = make_member(tree["branch_a1"])
    before = Member.objects.values_list("id_number_encrypted", "id_number_hash").get(pk=member.pk)
    settings.PII_KEY = NEW  # the old key was forgotten
    with pytest.raises(CommandError, match="DANGJIAN_PII_OLD_KEYS"):
        call_command("rotate_pii_key")
    assert Member.objects.values_list("id_number_encrypted", "id_number_hash").get(pk=member.pk) == before
