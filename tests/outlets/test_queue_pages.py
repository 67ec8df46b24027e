"""Queue pages (OUT-12, OUT-14, OUT-15): the clerk's screen and its htmx panel, the
printed ticket, the waiting-room display, the public and tablet rating pages, the waits
and satisfaction page and consultations; each refused outside the outlet's scope."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from outlets.models import Consultation, Evaluation, QueueTicket
from outlets.services import queue as services
from outlets.services.consultations import consultation_record
from outlets.services.evaluations import evaluation_record
from tests.outlets.queue_support import issue, served

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def now_ticket(tree, clerk_a):
    """A consultation ticket issued just now at outlet A."""
    return issue(tree.outlet_a, clerk_a, at=timezone.now())


def url(name, *args):
    return reverse(f"outlets:{name}", args=args)


def test_out_12_clerk_screen_lists_the_queue(client, tree, clerk_a, now_ticket):
    client.force_login(clerk_a)
    response = client.get(url("queue_clerk", tree.outlet_a.pk))

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="issue-form"' in page and 'id="call-form"' in page
    assert 'id="waiting-table"' in page and "A001" in page
    assert f'hx-get="{url("queue_panel", tree.outlet_a.pk)}"' in page


def test_out_12_issue_from_the_screen_shows_the_ticket_to_print(client, tree, clerk_a):
    client.force_login(clerk_a)
    response = client.post(url("queue_issue", tree.outlet_a.pk), {"purpose": "complaint"})

    ticket = QueueTicket.objects.get()
    assert response.status_code == 302
    assert response.url == url("ticket_detail", ticket.pk)
    page = client.get(response.url).content.decode()
    assert "B001" in page
    assert 'src="data:image/png;base64,' in page
    assert url("rate", ticket.rating_token) in page
    assert ticket.wait_timer is not None


def test_out_12_htmx_buttons_swap_the_panel(client, tree, clerk_a, now_ticket):
    client.force_login(clerk_a)

    called = client.post(url("queue_call_next", tree.outlet_a.pk), {"window": "3"}, **HTMX)
    assert called.status_code == 200
    assert 'id="queue-panel"' in called.content.decode()
    assert 'id="serving-table"' in called.content.decode()
    now_ticket.refresh_from_db()
    assert (now_ticket.state, now_ticket.window) == ("called", "3")

    for action, state in (("serve", "serving"), ("done", "done")):
        response = client.post(url(f"ticket_{action}", now_ticket.pk), **HTMX)
        assert response.status_code == 200
        now_ticket.refresh_from_db()
        assert now_ticket.state == state

    # A step out of order comes back as the panel with the error.
    refused = client.post(url("ticket_serve", now_ticket.pk), **HTMX)
    assert refused.status_code == 400
    assert "alert-danger" in refused.content.decode()


def test_out_12_told_of_wait_button_records_it(client, tree, clerk_a, now_ticket):
    client.force_login(clerk_a)
    response = client.post(url("ticket_told", now_ticket.pk))

    assert response.status_code == 302
    now_ticket.refresh_from_db()
    assert now_ticket.told_of_wait_at is not None


def test_out_12_panel_polled_alone(client, tree, clerk_a, now_ticket):
    client.force_login(clerk_a)
    response = client.get(url("queue_panel", tree.outlet_a.pk), **HTMX)

    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<div id="queue-panel"')


def test_out_12_waiting_room_display_polls_its_board(client, tree, clerk_a, now_ticket):
    services.ticket_call_next(outlet=tree.outlet_a, by=clerk_a, window="2")
    issue(tree.outlet_a, clerk_a, at=timezone.now())
    client.force_login(clerk_a)

    page = client.get(url("queue_display", tree.outlet_a.pk)).content.decode()
    assert 'id="display-board"' in page
    assert 'hx-trigger="every 5s"' in page
    assert "A001" in page

    board = client.get(url("queue_display_board", tree.outlet_a.pk), **HTMX)
    assert board.status_code == 200
    body = board.content.decode()
    assert body.lstrip().startswith('<div id="display-board"')
    assert '<p class="queue-now-number" id="now-serving">A001</p>' in body


def test_out_15_public_rating_page_by_token_once(client, tree, clerk_a):
    ticket = served(tree.outlet_a, clerk_a)
    rate_url = url("rate", ticket.rating_token)

    form = client.get(rate_url)
    assert form.status_code == 200
    assert 'id="rating-form"' in form.content.decode()

    response = client.post(rate_url, {"rating": "4", "comment": "服务很耐心"})
    assert response.status_code == 302
    evaluation = Evaluation.objects.get()
    assert (evaluation.rating, evaluation.channel, evaluation.comment) == (4, "qr", "服务很耐心")

    again = client.post(rate_url, {"rating": "1"})
    assert again.status_code == 200
    assert 'id="rating-thanks"' in again.content.decode()
    assert Evaluation.objects.count() == 1


def test_out_15_public_rating_page_validates_and_waits_for_the_service(client, tree, clerk_a):
    waiting = issue(tree.outlet_a, clerk_a)
    page = client.get(url("rate", waiting.rating_token)).content.decode()
    assert 'id="rating-not-ready"' in page

    done = served(tree.outlet_a, clerk_a)
    invalid = client.post(url("rate", done.rating_token), {"rating": "9"})
    assert invalid.status_code == 400
    assert not Evaluation.objects.exists()
    assert client.get(url("rate", "not-a-token")).status_code == 404


def test_out_15_public_rating_page_needs_the_csrf_token(tree, clerk_a):
    ticket = served(tree.outlet_a, clerk_a)
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(url("rate", ticket.rating_token), {"rating": "5"}).status_code == 403
    assert not Evaluation.objects.exists()


def test_out_15_counter_tablet_rating(client, tree, clerk_a, clerk_b):
    ticket = served(tree.outlet_a, clerk_a)
    client.force_login(clerk_a)

    response = client.post(url("rate_tablet", ticket.pk), {"rating": "5"})

    assert response.status_code == 302
    assert Evaluation.objects.get().channel == "tablet"


def test_out_12_15_stats_page_shows_breaches_and_rate_with_target(client, tree, clerk_a):
    ticket = served(tree.outlet_a, clerk_a, at=timezone.now() - dt.timedelta(hours=1))
    evaluation_record(ticket=ticket, rating=5, channel="qr")
    client.force_login(clerk_a)

    page = client.get(url("queue_stats", tree.outlet_a.pk)).content.decode()

    assert 'id="satisfaction-rate">100.0 %' in page
    assert 'id="satisfaction-target">80.0 %' in page
    assert 'id="waits-table"' in page


def test_out_14_consultation_pages(client, tree, clerk_a, now_ticket):
    client.force_login(clerk_a)
    create = url("consultation_create", tree.outlet_a.pk)
    assert client.get(create + f"?ticket={now_ticket.pk}").status_code == 200

    response = client.post(
        create,
        {
            "customer_name": "李四",
            "customer_phone": "13800138000",
            "topic": "premium",
            "question": "保费多少？",
            "ticket": now_ticket.pk,
        },
    )
    consultation = Consultation.objects.get()
    assert response.status_code == 302
    assert consultation.ticket == now_ticket and consultation.reply_timer is not None

    listing = client.get(url("consultation_list", tree.outlet_a.pk)).content.decode()
    assert "138****8000" in listing and "13800138000" not in listing

    answered = client.post(url("consultation_detail", consultation.pk), {"answer": "每亩 15 元"})
    assert answered.status_code == 302
    consultation.refresh_from_db()
    assert consultation.state == Consultation.State.ANSWERED

    invalid = client.post(create, {"customer_name": "王五", "topic": "premium", "question": "?"})
    assert invalid.status_code == 400
    assert Consultation.objects.count() == 1


@pytest.mark.parametrize(
    ("method", "name", "target"),
    [
        ("get", "queue_clerk", "outlet"),
        ("get", "queue_panel", "outlet"),
        ("post", "queue_issue", "outlet"),
        ("post", "queue_call_next", "outlet"),
        ("get", "queue_stats", "outlet"),
        ("get", "queue_display", "outlet"),
        ("get", "queue_display_board", "outlet"),
        ("get", "consultation_list", "outlet"),
        ("get", "consultation_create", "outlet"),
        ("get", "ticket_detail", "ticket"),
        ("post", "ticket_call", "ticket"),
        ("post", "ticket_serve", "ticket"),
        ("post", "ticket_done", "ticket"),
        ("post", "ticket_left", "ticket"),
        ("post", "ticket_told", "ticket"),
        ("get", "rate_tablet", "ticket"),
        ("get", "consultation_detail", "consultation"),
    ],
)
def test_out_12_pages_refused_to_another_outlets_clerk(
    client, tree, clerk_a, clerk_b, now_ticket, method, name, target
):
    consultation = consultation_record(
        by=clerk_a,
        outlet=tree.outlet_a,
        customer_name="李四",
        customer_phone="13800138000",
        topic="product",
        question="?",
    )
    pk = {"outlet": tree.outlet_a.pk, "ticket": now_ticket.pk, "consultation": consultation.pk}
    client.force_login(clerk_b)

    response = getattr(client, method)(url(name, pk[target]), {"purpose": "claim"})

    assert response.status_code == 404
    assert QueueTicket.objects.count() == 1
    now_ticket.refresh_from_db()
    assert now_ticket.state == "waiting"


@pytest.mark.parametrize(
    ("name", "target"),
    [
        ("queue_issue", "outlet"),
        ("queue_call_next", "outlet"),
        ("ticket_serve", "ticket"),
        ("ticket_told", "ticket"),
        ("rate_tablet", "ticket"),
        ("consultation_create", "outlet"),
    ],
)
def test_out_12_auditor_reads_but_cannot_write(client, tree, auditor, now_ticket, name, target):
    client.force_login(auditor)
    assert client.get(url("queue_clerk", tree.outlet_a.pk)).status_code == 200
    assert client.get(url("ticket_detail", now_ticket.pk)).status_code == 200

    pk = {"outlet": tree.outlet_a.pk, "ticket": now_ticket.pk}[target]
    response = client.post(url(name, pk), {"purpose": "claim", "rating": "5"})

    assert response.status_code == 403
    assert QueueTicket.objects.count() == 1
    assert not Evaluation.objects.exists()


def test_out_12_pages_need_a_login(client, tree, now_ticket):
    response = client.get(url("queue_display", tree.outlet_a.pk))
    assert response.status_code == 302
    assert "/login/" in response.url
