from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = _("Contact plans")

    def ready(self):
        from delegations.deadlines import deadline_kind_register

        from . import services

        deadline_kind_register(services.ASSIGNMENT_DEADLINE, label=_("Plan assignment"),
                               recipients=services.assignment_deadline_recipients,
                               on_moved=services.assignment_deadlines_moved)
