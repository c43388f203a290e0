from django.contrib import admin

from .models import AgreementDocument, Deviation, Handler, Procedure, ProcedureVersion


@admin.register(Handler)
class HandlerAdmin(admin.ModelAdmin):
    list_display = ("organisation", "role", "category", "name", "email", "username")
    list_filter = ("role", "category")


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    list_display = ("code", "name")


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(admin.ModelAdmin):
    list_display = ("procedure", "number", "status", "approved_by", "approved_on", "effective_from")

    def has_change_permission(self, request, obj=None):
        # Approved versions are never edited: a change is a new version.
        return obj is None or obj.status != ProcedureVersion.Status.APPROVED


@admin.register(AgreementDocument)
class AgreementDocumentAdmin(admin.ModelAdmin):
    list_display = ("number", "title", "kind", "approved_by", "approved_on", "revised_on")


@admin.register(Deviation)
class DeviationAdmin(admin.ModelAdmin):
    # Metadata only; the case itself is handled in the portal by the two parties.
    list_display = ("title", "category", "state", "reporter", "responsible", "deadline", "automatic")
    list_filter = ("state", "category", "automatic")
    readonly_fields = [f.name for f in Deviation._meta.fields]
