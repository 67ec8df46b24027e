"""The access matrix (issue 8, OUT-1): every URL pattern, pages and /api/v1/, tried
without auth, from the wrong branch of the tree and with the wrong role.

- No auth: every route, GET and POST. Pages send to the login page, the API answers
  401/403; only the public routes (PUBLIC below) answer otherwise. Never a 500.
- Wrong branch: the routes of the main object types (customer, policy, complaint,
  claim case, outlet, timer) get an object of outlet B, and clerk_a (outlet A) tries
  them: 404 (403 where the role is refused first), never a 200 and never a 500.
- Wrong role: the auditor (read-only, in the county) posts to every write route of
  those objects at outlet A: 403 or 404, never a success.

Not covered by the branch and role matrices (they are in the no-auth sweep): routes of
the other object types (group-policy rows, lists, changes, documents, notices, postings,
objections, campaigns, leases, staff, inspections, findings, holidays, tickets,
consultations, authorisations, assignments, assessments, refusals, payments, watch
list, dashboards), whose scoping each app's own tests prove per route; and routes with
two object arguments (underwriting:change_create's kind, outlets facility code).
"""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from core.models import SlaTimer
from tests.claims_assist.conftest import claims_book  # noqa: F401 (a fixture used here)
from tests.claims_assist.timeline_support import reported_case
from tests.complaints.factories import receive_complaint

ARGUMENTS = {"int": "999999", "str": "x", "slug": "x", "path": "x"}

# Routes anyone may use (name → why).
PUBLIC = {
    "healthz": "health check for the load balancer",
    "set_language": "language switch",
    "login": "the login page",
    "logout": "logging out (nothing to protect)",
    "api-schema": "the OpenAPI schema",
    "api-docs": "the API documentation",
    "complaints:online_form": "CMP-2 public online complaint form",
    "complaints:online_thanks": "CMP-2 public thanks page",
    "publicity:public_notice": "PUB-2 public notice and objection form",
    "publicity:public_objection_thanks": "PUB-2 public thanks page",
    "api-public-notice": "PUB-2 public notice",
    "api-public-objection": "PUB-2 public objection",
    "underwriting:verify_lookup": "printed-policy verification",
    "underwriting:verify": "printed-policy verification",
    "outlets:queue_display": "OUT-12 waiting-room display",
    "outlets:queue_display_board": "OUT-12 waiting-room display",
    "outlets:rate": "OUT-15 satisfaction rating by QR code",
    "outlets:rate_tablet": "OUT-15 rating tablet at the counter",
    "claims_assist:calculators": "public calculators",
    "claims_assist:self_survey": "self-survey guide",
    "claims_assist:status_query": "CLM-11 status query by the customer",
    "api-claims-calculator-elderly": "public calculators",
    "api-claims-calculator-medical": "public calculators",
    "api-claims-calculator-student": "public calculators",
    "api-claims-self-survey-check": "self-survey check",
    "api-claims-status-query": "CLM-11 status query by the customer",
}


def all_routes() -> list[tuple[str, str, list[str]]]:
    """(name, route, argument names) of every pattern outside /admin/."""
    found = []

    def walk(patterns, prefix: str, namespace: str):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
                walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
            elif isinstance(pattern, URLPattern):
                route = prefix + str(pattern.pattern)
                if not route.startswith("admin/"):
                    args = re.findall(r"<(?:\w+:)?(\w+)>", route)
                    found.append((namespace + (pattern.name or route), route, args))

    walk(get_resolver().url_patterns, "", "")
    return found


def concrete(route: str, values: dict[str, str] | None = None) -> str:
    """A path the pattern matches; `values` fills named arguments, dummies the rest."""
    values = values or {}

    def group(match) -> str:
        name, body = match.group(1), match.group(2)
        if name in values:
            return values[name]
        if body.startswith("[0-9]"):
            return ARGUMENTS["int"]
        return "x" if body.startswith("[") else body.split("|")[0]

    def converter(match) -> str:
        kind, name = match.group(1) or "str", match.group(2)
        return values.get(name, ARGUMENTS[kind])

    path = re.sub(r"\(\?P<(\w+)>([^)]*)\)", group, route)
    path = re.sub(r"<(?:(\w+):)?(\w+)>", converter, path)
    return "/" + path.replace("^", "").replace("$", "").replace("\\.", ".")


ROUTES = all_routes()


# --- No auth ---------------------------------------------------------------------------
def test_every_route_refuses_an_anonymous_caller(tree):
    wrong = []
    for name, route, _args in ROUTES:
        if name in PUBLIC:
            continue
        path = concrete(route)
        api = route.startswith("api/")
        client = APIClient() if api else Client()
        for method in ("get", "post"):
            response = getattr(client, method)(path)
            status = response.status_code
            if api:
                ok = status in (401, 403, 405)
            else:
                ok = status == 405 or (status == 302 and response["Location"].startswith("/login/"))
            if not ok:
                wrong.append((name, method, status))
    assert not wrong, "\n".join(map(str, wrong))


def test_public_routes_never_fail_for_an_anonymous_caller(tree):
    wrong = []
    for name, route, _args in ROUTES:
        # /healthz answers 503 while no sweep has run: that is its meaning, not a fault.
        if name not in PUBLIC or name == "healthz":
            continue
        client = APIClient() if route.startswith("api/") else Client()
        for method in ("get", "post"):
            status = getattr(client, method)(concrete(route)).status_code
            if status >= 500:
                wrong.append((name, method, status))
    assert not wrong, "\n".join(map(str, wrong))


# --- Wrong branch and wrong role ------------------------------------------------------
# Route name (regex) → (the argument naming the object, the object's key in `objects`).
OBJECT_ROUTES = [
    (r"^underwriting:(customer_detail|customer_edit)$", "pk", "customer"),
    (r"^underwriting:quote_create$", "customer_pk", "customer"),
    (r"^api-customer-detail$", "pk", "customer"),
    (r"^underwriting:policy_(detail|explain|pay|issue|cancel|pdf)$", "pk", "policy"),
    (
        r"^api-policy-(detail|explain|pay|issue|cancel|pdf|document-create|change-create)$",
        "pk",
        "policy",
    ),
    (r"^complaints:complaint_(?!list|create|report)\w+$", "pk", "complaint"),
    (r"^api-complaint-(?!list|report)[\w-]+$", "pk", "complaint"),
    (
        r"^claims_assist:case_(?!list|new|lookup|document_remove|document_file)\w+$",
        "pk",
        "claim_case",
    ),
    (
        r"^claims_assist:(assignment_create|assessment_create|one_stop_payment_request)$",
        "pk",
        "claim_case",
    ),
    (r"^api-claim-case-(?!list|lookup)[\w-]+$", "pk", "claim_case"),
    (
        r"^outlets:(outlet_detail|profile_edit|official_name_edit|lease_create|facilities_edit"
        r"|staff_create|nameplate|inspection_create|finding_create|staffing|staffing_check|hours"
        r"|hours_edit|holiday_create|compliance|compliance_recompute)$",
        "pk",
        "outlet",
    ),
    (
        r"^outlets:(queue_clerk|queue_panel|queue_issue|queue_call_next|queue_stats"
        r"|consultation_list|consultation_create)$",
        "outlet_pk",
        "outlet",
    ),
    (
        r"^api-outlet-(detail|profile|official-name|lease-list|lease-create|facility-list"
        r"|staff-list|staff-create|inspection-create|finding-create|staffing|staffing-check"
        r"|hours|hours-publish|holidays|holiday-create|compliance|compliance-recompute)$",
        "pk",
        "outlet",
    ),
    (
        r"^api-queue-(board|ticket-issue|call-next|waits)$|^api-outlet-satisfaction$",
        "outlet_pk",
        "outlet",
    ),
    (r"^timer_detail$|^api-timer-(detail|pause|resume)$", "pk", "timer"),
]


def object_routes() -> list[tuple[str, str, str, str]]:
    """(name, route, argument, object key) of the routes the table covers."""
    covered = []
    for name, route, args in ROUTES:
        for pattern, argument, key in OBJECT_ROUTES:
            if re.match(pattern, name) and args == [argument]:
                covered.append((name, route, argument, key))
                break
    return covered


COVERED = object_routes()


def test_the_table_covers_the_main_object_routes():
    # Guards the regexes above against renamed routes.
    keys = {key for *_rest, key in COVERED}
    assert keys == {"customer", "policy", "complaint", "claim_case", "outlet", "timer"}
    assert len(COVERED) > 80


def objects_at(outlet, clerk, claims_book):  # noqa: F811
    """One object of each main type at `outlet`, keyed as in OBJECT_ROUTES."""
    policy = claims_book.rice_a if outlet.code.endswith("01") else claims_book.rice_b
    complaint = receive_complaint(clerk)
    return {
        "customer": policy.insured if hasattr(policy, "insured") else policy.policyholder,
        "policy": policy,
        "complaint": complaint,
        "claim_case": reported_case(claims_book, clerk, policy=policy),
        "outlet": outlet,
        "timer": SlaTimer.objects.filter(org_unit=outlet).first(),
    }


@pytest.fixture
def objects_b(tree, clerk_b, claims_book):  # noqa: F811
    return objects_at(tree.outlet_b, clerk_b, claims_book)


@pytest.fixture
def objects_a(tree, clerk_a, claims_book):  # noqa: F811
    return objects_at(tree.outlet_a, clerk_a, claims_book)


def client_for(user, route: str):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en") if route.startswith("api/") else Client()
    client.force_login(user)
    return client


def test_wrong_branch_is_404_on_every_object_route(objects_b, clerk_a):
    assert all(objects_b.values())
    wrong = []
    for name, route, argument, key in COVERED:
        path = concrete(route, {argument: str(objects_b[key].pk)})
        client = client_for(clerk_a, route)
        for method in ("get", "post"):
            status = getattr(client, method)(path).status_code
            if status not in (403, 404, 405):
                wrong.append((name, method, status))
    assert not wrong, "\n".join(map(str, wrong))


def test_auditor_cannot_write_through_any_object_route(objects_a, auditor):
    wrong = []
    for name, route, argument, key in COVERED:
        path = concrete(route, {argument: str(objects_a[key].pk)})
        status = client_for(auditor, route).post(path).status_code
        # 405: the route only reads. 400 would mean the write was considered: refused.
        if status not in (403, 404, 405):
            wrong.append((name, status))
    assert not wrong, "\n".join(map(str, wrong))
