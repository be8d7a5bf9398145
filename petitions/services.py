"""Rules of the petitions app (intake so far)."""
from django.db import transaction
from django.utils import timezone

from .models import Petition, PetitionSource, PetitionVoter


def petition_code_assign(petition):
    """The public code voters look a petition up with, e.g. "KN-2026-000123"; unique because it
    carries the row's id."""
    year = timezone.localtime(petition.created_at).year
    petition.public_code = f"KN-{year}-{petition.pk:06d}"
    petition.save(update_fields=["public_code"])


@transaction.atomic
def petitions_from_floor(*, session, rows, user):
    """Petitions raised at a meeting, from the minutes page's table: one petition a row, each with
    its voter when named; all rows or none."""
    created = []
    for row in rows:
        petition = Petition.objects.create(
            council=session.council, source=PetitionSource.MEETING, session=session, round=session.round,
            group=session.group, commune=session.commune, text=row["text"].strip(), created_by=user,
        )
        if row.get("field"):
            petition.fields.set([row["field"]])
        if row.get("voter_name") or row.get("voter_address") or row.get("voter_phone"):
            PetitionVoter.objects.create(petition=petition, name=row.get("voter_name", "").strip(),
                                         address=row.get("voter_address", "").strip(),
                                         phone=row.get("voter_phone", "").strip())
        petition_code_assign(petition)
        created.append(petition)
    return created
