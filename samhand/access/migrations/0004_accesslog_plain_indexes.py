"""The access log's look-up columns keep their plain b-trees, renamed into Meta.indexes; their
PostgreSQL varchar_pattern_ops copies, which no query uses and every logged read wrote, go
(samhand.lib.indexes)."""

from django.db import migrations, models

from samhand.lib.indexes import adopting

FIELDS = {"patient_id": "accesslog_patient_idx", "holder_her_id": "accesslog_holder_idx",
          "decision_ref": "accesslog_decision_idx"}
LENGTHS = {"patient_id": 20, "holder_her_id": 10, "decision_ref": 40}


class Migration(migrations.Migration):

    dependencies = [
        ("access", "0003_accessloghead"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                *(migrations.AlterField(model_name="accesslog", name=column,
                                        field=models.CharField(blank=True, max_length=LENGTHS[column]))
                  for column in FIELDS),
                *(migrations.AddIndex(model_name="accesslog", index=models.Index(fields=[column], name=name))
                  for column, name in FIELDS.items()),
            ],
            database_operations=[migrations.RunPython(*adopting("access_accesslog", FIELDS), elidable=False)],
        ),
    ]
