from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactSessionsConfig(AppConfig):
    # The label "sessions" belongs to django.contrib.sessions; set before the first migration, never change.
    name = "sessions"
    label = "contact_sessions"
    verbose_name = _("Contact meetings")

    def ready(self):
        from delegations.deadlines import deadline_kind_register
        from plans.blocks import schedule_provider_register
        from plans.services import meetings_provider_register

        from . import services

        # Minutes are due N days after the meeting, on a working day (art. 148(5) Civil Code 2015).
        deadline_kind_register(services.MINUTES_DEADLINE, label=_("Minutes due"),
                               recipients=services.minutes_deadline_recipients,
                               on_moved=services.minutes_deadlines_moved, rule_field="minutes_due_days")
        # Plans count due dates from each meeting ("5 days before each meeting"): it asks for them here.
        meetings_provider_register(services.meetings_of_rounds)
        schedule_provider_register(services.meetings_of_plan)  # the plan's printed schedule (plans.blocks)
