"""Builders shared by the petitions tests (and the delegations tests that read petitions): petitions
made through the services as the office would, at a `meeting` (tests/conftest.py), in the agency
`portal` or in the concurrency `ctx` (tests/petitions/conftest.py)."""
import datetime
from zoneinfo import ZoneInfo

from django.urls import reverse

from petitions import services
from petitions.models import AnswerOutcome, Petition, PetitionSource

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")

# ---------------------------------------------------------------- at a meeting (tests/conftest.py)

VOTER = "Lê Thị Riêng Tư"


def make(world, meeting, n, text="Đề nghị sửa đường giao thông liên thôn số {i}", voter=False):
    """`n` petitions raised at `meeting` by the office (numbered into `text` by `{i}`), each with
    the voter VOTER when `voter`."""
    user = world.users["office"]
    return [services.petition_create(council=world.council, user=user, session=meeting, text=text.format(i=i),
                                     source="meeting", voters=[{"name": VOTER, "phone": "0912000111"}] if voter else ())
            for i in range(n)]


def forwarded(world, meeting, field, n=1, voter=False):
    """`make` `n` petitions, classified to `field` and the world's agency and forwarded; read again."""
    petitions = make(world, meeting, n, voter=voter)
    services.petitions_classify(petitions=petitions, user=world.users["office"], fields=[field], agency=world.agency)
    services.petitions_forward(petitions=[Petition.objects.get(pk=p.pk) for p in petitions], user=world.users["office"])
    return [Petition.objects.get(pk=p.pk) for p in petitions]


# ---------------------------------------------------- in the agency portal (tests/petitions/conftest.py)

def at(day, month=12, year=2026):
    """09:00 in Hanoi on that day (December 2026 by default)."""
    return datetime.datetime(year, month, day, 9, tzinfo=HANOI)


def receive(world, portal, text, *, agency=None, voters=(), forward=True, now=None):
    """A petition raised at the meeting, classified to `agency` (the world's by default) and,
    unless told otherwise, forwarded at `now`."""
    office = world.users["office"]
    petition = services.petition_create(council=world.council, user=office, text=text, session=portal["session"],
                                        source=PetitionSource.MEETING, fields=[portal["field"]], voters=voters)
    services.petitions_classify(petitions=[petition], user=office, agency=agency or world.agency)
    if forward:
        services.petitions_forward(petitions=[petition], user=office, now=now or at(1))
    petition.refresh_from_db()
    return petition


def answer_url(petition):
    return reverse("petitions:agency_answer", args=[petition.pk])


def post_answer(client, petition, **data):
    payload = {"outcome": AnswerOutcome.RESOLVED, "text": "Đã sửa xong đoạn đường.", "roadmap": "",
               "promised_on": ""}
    payload.update(data)
    return client.post(answer_url(petition), payload)


# ------------------------------------------------- in the concurrency ctx (tests/petitions/conftest.py)

def petitions(ctx, count, classified=True, group=None):
    """`count` petitions in ctx's round and commune (of group A by default), each classified to
    ctx's field and to the two agencies in turn unless `classified` is False."""
    made = []
    for index in range(count):
        petition = services.petition_create(council=ctx.council, user=ctx.office[0], round=ctx.round,
                                            group=group or ctx.world.group_a, commune=ctx.commune,
                                            text=f"Kiến nghị số {index + 1} về đường liên thôn")
        if classified:
            services.petitions_classify(petitions=[petition], user=ctx.office[0], fields=[ctx.field],
                                        agency=ctx.agencies[index % 2])
        made.append(petition)
    return made


def read(pks):
    """The petitions as a page would hold them: read now, used later."""
    return list(Petition.objects.filter(pk__in=pks).select_related("agency", "council", "round", "merged_into")
                .order_by("pk"))
