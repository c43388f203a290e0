"""The portal's MsgId search matches the beginning of a MsgId (as the lists show it, «6438931f-38e2-4fe…»):
``msg_id LIKE '6438931f-38e2-4fe%'``. A plain b-tree on msg_id (message_msgid_idx) serves that only
in the C collation; under any other (C.UTF-8, nb_NO.UTF-8) PostgreSQL read the whole message table
for every MsgId search: 190-250 ms with a million messages (issue 11). An index with the
``varchar_pattern_ops`` operator class compares byte by byte and so serves the prefix in any
collation; it also serves equality. PostgreSQL only: SQLite has no operator classes (and its LIKE
is not indexed by default either).

Raw SQL, not a model index, so that the exchange models stay as they are; like monitoring 0002.
"""

from django.db import migrations

NAME = "message_msgid_prefix_idx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {NAME} ON exchange_message (msg_id varchar_pattern_ops)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):

    dependencies = [
        ("exchange", "0006_delivery_withdrawn"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
