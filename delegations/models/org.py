"""Councils, terms, communes, electoral units, delegate groups, delegates, agencies and the users'
memberships: the organisation a deployment serves."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ..menus import MenuSource
from ..text import fold


class Role(models.TextChoices):
    OFFICE = "office", _("Office staff")
    STANDING = "standing", _("Standing committee")
    GROUP_LEADER = "group_leader", _("Delegate group leader")
    DELEGATE = "delegate", _("Delegate")
    AGENCY = "agency", _("Agency responder")


# Roles that read the organisation of their council; agencies only see what is forwarded to them.
COUNCIL_STAFF_ROLES = (Role.OFFICE, Role.STANDING, Role.GROUP_LEADER, Role.DELEGATE)
# Roles of a province council that also read (never write) their commune councils' rows.
OVERSIGHT_ROLES = (Role.OFFICE, Role.STANDING)


class CouncilLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    COMMUNE = "commune", _("Commune")


class FoldedSearchQuerySet(models.QuerySet):
    def search(self, query):
        """Every word of the query, accent-folded, in the row's folded search text."""
        qs = self
        # A NUL cannot reach PostgreSQL (it refuses it in text): a word never holds one.
        for word in fold(str(query).replace("\x00", " ")).split():
            qs = qs.filter(search_text__contains=word)
        return qs


class CouncilQuerySet(FoldedSearchQuerySet):
    def for_user(self, user):
        """The councils a user may read: their own, and the communes under a province they oversee."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        memberships = Membership.objects.filter(user=user, is_active=True)
        own = memberships.filter(role__in=COUNCIL_STAFF_ROLES).values("council_id")
        overseen = memberships.filter(role__in=OVERSIGHT_ROLES).values("council_id")
        return self.filter(Q(pk__in=own) | Q(parent_id__in=overseen))

    def managed_by(self, user):
        """The councils whose organisation a user may change: those where they are office staff."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(
            pk__in=Membership.objects.filter(user=user, is_active=True, role=Role.OFFICE).values("council_id")
        )


class CouncilScopedQuerySet(FoldedSearchQuerySet):
    """The one scoping method of every council-owned model: rows of the councils the user may read.
    `search` applies to the models that keep a folded `search_text`."""

    council_path = "council"

    def for_user(self, user):
        return self.filter(**{f"{self.council_path}__in": Council.objects.for_user(user)})

    def managed_by(self, user):
        return self.filter(**{f"{self.council_path}__in": Council.objects.managed_by(user)})


class Searchable(models.Model):
    search_text = models.TextField(editable=False, blank=True, default="")

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.search_text = fold(" ".join(str(p) for p in self.search_parts() if p))
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)

    def search_parts(self):
        return [str(self)]


class Council(Searchable):
    name = models.CharField(_("name"), max_length=200)
    level = models.CharField(_("level"), max_length=20, choices=CouncilLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent council"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )
    place_name = models.CharField(
        _("place name on documents"), max_length=100,
        help_text=_('Printed before the date line, e.g. "Bắc Ninh".'),
    )
    issuing_body_lines = models.TextField(
        _("issuing body lines"),
        help_text=_("One line each, printed in capitals at the top left of documents, "
                    'e.g. "HỘI ĐỒNG NHÂN DÂN" and "TỈNH BẮC NINH".'),
    )
    document_symbol = models.CharField(
        _("document symbol suffix"), max_length=30, default="HĐND",
        help_text=_('The part after the type in document numbers, e.g. "HĐND" in "05/KH-HĐND".'),
    )
    other_document_symbols = models.TextField(
        _("other document symbols"), blank=True,
        help_text=_('One a line, e.g. "TT.HĐND" for the standing committee\'s documents ("05/KH-TT.HĐND"); '
                    "each document chooses its symbol, the first one above by default."))
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    # The public petition lookup shows an agency's answer once the office has accepted it (or closed
    # the petition); a council may choose to publish answers as soon as they are received.
    publish_answers_on_receipt = models.BooleanField(
        _("publish agencies' answers as soon as received"), default=False,
        help_text=_("Off: the public lookup shows an answer only after the office has accepted it."))

    objects = CouncilQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("council")
        verbose_name_plural = _("councils")
        ordering = ["level", "name"]
        constraints = [
            models.UniqueConstraint(fields=["name"], name="council_unique_name"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("delegations:council_update", args=[self.pk])

    def search_parts(self):
        return [self.name, self.place_name]

    def clean(self):
        if self.level == CouncilLevel.PROVINCE and self.parent_id:
            raise ValidationError({"parent": _("A province council has no parent council.")})
        if self.level == CouncilLevel.COMMUNE:
            if not self.parent_id:
                raise ValidationError({"parent": _("A commune council belongs to a province council.")})
            if self.parent.level != CouncilLevel.PROVINCE:
                raise ValidationError({"parent": _("The parent of a commune council must be a province council.")})

    @property
    def issuing_body(self):
        return [line.strip() for line in self.issuing_body_lines.splitlines() if line.strip()]

    @property
    def document_symbols(self):
        """Every symbol the council's documents may carry, the default first."""
        symbols = [self.document_symbol.strip()]
        for line in self.other_document_symbols.replace(",", "\n").splitlines():
            if line.strip() and line.strip() not in symbols:
                symbols.append(line.strip())
        return symbols

    def symbol_for(self, chosen):
        """The symbol a document prints: the one chosen for it if the council still has it, else the first."""
        return chosen if chosen and chosen in self.document_symbols else self.document_symbol



class Term(models.Model):
    council = models.ForeignKey(Council, verbose_name=_("council"), on_delete=models.CASCADE, related_name="terms")
    name = models.CharField(_("name"), max_length=100, help_text=_('e.g. "Khóa XX"'))
    start_year = models.PositiveSmallIntegerField(_("first year"))
    end_year = models.PositiveSmallIntegerField(_("last year"))
    is_current = models.BooleanField(_("current term"), default=False)

    objects = CouncilScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        ordering = ["council", "-start_year"]
        constraints = [
            models.UniqueConstraint(fields=["council", "name"], name="term_unique_name"),
            models.UniqueConstraint(
                fields=["council"], condition=Q(is_current=True), name="term_one_current_per_council"
            ),
        ]

    def __str__(self):
        return f"{self.name}, {self.start_year}-{self.end_year}"

    def clean(self):
        if self.start_year and self.end_year and self.end_year < self.start_year:
            raise ValidationError({"end_year": _("The last year cannot be before the first year.")})


class CommuneKind(models.TextChoices):
    COMMUNE = "xa", _("Commune (xã)")
    WARD = "phuong", _("Ward (phường)")
    SPECIAL_ZONE = "dac_khu", _("Special zone (đặc khu)")


class Commune(MenuSource, Searchable):
    """An administrative commune of the province; its own council, when it has one, points here."""

    council = models.ForeignKey(
        Council, verbose_name=_("council"), on_delete=models.CASCADE, related_name="communes",
        help_text=_("The council that keeps this record (the province council for its communes)."),
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=CommuneKind.choices, default=CommuneKind.COMMUNE)
    code = models.CharField(_("code"), max_length=20, blank=True)
    own_council = models.OneToOneField(
        Council, verbose_name=_("commune council"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="commune",
    )

    objects = CouncilScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("commune")
        verbose_name_plural = _("communes")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["council", "name"], name="commune_unique_name")]

    def __str__(self):
        return self.name

    def search_parts(self):
        return [self.name, self.code]


class ElectoralUnit(Searchable):
    council = models.ForeignKey(Council, verbose_name=_("council"), on_delete=models.CASCADE,
                                related_name="electoral_units")
    term = models.ForeignKey(Term, verbose_name=_("term"), on_delete=models.PROTECT, related_name="electoral_units")
    number = models.PositiveSmallIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=200)
    seats = models.PositiveSmallIntegerField(_("seats"), default=1)
    communes = models.ManyToManyField(Commune, verbose_name=_("communes"), blank=True, related_name="electoral_units")

    objects = CouncilScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("electoral unit")
        verbose_name_plural = _("electoral units")
        ordering = ["council", "term", "number"]
        constraints = [
            models.UniqueConstraint(fields=["council", "term", "number"], name="electoral_unit_unique_number"),
        ]

    def __str__(self):
        return f"{self.number:02d}. {self.name}"

    def search_parts(self):
        return [self.name, self.number]


class DelegateGroup(MenuSource, Searchable):
    council = models.ForeignKey(Council, verbose_name=_("council"), on_delete=models.CASCADE,
                                related_name="delegate_groups")
    term = models.ForeignKey(Term, verbose_name=_("term"), on_delete=models.PROTECT, related_name="delegate_groups")
    name = models.CharField(_("name"), max_length=200)
    leader = models.ForeignKey(
        "Delegate", verbose_name=_("leader"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    deputy = models.ForeignKey(
        "Delegate", verbose_name=_("deputy leader"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    communes = models.ManyToManyField(Commune, verbose_name=_("communes covered"), blank=True,
                                      related_name="delegate_groups")

    objects = CouncilScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("delegate group")
        verbose_name_plural = _("delegate groups")
        ordering = ["council", "name"]
        constraints = [models.UniqueConstraint(fields=["council", "term", "name"], name="group_unique_name")]

    def __str__(self):
        return self.name

    def clean(self):
        for field in ("leader", "deputy"):
            delegate = getattr(self, field)
            if delegate and delegate.group_id and self.pk and delegate.group_id != self.pk:
                raise ValidationError({field: _("This delegate belongs to another group.")})
            if delegate and self.council_id and delegate.council_id != self.council_id:
                raise ValidationError({field: _("This delegate belongs to another council.")})
        if self.leader_id and self.leader_id == self.deputy_id:
            raise ValidationError({"deputy": _("The deputy cannot be the leader.")})


class DelegateKind(models.TextChoices):
    FULL_TIME = "full_time", _("Full-time")
    PART_TIME = "part_time", _("Part-time")


class Delegate(Searchable):
    council = models.ForeignKey(Council, verbose_name=_("council"), on_delete=models.CASCADE,
                                related_name="delegates")
    term = models.ForeignKey(Term, verbose_name=_("term"), on_delete=models.PROTECT, related_name="delegates")
    full_name = models.CharField(_("full name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=DelegateKind.choices, default=DelegateKind.PART_TIME)
    position = models.CharField(_("position"), max_length=255, blank=True)
    organisation = models.CharField(_("organisation"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    electoral_unit = models.ForeignKey(
        ElectoralUnit, verbose_name=_("electoral unit"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="delegates",
    )
    group = models.ForeignKey(
        DelegateGroup, verbose_name=_("delegate group"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="members",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user account"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="delegate",
    )

    objects = CouncilScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("delegate")
        verbose_name_plural = _("delegates")
        ordering = ["council", "full_name"]
        constraints = [
            models.UniqueConstraint(fields=["council", "term", "full_name", "phone"], name="delegate_unique_person"),
        ]

    def __str__(self):
        return self.full_name

    def search_parts(self):
        return [self.full_name, self.position, self.organisation, self.phone, self.email]

    def clean(self):
        for field in ("group", "electoral_unit"):
            related = getattr(self, field)
            if related and self.council_id and related.council_id != self.council_id:
                raise ValidationError({field: _("This belongs to another council.")})


class AgencyLevel(models.TextChoices):
    COMMUNE = "commune", _("Commune")
    PROVINCE = "province", _("Province")
    CENTRAL = "central", _("Central")


class Agency(MenuSource, Searchable):
    """A body that answers petitions: a People's Committee, a department, a ministry."""

    council = models.ForeignKey(
        Council, verbose_name=_("council"), on_delete=models.CASCADE, related_name="agencies",
        help_text=_("The council that forwards petitions to this agency."),
    )
    name = models.CharField(_("name"), max_length=255)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    level = models.CharField(_("level"), max_length=20, choices=AgencyLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent agency"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="children",
    )
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = CouncilScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["council", "level", "name"]
        constraints = [models.UniqueConstraint(fields=["council", "name"], name="agency_unique_name")]

    def __str__(self):
        return self.short_name or self.name

    def search_parts(self):
        return [self.name, self.short_name]


class Membership(Searchable):
    """A user's place in a council: one role, and the group or agency it applies to."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="memberships")
    council = models.ForeignKey(Council, verbose_name=_("council"), on_delete=models.CASCADE,
                                related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    group = models.ForeignKey(DelegateGroup, verbose_name=_("delegate group"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="memberships")
    agency = models.ForeignKey(Agency, verbose_name=_("agency"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="memberships")
    is_active = models.BooleanField(_("active"), default=True)

    objects = CouncilScopedQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["council", "user__username"]
        constraints = [models.UniqueConstraint(fields=["user", "council"], name="membership_one_per_council")]

    def __str__(self):
        return f"{self.user} · {self.council} · {self.get_role_display()}"

    def search_parts(self):
        return [self.user.username, self.user.get_full_name(), self.user.email]

    def clean(self):
        if self.role == Role.GROUP_LEADER and not self.group_id:
            raise ValidationError({"group": _("A group leader must be linked to their delegate group.")})
        if self.role == Role.AGENCY and not self.agency_id:
            raise ValidationError({"agency": _("An agency responder must be linked to their agency.")})
        if self.group_id and self.council_id and self.group.council_id != self.council_id:
            raise ValidationError({"group": _("This group belongs to another council.")})
        if self.agency_id and self.council_id and self.agency.council_id != self.council_id:
            raise ValidationError({"agency": _("This agency belongs to another council.")})
