from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetitionsConfig(AppConfig):
    name = "petitions"
    verbose_name = _("Voter petitions")

    def ready(self):
        from delegations.deadlines import deadline_kind_register

        from . import services

        deadline_kind_register(services.PETITION_FORWARD, label=_("Petition to forward"),
                               recipients=services.petition_forward_recipients,
                               on_moved=services.petition_forward_deadlines_moved)
        # The answer date counts calendar days, and a promised date is given: neither is recomputed.
        deadline_kind_register(services.PETITION_ANSWER, label=_("Answer due"),
                               recipients=services.petition_agency_recipients)
        deadline_kind_register(services.PETITION_PROMISED, label=_("Promised date"),
                               recipients=services.petition_agency_recipients)
