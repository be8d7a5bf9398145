from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Assignment, AssignmentDue, ContactPlan, ContactRound, DocumentNumber, PlanEvent, Sitting


@admin.register(Sitting)
class SittingAdmin(SimpleHistoryAdmin):
    list_display = ["number", "kind", "council", "opens_on", "closes_on"]
    list_filter = ["council", "kind"]


class ContactRoundInline(admin.TabularInline):
    model = ContactRound
    extra = 0


class AssignmentInline(admin.StackedInline):
    model = Assignment
    extra = 0
    raw_id_fields = ["agency"]


class AssignmentDueInline(admin.TabularInline):
    model = AssignmentDue
    extra = 0
    raw_id_fields = ["round"]


@admin.register(ContactPlan)
class ContactPlanAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "council", "year", "status", "number", "issued_on"]
    list_filter = ["council", "status", "year"]
    search_fields = ["subject"]
    inlines = [ContactRoundInline, AssignmentInline]


@admin.register(ContactRound)
class ContactRoundAdmin(SimpleHistoryAdmin):
    list_display = ["plan", "kind", "starts_on", "ends_on"]


@admin.register(Assignment)
class AssignmentAdmin(SimpleHistoryAdmin):
    list_display = ["lead", "plan", "due_on", "status"]
    list_filter = ["status"]
    raw_id_fields = ["plan", "agency"]
    inlines = [AssignmentDueInline]


@admin.register(DocumentNumber)
class DocumentNumberAdmin(admin.ModelAdmin):
    list_display = ["council", "year", "type_code", "number", "taken_at"]
    list_filter = ["council", "year", "type_code"]


@admin.register(PlanEvent)
class PlanEventAdmin(admin.ModelAdmin):
    list_display = ["plan", "from_status", "to_status", "by", "at"]
