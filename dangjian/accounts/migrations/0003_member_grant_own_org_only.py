from django.db import migrations, models


def member_grants_to_own_org(apps, schema_editor):
    """A 党员 grant never reached below its org in practice; make the rows say so."""
    apps.get_model("accounts", "RoleGrant").objects.filter(role="member", include_descendants=True).update(
        include_descendants=False
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_initial"),
        ("orgs", "0003_member_index_trim"),
    ]

    operations = [
        migrations.RunPython(member_grants_to_own_org, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="rolegrant",
            constraint=models.CheckConstraint(
                condition=models.Q(("include_descendants", True), ("role", "member"), _negated=True),
                name="grant_member_own_org_only",
                violation_error_message="党员角色只能查看本人所在组织，不能包含下级组织",
            ),
        ),
    ]
