"""The counter over the API: customers, products, individual policies and the remote
intake (UW-1, UW-8, UW-9, UW-11, OUT-13), scoped by the org tree (OUT-1)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from rest_framework.test import APIClient

from core.api.tokens import api_token_create
from core.models import SlaTimer
from tests.underwriting.factories import resident_id
from underwriting.models import Customer, Policy
from underwriting.services.policies import policy_issuance_timer

ID = "11010519491231002X"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def as_user(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def quote_body(book, **kwargs) -> dict:
    body = {
        "product": book.rice.pk,
        "insured": book.farmer_a.pk,
        "quantity": "12.5",
        "application_date": timezone.localdate().isoformat(),
        "expected_minutes": 20,
    }
    body.update(kwargs)
    return body


def remote_body(book, tree, **kwargs) -> dict:
    body = {
        "channel": "online",
        "org_unit": tree.outlet_a.pk,
        "product": book.rice.pk,
        "insured": book.farmer_a.pk,
        "quantity": "10",
        "application_date": timezone.localdate().isoformat(),
        "external_reference": "JD-20260520-1",
    }
    body.update(kwargs)
    return body


# --- Customers ---------------------------------------------------------------------------


def test_customers_are_listed_masked_and_searched_by_normalised_id(book, clerk_a):
    api = as_user(clerk_a)
    rows = api.get("/api/v1/customers/").json()["results"]
    assert {row["name"] for row in rows} == {"张三", "东村村民委员会"}
    row = api.get("/api/v1/customers/", {"q": "１１０１０５ 19491231 002x"}).json()["results"]
    assert [r["name"] for r in row] == ["张三"]
    assert row[0]["id_number"] == "110105********002X"
    assert row[0]["phone"] == "138****8000"
    assert row[0]["bank_account"] == "6217***********0123"


def test_customer_create_normalises_and_refuses_duplicates(tree, clerk_a):
    api = as_user(clerk_a)
    body = {"kind": "farmer", "name": "王五", "id_number": "110105 19491231 002x"}
    response = api.post("/api/v1/customers/", body, format="json")
    assert response.status_code == 201
    assert response.json()["org_unit"]["id"] == tree.outlet_a.pk
    assert Customer.objects.get().id_number == ID
    response = api.post("/api/v1/customers/", body, format="json")
    assert response.status_code == 400
    assert "已登记为客户王五" in response.json()["error"]["message"]


def test_api_client_registers_a_customer_at_an_outlet_of_its_county(tree, api_client_user):
    api = as_user(api_client_user)
    body = {
        "kind": "farmer",
        "name": "赵六",
        "id_number": resident_id(5),
        "org_unit": tree.outlet_b.pk,
    }
    response = api.post("/api/v1/customers/", body, format="json")
    assert response.status_code == 201
    assert Customer.objects.get().org_unit == tree.outlet_b
    body.update(org_unit=tree.outlet_c.pk, id_number=resident_id(6))
    assert api.post("/api/v1/customers/", body, format="json").status_code == 404


def test_customer_detail_is_scoped(book, clerk_a, clerk_b):
    url = f"/api/v1/customers/{book.farmer_a.pk}/"
    assert as_user(clerk_a).get(url).json()["id_number"] == "110105********002X"
    assert as_user(clerk_b).get(url).status_code == 404


def test_auditor_cannot_create_customers(tree, auditor):
    body = {"kind": "farmer", "name": "王五", "id_number": ID, "org_unit": tree.outlet_a.pk}
    assert as_user(auditor).post("/api/v1/customers/", body, format="json").status_code == 403


# --- Products ----------------------------------------------------------------------------


def test_product_detail_has_exclusions_and_the_callers_subsidy_rates(book, tree, clerk_a, clerk_c):
    response = as_user(clerk_a).get(f"/api/v1/products/{book.rice.pk}/")
    body = response.json()
    assert body["exclusions"] == ["投保人及其家庭成员的故意行为", "行政行为或司法行为"]
    assert body["rate"] == "0.060000"
    assert body["subsidies"] == {
        "year": timezone.localdate().year,
        "central": "0.450000",
        "provincial": "0.250000",
        "city": "0.050000",
        "county": "0.050000",
    }
    # The other county has no subsidy for rice; a past year has none either.
    assert (
        as_user(clerk_c).get(f"/api/v1/products/{book.rice.pk}/").json()["subsidies"]["central"]
        == "0.000000"
    )
    past = as_user(clerk_a).get(f"/api/v1/products/{book.rice.pk}/", {"year": 2000}).json()
    assert past["subsidies"]["central"] == "0.000000"
    codes = {p["code"] for p in as_user(clerk_a).get("/api/v1/products/").json()["results"]}
    assert codes == {"RICE", "MOTOR"}


@pytest.fixture
def clerk_c(tree):
    from core.models import Role
    from tests.factories import UserFactory

    return UserFactory(username="clerk_c", org_unit=tree.outlet_c, role=Role.CLERK)


# --- Policies ----------------------------------------------------------------------------


def test_quote_explain_pay_issue_over_the_api_with_money_as_strings(book, clerk_a):
    api = as_user(clerk_a)
    response = api.post("/api/v1/policies/", quote_body(book), format="json")
    assert response.status_code == 201, response.json()
    policy = response.json()
    assert policy["premium"] == "750.00"
    assert policy["farmer_share"] == "150.00"
    assert policy["central"] == "337.50"
    assert policy["insured"]["id_number"] == "110105********002X"
    base = f"/api/v1/policies/{policy['id']}"

    response = api.post(f"{base}/issue/")
    assert response.status_code == 400

    response = api.post(
        f"{base}/explain/", {"liability": True, "exclusions": True, "claim_route": False}
    )
    assert response.status_code == 400
    assert "UW-8" in response.json()["error"]["message"]
    assert api.post(
        f"{base}/explain/", {"liability": True, "exclusions": True, "claim_route": True}
    ).json()["explained_at"]

    response = api.post(f"{base}/pay/", {"payment_method": "card"})
    assert response.status_code == 400
    assert "payment_reference" in response.json()["error"]["fields"]
    assert api.post(f"{base}/pay/", {"payment_method": "card", "payment_reference": "C-1"}).json()[
        "paid_at"
    ]

    issued = api.post(f"{base}/issue/").json()
    assert issued["status"] == "issued"
    assert issued["number"]
    assert api.get(f"{base}/").json()["number"] == issued["number"]


def test_uw_9_quote_over_the_api_is_refused_after_the_limit(book, clerk_a):
    old = (timezone.localdate() - dt.timedelta(days=31)).isoformat()
    response = as_user(clerk_a).post(
        "/api/v1/policies/", quote_body(book, application_date=old), format="json"
    )
    assert response.status_code == 400
    assert "UW-9" in response.json()["error"]["fields"]["application_date"][0]


def test_out_13_motor_quote_over_the_api_starts_the_clock(book, clerk_a):
    body = quote_body(book, product=book.motor.pk, quantity="1", expected_minutes=None)
    response = as_user(clerk_a).post("/api/v1/policies/", body, format="json")
    assert response.status_code == 201
    policy = Policy.objects.get(pk=response.json()["id"])
    assert policy.premium == Decimal("2000.00")
    assert policy_issuance_timer(policy=policy).state == SlaTimer.State.RUNNING


def test_policy_list_is_scoped_and_filtered(book, clerk_a, clerk_b, county_manager):
    as_user(clerk_a).post("/api/v1/policies/", quote_body(book), format="json")
    assert as_user(clerk_b).get("/api/v1/policies/").json()["count"] == 0
    manager = as_user(county_manager)
    assert manager.get("/api/v1/policies/").json()["count"] == 1
    assert manager.get("/api/v1/policies/", {"status": "issued"}).json()["count"] == 0
    assert manager.get("/api/v1/policies/", {"product": "RICE"}).json()["count"] == 1


@pytest.mark.parametrize("step", ["", "explain/", "pay/", "issue/", "cancel/"])
def test_other_outlets_clerk_gets_404_on_every_policy_endpoint(book, clerk_a, clerk_b, step):
    pk = as_user(clerk_a).post("/api/v1/policies/", quote_body(book), format="json").json()["id"]
    api = as_user(clerk_b)
    url = f"/api/v1/policies/{pk}/{step}"
    response = api.get(url) if not step else api.post(url, {"reason": "x"})
    assert response.status_code == 404


@pytest.mark.parametrize("step", ["explain/", "pay/", "issue/", "cancel/"])
def test_auditor_gets_403_on_policy_writes(book, clerk_a, auditor, step):
    pk = as_user(clerk_a).post("/api/v1/policies/", quote_body(book), format="json").json()["id"]
    api = as_user(auditor)
    assert api.get(f"/api/v1/policies/{pk}/").status_code == 200
    assert api.post(f"/api/v1/policies/{pk}/{step}", {"reason": "x"}).status_code == 403
    assert api.post("/api/v1/policies/", quote_body(book), format="json").status_code == 403


def test_quote_for_another_outlets_customer_is_404(book, clerk_b):
    response = as_user(clerk_b).post("/api/v1/policies/", quote_body(book), format="json")
    assert response.status_code == 404


# --- UW-11 remote intake -------------------------------------------------------------------


def test_uw_11_remote_intake_by_token_then_paid_and_issued_at_the_counter(
    book, tree, clerk_a, api_client_user
):
    _token, key = api_token_create(user=api_client_user, name="online shop")
    shop = APIClient()
    shop.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = shop.post("/api/v1/policies/remote/", remote_body(book, tree), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "pending_payment"
    assert body["channel"] == "online"
    assert body["farmer_share"] == "120.00"

    duplicate = shop.post("/api/v1/policies/remote/", remote_body(book, tree), format="json")
    assert duplicate.status_code == 400
    assert "不能重复录入" in duplicate.json()["error"]["message"]

    counter = as_user(clerk_a)
    base = f"/api/v1/policies/{body['id']}"
    assert counter.post(f"{base}/pay/", {"payment_method": "cash"}).status_code == 200
    assert counter.post(f"{base}/issue/").json()["status"] == "issued"


def test_uw_11_remote_intake_is_for_sales_systems_in_scope(book, tree, clerk_a, api_client_user):
    assert (
        as_user(clerk_a)
        .post("/api/v1/policies/remote/", remote_body(book, tree), format="json")
        .status_code
        == 403
    )
    response = as_user(api_client_user).post(
        "/api/v1/policies/remote/",
        remote_body(book, tree, org_unit=tree.outlet_c.pk),
        format="json",
    )
    assert response.status_code == 404


def test_uw_11_remote_intake_refuses_uw_9_late_entries(book, tree, api_client_user):
    old = (timezone.localdate() - dt.timedelta(days=40)).isoformat()
    response = as_user(api_client_user).post(
        "/api/v1/policies/remote/", remote_body(book, tree, application_date=old), format="json"
    )
    assert response.status_code == 400
    assert "UW-9" in response.json()["error"]["message"]


def test_the_schema_lists_the_counter_endpoints(db, clerk_a):
    schema = as_user(clerk_a).get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    for path, method in [
        ("/api/v1/customers/", "get"),
        ("/api/v1/customers/", "post"),
        ("/api/v1/customers/{id}/", "get"),
        ("/api/v1/products/", "get"),
        ("/api/v1/products/{id}/", "get"),
        ("/api/v1/policies/", "get"),
        ("/api/v1/policies/", "post"),
        ("/api/v1/policies/{id}/", "get"),
        ("/api/v1/policies/remote/", "post"),
        ("/api/v1/policies/{id}/explain/", "post"),
        ("/api/v1/policies/{id}/pay/", "post"),
        ("/api/v1/policies/{id}/issue/", "post"),
        ("/api/v1/policies/{id}/cancel/", "post"),
    ]:
        assert method in paths[path], (path, method)
    quote = paths["/api/v1/policies/"]["post"]["requestBody"]["content"]["application/json"]
    assert quote["schema"]["$ref"].endswith("/PolicyQuoteInputRequest")
