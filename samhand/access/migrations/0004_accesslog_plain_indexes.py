"""The access log's look-up columns keep their plain b-trees, renamed into Meta.indexes; their
PostgreSQL varchar_pattern_ops copies, which no query uses and every logged read wrote, go
(samhand.lib.indexes)."""

from django.db import migrations, models

from samhand.lib.indexes import adopt_fields


class Migration(migrations.Migration):

    dependencies = [
        ("access", "0003_accessloghead"),
    ]

    operations = [
        adopt_fields("accesslog", "access_accesslog", {
            "patient_id": ("accesslog_patient_idx", models.CharField(blank=True, max_length=20)),
            "holder_her_id": ("accesslog_holder_idx", models.CharField(blank=True, max_length=10)),
            "decision_ref": ("accesslog_decision_idx", models.CharField(blank=True, max_length=40)),
        }),
    ]
