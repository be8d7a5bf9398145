"""The public lookup of a petition by its code (issue 10, finding 9): codes cannot be guessed,
lookups are limited per address, the agency's answer is public only once the office has accepted it
(unless the council publishes answers on receipt), and an unknown code, a malformed one and a lookup
over the limit give the very same page."""
import re

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from petitions import services
from petitions.models import (
    PUBLIC_CODE_ALPHABET,
    Petition,
    public_code_check_character,
    public_code_new,
    public_code_normalise,
)
from tests.petitions.builders import VOTER, forwarded, make

pytestmark = pytest.mark.django_db
ANSWER = "Sở đã sửa chữa xong tuyến đường liên thôn."


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()  # the per-address counters live in the cache
    yield
    cache.clear()


def lookup(client, code, address="203.0.113.7"):
    return client.get(reverse("petitions:lookup"), {"code": code}, REMOTE_ADDR=address)


def result_part(response):
    """The page without the echo of what was typed (the form's value) and the per-request tokens
    (CSRF, nonces): what a guesser learns from it."""
    html = response.content.decode()
    html = re.sub(r'"X-CSRFToken": "[^"]*"', "", html)
    html = re.sub(r'nonce="[^"]*"', "", html)
    return re.sub(r'value="[^"]*"', 'value=""', html)


def test_new_codes_are_random_with_a_check_character_and_unique(world, meeting):
    petitions = make(world, meeting, 30)
    codes = [p.public_code for p in petitions]
    assert len(set(codes)) == 30
    pattern = re.compile(rf"^KN-\d{{4}}-[{PUBLIC_CODE_ALPHABET}]{{9}}$")
    assert all(pattern.match(code) for code in codes), codes
    # Not a counter: the ids are consecutive, the codes are not, and none carries the id.
    assert not any(code.endswith(f"{p.pk:06d}") for code, p in zip(codes, petitions, strict=True))
    assert all(public_code_check_character(code[8:-1]) == code[-1] for code in codes)
    # The alphabet has no look-alikes.
    assert not set("01OILU") & set(PUBLIC_CODE_ALPHABET)


def test_a_mistyped_character_is_caught_by_the_check_character():
    code = public_code_new(2026)
    body = code[8:]
    for index in range(len(body)):
        for char in PUBLIC_CODE_ALPHABET:
            if char != body[index]:
                typo = code[:8] + body[:index] + char + body[index + 1:]
                assert public_code_normalise(typo) is None, typo
    assert public_code_normalise(f" {code.lower()} ") == code
    assert public_code_normalise("KN-2026-000031") == "KN-2026-000031"  # the earlier codes keep working


def test_an_earlier_sequential_code_still_finds_its_petition(world, meeting, client):
    petition = make(world, meeting, 1)[0]
    Petition.objects.filter(pk=petition.pk).update(public_code="KN-2025-000031")
    response = lookup(client, "kn-2025-000031")
    assert response.status_code == 200 and 'data-testid="lookup-result"' in response.content.decode()


def test_the_answer_is_public_only_once_the_office_accepts_it(world, meeting, field, client):
    petition = forwarded(world, meeting, field, voter=True)[0]
    services.answer_record(petition=petition, user=world.users["agency"], agency=world.agency, outcome="resolved",
                           text=ANSWER)
    before = lookup(client, petition.public_code).content.decode()
    assert 'data-testid="lookup-result"' in before and ANSWER not in before
    assert 'data-testid="lookup-answer-pending"' in before

    services.petition_close(petition=petition, user=world.users["office"])
    after = lookup(client, petition.public_code).content.decode()
    assert ANSWER in after and VOTER not in after and "0912000111" not in after


def test_an_answer_sent_back_never_becomes_public(world, meeting, field, client):
    petition = forwarded(world, meeting, field)[0]
    services.answer_record(petition=petition, user=world.users["agency"], agency=world.agency, outcome="resolved",
                           text=ANSWER)
    services.answer_send_back(petition=Petition.objects.get(pk=petition.pk), user=world.users["office"],
                              note="Chưa rõ thời gian hoàn thành")
    services.answer_record(petition=Petition.objects.get(pk=petition.pk), user=world.users["agency"],
                           agency=world.agency, outcome="resolved", text="Câu trả lời lần hai, đầy đủ.")
    services.petition_close(petition=Petition.objects.get(pk=petition.pk), user=world.users["office"])
    html = lookup(client, petition.public_code).content.decode()
    assert "Câu trả lời lần hai, đầy đủ." in html and ANSWER not in html


def test_a_council_may_publish_answers_as_soon_as_received(world, meeting, field, client):
    world.council.publish_answers_on_receipt = True
    world.council.save(update_fields=["publish_answers_on_receipt"])
    petition = forwarded(world, meeting, field)[0]
    services.answer_record(petition=petition, user=world.users["agency"], agency=world.agency, outcome="resolved",
                           text=ANSWER)
    assert ANSWER in lookup(client, petition.public_code).content.decode()


def test_the_office_sets_the_publication_choice_on_the_council_page(world, client_for):
    council = world.council
    assert council.publish_answers_on_receipt is False  # the default: only accepted answers are public
    office = client_for(world.users["office"])
    url = reverse("delegations:council_update", args=[council.pk])
    assert 'name="publish_answers_on_receipt"' in office.get(url).content.decode()
    response = office.post(url, {
        "name": council.name, "level": council.level, "place_name": council.place_name,
        "issuing_body_lines": council.issuing_body_lines, "document_symbol": council.document_symbol,
        "publish_answers_on_receipt": "on"})
    assert response.status_code == 302
    council.refresh_from_db()
    assert council.publish_answers_on_receipt is True


def test_unknown_and_malformed_codes_give_the_same_page(world, meeting, client):
    petition = make(world, meeting, 1)[0]
    real = petition.public_code
    wrong_check = real[:-1] + next(c for c in PUBLIC_CODE_ALPHABET if c != real[-1])
    unknown = public_code_new(2026)
    pages = [lookup(client, code) for code in (wrong_check, unknown, "KN-2026-000000", "abc")]
    assert {page.status_code for page in pages} == {200}
    assert len({result_part(page) for page in pages}) == 1
    assert 'data-testid="lookup-none"' in pages[0].content.decode()


@override_settings(PETITION_LOOKUP_RATE="5/m")
def test_lookups_are_limited_per_address_and_the_limit_looks_like_an_unknown_code(world, meeting, client):
    petition = make(world, meeting, 1)[0]
    unknown_page = result_part(lookup(client, public_code_new(2026), address="198.51.100.9"))
    for _attempt in range(5):
        lookup(client, public_code_new(2026))  # a guesser walks random codes
    limited = lookup(client, petition.public_code)
    assert limited.status_code == 200
    assert 'data-testid="lookup-result"' not in limited.content.decode()
    # The limited answer for a real code is the page an unknown code gets: nothing tells them apart.
    assert result_part(limited) == unknown_page
    assert "chờ một phút" in limited.content.decode()  # and it says, in Vietnamese, to wait
    # Another address is not limited.
    assert 'data-testid="lookup-result"' in lookup(client, petition.public_code, address="192.0.2.44").content.decode()


def test_the_default_limit_is_twenty_lookups_a_minute(settings):
    assert settings.PETITION_LOOKUP_RATE == "20/m"
