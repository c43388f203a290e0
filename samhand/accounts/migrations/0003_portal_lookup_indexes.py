"""Indexes the portal's look-ups need on the exchange tables.

The exchange app owns these tables; the indexes live here so that the portal's
queries stay fast without editing the exchange models: search by MsgId (and the
conversation of a message, found by the MsgId of its first message), messages
where a service is a copy receiver, the oldest unanswered deliveries, and each
service's messages in time order.
If the exchange app later declares the same indexes in its Meta, drop these.
"""

from django.db import migrations

INDEXES = [
    ("portal_message_msgid_idx", "exchange_message", "msg_id"),
    # A service's copies, and what it received and has not answered yet, oldest first.
    ("portal_delivery_party_idx", "exchange_delivery", "her_id, role, state, created_at"),
    # created_at first: an index led by state would tempt SQLite (no statistics) to probe all
    # deliveries in a state once per message when filtering the list by state.
    ("portal_delivery_waiting_idx", "exchange_delivery", "created_at, state"),
    # One party's traffic in time order: lists and counts per service without sorting it all.
    ("portal_message_sender_time_idx", "exchange_message", "sender_her_id, created_at"),
    ("portal_message_receiver_time_idx", "exchange_message", "receiver_her_id, created_at"),
]


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_login_throttle"),
        ("exchange", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns})",
                          reverse_sql=f"DROP INDEX IF EXISTS {name}")
        for name, table, columns in INDEXES
    ]
