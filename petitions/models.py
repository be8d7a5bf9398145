"""Voter petitions (kiến nghị cử tri): what voters raised, who raised it, and where it goes.

This is the intake part: petitions from the floor of a meeting, in writing or typed from a
letter, with their voters (personal data) and a public code to look them up."""
from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from delegations.models import (
    Agency,
    AgencyLevel,
    Commune,
    Council,
    CouncilScopedQuerySet,
    DelegateGroup,
    Searchable,
)
from plans.models import ContactRound
from sessions.models import ContactSession


class PetitionField(models.Model):
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


class PetitionSource(models.TextChoices):
    MEETING = "meeting", _("Raised at a meeting")
    WRITING = "writing", _("Sent in writing")
    LETTER = "letter", _("A letter typed in by the office")


class PetitionStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    CLASSIFIED = "classified", _("Classified")
    FORWARDED = "forwarded", _("Forwarded")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


class PetitionQuerySet(CouncilScopedQuerySet):
    def with_counts(self):
        return self.annotate(voter_count=models.Count("voters", distinct=True))


class Petition(Searchable):
    council = models.ForeignKey(Council, verbose_name=_("council"), on_delete=models.CASCADE, related_name="petitions")
    source = models.CharField(_("source"), max_length=20, choices=PetitionSource.choices, default=PetitionSource.MEETING)
    session = models.ForeignKey(ContactSession, verbose_name=_("meeting"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="petitions")
    round = models.ForeignKey(ContactRound, verbose_name=_("round"), null=True, blank=True, on_delete=models.PROTECT,
                              related_name="petitions")
    group = models.ForeignKey(DelegateGroup, verbose_name=_("delegate group"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="petitions")
    commune = models.ForeignKey(Commune, verbose_name=_("commune"), null=True, blank=True, on_delete=models.PROTECT,
                                related_name="petitions")
    text = models.TextField(_("the petition as said"))
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    fields = models.ManyToManyField(PetitionField, verbose_name=_("fields"), blank=True, related_name="petitions")
    level = models.CharField(_("competence level"), max_length=20, choices=AgencyLevel.choices, blank=True)
    agency = models.ForeignKey(Agency, verbose_name=_("responsible agency"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="petitions")
    # NULL until the row has its id (the code carries it); unique once set.
    public_code = models.CharField(_("public code"), max_length=20, unique=True, null=True, editable=False)  # noqa: DJ001
    status = models.CharField(_("status"), max_length=20, choices=PetitionStatus.choices,
                              default=PetitionStatus.RECEIVED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)

    objects = PetitionQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[fields], excluded_fields=["search_text"])

    class Meta:
        verbose_name = _("petition")
        verbose_name_plural = _("petitions")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["council", "status"], name="petition_council_status")]

    def __str__(self):
        return self.public_code or f"#{self.pk}"

    def get_absolute_url(self):
        return reverse("petitions:petition_detail", args=[self.pk])

    def search_parts(self):
        return [self.text, self.summary, self.public_code]


class PetitionVoter(models.Model):
    """A voter who raised a petition. Personal data (Decree 13/2023): shown to the council's staff
    only, never on a public page or feed."""

    petition = models.ForeignKey(Petition, verbose_name=_("petition"), on_delete=models.CASCADE, related_name="voters")
    name = models.CharField(_("voter's name"), max_length=150, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("voter")
        verbose_name_plural = _("voters")
        ordering = ["pk"]

    def __str__(self):
        return self.name or str(_("voter"))
