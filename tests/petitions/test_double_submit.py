"""A double click, or the same page sent twice, acts once (issue 11, finding 3): each create form
carries a token rendered with it (delegations.once); the second POST with the same token makes
nothing and goes to what the first one made, saying so. On PostgreSQL the two POSTs also run at
the same instant, each in its own thread and connection (tests/concurrency.py)."""
import pytest
from django.urls import reverse

from delegations.models import SubmittedForm
from petitions import reports, services
from petitions.models import Answer, AnswerOutcome, EventKind, Forwarding, Petition, PetitionEvent, Report
from sessions.models import MeetingStatus
from tests.concurrency import at_once
from tests.double_submit import assert_second_went_to_the_first, logged_in, send_twice, token_of
from tests.petitions.builders import petitions, read
from tests.sessions.builders import make_session


def test_a_new_petition_sent_twice_is_recorded_once(ctx):
    url = reverse("petitions:petition_new")
    responses = send_twice(ctx.office[0], url, {"source": "letter", "text": "Đề nghị lắp đèn đường thôn Đông",
                                               "round": ctx.round.pk})
    assert Petition.objects.count() == 1
    assert_second_went_to_the_first(responses)
    assert responses[0].url == Petition.objects.get().get_absolute_url()


def test_the_second_send_is_told_the_form_was_already_sent(ctx):
    client = logged_in(ctx.office[0])
    url = reverse("petitions:petition_new")
    data = {"source": "letter", "text": "Đề nghị lắp đèn đường thôn Đông", "form_token": token_of(client, url)}
    first = client.post(url, data)
    second = client.post(url, data, follow=True)
    assert Petition.objects.count() == 1
    assert second.redirect_chain[0][0] == first.url
    assert "đã được gửi lúc" in second.content.decode()


def test_a_refused_form_keeps_its_token_and_acts_once_when_corrected(ctx):
    client = logged_in(ctx.office[0])
    url = reverse("petitions:petition_new")
    token = token_of(client, url)
    refused = client.post(url, {"source": "letter", "text": "", "form_token": token})
    assert refused.status_code == 400 and token in refused.content.decode()  # shown again with the same token
    assert client.post(url, {"source": "letter", "text": "Đề nghị nạo vét kênh", "form_token": token}).status_code == 302
    assert Petition.objects.count() == 1


def test_a_report_asked_for_twice_is_made_once(ctx, monkeypatch):
    monkeypatch.setattr(reports, "_render_after_commit", lambda report: None)  # no broker here
    responses = send_twice(ctx.office[0], reverse("petitions:report_list"), {"kind": "round", "round": ctx.round.pk})
    assert Report.objects.count() == 1
    assert_second_went_to_the_first(responses)


def test_a_floor_table_saved_twice_records_its_rows_once(ctx):
    session = make_session(ctx.world, {"round": ctx.round, "commune": ctx.commune}, day=10,
                           status=MeetingStatus.HELD)
    data = {"rows-TOTAL_FORMS": "2", "rows-INITIAL_FORMS": "0",
            "rows-0-text": "Đề nghị sửa cống thoát nước", "rows-1-text": "Đề nghị xây nhà văn hóa"}
    responses = send_twice(ctx.world.users["group_leader"], reverse("petitions:floor", args=[session.pk]), data)
    assert Petition.objects.filter(session=session).count() == 2
    assert_second_went_to_the_first(responses)


def test_forward_clicked_twice_forwards_once(ctx):
    pks = [p.pk for p in petitions(ctx, 3)]
    responses = send_twice(ctx.office[0], reverse("petitions:bulk"), {"action": "forward", "ids": pks, "confirmed": "1"},
                           page=reverse("petitions:petition_list"))
    assert_second_went_to_the_first(responses)
    assert Forwarding.objects.count() == 2  # one per agency
    assert PetitionEvent.objects.filter(kind=EventKind.FORWARDED).count() == 3


def test_an_answer_sent_twice_is_recorded_once(ctx):
    petition, = petitions(ctx, 1)
    services.petitions_forward(petitions=read([petition.pk]), user=ctx.office[0])
    url = reverse("petitions:agency_answer", args=[petition.pk])
    responses = send_twice(ctx.responder, url, {"outcome": AnswerOutcome.EXPLAINED,
                                                "text": "Đã đưa vào kế hoạch năm 2027."})
    assert Answer.objects.filter(petition=petition).count() == 1
    assert_second_went_to_the_first(responses)


def test_raise_again_clicked_twice_records_once(ctx):
    petition, = petitions(ctx, 1)
    services.petitions_forward(petitions=read([petition.pk]), user=ctx.office[0])
    services.answer_record(petition=read([petition.pk])[0], user=ctx.responder, agency=ctx.agencies[0],
                           outcome=AnswerOutcome.EXPLAINED, text="Đã giải thích.")
    url = reverse("petitions:raise_again", args=[petition.pk])
    clients = [logged_in(ctx.office[0]), logged_in(ctx.office[0])]
    token = token_of(clients[0], petition.get_absolute_url())
    data = {"round": ctx.later.pk, "form_token": token}
    responses = at_once(*[lambda client=client: client.post(url, data) for client in clients])
    assert Petition.objects.filter(previous=petition).count() == 1
    assert_second_went_to_the_first(responses)


@pytest.mark.parametrize("missing", ["", "not-a-uuid"])
def test_a_form_without_a_valid_token_still_works(ctx, missing):
    client = logged_in(ctx.office[0])
    response = client.post(reverse("petitions:petition_new"), {"source": "letter", "text": "Đề nghị nạo vét kênh",
                                                              "form_token": missing})
    assert response.status_code == 302 and Petition.objects.count() == 1
    assert SubmittedForm.objects.count() == 0


def test_tokens_are_fresh_on_each_page(ctx):
    client = logged_in(ctx.office[0])
    url = reverse("petitions:petition_new")
    assert token_of(client, url) != token_of(client, url)  # a new form each time the page is shown
    assert SubmittedForm.objects.count() == 0
