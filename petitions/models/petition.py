"""A petition: where it came from, its status, its clocks; its queryset (the scopes of who reads
it) and the one rule on its voters' personal data."""
from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from delegations.indexes import PostgresGinIndex
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

from .classification import PetitionField


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


# Statuses in which a petition waits on someone; its `due_on` is the date it waits for.
OPEN_STATUSES = (PetitionStatus.RECEIVED, PetitionStatus.CLASSIFIED, PetitionStatus.FORWARDED,
                 PetitionStatus.ANSWERED)


def voter_data_rule(user, path=""):
    """The one rule on voters' personal data (names, addresses, phones: Decree 13/2023/NĐ-CP), as a
    filter on petitions (`path` leads from the filtered model to the petition, e.g. "petition__").

    A user sees the voters of the petitions of a council where they are office staff or on the
    standing committee, and of those raised at a meeting of (or to) a delegate group they lead or
    belong to — the group of their group-leader or delegate membership, or of their own Delegate
    record while they are an active leader or delegate of its council. Not another group's
    delegates, not agencies, not a province's office or standing committee reading a commune's
    petitions, never an anonymous user; a superuser sees all. Every surface that shows a voter
    asks this rule, through PetitionQuerySet.voters_visible_to, PetitionVoterQuerySet.visible_to
    or Petition.voters_visible_to."""
    if not user.is_authenticated:
        return models.Q(pk__in=[])
    if user.is_superuser:
        return models.Q()
    from delegations.models import OVERSIGHT_ROLES, Delegate, Membership, Role
    memberships = Membership.objects.filter(user=user, is_active=True)
    group_roles = (Role.GROUP_LEADER, Role.DELEGATE)
    member_groups = memberships.filter(role__in=group_roles, group__isnull=False).values("group_id")
    delegate_groups = Delegate.objects.filter(
        user=user, group__isnull=False, council__in=memberships.filter(role__in=group_roles).values("council_id"),
    ).values("group_id")
    return (models.Q(**{f"{path}council__in": memberships.filter(role__in=OVERSIGHT_ROLES).values("council_id")})
            | models.Q(**{f"{path}group__in": member_groups}) | models.Q(**{f"{path}group__in": delegate_groups})
            | models.Q(**{f"{path}session__group__in": member_groups})
            | models.Q(**{f"{path}session__group__in": delegate_groups}))


class PetitionQuerySet(CouncilScopedQuerySet):
    def main(self):
        """Petitions that stand for themselves: not merged into another one."""
        return self.filter(merged_into__isnull=True)

    def reviewed_by(self, user):
        """Petitions whose answers a user may review (send back, close, raise again): office staff
        and the standing committee of the petition's own council."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        from delegations.models import Membership, Role
        councils = Membership.objects.filter(user=user, is_active=True,
                                             role__in=(Role.OFFICE, Role.STANDING)).values("council_id")
        return self.filter(council__in=councils)

    def for_agency(self, user):
        """What an agency responder sees: the petitions forwarded to their agency, nothing else."""
        if not user.is_authenticated:
            return self.none()
        from delegations.models import Membership, Role
        agencies = Membership.objects.filter(user=user, is_active=True, role=Role.AGENCY,
                                             agency__isnull=False).values("agency_id")
        return self.filter(agency__in=agencies, forwarding__isnull=False, merged_into__isnull=True)

    def voters_visible_to(self, user):
        """The petitions whose voters' personal data `user` may see (voter_data_rule)."""
        return self.filter(voter_data_rule(user))

    def family_of(self, petition):
        """The petition and those merged into it, as an id subquery: one index lookup each, where
        an OR across the join would scan both tables."""
        return self.filter(models.Q(pk=petition.pk) | models.Q(merged_into=petition.pk)).values("pk")

    def overdue(self, today=None):
        from django.utils import timezone

        # states.py's rules read Answer, whose model points to Petition: imported when used.
        from .states import overdue_q
        return self.filter(overdue_q(today or timezone.localdate()))

    def answered_on_time(self):
        from .states import answered_on_time_q
        return self.filter(answered_on_time_q())


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
    # NULL until the row is saved (public_code_new); unique once set.
    public_code = models.CharField(_("public code"), max_length=20, unique=True, null=True, editable=False)  # noqa: DJ001
    status = models.CharField(_("status"), max_length=20, choices=PetitionStatus.choices,
                              default=PetitionStatus.RECEIVED)
    merged_into = models.ForeignKey("self", verbose_name=_("merged into"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="merged")
    previous = models.ForeignKey("self", verbose_name=_("raised before as"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="raised_again")
    submission = models.ForeignKey("Submission", verbose_name=_("sent to the office in"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="petitions")
    forwarding = models.ForeignKey("Forwarding", verbose_name=_("forwarded in"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="petitions")
    # Kept up to date by the services (intake, merge, unmerge, import) so lists never count rows.
    voter_count = models.PositiveIntegerField(_("voters"), default=0)
    meeting_count = models.PositiveIntegerField(_("meetings"), default=0)
    # The clocks: to be forwarded by, to be answered by (moved by a promised date or an extension),
    # and `due_on`, the one the petition waits on now (indexed; "overdue" filters on it).
    forward_due_on = models.DateField(_("to be forwarded by"), null=True, blank=True)
    forward_due_explanation = models.CharField(_("how the forwarding date was computed"), max_length=255,
                                               blank=True)
    answer_due_on = models.DateField(_("to be answered by"), null=True, blank=True)
    answer_due_explanation = models.CharField(_("how the answer date was computed"), max_length=255, blank=True)
    due_on = models.DateField(_("due"), null=True, blank=True)
    answer_text = models.TextField(_("latest answer"), blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    # When the petition was received: now for intake, the sheet's date for an import (not auto_now_add,
    # which would overwrite the date given and cost the import an UPDATE of every row).
    created_at = models.DateTimeField(_("received at"), default=timezone.now, editable=False)

    objects = PetitionQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[fields], excluded_fields=["search_text"])

    class Meta:
        verbose_name = _("petition")
        verbose_name_plural = _("petitions")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["council", "status"], name="petition_council_status"),
            # One council's petitions in the list's order (a commune office's list and searches,
            # read along it and stopped after a page: delegations.pagination.reading_in_order).
            models.Index(fields=["council", "-created_at", "-id"], name="petition_council_main_created",
                         condition=models.Q(merged_into__isnull=True)),
            models.Index(fields=["agency", "due_on"], name="petition_agency_due"),
            models.Index(fields=["status", "due_on"], name="petition_status_due"),
            models.Index(fields=["round", "group"], name="petition_round_group"),
            # Search: LIKE '%…%' on the folded text through trigrams (PostgreSQL; SQLite scans).
            PostgresGinIndex(fields=["search_text"], opclasses=["gin_trgm_ops"], name="petition_search_trgm"),
            # The list's own order over the petitions it lists (a province reads its communes' newest first).
            models.Index(models.F("created_at").desc(), models.F("id").desc(), name="petition_main_created",
                         condition=models.Q(merged_into__isnull=True)),
            # Who is responsible for a petition's deadline (petitions.services.deadlines): the
            # sweep's 10,000 petitions of a morning answered from this index alone, 40 MB at a
            # million, in key order, instead of 10,000 pages of the table read at random.
            models.Index(fields=["id"], include=["council", "agency"], name="petition_recipients"),
        ]

    def __str__(self):
        return self.public_code or f"#{self.pk}"

    def get_absolute_url(self):
        return reverse("petitions:petition_detail", args=[self.pk])

    def search_parts(self):
        return [self.text, self.summary, self.public_code, self.answer_text]

    @property
    def is_classified(self):
        """Field(s), level and agency all set: the petition can be forwarded."""
        return bool(self.level and self.agency_id and self.fields.exists())

    def is_overdue(self, today=None):
        from django.utils import timezone
        today = today or timezone.localdate()
        return self.status in OPEN_STATUSES and self.due_on is not None and self.due_on < today

    def voters_visible_to(self, user):
        """True when `user` may see this petition's voters (the rule of
        PetitionQuerySet.voters_visible_to, for one petition: one query)."""
        return Petition.objects.voters_visible_to(user).filter(pk=self.pk).exists()

    def raised_by_text(self):
        from django.utils.translation import ngettext
        voters = ngettext("%(n)s voter", "%(n)s voters", self.voter_count) % {"n": self.voter_count}
        meetings = ngettext("%(n)s meeting", "%(n)s meetings", self.meeting_count) % {"n": self.meeting_count}
        return _("raised by %(voters)s at %(meetings)s") % {"voters": voters, "meetings": meetings}
