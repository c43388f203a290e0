from django.contrib import admin

from .models import ApiClient


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = ("system", "key_hint", "active", "created_at", "last_used_at")
    readonly_fields = ("key_hash", "key_hint", "created_at", "last_used_at")
    filter_horizontal = ("parties",)
