"""Voters' personal data (Decree 13/2023/NĐ-CP on personal data protection): the helpers every
surface that shows a voter's name, address or phone goes through.

The rule itself — who may see whose voters — is `petitions.models.voter_data_rule`, reached as
`Petition.objects.voters_visible_to(user)`, `PetitionVoter.objects.visible_to(user)` or
`petition.voters_visible_to(user)`. Here: the prefetch that gives a list of petitions only the voters
the user may see, the access log written for each display or export (`voter_access_record`), and its
retention (`voter_access_log_purge`, run daily by Celery beat)."""
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from .models import PetitionVoter, VoterDataAccess

# The longest address and user name the log keeps (the model's field lengths).
PATH_MAX = VoterDataAccess._meta.get_field("path").max_length


def with_visible_voters(petitions, *, user):
    """`petitions` (a queryset) whose `.voters.all()` holds only the voters `user` may see: empty for
    a petition whose voters are not theirs to see. One query for the voters, whatever the rows."""
    return petitions.prefetch_related(Prefetch("voters", queryset=PetitionVoter.objects.visible_to(user)))


def visible_family_voters(petition, *, user):
    """The voters of `petition` and of the petitions merged into it that `user` may see (the
    petition page), or None when the user may see none of them and not this petition's own."""
    from .models import Petition
    voters = list(PetitionVoter.objects.visible_to(user).filter(petition__in=Petition.objects.family_of(petition))
                  .select_related("petition"))
    if not voters and not petition.voters_visible_to(user):
        return None
    return voters


class VotersShown:
    """What a surface showed of voters' personal data, per council: each petition's code and its
    number of voters shown. Small whatever the surface (an export of a province's rows keeps codes
    and counts, not the rows)."""

    def __init__(self):
        self.by_council = defaultdict(dict)  # council id → {petition code (or #id): voters shown}

    def add(self, petition, count):
        if count:
            codes = self.by_council[petition.council_id]
            key = petition.public_code or f"#{petition.pk}"
            codes[key] = codes.get(key, 0) + count

    @classmethod
    def of_voters(cls, voters):
        """From PetitionVoter rows whose petition is loaded (select_related or a prefetch)."""
        shown = cls()
        for voter in voters:
            shown.add(voter.petition, 1)
        return shown

    @classmethod
    def of_petitions(cls, petitions):
        """From petitions read through with_visible_voters (their `.voters.all()` is what is shown)."""
        shown = cls()
        for petition in petitions:
            shown.add(petition, len(petition.voters.all()))
        return shown

    def __bool__(self):
        return bool(self.by_council)


@transaction.atomic
def voter_access_record(*, user, surface, shown, path="", filters=None):
    """Record that `user` was shown voters' personal data: `shown` (VotersShown) on `surface` (a
    VoterDataSurface) at `path` (the address asked for), with an export's `filters` (a dict). One
    VoterDataAccess row per council whose voters were shown, in one INSERT; nothing when no voter
    was shown. Returns the rows written."""
    if not shown or not user.is_authenticated:  # the rule never shows voters to anonymous users
        return []
    now = timezone.now()
    rows = [
        VoterDataAccess(council_id=council_id, user=user, username=user.get_username()[:150], at=now,
                        surface=surface, path=(path or "")[:PATH_MAX], filters=filters or {},
                        petition_codes=" " + " ".join(sorted(codes)) + " ", petition_count=len(codes),
                        voter_count=sum(codes.values()))
        for council_id, codes in sorted(shown.by_council.items())
    ]
    return VoterDataAccess.objects.bulk_create(rows)


def voter_access_log_purge(*, now=None, days=None):
    """Delete the log entries older than `days` (default settings.VOTER_ACCESS_LOG_RETENTION_DAYS,
    730 = two years). Idempotent; returns the number of entries deleted."""
    days = settings.VOTER_ACCESS_LOG_RETENTION_DAYS if days is None else days
    deleted, _ = VoterDataAccess.objects.older_than(days, now=now).delete()
    return deleted
