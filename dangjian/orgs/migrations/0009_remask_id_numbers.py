"""Re-mask the stored masked 身份证号 copies: only the province (first two digits) stays visible.

The earlier mask kept the first four and last four digits, which with the birth date let the whole
number be recovered. The new mask is derived from the old one, so no key is needed.
"""

from django.db import migrations, models
from django.db.models.functions import Concat, Substr

HIDDEN = "*" * 16


def remask(apps, schema_editor):
    for name in ("Member", "HistoricalMember"):
        model = apps.get_model("orgs", name)
        model.objects.exclude(id_number_masked="").update(
            id_number_masked=Concat(
                Substr("id_number_masked", 1, 2), models.Value(HIDDEN), output_field=models.CharField()
            )
        )


class Migration(migrations.Migration):
    dependencies = [("orgs", "0008_org_facts_over_time")]

    operations = [migrations.RunPython(remask, migrations.RunPython.noop, elidable=True)]
