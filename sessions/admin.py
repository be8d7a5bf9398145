from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import ContactSession


@admin.register(ContactSession)
class ContactSessionAdmin(SimpleHistoryAdmin):
    list_display = ["starts_at", "commune", "venue", "group", "status", "council"]
    list_filter = ["council", "status", "kind", "format"]
    raw_id_fields = ["round", "group", "commune"]
    filter_horizontal = ["delegates"]
