from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactSessionsConfig(AppConfig):
    # The label "sessions" belongs to django.contrib.sessions; set before the first migration, never change.
    name = "sessions"
    label = "contact_sessions"
    verbose_name = _("Contact meetings")
