from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Answer, Forwarding, Petition, PetitionField, PetitionVoter, Report


class VotersForSuperusersOnly:
    """Voters' personal data in the admin: superusers only. The rule (petitions.models.voter_data_rule)
    is decided per petition by council and group, which the admin's model permissions cannot express;
    a staff account with the model permission would otherwise read every council's voters."""

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission

    def has_module_permission(self, request):
        return self.has_view_permission(request)


class PetitionVoterInline(VotersForSuperusersOnly, admin.TabularInline):
    model = PetitionVoter
    extra = 0


@admin.register(Petition)
class PetitionAdmin(SimpleHistoryAdmin):
    list_display = ["public_code", "council", "status", "level", "created_at"]
    list_filter = ["council", "status", "level"]
    search_fields = ["public_code", "search_text"]
    raw_id_fields = ["session", "round", "group", "commune", "agency", "merged_into", "previous", "submission",
                     "forwarding"]
    inlines = [PetitionVoterInline]


@admin.register(PetitionField)
class PetitionFieldAdmin(admin.ModelAdmin):
    list_display = ["name", "committee", "council", "order"]
    list_filter = ["council"]


@admin.register(PetitionVoter)
class PetitionVoterAdmin(VotersForSuperusersOnly, SimpleHistoryAdmin):
    list_display = ["name", "petition"]
    raw_id_fields = ["petition"]


@admin.register(Forwarding)
class ForwardingAdmin(SimpleHistoryAdmin):
    list_display = ["agency", "council", "forwarded_at", "answer_due_on"]
    list_filter = ["council"]


@admin.register(Answer)
class AnswerAdmin(SimpleHistoryAdmin):
    list_display = ["petition", "agency", "outcome", "answered_at", "review"]
    list_filter = ["outcome", "review"]
    raw_id_fields = ["petition"]


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["council", "kind", "status", "requested_at"]
    list_filter = ["council", "kind", "status"]
