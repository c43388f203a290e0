from django.contrib import admin

from .models import LoginThrottle, Membership


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organisation", "role")
    list_filter = ("role", "organisation")


@admin.register(LoginThrottle)
class LoginThrottleAdmin(admin.ModelAdmin):
    """Locked logins; deleting a row unlocks that username and address at once."""

    list_display = ("username", "ip", "failures", "last_failure_at", "locked_until")
    search_fields = ("username", "ip")
    readonly_fields = ("username", "ip", "failures", "last_failure_at", "locked_until")
