"""Once created the exchange's look-up indexes as raw SQL; they are declared in the exchange
models now (exchange migration 0005 drops these and creates them there). Kept, empty, so the
migration history stays the same on every database."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_login_throttle"),
        ("exchange", "0001_initial"),
    ]

    operations = []
