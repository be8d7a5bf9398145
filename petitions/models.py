"""Voter petitions (kiến nghị cử tri): what voters raised, who raised it, where it went, what the
agency answered, and every step in between.

A petition is received (from a meeting's floor, in writing, or typed from a letter), classified
(field, competence level, agency), forwarded to its agency in a batch, answered, and closed by the
office. Duplicates are merged into one main petition that keeps every voter and meeting; the merge
can be undone. Dates that a clock runs on are stored with how they were computed."""
import datetime
import re
import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from delegations.indexes import PostgresGinIndex
from delegations.menus import MenuSource
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


# Derived statuses of a petition, defined once (issue 11): lists, the dashboard, the reports and
# the pages use these. Dates are local dates (Asia/Ho_Chi_Minh).

def overdue_q(today):
    """Open petitions past the date they wait on now (`due_on`: to forward, the answer date, or a
    promised date), as of `today`."""
    return models.Q(status__in=OPEN_STATUSES, due_on__lt=today)


def answered_on_time_q():
    """A forwarded petition answered by its answer date: answered or closed, and its first answer
    dated (in local time) on or before `answer_due_on` — which ends on a working day (art. 148(5)
    Civil Code 2015). The first answer is on time exactly when some answer is."""
    return models.Q(status__in=(PetitionStatus.ANSWERED, PetitionStatus.CLOSED)) & models.Exists(
        Answer.objects.filter(petition=models.OuterRef("pk"), answered_at__date__lte=models.OuterRef("answer_due_on")))


def answer_due_reached_q(today):
    """Forwarded petitions whose answer date has come, as of `today`: answered or closed (whenever
    that was), or still waiting past their answer date. The measure of "answered on time" is
    taken over these; the others are "not yet due" (not_yet_due_q)."""
    return models.Q(forwarding__isnull=False) & (
        models.Q(status__in=(PetitionStatus.ANSWERED, PetitionStatus.CLOSED))
        | models.Q(status=PetitionStatus.FORWARDED, answer_due_on__lt=today))


def not_yet_due_q(today):
    """Forwarded petitions waiting for their answer whose answer date has not passed yet."""
    return models.Q(forwarding__isnull=False, status=PetitionStatus.FORWARDED) & (
        models.Q(answer_due_on__gte=today) | models.Q(answer_due_on__isnull=True))


# What waits on someone (the home page's "my work" and the lists' filters), defined once.

def unclassified_q():
    """Received, not classified yet: the office classifies them."""
    return models.Q(status=PetitionStatus.RECEIVED)


def to_forward_q():
    """Classified (field, level and agency set), waiting to be forwarded."""
    return models.Q(status=PetitionStatus.CLASSIFIED)


def to_review_q():
    """Answered by the agency, waiting for the office or the standing committee to close it or send
    the answer back."""
    return models.Q(status=PetitionStatus.ANSWERED)


def extension_pending_q():
    """Waiting for its answer with a request for more time the office has not decided."""
    return models.Q(status=PetitionStatus.FORWARDED) & models.Exists(ExtensionRequest.objects.filter(
        petition=models.OuterRef("pk"), status=ExtensionStatus.PENDING))


def sent_back_q():
    """Back at the agency because an answer was found unsatisfactory, waiting for a new answer."""
    return models.Q(status=PetitionStatus.FORWARDED) & models.Exists(Answer.objects.filter(
        petition=models.OuterRef("pk"), review=AnswerReview.UNSATISFACTORY))


def not_sent_q():
    """A group's petitions of a round not sent to the office yet: the group leader sends them."""
    return models.Q(submission__isnull=True, group__isnull=False, round__isnull=False)


def due_soon_q(today, until):
    """Open petitions whose date falls between `today` and `until` (both included): not overdue
    yet, but close (the agency's "due within 5 working days", with `until` from the council's
    working calendar: petitions.work.due_soon_until)."""
    return models.Q(status__in=OPEN_STATUSES, due_on__gte=today, due_on__lte=until)


# The petition list's "state" filter and the home page's counts: (label, rule of `today`).
PETITION_STATES = {
    "unclassified": (_("To classify"), lambda today: unclassified_q()),
    "to_forward": (_("To forward"), lambda today: to_forward_q()),
    "to_review": (_("Answer to review"), lambda today: to_review_q()),
    "extension": (_("More time asked for"), lambda today: extension_pending_q()),
    "sent_back": (_("Sent back to the agency"), lambda today: sent_back_q()),
    "not_sent": (_("Not sent to the office yet"), lambda today: not_sent_q()),
    "due_reached": (_("Answer date come (or answered)"), lambda today: answer_due_reached_q(today)),
    "on_time": (_("Answered on time"), lambda today: answered_on_time_q()),
    "not_yet_due": (_("Answer not yet due"), lambda today: not_yet_due_q(today)),
}


def petition_state_q(state, today):
    return PETITION_STATES[state][1](today)


class AnswerOutcome(models.TextChoices):
    RESOLVED = "resolved", _("Resolved")
    IN_PROGRESS = "in_progress", _("Being resolved")
    EXPLAINED = "explained", _("Explained / information given")


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
        return self.filter(overdue_q(today or timezone.localdate()))

    def answered_on_time(self):
        return self.filter(answered_on_time_q())


# ------------------------------------------------------------------------------- public codes
# A voter looks a petition up by its code, without logging in. The code must not be guessable
# (sequential codes let anyone walk every council's petitions): "KN-<year>-" then 8 characters drawn
# with `secrets` from an alphabet without look-alikes (no 0/O, 1/I/L, U), then one check
# character (Luhn mod N) that catches a mistyped or swapped character before any query.
# 30^8 ≈ 6.6·10^11 codes a year. Codes of the earlier form "KN-2026-000123" keep working.
PUBLIC_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
PUBLIC_CODE_RANDOM_LENGTH = 8
_NEW_CODE = re.compile(rf"^KN-(\d{{4}})-([{PUBLIC_CODE_ALPHABET}]{{{PUBLIC_CODE_RANDOM_LENGTH + 1}}})$")
_OLD_CODE = re.compile(r"^KN-\d{4}-\d{6,}$")


def public_code_check_character(body):
    """The Luhn mod N check character of `body` (characters of PUBLIC_CODE_ALPHABET)."""
    base = len(PUBLIC_CODE_ALPHABET)
    factor, total = 2, 0
    for char in reversed(body):
        addend = factor * PUBLIC_CODE_ALPHABET.index(char)
        total += addend // base + addend % base
        factor = 1 if factor == 2 else 2
    return PUBLIC_CODE_ALPHABET[(base - total % base) % base]


def public_code_new(year):
    """A fresh random code for a petition received in `year`, e.g. "KN-2026-7QK4M2XH9"."""
    body = "".join(secrets.choice(PUBLIC_CODE_ALPHABET) for _index in range(PUBLIC_CODE_RANDOM_LENGTH))
    return f"KN-{year}-{body}{public_code_check_character(body)}"


def public_code_normalise(text):
    """What a voter typed, as a code to look up: upper case, without spaces; None when it cannot be
    a code at all (wrong shape, or a random code whose check character does not match)."""
    code = re.sub(r"\s+", "", text or "").upper()
    if _OLD_CODE.match(code):
        return code
    found = _NEW_CODE.match(code)
    if found and public_code_check_character(found.group(2)[:-1]) == found.group(2)[-1]:
        return code
    return None


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
            models.Index(fields=["council", "-created_at"], name="petition_council_created"),
            models.Index(fields=["agency", "due_on"], name="petition_agency_due"),
            models.Index(fields=["status", "due_on"], name="petition_status_due"),
            models.Index(fields=["round", "group"], name="petition_round_group"),
            # Search: LIKE '%…%' on the folded text through trigrams (PostgreSQL; SQLite scans).
            PostgresGinIndex(fields=["search_text"], opclasses=["gin_trgm_ops"], name="petition_search_trgm"),
            # The list's own order over the petitions it lists (a province reads its communes' newest first).
            models.Index(models.F("created_at").desc(), models.F("id").desc(), name="petition_main_created",
                         condition=models.Q(merged_into__isnull=True)),
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


class Submission(models.Model):
    """A group leader sends the group's consolidated petitions of a round to the office."""

    council = models.ForeignKey(Council, verbose_name=_("council"), on_delete=models.CASCADE,
                                related_name="petition_submissions")
    round = models.ForeignKey(ContactRound, verbose_name=_("round"), on_delete=models.PROTECT,
                              related_name="petition_submissions")
    group = models.ForeignKey(DelegateGroup, verbose_name=_("delegate group"), on_delete=models.PROTECT,
                              related_name="petition_submissions")
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("sent by"), null=True,
                                on_delete=models.SET_NULL, related_name="+")
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    note = models.TextField(_("note"), blank=True)

    objects = CouncilScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("submission to the office")
        verbose_name_plural = _("submissions to the office")
        ordering = ["-sent_at"]

    def __str__(self):
        return f"{self.group} · {self.round}"


class Forwarding(models.Model):
    """A batch of petitions the office forwards to one agency, with the clocks that start then."""

    council = models.ForeignKey(Council, verbose_name=_("council"), on_delete=models.CASCADE,
                                related_name="forwardings")
    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="forwardings")
    forwarded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("forwarded by"), null=True,
                                     on_delete=models.SET_NULL, related_name="+")
    forwarded_at = models.DateTimeField(_("forwarded at"))
    note = models.TextField(_("note"), blank=True)
    forward_due_on = models.DateField(_("to be forwarded by"), null=True, blank=True)
    forward_due_explanation = models.CharField(_("how the forwarding date was computed"), max_length=255,
                                               blank=True)
    answer_due_on = models.DateField(_("to be answered by"))
    answer_due_explanation = models.CharField(_("how the answer date was computed"), max_length=255)

    objects = CouncilScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("forwarding")
        verbose_name_plural = _("forwardings")
        ordering = ["-forwarded_at", "-pk"]

    def __str__(self):
        from django.utils import timezone
        # The local day (Asia/Ho_Chi_Minh): a batch made at 00:31 on 01/12 is of 01/12, not 30/11 (UTC).
        return f"{self.agency} · {timezone.localtime(self.forwarded_at):%d/%m/%Y}"

    @property
    def on_time(self):
        from django.utils import timezone
        return self.forward_due_on is None or timezone.localdate(self.forwarded_at) <= self.forward_due_on


def answer_attachment_path(instance, filename):
    return f"petitions/answers/{instance.petition_id}/{filename}"


class AnswerReview(models.TextChoices):
    PENDING = "pending", _("Not reviewed yet")
    ACCEPTED = "accepted", _("Accepted")
    UNSATISFACTORY = "unsatisfactory", _("Sent back as unsatisfactory")


class AnswerQuerySet(models.QuerySet):
    def public(self, council):
        """Answers the public lookup may show for a petition of `council`: those the office has
        accepted, or every answer when the council publishes answers as soon as received."""
        if council.publish_answers_on_receipt:
            return self
        return self.filter(review=AnswerReview.ACCEPTED)


class Answer(models.Model):
    """An agency's answer to a forwarded petition: one of the law's three outcomes."""

    petition = models.ForeignKey(Petition, verbose_name=_("petition"), on_delete=models.CASCADE,
                                 related_name="answers")
    agency = models.ForeignKey(Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="answers")
    outcome = models.CharField(_("outcome"), max_length=20, choices=AnswerOutcome.choices)
    text = models.TextField(_("answer"))
    roadmap = models.TextField(_("roadmap"), blank=True)
    promised_on = models.DateField(_("promised date"), null=True, blank=True)
    attachment = models.FileField(_("attachment"), upload_to=answer_attachment_path, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("answered by"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    answered_at = models.DateTimeField(_("answered at"), auto_now_add=True)
    review = models.CharField(_("review"), max_length=20, choices=AnswerReview.choices,
                              default=AnswerReview.PENDING)
    review_note = models.TextField(_("review note"), blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)

    objects = AnswerQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["-answered_at", "-pk"]

    def __str__(self):
        return f"{self.petition} · {self.get_outcome_display()}"


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the office")
    GRANTED = "granted", _("Granted")
    REFUSED = "refused", _("Refused")


class ExtensionRequest(models.Model):
    """An agency asks for more time to answer; the office grants or refuses it."""

    petition = models.ForeignKey(Petition, verbose_name=_("petition"), on_delete=models.CASCADE,
                                 related_name="extensions")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True,
                                     on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    until = models.DateField(_("new date asked for"))
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=20, choices=ExtensionStatus.choices,
                              default=ExtensionStatus.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["-requested_at", "-pk"]

    def __str__(self):
        return f"{self.petition} → {self.until:%d/%m/%Y}"


class EventKind(models.TextChoices):
    RECEIVED = "received", _("Received")
    CLASSIFIED = "classified", _("Classified")
    SUBMITTED = "submitted", _("Sent to the office")
    MERGED = "merged", _("Merged")
    UNMERGED = "unmerged", _("Merge undone")
    FORWARDED = "forwarded", _("Forwarded")
    ANSWERED = "answered", _("Answered")
    EXTENSION_REQUESTED = "extension_requested", _("More time asked for")
    EXTENSION_GRANTED = "extension_granted", _("More time granted")
    EXTENSION_REFUSED = "extension_refused", _("More time refused")
    SENT_BACK = "sent_back", _("Answer sent back as unsatisfactory")
    CLOSED = "closed", _("Closed")
    RAISED_AGAIN = "raised_again", _("Raised again")
    IMPORTED = "imported", _("Changed by an Excel import")


class PetitionEvent(models.Model):
    """One step on a petition's timeline: what happened, who did it, when."""

    petition = models.ForeignKey(Petition, verbose_name=_("petition"), on_delete=models.CASCADE,
                                 related_name="events")
    kind = models.CharField(_("step"), max_length=30, choices=EventKind.choices)
    at = models.DateTimeField(_("at"), auto_now_add=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("timeline step")
        verbose_name_plural = _("timeline steps")
        ordering = ["at", "pk"]

    def __str__(self):
        return self.get_kind_display()


class ReportKind(models.TextChoices):
    ROUND = "round", _("Consolidated report of a round")
    RESULTS = "results", _("Results of the answers")


class ReportStatus(models.TextChoices):
    PENDING = "pending", _("Being prepared")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class ReportQuerySet(CouncilScopedQuerySet):
    def for_user(self, user):
        """Reports hold every petition of a round, so only the office and the standing committee read
        them: those of their own council, and of the commune councils a province's office oversees."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        from delegations.models import OVERSIGHT_ROLES, Membership
        councils = Membership.objects.filter(user=user, is_active=True,
                                             role__in=OVERSIGHT_ROLES).values("council_id")
        return self.filter(models.Q(council__in=councils) | models.Q(council__parent__in=councils))

    def requestable_by(self, user):
        """Reports a user may ask for, or issue: those of the councils where they are office staff or on
        the standing committee (a province's oversight of its communes reads, it does not write)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        from delegations.models import OVERSIGHT_ROLES, Membership
        councils = Membership.objects.filter(user=user, is_active=True,
                                             role__in=OVERSIGHT_ROLES).values("council_id")
        return self.filter(council__in=councils)


def report_file_path(instance, filename):
    return f"petitions/reports/{instance.council_id}/{filename}"


class Report(models.Model):
    """A report (BC) on petitions, printed in the Decree 30 layout as PDF and Word with an Excel
    workbook beside it: the consolidated report of a round, or the results of the answers for a
    sitting (or a round). Rendered by a Celery task; a draft has no number until it is issued."""

    TYPE_CODE = "BC"

    council = models.ForeignKey(Council, verbose_name=_("council"), on_delete=models.CASCADE,
                                related_name="petition_reports")
    kind = models.CharField(_("report"), max_length=20, choices=ReportKind.choices)
    round = models.ForeignKey(ContactRound, verbose_name=_("round"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="petition_reports")
    sitting = models.ForeignKey("plans.Sitting", verbose_name=_("sitting"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="petition_reports")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=20, choices=ReportStatus.choices,
                              default=ReportStatus.PENDING)
    error = models.TextField(_("error"), blank=True)
    # The number is taken from the council's BC register when the report is issued; a draft has none.
    number = models.PositiveIntegerField(_("number"), null=True, blank=True)
    issued_on = models.DateField(_("issue date"), null=True, blank=True)
    # The date the office means to issue it on: a draft prints its month and year (not the month it is
    # rendered in); the issue date defaults to it.
    intended_on = models.DateField(_("intended date"), null=True, blank=True)
    document_symbol = models.CharField(_("document symbol"), max_length=30, blank=True)
    signing_lines = models.TextField(_("signing authority and position"),
                                     default="TM. THƯỜNG TRỰC HĐND\nCHỦ TỊCH",
                                     help_text=_("One line each, printed in capitals above the signature."))
    signer_name = models.CharField(_("signer's name"), max_length=150, blank=True)
    recipients = models.TextField(_("recipients (Nơi nhận)"), blank=True,
                                  help_text=_('One a line; the last one "Lưu: VT."'))
    petition_count = models.PositiveIntegerField(_("petitions listed"), null=True, blank=True, editable=False)
    revision = models.PositiveIntegerField(default=1, editable=False)
    rendered_revision = models.PositiveIntegerField(default=0, editable=False)
    pdf = models.FileField(_("PDF"), upload_to=report_file_path, blank=True)
    docx = models.FileField(_("Word copy"), upload_to=report_file_path, blank=True)
    xlsx = models.FileField(_("Excel workbook"), upload_to=report_file_path, blank=True)
    rendered_at = models.DateTimeField(_("rendered at"), null=True, blank=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["council", "-requested_at"], name="report_council_requested")]
        constraints = [
            models.CheckConstraint(condition=models.Q(round__isnull=False) | models.Q(sitting__isnull=False),
                                   name="report_has_round_or_sitting"),
        ]

    def __str__(self):
        return f"{self.number_text} · {self.get_kind_display()}"

    def get_absolute_url(self):
        return reverse("petitions:report_detail", args=[self.pk])

    @property
    def number_text(self):
        number = f"{self.number:02d}" if self.number else "…"
        return f"{number}/{self.TYPE_CODE}-{self.council.symbol_for(self.document_symbol)}"

    @property
    def is_ready(self):
        return self.status == ReportStatus.READY and self.rendered_revision == self.revision and bool(self.pdf)

    @property
    def is_pending(self):
        return self.status == ReportStatus.PENDING

    @property
    def is_stuck(self):
        """Being prepared for too long, or its hand-over to the worker failed (delegations/outbox.py):
        the office may prepare it again. One query."""
        if self.status != ReportStatus.PENDING:
            return False
        from delegations.outbox import outbox_stuck

        from .tasks import report_render

        stuck = outbox_stuck(report_render, report_id=self.pk)
        if stuck is None:  # asked before the outbox existed, or its wish forgotten: stuck once old enough
            waited = datetime.timedelta(seconds=settings.OUTBOX_REDISPATCH_AFTER_SECONDS)
            return self.requested_at <= timezone.now() - waited
        return stuck


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
