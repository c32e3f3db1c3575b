"""Retire the dated campaign rules once shipped as requirement files (zhuti_jiaoyu_2023.yaml and
zhongxinzu.yaml): they duplicated the 2023 campaign template's actions, which the campaigns app
applies to the orgs of each batch. Deactivated, not deleted: their past results stay readable."""

from django.db import migrations

RETIRED_FILES = ("zhuti_jiaoyu_2023.yaml", "zhongxinzu.yaml")
RETIRED_CODES = (
    "ZTJY23-GROUP-STUDY",
    "ZTJY23-SEMINAR-EACH-MEMBER",
    "ZTJY23-READING-CLASS",
    "ZXZ-MONTHLY-STUDY",
)


def retire(apps, schema_editor):
    Requirement = apps.get_model("requirements", "Requirement")
    for row in Requirement.objects.filter(code__in=RETIRED_CODES, is_active=True):
        if row.source_file.endswith(RETIRED_FILES):
            row.is_active = False
            row.save(update_fields=["is_active"])


class Migration(migrations.Migration):
    dependencies = [("requirements", "0005_result_path_index")]

    operations = [migrations.RunPython(retire, migrations.RunPython.noop)]
