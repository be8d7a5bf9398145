"""The dashboard's kept figures of a round."""
from django.db import models
from django.utils.translation import gettext_lazy as _

from delegations.models import Council
from plans.models import ContactRound


class RoundFigures(models.Model):
    """The dashboard's petition figures of one council's round as a count over the petitions gave
    them at `computed_at`, for the day `as_of` (what is overdue depends on the day). Written only by
    petitions.round_figures; read by the dashboard. Shapes: `totals` is petitions.dashboard.
    petition_totals' dict (name → count); `agencies` the rows of overdue_by_agency_of (agency_id,
    agency__name, agency__short_name, count); `fields` those of petitions_by_field
    (petitionfield_id, petitionfield__name, count)."""

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="+")
    round = models.ForeignKey(ContactRound, on_delete=models.CASCADE, related_name="+")
    as_of = models.DateField(_("counted for the day"))
    computed_at = models.DateTimeField(_("counted at"))
    totals = models.JSONField(default=dict)
    agencies = models.JSONField(default=list)
    fields = models.JSONField(default=list)

    class Meta:
        verbose_name = _("kept round figures")
        verbose_name_plural = _("kept round figures")
        constraints = [models.UniqueConstraint(fields=["council", "round"], name="round_figures_one_per_round")]

    def __str__(self):
        return f"{self.council_id} · {self.round_id} · {self.computed_at:%d/%m/%Y %H:%M}"
