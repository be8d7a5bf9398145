from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Petition, PetitionField, PetitionVoter


class PetitionVoterInline(admin.TabularInline):
    model = PetitionVoter
    extra = 0


@admin.register(Petition)
class PetitionAdmin(SimpleHistoryAdmin):
    list_display = ["public_code", "council", "status", "level", "created_at"]
    list_filter = ["council", "status", "level"]
    search_fields = ["public_code", "search_text"]
    raw_id_fields = ["session", "round", "group", "commune", "agency"]
    inlines = [PetitionVoterInline]


@admin.register(PetitionField)
class PetitionFieldAdmin(admin.ModelAdmin):
    list_display = ["name", "committee", "council", "order"]
    list_filter = ["council"]


@admin.register(PetitionVoter)
class PetitionVoterAdmin(SimpleHistoryAdmin):
    list_display = ["name", "petition"]
    raw_id_fields = ["petition"]
