from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DelegationsConfig(AppConfig):
    name = "delegations"
    verbose_name = _("Organisation")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.db import models

        from .deadlines import InArray, RelatedInArray
        from .security import session_mark_active

        models.IntegerField.register_lookup(InArray)  # `<id field>__in_array=ids`
        models.ForeignKey.register_lookup(RelatedInArray)

        # A login saves the session anyway: its first activity mark costs no extra write (see SessionIdleMiddleware).
        user_logged_in.connect(session_mark_active, dispatch_uid="delegations.session_mark_active")
