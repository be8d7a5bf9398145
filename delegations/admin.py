from django.contrib import admin
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from . import models
from .deadlines import deadline_rules_update
from .models import (
    Agency,
    CalendarDay,
    Commune,
    Council,
    Deadline,
    DeadlineChange,
    DeadlineNotice,
    DeadlineRules,
    Delegate,
    DelegateGroup,
    ElectoralUnit,
    Membership,
    Notification,
    NotificationPreferences,
    Term,
)


@admin.register(Council)
class CouncilAdmin(SimpleHistoryAdmin):
    list_display = ["name", "level", "parent", "place_name"]
    list_filter = ["level"]
    search_fields = ["name", "search_text"]


@admin.register(Term)
class TermAdmin(SimpleHistoryAdmin):
    list_display = ["name", "council", "start_year", "end_year", "is_current"]
    list_filter = ["council", "is_current"]


@admin.register(Commune)
class CommuneAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "code", "council", "own_council"]
    list_filter = ["council", "kind"]
    search_fields = ["name", "search_text"]


@admin.register(ElectoralUnit)
class ElectoralUnitAdmin(SimpleHistoryAdmin):
    list_display = ["number", "name", "council", "term", "seats"]
    list_filter = ["council"]
    filter_horizontal = ["communes"]


@admin.register(DelegateGroup)
class DelegateGroupAdmin(SimpleHistoryAdmin):
    list_display = ["name", "council", "term", "leader", "deputy"]
    list_filter = ["council"]
    search_fields = ["name", "search_text"]
    filter_horizontal = ["communes"]
    raw_id_fields = ["leader", "deputy"]


@admin.register(Delegate)
class DelegateAdmin(SimpleHistoryAdmin):
    list_display = ["full_name", "kind", "position", "group", "council"]
    list_filter = ["council", "kind"]
    search_fields = ["full_name", "search_text"]
    raw_id_fields = ["user", "group", "electoral_unit"]


@admin.register(Agency)
class AgencyAdmin(SimpleHistoryAdmin):
    list_display = ["name", "short_name", "level", "council", "is_active"]
    list_filter = ["council", "level", "is_active"]
    search_fields = ["name", "search_text"]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "council", "role", "group", "agency", "is_active"]
    list_filter = ["council", "role", "is_active"]
    search_fields = ["user__username", "search_text"]
    raw_id_fields = ["user"]


@admin.register(CalendarDay)
class CalendarDayAdmin(SimpleHistoryAdmin):
    """CalendarDay.save()/delete() move the open deadlines a day touches (the calendar page's rule):
    here too, and the admin says how many moved."""

    list_display = ["date", "kind", "reason", "council"]
    list_filter = ["council", "kind"]

    def save_model(self, request, obj, form, change):
        obj._history_user = request.user
        super().save_model(request, obj, form, change)
        self._moved_message(request, obj)

    def delete_model(self, request, obj):
        obj._history_user = request.user
        super().delete_model(request, obj)
        self._moved_message(request, obj)

    def _moved_message(self, request, obj):
        moved = getattr(obj, "deadlines_moved", None)
        if moved:
            self.message_user(request, ngettext("%(n)s open deadline moved with this change.",
                                                "%(n)s open deadlines moved with this change.", len(moved))
                              % {"n": len(moved)})


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["subject", "kind", "recipient", "delivery", "created_at", "read_at", "emailed_at"]
    list_filter = ["kind", "delivery"]
    raw_id_fields = ["recipient"]


@admin.register(NotificationPreferences)
class NotificationPreferencesAdmin(admin.ModelAdmin):
    list_display = ["user", "digest_hour"]
    raw_id_fields = ["user"]


@admin.register(DeadlineRules)
class DeadlineRulesAdmin(SimpleHistoryAdmin):
    """The office edits these on /org/deadline-rules/; a change here applies to open deadlines the
    same way (deadlines.deadline_rules_update)."""

    list_display = ["council", "forward_working_days", "minutes_due_days", "answer_due_days"]

    def save_model(self, request, obj, form, change):
        deadline_rules_update(rules=obj, user=request.user, changed_fields=list(form.changed_data))


class DeadlineChangeInline(admin.TabularInline):
    model = DeadlineChange
    extra = 0
    readonly_fields = ["old_due_on", "new_due_on", "reason", "explanation", "changed_at", "cause", "changed_by",
                       "batch"]


class DeadlineNoticeInline(admin.TabularInline):
    model = DeadlineNotice
    extra = 0


@admin.register(Deadline)
class DeadlineAdmin(admin.ModelAdmin):
    """Read mostly: deadlines are opened, moved and closed by the services, not by hand."""

    list_display = ["title", "kind", "council", "due_on", "state", "scheduled"]
    list_filter = ["state", "kind", "council"]
    search_fields = ["title"]
    inlines = [DeadlineChangeInline, DeadlineNoticeInline]


@admin.register(models.OutboxTask)
class OutboxTaskAdmin(admin.ModelAdmin):
    """Read only: the outbox's wishes (delegations/outbox.py), to see what waits and why."""

    list_display = ["name", "kwargs", "requested_at", "dispatched_at", "done_at", "attempts", "last_error"]
    list_filter = ["name", ("done_at", admin.EmptyFieldListFilter)]
    readonly_fields = [field.name for field in models.OutboxTask._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
