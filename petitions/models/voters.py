"""Voters' personal data (Decree 13/2023/NĐ-CP): the voters who raised a petition, and the log of
who saw them. The rule of who may see them is petition.voter_data_rule."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from delegations.models import Council, CouncilScopedQuerySet

from .petition import Petition, voter_data_rule


class PetitionVoterQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The voters whose personal data `user` may see: those of the petitions of
        Petition.objects.voters_visible_to(user), the one rule."""
        return self.filter(voter_data_rule(user, "petition__"))


class PetitionVoter(models.Model):
    """A voter who raised a petition. Personal data (Decree 13/2023): shown only as
    Petition.objects.voters_visible_to decides, never on a public page or feed."""

    petition = models.ForeignKey(Petition, verbose_name=_("petition"), on_delete=models.CASCADE, related_name="voters")
    name = models.CharField(_("voter's name"), max_length=150, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    objects = PetitionVoterQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("voter")
        verbose_name_plural = _("voters")
        ordering = ["pk"]

    def __str__(self):
        return self.name or str(_("voter"))


class VoterDataSurface(models.TextChoices):
    """Where voters' personal data was displayed or exported (the access log's "what")."""

    PETITION_PAGE = "petition_page", _("Petition page")
    FLOOR_TABLE = "floor_table", _("Petitions from the floor")
    EXPORT = "export", _("Excel export of petitions")
    SLIP = "slip", _("Receipt for the voter")


class VoterDataAccessQuerySet(CouncilScopedQuerySet):
    def older_than(self, days, now=None):
        """Entries recorded more than `days` days before `now` (the retention's end)."""
        import datetime

        from django.utils import timezone
        now = now or timezone.now()
        return self.filter(at__lt=now - datetime.timedelta(days=days))


class VoterDataAccess(models.Model):
    """One display or export of voters' personal data (Decree 13/2023/NĐ-CP expects processing to
    leave a trace): who, when, where (the surface and the address asked for), and whose data — the
    codes of the petitions whose voters were shown, and an export's filters. One entry per council
    whose voters were shown, so that each council's office reads its own log. Kept for
    settings.VOTER_ACCESS_LOG_RETENTION_DAYS days (petitions.privacy.voter_access_log_purge)."""

    council = models.ForeignKey(Council, verbose_name=_("council"), on_delete=models.CASCADE,
                                related_name="voter_data_accesses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    # Kept as text too: the trace outlives a deleted account.
    username = models.CharField(_("user name"), max_length=150)
    at = models.DateTimeField(_("at"), db_index=True)
    surface = models.CharField(_("where"), max_length=30, choices=VoterDataSurface.choices)
    path = models.CharField(_("address"), max_length=500, blank=True)
    # " KN-2026-000001 KN-2026-000002 ": space-delimited, so a code is found with `contains`.
    petition_codes = models.TextField(_("petitions"), blank=True)
    petition_count = models.PositiveIntegerField(_("petitions"), default=0)
    voter_count = models.PositiveIntegerField(_("voters"), default=0)
    filters = models.JSONField(_("export filters"), default=dict, blank=True)

    objects = VoterDataAccessQuerySet.as_manager()

    class Meta:
        verbose_name = _("access to voters' data")
        verbose_name_plural = _("accesses to voters' data")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["council", "-at"], name="voter_access_council_at")]

    def __str__(self):
        return f"{self.username} · {self.get_surface_display()} · {self.at:%d/%m/%Y %H:%M}"

    @property
    def codes(self):
        return self.petition_codes.split()
