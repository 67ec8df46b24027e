"""Schemathesis against the app's own OpenAPI schema (issue 8): every operation, as a
county manager and as a clerk (token auth), a bounded number of generated requests
each, through WSGI; no request may end in a server error (`not_a_server_error`).

All failures are collected and reported together, one line per operation, so that one
500 does not hide the next. Each request runs in a savepoint that is rolled back: the
data stays the same for every example and a failed request cannot poison the next.
"""

import os
from collections import Counter

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from core.models import ApiToken, User
from tests.underwriting.conftest import book  # noqa: F401 (a fixture used here)

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "5"))
# Valid requests, and requests the schema does not allow (wrong types, missing fields).
MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]

pytestmark = pytest.mark.slow


def token_for(user: User) -> str:
    # core.api.tokens issues tokens to API clients only; staff get one here so that
    # the run goes through the token authentication other systems use, with their scope.
    key = ApiToken.new_key()
    ApiToken.objects.create(
        user=user,
        name="schemathesis",
        prefix=key[: ApiToken.PREFIX_LENGTH],
        key_hash=ApiToken.hash_key(key),
    )
    return key


@pytest.fixture
def wsgi_app():
    # As Django's test client does: a request must not close the test's connection
    # (it is inside the test transaction). Requested after any fixture that uses the
    # test client, which connects the signal again after each of its requests.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def records(tree, clerk_a, book) -> dict[str, list[int]]:  # noqa: F811
    """Ids of records in the personas' branch, so that generated paths reach real
    objects rather than 404 (one of them, in outlet A, is also the clerk's)."""
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(clerk_a)
    today = timezone.localdate().isoformat()
    created = [
        api.post(
            "/api/v1/complaints/",
            {
                "topic": "claims",
                "severity": "major",
                "complainant_name": "张三",
                "contact_phone": "13800138000",
                "what_happened": "报案三天没有人联系。",
                "what_is_asked": "尽快查勘。",
            },
            format="json",
        ),
        api.post(
            "/api/v1/policies/",
            {
                "product": book.rice.pk,
                "insured": book.farmer_a.pk,
                "quantity": "12.5",
                "application_date": today,
                "expected_minutes": 20,
            },
            format="json",
        ),
        api.post(
            "/api/v1/campaigns/create/",
            {
                "org_unit": tree.outlet_a.pk,
                "held_on": today,
                "title": "乡镇干部座谈",
                "audience": "government",
                "topics": ["regulation"],
                "channels": ["letter"],
                "place": "阳城镇政府会议室",
                "reach": 15,
            },
            format="json",
        ),
        api.post(
            f"/api/v1/outlets/{tree.outlet_a.pk}/queue/tickets/",
            {"purpose": "issuance"},
            format="json",
        ),
    ]
    assert all(r.status_code == 201 for r in created), [r.json() for r in created]
    complaint, policy, campaign, ticket = (r.json()["id"] for r in created)
    outlets = [tree.outlet_a.pk, tree.outlet_b.pk]
    return {
        "complaints": [complaint],
        "policies": [policy],
        "campaigns": [campaign],
        "queue-tickets": [ticket],
        "customers": [book.farmer_a.pk],
        "products": [book.rice.pk],
        "outlets": outlets,
        "org-units": [tree.county.pk, *outlets],
    }


def _explore(operation, personas: dict[str, dict], statuses: Counter) -> list[str]:
    """The server errors of a bounded number of generated requests to one operation."""
    failures: list[str] = []

    @given(
        case=st.one_of(operation.as_strategy(mode, hooks=operation.schema.hooks) for mode in MODES)
    )
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        for persona, headers in personas.items():
            with transaction.atomic():
                response = case.call(headers={"Accept-Language": "en", **headers})
                transaction.set_rollback(True)
            statuses[response.status_code] += 1
            try:
                case.validate_response(response, checks=[not_a_server_error])
            except Exception as exc:  # schemathesis raises a group of failures
                failures.append(
                    f"{operation.label} as {persona}: {response.status_code} :: "
                    f"{case.as_curl_command(headers=headers)} :: {str(exc)[:300]}"
                )

    run()
    return failures


def test_no_operation_answers_with_a_server_error(records, wsgi_app, county_manager, clerk_a):
    personas = {
        "county_manager": {"Authorization": f"Token {token_for(county_manager)}"},
        "clerk": {"Authorization": f"Token {token_for(clerk_a)}"},
    }
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app)

    @schema.hook
    def flatmap_path_parameters(context, path_parameters):
        # Integer ids mostly from the records above, sometimes as generated.
        if not path_parameters:
            return st.just(path_parameters)
        collection = context.operation.path.removeprefix("/api/v1/").split("/")[0]
        known = records.get(collection) or sorted({pk for pks in records.values() for pk in pks})
        return st.fixed_dictionaries(
            {
                name: st.sampled_from([*known, value]) if isinstance(value, int) else st.just(value)
                for name, value in path_parameters.items()
            }
        )

    failures: list[str] = []
    operations = 0
    statuses: Counter = Counter()
    for result in schema.get_all_operations():
        operations += 1
        failures += _explore(result.ok(), personas, statuses)

    print(f"{operations} operations, responses by status: {sorted(statuses.items())}")
    assert operations > 150
    # The personas really got in: some requests succeeded, not everything was 401/403.
    assert sum(n for code, n in statuses.items() if code < 300) > operations / 2
    unique = sorted({f.split(" :: ")[0] for f in failures})
    assert not failures, "\n".join(unique) + "\n\n" + "\n".join(failures[:20])
