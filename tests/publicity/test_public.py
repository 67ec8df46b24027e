"""PUB-2, PUB-5, PUB-7: the online notice behind the printed QR code and its objection
form, page and API: public (no login) for posted and closed notices only, names masked,
no personal data, input validated, CSRF on, rate-limited per client address.

Each test comes from an address of its own, so that rate-limit counters (kept in the
cache, across tests and runs) never carry over."""

import datetime as dt
import itertools
import secrets

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from core.masking import mask_name
from publicity.models import Notice, Objection
from publicity.views.public import THANKS_KEY
from tests.publicity.conftest import HOUSEHOLDS, secrets_of

_counter = itertools.count(1)


_run = secrets.randbelow(250) + 1


def fresh_ip() -> str:
    """A client address no other test (or earlier run, most likely) has used."""
    n = next(_counter)
    return f"10.{_run}.{n // 250}.{n % 250 + 1}"


@pytest.fixture
def visitor_ip() -> str:
    return fresh_ip()


@pytest.fixture
def visitor(visitor_ip) -> Client:
    return Client(REMOTE_ADDR=visitor_ip)


def page_url(notice: Notice) -> str:
    return reverse("publicity:public_notice", args=[notice.token])


def objection_data(**overrides) -> dict:
    data = {
        "line_position": "2",
        "claim": Objection.Claim.WRONG_QUANTITY,
        "details": "我家实际种了8亩，不是10亩。",
        "raiser_name": "李秀英",
        "contact_phone": "13700001111",
        "website": "",
    }
    data.update(overrides)
    return data


def post_objection(client: Client, notice: Notice, **overrides):
    return client.post(page_url(notice), objection_data(**overrides))


def api_data(**overrides) -> dict:
    data = objection_data(**overrides)
    data.pop("website")
    data["line_position"] = int(data["line_position"]) if data["line_position"] else None
    return data


# The page ----------------------------------------------------------------------------------


def test_pub_2_public_page_shows_masked_lines_totals_period_and_how_to_object(
    visitor, posted_notice, group_policy
):
    response = visitor.get(page_url(posted_notice))

    assert response.status_code == 200
    html = response.content.decode()
    assert posted_notice.title in html
    for name, _phone, _account in HOUSEHOLDS:
        assert mask_name(name) in html
    assert "东村一组" in html and "10亩" in html
    assert "360.00" in html and "810.00" in html and "30亩" in html  # totals
    assert timezone.localtime(posted_notice.ends_at).strftime("%Y-%m-%d %H:%M") in html
    assert "0763-1234567" in html and "阳城镇三农营销服务部柜面" in html
    # The objection form: CSRF-protected, one option per line (masked), no staff frame.
    assert 'name="csrfmiddlewaretoken"' in html
    assert '<option value="3">3. 欧**花 东村一组</option>' in html
    assert "mainnav" not in html and "logout" not in html
    assert "<script" not in html and "style=" not in html
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    # PUB-2 / REG-3: no ID number, phone or bank account, and no full name.
    for secret in secrets_of(group_policy):
        assert secret not in html, secret
    for name, _phone, _account in HOUSEHOLDS:
        assert name not in html, name


def test_pub_2_only_posted_and_closed_notices_are_public(visitor, posted_notice, claim_notice):
    assert (
        visitor.get(reverse("publicity:public_notice", args=["no-such-token"])).status_code == 404
    )

    draft = visitor.get(page_url(claim_notice))
    assert draft.status_code == 404
    assert claim_notice.title not in draft.content.decode()

    posted_notice.state, posted_notice.closed_at = Notice.State.CLOSED, timezone.now()
    posted_notice.save()
    closed = visitor.get(page_url(posted_notice))
    assert closed.status_code == 200 and closed.context["period_over"]

    posted_notice.state, posted_notice.withdrawn_reason = Notice.State.WITHDRAWN, "名单已更换"
    posted_notice.save()
    assert visitor.get(page_url(posted_notice)).status_code == 404


def test_pub_7_public_claim_payment_notice_shows_masked_payees_and_amounts(visitor, claim_notice):
    posted_at = timezone.now() - dt.timedelta(days=1)
    claim_notice.state, claim_notice.posted_at = Notice.State.POSTED, posted_at
    claim_notice.ends_at = posted_at + dt.timedelta(days=7)
    claim_notice.save()

    response = visitor.get(page_url(claim_notice))

    html = response.content.decode()
    assert response.status_code == 200
    # Amounts written as on the printed notice.
    assert "王*明" in html and "1,000.00" in html and "1,530.50" in html
    assert "王小明" not in html and "李秀英" not in html
    claims = dict(response.context["form"].fields["claim"].choices)
    assert Objection.Claim.WRONG_PAYMENT in claims and Objection.Claim.WRONG_PREMIUM not in claims


# Objections on the page ------------------------------------------------------------------


def test_pub_5_villager_files_an_objection_on_the_public_page(visitor, visitor_ip, posted_notice):
    response = post_objection(visitor, posted_notice)

    thanks_url = reverse("publicity:public_objection_thanks", args=[posted_notice.token])
    assert response.status_code == 302 and response["Location"] == thanks_url
    objection = Objection.objects.get(notice=posted_notice)
    assert objection.channel == Objection.Channel.ONLINE and objection.recorded_by is None
    assert objection.line.position == 2 and objection.line_position == 2
    assert objection.claim == Objection.Claim.WRONG_QUANTITY and not objection.late
    assert objection.raiser_name == "李秀英" and objection.contact_phone == "13700001111"
    assert objection.submitted_ip == visitor_ip
    assert objection.state == Objection.State.OPEN

    thanks = visitor.get(thanks_url)
    assert thanks.status_code == 200 and thanks.context["objection"] == objection
    # Another device has nothing to thank for: back to the notice.
    stranger = Client(REMOTE_ADDR=visitor_ip).get(thanks_url)
    assert stranger.status_code == 302 and stranger["Location"] == page_url(posted_notice)


def test_pub_5_objection_after_the_period_is_recorded_as_late(visitor, elapsed_notice):
    page = visitor.get(page_url(elapsed_notice))
    assert page.context["period_over"]

    response = post_objection(visitor, elapsed_notice)

    assert response.status_code == 302
    assert Objection.objects.get(notice=elapsed_notice).late
    assert visitor.get(response["Location"]).context["objection"].late


def test_pub_5_missing_household_is_an_objection_without_a_line(visitor, posted_notice):
    response = post_objection(
        visitor, posted_notice, line_position="", claim=Objection.Claim.MISSING
    )

    assert response.status_code == 302
    objection = Objection.objects.get(notice=posted_notice)
    assert objection.line is None and objection.claim == Objection.Claim.MISSING


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"details": "   "}, "details"),
        ({"raiser_name": ""}, "raiser_name"),
        ({"contact_phone": "call me maybe"}, "contact_phone"),
        ({"line_position": "99"}, "line_position"),
        ({"line_position": ""}, "line_position"),  # a wrong quantity is about a line
        ({"claim": Objection.Claim.MISSING}, "line_position"),  # a missing one has none
        ({"claim": Objection.Claim.WRONG_PAYMENT}, "claim"),  # not a claim payment notice
        ({"claim": "bribery"}, "claim"),
        ({"details": "x" * 2001}, "details"),
        ({"website": "http://spam.example"}, "website"),
    ],
)
def test_pub_5_invalid_objection_is_refused_and_nothing_is_saved(
    visitor, posted_notice, overrides, field
):
    response = post_objection(visitor, posted_notice, **overrides)

    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert not Objection.objects.exists()
    if overrides.get("line_position", "2") == "2":  # what was typed is kept
        assert '<option value="2" selected>' in response.content.decode()


def test_pub_5_public_form_is_csrf_protected(visitor_ip, posted_notice):
    client = Client(enforce_csrf_checks=True, REMOTE_ADDR=visitor_ip)

    assert post_objection(client, posted_notice).status_code == 403
    assert not Objection.objects.exists()
    # With the token of the page it goes through.
    page = client.get(page_url(posted_notice))
    token = page.context["csrf_token"]
    response = client.post(
        page_url(posted_notice), {**objection_data(), "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


def test_pub_5_objections_are_rate_limited_per_address(
    settings, visitor, visitor_ip, posted_notice
):
    settings.PUBLIC_OBJECTION_RATE = "2/m"
    assert post_objection(visitor, posted_notice, details="第一次").status_code == 302
    assert post_objection(visitor, posted_notice, details="x" * 2001).status_code == 400

    refused = post_objection(visitor, posted_notice, details="第三次")

    assert refused.status_code == 429
    assert "publicity/public/too_many.html" in [t.name for t in refused.templates]
    assert Objection.objects.count() == 1
    # Reading is not an objection; it still works from that address.
    assert visitor.get(page_url(posted_notice)).status_code == 200


def test_pub_2_page_views_are_rate_limited_per_address(settings, visitor, posted_notice):
    settings.PUBLIC_NOTICE_VIEW_RATE = "2/m"
    assert visitor.get(page_url(posted_notice)).status_code == 200
    assert visitor.get(page_url(posted_notice)).status_code == 200

    refused = visitor.get(page_url(posted_notice))

    assert refused.status_code == 429
    assert "rate-limited" in refused.content.decode()
    assert posted_notice.title not in refused.content.decode()
    assert Client(REMOTE_ADDR=fresh_ip()).get(page_url(posted_notice)).status_code == 200


def test_pub_5_thanks_page_is_only_for_the_sender_of_that_notice(
    visitor, posted_notice, claim_notice
):
    post_objection(visitor, posted_notice)
    session = visitor.session
    assert session[THANKS_KEY] == Objection.objects.get().pk

    other = reverse("publicity:public_objection_thanks", args=[claim_notice.token])
    assert visitor.get(other).status_code == 404


# API -------------------------------------------------------------------------------------


@pytest.fixture
def api(visitor_ip) -> APIClient:
    return APIClient(REMOTE_ADDR=visitor_ip)


def api_url(notice: Notice, objections: bool = False) -> str:
    url = f"/api/v1/public/notices/{notice.token}/"
    return url + "objections/" if objections else url


def test_pub_2_public_api_shows_the_notice_masked(api, posted_notice, group_policy):
    response = api.get(api_url(posted_notice))

    assert response.status_code == 200
    body = response.json()
    assert body["title"] == posted_notice.title and body["state"] == "posted"
    assert body["line_count"] == 3 and body["farmer_share"] == "360.00"
    assert body["url"].endswith(page_url(posted_notice))
    assert [line["name"] for line in body["lines"]] == [mask_name(n) for n, _p, _a in HOUSEHOLDS]
    raw = response.content.decode()
    for secret in secrets_of(group_policy):
        assert secret not in raw
    for name, _phone, _account in HOUSEHOLDS:
        assert name not in raw
    assert "token" not in body and "responsible" not in body


def test_pub_2_public_api_answers_for_posted_and_closed_notices_only(
    api, posted_notice, claim_notice
):
    assert api.get("/api/v1/public/notices/no-such-token/").status_code == 404
    assert api.get(api_url(claim_notice)).status_code == 404  # a draft
    assert api.post(api_url(claim_notice, objections=True), api_data()).status_code == 404
    assert not Objection.objects.exists()

    posted_notice.state, posted_notice.closed_at = Notice.State.CLOSED, timezone.now()
    posted_notice.save()
    closed = api.get(api_url(posted_notice))
    assert closed.status_code == 200 and closed.json()["state"] == "closed"


def test_pub_5_public_api_files_an_objection(api, visitor_ip, posted_notice, clerk_b):
    # A logged-in session is ignored: the endpoint is anonymous by design.
    api.force_login(clerk_b)

    response = api.post(api_url(posted_notice, objections=True), api_data(), format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["line_position"] == 2 and body["late"] is False and body["state"] == "open"
    objection = Objection.objects.get()
    assert objection.recorded_by is None and objection.submitted_ip == visitor_ip
    assert objection.channel == Objection.Channel.ONLINE


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"line_position": None}, "line_position"),
        ({"line_position": 99}, "line_position"),
        ({"claim": Objection.Claim.WRONG_PAYMENT}, "claim"),
        ({"contact_phone": "abc"}, "contact_phone"),
        ({"details": ""}, "details"),
    ],
)
def test_pub_5_public_api_refuses_invalid_objections(api, posted_notice, overrides, field):
    response = api.post(
        api_url(posted_notice, objections=True), api_data(**overrides), format="json"
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and field in error["fields"]
    assert not Objection.objects.exists()


def test_pub_2_public_api_is_throttled(api, posted_notice, monkeypatch):
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "public_notice", "2/minute")
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "public_objection", "1/minute")
    assert api.get(api_url(posted_notice)).status_code == 200
    assert api.get(api_url(posted_notice)).status_code == 200

    throttled = api.get(api_url(posted_notice))

    assert throttled.status_code == 429
    assert throttled.json()["error"]["code"] == "throttled"
    url = api_url(posted_notice, objections=True)
    assert api.post(url, api_data(), format="json").status_code == 201
    assert api.post(url, api_data(details="又一条"), format="json").status_code == 429
    assert Objection.objects.count() == 1


def test_pub_2_public_endpoints_are_in_the_openapi_schema(client):
    schema = client.get(reverse("api-schema"), {"format": "json"}).json()
    notice = schema["paths"]["/api/v1/public/notices/{token}/"]["get"]
    objection = schema["paths"]["/api/v1/public/notices/{token}/objections/"]["post"]
    assert "200" in notice["responses"] and "201" in objection["responses"]
