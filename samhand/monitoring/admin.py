from django.contrib import admin

from .models import Alert, Downtime, MailOut, ManualHandling, PartnerStatus, Probe


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ("kind", "severity", "state", "organisation", "partner_name", "count", "opened_at")
    list_filter = ("state", "kind", "severity")
    readonly_fields = [f.name for f in Alert._meta.fields]


@admin.register(Downtime)
class DowntimeAdmin(admin.ModelAdmin):
    list_display = ("__str__", "planned", "start", "expected_end", "ended_at", "created_by")
    readonly_fields = ("created_by", "created_at", "ended_by", "released")


@admin.register(Probe)
class ProbeAdmin(admin.ModelAdmin):
    list_display = ("partner_her_id", "sender_her_id", "interval_minutes", "enabled", "next_at")
    list_editable = ("interval_minutes", "enabled")


@admin.register(PartnerStatus)
class PartnerStatusAdmin(admin.ModelAdmin):
    list_display = ("her_id", "suspected_down", "suspected_since", "consecutive_probe_failures", "last_probe_ok")


@admin.register(ManualHandling)
class ManualHandlingAdmin(admin.ModelAdmin):
    list_display = ("message", "receiver_her_id", "handled_by", "handled_at", "sender_confirmed_at",
                    "receiver_confirmed_at")
    readonly_fields = [f.name for f in ManualHandling._meta.fields]


@admin.register(MailOut)
class MailOutAdmin(admin.ModelAdmin):
    list_display = ("key", "subject", "created_at", "sent_at", "attempts")
    readonly_fields = [f.name for f in MailOut._meta.fields]
