"""Admin: rooms with their equipment, the service catalogue and the video plans are kept here by
the organisations' administrators. Meetings are read-only: only the meeting services change them
(the checklist and links must never be bypassed by an edit)."""

from django.contrib import admin

from .models import Equipment, Goal, Meeting, Participant, Plan, Room, Service


class EquipmentInline(admin.TabularInline):
    model = Equipment
    extra = 0
    fields = ("asset_id", "kind", "description", "owner", "last_checked_at", "last_checked_by", "next_due")
    readonly_fields = ("last_checked_at", "last_checked_by", "next_due")  # set by a recorded check only


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ("name", "site", "organisation", "kind", "network", "active")
    list_filter = ("organisation", "kind", "network", "active")
    inlines = [EquipmentInline]


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ("name", "organisation", "department", "purpose", "lead_time_hours", "active")
    list_filter = ("organisation", "purpose", "active")


class GoalInline(admin.TabularInline):
    model = Goal
    extra = 0


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ("title", "organisation", "year", "status", "responsible")
    list_filter = ("organisation", "year", "status")
    filter_horizontal = ("services",)
    inlines = [GoalInline]


class ParticipantInline(admin.TabularInline):
    model = Participant
    extra = 0
    can_delete = False
    fields = ("role", "name", "organisation", "invited_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ("title", "start", "purpose", "status", "organisation", "request_state")
    list_filter = ("purpose", "status")
    inlines = [ParticipantInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields] + ["organisations"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
