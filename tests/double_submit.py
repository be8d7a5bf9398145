"""The same form sent twice (issue 11, finding 3), for the double-submit tests of several apps: each
create form carries a token rendered with it (delegations.once); `send_twice` posts it twice, at the
same instant on PostgreSQL (tests/concurrency.py)."""
import re

from django.test import Client

from delegations.models import SubmittedForm
from tests.concurrency import at_once

TOKEN = re.compile(r'name="form_token" value="([0-9a-f-]{36})"')


def token_of(client, url):
    """The form's token, as the page renders it."""
    response = client.get(url)
    assert response.status_code == 200
    found = TOKEN.findall(response.content.decode())
    assert found, "the form carries no token"
    return found[0]


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def send_twice(user, url, data, page=None):
    """The same form (shown at `page`, by default `url`) sent twice: at the same instant on
    PostgreSQL, one after the other elsewhere. Returns both responses."""
    clients = [logged_in(user), logged_in(user)]
    data = {**data, "form_token": token_of(clients[0], page or url)}
    return at_once(*[lambda client=client: client.post(url, data) for client in clients])


def assert_second_went_to_the_first(responses):
    assert all(not isinstance(r, Exception) for r in responses), responses
    assert [r.status_code for r in responses] == [302, 302], [r.status_code for r in responses]
    assert responses[0].url == responses[1].url
    assert SubmittedForm.objects.count() == 1
