"""Indexes the monitor's "who talks to whom" needs on the exchange tables (issue 11: downtime_for
under 200 ms with a million messages).

`parties.partners_of` asks, per pair of parties, whether a business message went between them in
the look-back period: one probe of a (receiver, sender, created_at) or (sender, receiver,
created_at) index each, partial on business messages (AppRecs never make a partnership). Copies
are rare: a partial index on the copy deliveries by time finds them without reading the rest.
Like the portal's indexes (accounts 0003) they live with the room that needs them.
"""

from django.db import migrations

INDEXES = [
    ("monitoring_message_pair_in_idx", "exchange_message", "receiver_her_id, sender_her_id, created_at",
     "NOT is_apprec"),
    ("monitoring_message_pair_out_idx", "exchange_message", "sender_her_id, receiver_her_id, created_at",
     "NOT is_apprec"),
    ("monitoring_delivery_copy_idx", "exchange_delivery", "created_at", "role = 'copy'"),
]


class Migration(migrations.Migration):

    dependencies = [
        ("monitoring", "0001_initial"),
        ("exchange", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns}) WHERE {where}",
                          reverse_sql=f"DROP INDEX IF EXISTS {name}")
        for name, table, columns, where in INDEXES
    ]
