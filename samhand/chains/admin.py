"""Admin: the message-type registry (editable: taking a version into use is a data change), chain
versions (steps read-only: an approved version is never edited, a change is a new version) and
episodes (read-only: only the tracking services change them)."""

from django.contrib import admin

from samhand.directory.models import MessageType, MessageTypeVersion

from .models import Chain, ChainStep, ChainVersion, Episode, EpisodeMessage, EpisodeParty, EpisodeStep
from .registry import registry_cache


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class MessageTypeVersionInline(admin.TabularInline):
    model = MessageTypeVersion
    extra = 0
    fields = ("version", "namespace", "schema_name", "element", "apprec_version", "status", "status_changed_on",
              "reference")


@admin.register(MessageType)
class MessageTypeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "family", "versions_in_use")
    list_filter = ("family",)
    search_fields = ("code", "name")
    inlines = [MessageTypeVersionInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        registry_cache.clear()  # a status change (e.g. retired) applies at once in this process

    @admin.display(description="versjoner i bruk")
    def versions_in_use(self, obj):
        return ", ".join(v.version for v in obj.versions.all() if v.status != MessageTypeVersion.Status.RETIRED)


class ChainStepInline(ReadOnlyInline):
    model = ChainStep
    fields = ("position", "key", "title", "message_types", "sender_role", "receiver_role", "trigger", "deadline",
              "same_day", "mandatory", "allow_early", "requires_link", "repeatable", "reference")
    readonly_fields = fields


class ChainVersionInline(ReadOnlyInline):
    model = ChainVersion
    fields = ("number", "status", "approved_by", "approved_on", "effective_from", "decision_reference")
    readonly_fields = fields
    show_change_link = True


@admin.register(Chain)
class ChainAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    inlines = [ChainVersionInline]


@admin.register(ChainVersion)
class ChainVersionAdmin(admin.ModelAdmin):
    list_display = ("chain", "number", "status", "approved_by", "approved_on", "effective_from", "decision_reference")
    list_filter = ("chain", "status")
    inlines = [ChainStepInline]
    readonly_fields = ("chain", "number", "status", "approved_by", "approved_on", "effective_from",
                       "decision_reference", "summary", "source", "created_at")

    def has_add_permission(self, request):
        return False  # new versions come as data files: samhand chain import


class EpisodeStepInline(ReadOnlyInline):
    model = EpisodeStep
    fields = ("step", "state", "triggered_at", "due_at", "fulfilled_at", "confirmed_at", "overdue_at", "late")
    readonly_fields = fields


class EpisodeMessageInline(ReadOnlyInline):
    model = EpisodeMessage
    fields = ("at", "msg_type", "status", "msg_id", "step", "sender_her_id", "receiver_her_id", "effect",
              "apprec_status", "flags")
    readonly_fields = fields


class EpisodePartyInline(ReadOnlyInline):
    model = EpisodeParty
    fields = ("her_id", "organisation_her_id", "side", "role")
    readonly_fields = fields


@admin.register(Episode)
class EpisodeAdmin(admin.ModelAdmin):
    list_display = ("started_at", "state", "chain_version", "hospital_org_her_id", "municipality_org_her_id",
                    "next_due_at", "overdue_steps", "flagged_messages")
    list_filter = ("state", "chain_version")
    search_fields = ("patient_id", "parties__her_id", "entries__msg_id")
    inlines = [EpisodePartyInline, EpisodeStepInline, EpisodeMessageInline]
    readonly_fields = [f.name for f in Episode._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
