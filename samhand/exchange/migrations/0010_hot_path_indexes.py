"""Fewer indexes to write with every message, delivery and logged read (issue 11).

exchange_message had 20 indexes, and a message is written on both nodes, with its AppRec, four rows
per round trip. Going without the ones that repeat another took about 0.3 ms of PostgreSQL CPU off
each round trip in the benchmark (docs/performance.md):

- sender_her_id and receiver_her_id lead message_sender_time_idx, message_receiver_time_idx and
  unique_sender_msgid: their own indexes (and LIKE copies) go;
- conversation_ref and patient_id keep their plain b-trees (renamed, not rebuilt) without the
  LIKE copies no query uses (samhand.lib.indexes);
- message_msgid_idx: on PostgreSQL message_msgid_prefix_idx (0007, varchar_pattern_ops) serves
  equality as well as the prefix, so the plain one goes and the prefix index is now declared in
  Meta.indexes (created here where it is missing: SQLite, which has no operator classes);
- a delivery's message_id leads unique_delivery_per_party: its own index goes.
"""

from django.db import migrations, models
import django.db.models.deletion

from samhand.lib.indexes import adopt_fields, drop_fields


def msgid_forward(apps, schema_editor):
    run = schema_editor.execute
    run("DROP INDEX IF EXISTS message_msgid_idx")
    opclass = " varchar_pattern_ops" if schema_editor.connection.vendor == "postgresql" else ""
    run(f"CREATE INDEX IF NOT EXISTS message_msgid_prefix_idx ON exchange_message (msg_id{opclass})")


def msgid_backward(apps, schema_editor):
    schema_editor.execute("CREATE INDEX IF NOT EXISTS message_msgid_idx ON exchange_message (msg_id)")
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS message_msgid_prefix_idx")  # 0007 made it on PostgreSQL only


class Migration(migrations.Migration):

    dependencies = [
        ("exchange", "0009_delivery_for_apprec"),
    ]

    operations = [
        drop_fields("message", "exchange_message", {
            "receiver_her_id": models.CharField(max_length=10),
            "sender_her_id": models.CharField(max_length=10),
        }),
        drop_fields("delivery", "exchange_delivery", {
            "message": models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                         related_name="deliveries", to="exchange.message"),
        }),
        adopt_fields("message", "exchange_message", {
            "conversation_ref": ("message_conversation_idx", models.CharField(blank=True, max_length=100)),
            "patient_id": ("message_patient_idx", models.CharField(blank=True, max_length=20)),
        }),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="message", name="message_msgid_idx"),
                migrations.AddIndex(model_name="message",
                                    index=models.Index(fields=["msg_id"], name="message_msgid_prefix_idx",
                                                       opclasses=["varchar_pattern_ops"])),
            ],
            database_operations=[migrations.RunPython(msgid_forward, msgid_backward, elidable=False)],
        ),
    ]
