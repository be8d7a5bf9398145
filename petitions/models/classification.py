"""The fields (lĩnh vực) petitions are classified under, one list per council; the level and
the agency are delegations' (AgencyLevel, Agency)."""
from django.db import models
from django.utils.translation import gettext_lazy as _

from delegations.menus import MenuSource
from delegations.models import Council, CouncilScopedQuerySet


class PetitionField(MenuSource, models.Model):
    """A field (lĩnh vực) in a council's configurable list, with the committee that follows it."""

    council = models.ForeignKey(Council, verbose_name=_("council"), on_delete=models.CASCADE,
                                related_name="petition_fields")
    name = models.CharField(_("name"), max_length=100)
    committee = models.CharField(_("committee following it"), max_length=150, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = CouncilScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("field")
        verbose_name_plural = _("fields")
        ordering = ["council", "order", "name"]
        constraints = [models.UniqueConstraint(fields=["council", "name"], name="petition_field_unique")]

    def __str__(self):
        return self.name
