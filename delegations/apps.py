from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DelegationsConfig(AppConfig):
    name = "delegations"
    verbose_name = _("Organisation")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.db import models

        from .deadlines import InArray
        from .security import session_mark_active

        for field in (models.IntegerField, models.ForeignKey):  # `<id field>__in_array=ids`
            field.register_lookup(InArray)

        # A login saves the session anyway: its first activity mark costs no extra write (see SessionIdleMiddleware).
        user_logged_in.connect(session_mark_active, dispatch_uid="delegations.session_mark_active")
