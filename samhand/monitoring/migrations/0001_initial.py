
import django.db.models.deletion
import django.utils.timezone
import uuid
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('directory', '0002_certificates'),
        ('exchange', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='PartnerStatus',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('her_id', models.CharField(max_length=10, unique=True)),
                ('suspected_down', models.BooleanField(default=False)),
                ('suspected_since', models.DateTimeField(blank=True, null=True)),
                ('reason', models.CharField(blank=True, max_length=500)),
                ('consecutive_probe_failures', models.PositiveIntegerField(default=0)),
                ('last_probe_at', models.DateTimeField(blank=True, null=True)),
                ('last_probe_ok', models.BooleanField(null=True)),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                'verbose_name': 'partnerstatus',
                'verbose_name_plural': 'partnerstatus',
            },
        ),
        migrations.CreateModel(
            name='Probe',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('partner_her_id', models.CharField(max_length=10, unique=True, verbose_name='partner (HER-id)')),
                ('sender_her_id', models.CharField(blank=True, help_text='Tom: SAMHAND_PROBE_SENDER_HER_ID.', max_length=10, verbose_name='avsender (HER-id)')),
                ('interval_minutes', models.PositiveIntegerField(default=60, verbose_name='intervall (minutter)')),
                ('enabled', models.BooleanField(default=True, verbose_name='aktiv')),
                ('next_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
            ],
            options={
                'verbose_name': 'kommunikasjonstest',
                'verbose_name_plural': 'kommunikasjonstester',
                'ordering': ['partner_her_id'],
            },
        ),
        migrations.CreateModel(
            name='Alert',
            fields=[
                ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                ('kind', models.CharField(choices=[('apprec-late', 'kvittering forsinket'), ('apprec-missing', 'kvittering mangler etter 96 timer'), ('rejected', 'negativ kvittering'), ('failed', 'melding kunne ikke leveres'), ('backlog', 'meldinger i kø'), ('suspected-down', 'mistenkt nede'), ('probe-failed', 'kommunikasjonstest feilet'), ('manual-routine', 'manuell rutine nødvendig'), ('downtime-overrun', 'nedetid varer lenger enn varslet')], max_length=30)),
                ('severity', models.CharField(choices=[('warning', 'advarsel'), ('critical', 'kritisk')], max_length=10)),
                ('partner_her_id', models.CharField(max_length=10)),
                ('partner_name', models.CharField(blank=True, max_length=300)),
                ('state', models.CharField(choices=[('open', 'åpen'), ('acknowledged', 'kvittert ut'), ('resolved', 'løst')], default='open', max_length=20)),
                ('summary', models.CharField(blank=True, max_length=500)),
                ('count', models.PositiveIntegerField(default=0)),
                ('opened_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('last_seen_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('acknowledged_at', models.DateTimeField(blank=True, null=True)),
                ('acknowledged_by', models.CharField(blank=True, max_length=200)),
                ('escalated_at', models.DateTimeField(blank=True, null=True)),
                ('resolved_at', models.DateTimeField(blank=True, null=True)),
                ('resolved_by', models.CharField(blank=True, max_length=200)),
                ('resolved_automatically', models.BooleanField(default=False)),
                ('proposes_downtime', models.BooleanField(default=False)),
                ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='alerts', to='directory.organisation')),
            ],
            options={
                'verbose_name': 'varsel',
                'verbose_name_plural': 'varsler',
                'ordering': ['-opened_at'],
            },
        ),
        migrations.CreateModel(
            name='AlertItem',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(max_length=30)),
                ('detail', models.CharField(blank=True, max_length=500)),
                ('added_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('cleared_at', models.DateTimeField(blank=True, null=True)),
                ('cleared_reason', models.CharField(blank=True, max_length=200)),
                ('alert', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='items', to='monitoring.alert')),
                ('delivery', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='alert_items', to='exchange.delivery')),
                ('message', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='alert_items', to='exchange.message')),
            ],
            options={
                'ordering': ['added_at', 'id'],
            },
        ),
        migrations.CreateModel(
            name='Downtime',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('planned', models.BooleanField(verbose_name='planlagt')),
                ('start', models.DateTimeField(verbose_name='start')),
                ('expected_end', models.DateTimeField(verbose_name='forventet slutt')),
                ('ended_at', models.DateTimeField(blank=True, null=True, verbose_name='avsluttet')),
                ('description', models.TextField(verbose_name='beskrivelse')),
                ('contact', models.CharField(blank=True, max_length=300, verbose_name='kontakt')),
                ('created_by', models.CharField(max_length=200)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('ended_by', models.CharField(blank=True, max_length=200)),
                ('released', models.PositiveIntegerField(default=0)),
                ('organisation', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='downtimes', to='directory.organisation')),
                ('party', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='downtimes', to='directory.communicationparty')),
            ],
            options={
                'verbose_name': 'nedetid',
                'verbose_name_plural': 'nedetider',
                'ordering': ['start'],
            },
        ),
        migrations.CreateModel(
            name='MailOut',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(max_length=200, unique=True)),
                ('to', models.JSONField(default=list)),
                ('subject', models.CharField(max_length=300)),
                ('body', models.TextField()),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('next_attempt_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('attempts', models.PositiveIntegerField(default=0)),
                ('lease_until', models.DateTimeField(blank=True, null=True)),
                ('sent_at', models.DateTimeField(blank=True, null=True)),
                ('last_error', models.TextField(blank=True)),
                ('organisation', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='directory.organisation')),
            ],
            options={
                'ordering': ['created_at', 'id'],
            },
        ),
        migrations.CreateModel(
            name='ManualHandling',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('sender_her_id', models.CharField(max_length=10)),
                ('receiver_her_id', models.CharField(max_length=10)),
                ('reason', models.CharField(max_length=300, verbose_name='årsak')),
                ('handled_by', models.CharField(max_length=200, verbose_name='behandlet manuelt av')),
                ('handled_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='behandlet manuelt')),
                ('printed', models.PositiveIntegerField(default=1)),
                ('last_printed_by', models.CharField(blank=True, max_length=200)),
                ('last_printed_at', models.DateTimeField(blank=True, null=True)),
                ('delivered_after_at', models.DateTimeField(blank=True, null=True, verbose_name='levert elektronisk etterpå')),
                ('sender_confirmed_at', models.DateTimeField(blank=True, null=True)),
                ('sender_confirmed_by', models.CharField(blank=True, max_length=200)),
                ('receiver_confirmed_at', models.DateTimeField(blank=True, null=True)),
                ('receiver_confirmed_by', models.CharField(blank=True, max_length=200)),
                ('delivery', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='manual_handling', to='exchange.delivery')),
                ('message', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='manual_handlings', to='exchange.message')),
                ('receiver_organisation', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='directory.organisation')),
                ('sender_organisation', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='directory.organisation')),
            ],
            options={
                'verbose_name': 'manuell behandling',
                'verbose_name_plural': 'manuelle behandlinger',
                'ordering': ['handled_at', 'id'],
            },
        ),
        migrations.CreateModel(
            name='ProbeRun',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('sent_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
                ('result', models.CharField(choices=[('pending', 'venter på kvittering'), ('ok', 'OK'), ('failed', 'feilet')], default='pending', max_length=10)),
                ('detail', models.CharField(blank=True, max_length=500)),
                ('message', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='probe_run', to='exchange.message')),
                ('probe', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='runs', to='monitoring.probe')),
            ],
            options={
                'ordering': ['-sent_at'],
            },
        ),
        migrations.AddIndex(
            model_name='alert',
            index=models.Index(fields=['state', 'opened_at'], name='alert_state_idx'),
        ),
        migrations.AddConstraint(
            model_name='alert',
            constraint=models.UniqueConstraint(condition=models.Q(('state__in', ('open', 'acknowledged'))), fields=('organisation', 'partner_her_id', 'kind'), name='one_active_alert_per_problem'),
        ),
        migrations.AddIndex(
            model_name='alertitem',
            index=models.Index(condition=models.Q(('cleared_at__isnull', True)), fields=['alert'], name='alert_item_live_idx'),
        ),
        migrations.AddConstraint(
            model_name='alertitem',
            constraint=models.UniqueConstraint(condition=models.Q(('delivery__isnull', False)), fields=('kind', 'delivery'), name='one_alert_item_per_delivery_and_problem'),
        ),
        migrations.AddIndex(
            model_name='downtime',
            index=models.Index(condition=models.Q(('ended_at__isnull', True)), fields=['start'], name='downtime_open_idx'),
        ),
        migrations.AddConstraint(
            model_name='downtime',
            constraint=models.CheckConstraint(condition=models.Q(('party__isnull', False), ('organisation__isnull', False), _connector='XOR'), name='downtime_has_one_target'),
        ),
        migrations.AddConstraint(
            model_name='downtime',
            constraint=models.CheckConstraint(condition=models.Q(('expected_end__gt', models.F('start'))), name='downtime_ends_after_start'),
        ),
        migrations.AddIndex(
            model_name='mailout',
            index=models.Index(condition=models.Q(('sent_at__isnull', True)), fields=['next_attempt_at'], name='mail_queue_idx'),
        ),
        migrations.AddIndex(
            model_name='manualhandling',
            index=models.Index(condition=models.Q(('sender_confirmed_at__isnull', True), ('receiver_confirmed_at__isnull', True), _connector='OR'), fields=['handled_at'], name='manual_unreconciled_idx'),
        ),
        migrations.AddIndex(
            model_name='manualhandling',
            index=models.Index(condition=models.Q(('delivered_after_at__isnull', True)), fields=['handled_at'], name='manual_awaiting_delivery_idx'),
        ),
        migrations.AddIndex(
            model_name='proberun',
            index=models.Index(fields=['result', 'sent_at'], name='probe_run_result_idx'),
        ),
    ]
