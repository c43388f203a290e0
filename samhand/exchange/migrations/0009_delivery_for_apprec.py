"""A delivery knows whether it carries an AppRec, so the portal's «levert» filter is short (issue 11:
search under 200 ms with a million messages).

A business message waiting for its AppRec has its primary delivery in state «levert»
(``delivered``), and so does every AppRec's own delivery: a third of all deliveries. Nothing on
the delivery row told the two apart, so the status filter «levert» without AppRecs walked the
organisation's streams and probed a delivery for each message until it had a page, i.e. nearly
all of them, since few messages wait (4.2 s for UNN, 1.2 s for Tromsø with a million messages);
exchange 0008's partial index leaves «levert» out for the same reason.

- ``Delivery.for_apprec``: the delivery's message is an AppRec. Set when the row is built (one more
  column in the existing inserts), never changed; filled here from ``exchange_message.is_apprec``
  for the rows there are (one UPDATE, only the AppRecs' deliveries).
- A partial index on the primary deliveries in state «levert» that do not carry an AppRec: the
  business messages waiting for their AppRec. It stays small, like 0008's: a delivery enters it
  when delivered and leaves when its AppRec comes back (acknowledged, rejected, …). The list
  reads it from the delivery side (``access.door._in_exceptional_state``).
- Statistics on (role, state, for_apprec) together: PostgreSQL estimates a partial index's rows
  from its conditions, each on its own (a third «levert», two thirds not for an AppRec: 224,000
  of a million instead of 40), and then read the whole message table into a hash join instead of
  probing the few messages by key (0.15-0.4 s). The combinations' frequencies (an MCV list) tell it
  that «levert» and not for an AppRec is rare.

The index and the statistics are PostgreSQL only, like 0007 and 0008 (SQLite has no statistics to
choose between the indexes with); the column and its backfill are for every database.

Not one transaction: the backfill commits before the index is built. Built in the backfill's
transaction, the index would also hold the rows' old versions (still «levert», not yet marked),
which that transaction must still be able to see: a third of all deliveries (10 MB instead of a
few pages at a million messages), every «levert» page reading them until a vacuum. Built after
the commit, it holds only the live rows. At a million messages (333,000 AppRec deliveries) the
migration took 9.5 s, nearly all of it the UPDATE, which leaves as many dead row versions for
autovacuum.
"""

from django.db import migrations, models

INDEX = "delivery_awaiting_apprec_idx"
STATISTICS = "delivery_role_state_apprec_stats"


def backfill(apps, schema_editor):
    quote = schema_editor.connection.ops.quote_name
    schema_editor.execute(
        f"UPDATE {quote('exchange_delivery')} SET {quote('for_apprec')} = %s"
        f" WHERE {quote('message_id')} IN (SELECT {quote('id')} FROM {quote('exchange_message')}"
        f" WHERE {quote('is_apprec')})", [True])


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON exchange_delivery (message_id)"
                              " WHERE role = 'primary' AND state = 'delivered' AND NOT for_apprec")
        schema_editor.execute(f"CREATE STATISTICS IF NOT EXISTS {STATISTICS} (mcv)"
                              " ON role, state, for_apprec FROM exchange_delivery")
        # Now, not at autovacuum's next turn: until then the planner knows neither.
        schema_editor.execute("ANALYZE exchange_delivery")


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP STATISTICS IF EXISTS {STATISTICS}")
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):

    atomic = False  # each step in its own transaction: see above

    dependencies = [
        ("exchange", "0008_portal_filter_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="delivery",
            name="for_apprec",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, atomic=True, elidable=False),
        migrations.RunPython(create_index, drop_index, atomic=True, elidable=False),
    ]
