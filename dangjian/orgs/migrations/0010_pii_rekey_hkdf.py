"""Personal data re-encrypted with HKDF-derived keys and a key id; lookup hashes recomputed.

Values written before (no key id, key from one SHA-256) stay readable, but the lookup hashes must
match the new derivation for imports to find existing members, so they are rewritten here with
the key configured at migration time (the same as ``manage.py rotate_pii_key``).
"""

from django.db import migrations


def rekey(apps, schema_editor):
    from dangjian.core import pii

    for name in ("Member", "HistoricalMember"):
        pii.rekey_rows(apps.get_model("orgs", name))


class Migration(migrations.Migration):
    dependencies = [("orgs", "0009_remask_id_numbers")]

    operations = [migrations.RunPython(rekey, migrations.RunPython.noop, elidable=True)]
