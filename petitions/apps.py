from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PetitionsConfig(AppConfig):
    name = "petitions"
    verbose_name = _("Voter petitions")

    def ready(self):
        from delegations.deadlines import deadline_kind_register
        from delegations.work import work_builder_register

        from . import services, work

        work_builder_register(work.my_work)  # the home page's "my work" (delegations.work)

        deadline_kind_register(services.PETITION_FORWARD, label=_("Petition to forward"),
                               recipients=services.petition_forward_recipients,
                               on_moved=services.petition_forward_deadlines_moved,
                               rule_field="forward_working_days")
        # The answer date counts calendar days and ends on a working day (art. 148(5) Civil Code
        # 2015): a calendar change on its last days moves it. A promised date is given as it is.
        deadline_kind_register(services.PETITION_ANSWER, label=_("Answer due"),
                               recipients=services.petition_agency_recipients,
                               on_moved=services.petition_answer_deadlines_moved, rule_field="answer_due_days")
        deadline_kind_register(services.PETITION_PROMISED, label=_("Promised date"),
                               recipients=services.petition_agency_recipients)
