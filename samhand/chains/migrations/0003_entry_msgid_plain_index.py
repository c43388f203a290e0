"""An entry's MsgId keeps its plain b-tree, renamed into Meta.indexes; the PostgreSQL
varchar_pattern_ops copy, which no query uses, goes (samhand.lib.indexes)."""

from django.db import migrations, models

from samhand.lib.indexes import adopt_fields


class Migration(migrations.Migration):

    dependencies = [
        ("chains", "0002_registry_moved_to_directory"),
    ]

    operations = [
        adopt_fields("episodemessage", "chains_episodemessage", {
            "msg_id": ("entry_msgid_idx", models.CharField(max_length=100)),
        }),
    ]
