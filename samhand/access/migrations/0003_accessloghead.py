"""The end of the access log's chain in a row of its own (issue 11: one statement fewer for every
append on PostgreSQL). Filled from the log's last row; ``samhand.access.log`` recreates it the
same way if it is ever missing (a test database that was flushed)."""

from django.db import migrations, models


def fill(apps, schema_editor):
    from samhand.access.log import GENESIS

    AccessLog, AccessLogHead = apps.get_model("access", "AccessLog"), apps.get_model("access", "AccessLogHead")
    tail = AccessLog.objects.exclude(seq=None).order_by("-seq").values_list("seq", "hash").first()
    seq, last = tail if tail else (0, GENESIS)
    AccessLogHead.objects.update_or_create(id=1, defaults={"seq": seq, "hash": last})


class Migration(migrations.Migration):

    dependencies = [
        ("access", "0002_door_broker_chain"),
    ]

    operations = [
        migrations.CreateModel(
            name="AccessLogHead",
            fields=[
                ("id", models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                ("seq", models.PositiveBigIntegerField(default=0)),
                ("hash", models.CharField(max_length=64)),
            ],
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
    ]
