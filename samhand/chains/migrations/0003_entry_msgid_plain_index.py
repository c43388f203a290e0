"""An entry's MsgId keeps its plain b-tree, renamed into Meta.indexes; the PostgreSQL
varchar_pattern_ops copy, which no query uses, goes (samhand.lib.indexes)."""

from django.db import migrations, models

from samhand.lib.indexes import adopting

FIELDS = {"msg_id": "entry_msgid_idx"}


class Migration(migrations.Migration):

    dependencies = [
        ("chains", "0002_registry_moved_to_directory"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(model_name="episodemessage", name="msg_id",
                                      field=models.CharField(max_length=100)),
                migrations.AddIndex(model_name="episodemessage",
                                    index=models.Index(fields=["msg_id"], name="entry_msgid_idx")),
            ],
            database_operations=[migrations.RunPython(*adopting("chains_episodemessage", FIELDS), elidable=False)],
        ),
    ]
