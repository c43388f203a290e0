from django.contrib import admin

from .models import Capability, CommunicationParty, ContactPoint, Organisation


class ContactPointInline(admin.TabularInline):
    model = ContactPoint
    extra = 0


class PartyInline(admin.TabularInline):
    model = CommunicationParty
    extra = 0
    fields = ("her_id", "name", "service_type", "hosted", "auto_apprec", "active")


class CapabilityInline(admin.TabularInline):
    """What the party can send and receive: a CPP import (samhand cpp import) replaces these."""

    model = Capability
    extra = 0
    fields = ("direction", "msg_type", "family", "version")
    ordering = ("direction", "family", "version", "msg_type")


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "org_number", "her_id", "kind", "ma_email", "ma_phone")
    list_filter = ("kind",)
    search_fields = ("name", "org_number", "her_id")
    inlines = [PartyInline, ContactPointInline]


@admin.register(CommunicationParty)
class CommunicationPartyAdmin(admin.ModelAdmin):
    list_display = ("her_id", "name", "organisation", "service_type", "hosted", "auto_apprec", "active")
    list_filter = ("service_type", "hosted", "auto_apprec", "organisation")
    search_fields = ("her_id", "name", "organisation__name")
    inlines = [CapabilityInline]


@admin.register(ContactPoint)
class ContactPointAdmin(admin.ModelAdmin):
    list_display = ("name", "organisation", "role", "phone", "email")
    search_fields = ("name", "organisation__name", "role")
