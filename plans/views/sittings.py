"""The sittings' pages (list, form, history), built by delegations.views.org; a moved sitting's rounds follow."""
from django.utils.translation import gettext_lazy

from delegations.views.org import Column, OrgPage, council_choices

from .. import forms, services
from ..models import Sitting, SittingKind

PAGES = {
    "sitting": OrgPage(
        "sitting", Sitting, forms.SittingForm, gettext_lazy("Sittings"),
        [Column(gettext_lazy("Number"), lambda o: o.number), Column(gettext_lazy("Kind"), lambda o: o.get_kind_display()),
         Column(gettext_lazy("Opens"), lambda o: o.opens_on.strftime("%d/%m/%Y")),
         Column(gettext_lazy("Closes"), lambda o: o.closes_on.strftime("%d/%m/%Y")),
         Column(gettext_lazy("Term"), lambda o: o.term.name), Column(gettext_lazy("Council"), lambda o: o.council)],
        select_related=("council", "term"), searchable=False, namespace="plans",
        filters={"council": (gettext_lazy("Council"), "council_id", council_choices),
                 "kind": (gettext_lazy("Kind"), "kind", lambda user: SittingKind.choices)},
        # A moved sitting: the derived windows of its rounds follow, in the same transaction.
        after_save=lambda saved, before, user=None: services.sitting_save(sitting=saved, before=before, user=user),
    ),
}
