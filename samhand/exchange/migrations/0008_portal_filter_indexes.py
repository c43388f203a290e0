"""Indexes for the portal's message list: its type and status filters and its copy stream (issue 11:
search under 200 ms with a million messages).

The message list walks each of the organisation's streams (a (her_id, created_at) index) newest
first until it has a page. A filter that few of the stream's messages pass makes that walk long: a
message type the organisation never exchanged read all its messages (1.2 s for UNN), and so did an
exceptional status such as «feilet» or «avvist» (0.4-0.9 s), probing a delivery for each message.

- (msg_type, created_at) lets PostgreSQL take a rare type's few messages instead; for a common
  type it keeps walking the stream (it has the type's frequency in its statistics).
- A partial index on the primary deliveries in the states that are not the normal outcome
  (all but «kvittert OK» and «levert») finds those deliveries directly. It stays small: a
  delivery enters it while queued or sent and leaves when it is delivered.
- The copies a party received, (her_id, message_id) of the copy deliveries: the list finds an
  organisation's copies from the delivery side (access.door), read from this index alone instead
  of from every copy delivery on the node (monitoring 0002's index is by time, for the monitor).

PostgreSQL only, like 0007 (SQLite has no statistics to choose between the indexes with).
"""

from django.db import migrations

INDEXES = [
    ("message_type_time_idx", "exchange_message", "msg_type, created_at", ""),
    ("delivery_exception_state_idx", "exchange_delivery", "state, message_id",
     "role = 'primary' AND state NOT IN ('acknowledged', 'delivered')"),
    ("delivery_copy_party_idx", "exchange_delivery", "her_id, message_id", "role = 'copy'"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, table, columns, where in INDEXES:
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns})"
                                  + (f" WHERE {where}" if where else ""))


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, _table, _columns, _where in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ("exchange", "0007_message_msgid_prefix_idx"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
