"""CSRF on every browser form (issue 8).

Every URL pattern outside /api/ and /admin/ is posted to without a token, by a
logged-in county manager (who may write almost everywhere) and by an anonymous visitor
(public forms): each is a 403 and no table changes. The API takes session auth only with
the CSRF token (DRF SessionAuthentication); token auth needs none.
"""

import re

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from core.api.tokens import api_token_create
from underwriting.models import Customer

# Routes whose POST is not a form of ours: none today. A csrf_exempt view would be
# listed here with the reason.
EXEMPT: dict[str, str] = {}
ARGUMENTS = {"int": "1", "str": "x", "slug": "x", "path": "x"}


def browser_routes() -> list[tuple[str, str]]:
    """(route name, a concrete path) of every pattern outside /api/ and /admin/."""
    routes = []

    def walk(patterns, prefix: str, namespace: str):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                ns = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
                walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
            elif isinstance(pattern, URLPattern):
                route = prefix + str(pattern.pattern)
                if route.startswith(("api/", "admin/")):
                    continue
                routes.append((namespace + (pattern.name or route), concrete(route)))

    walk(get_resolver().url_patterns, "", "")
    return routes


def concrete(route: str) -> str:
    """A path the pattern matches: converters get a dummy value, regexes their first
    alternative."""

    def group(match) -> str:
        body = match.group(1)
        if body.startswith("[0-9]"):
            return "1"
        return "x" if body.startswith("[") else body.split("|")[0]

    path = re.sub(r"\(\?P<\w+>([^)]*)\)", group, route)
    path = re.sub(r"<(?:(\w+):)?\w+>", lambda m: ARGUMENTS[m.group(1) or "str"], path)
    return "/" + path.replace("^", "").replace("$", "").replace("\\.", ".")


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


ROUTES = browser_routes()


def test_every_browser_route_is_listed():
    # A guard for the walk above: the main pages are among the routes it found.
    names = {name for name, _ in ROUTES}
    assert {"underwriting:customer_create", "complaints:online_form", "login"} <= names
    assert len(ROUTES) > 150


@pytest.mark.parametrize("persona", ["county_manager", None])
def test_every_browser_post_without_token_is_403(persona, request, tree):
    client = Client(enforce_csrf_checks=True)
    if persona:
        client.force_login(request.getfixturevalue(persona))
    before = row_counts()
    allowed = []
    for name, path in ROUTES:
        if name in EXEMPT:
            continue
        response = client.post(path, {"name": "x", "reason": "x"})
        if response.status_code != 403:
            allowed.append((name, path, response.status_code))
    assert not allowed
    after = row_counts()
    # A forced login writes its session and axes rows; nothing else may change.
    changed = {k for k in before if before[k] != after[k]} - {"sessions.Session"}
    assert not changed


def test_public_forms_refuse_a_post_without_token(tree):
    for path in (f"/complaints/online/{tree.county.code}/", "/publicity/public/token/"):
        assert Client(enforce_csrf_checks=True).post(path, {"x": "1"}).status_code == 403


def test_api_with_session_auth_needs_the_csrf_token(tree, clerk_a):
    client = APIClient(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(clerk_a)
    body = {"kind": "farmer", "name": "王五", "id_number": "11010519491231002X"}
    # Reading is fine, writing without the token is not.
    assert client.get("/api/v1/customers/").status_code == 200
    refused = client.post("/api/v1/customers/", body, format="json")
    assert refused.status_code == 403
    assert "CSRF" in refused.content.decode()
    assert not Customer.objects.exists()
    # With the token from the cookie the same session may write.
    client.get("/underwriting/customers/new/")
    token = client.cookies["csrftoken"].value
    accepted = client.post("/api/v1/customers/", body, format="json", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 201, accepted.content


def test_api_with_token_auth_needs_no_csrf_token(tree, api_client_user):
    _, key = api_token_create(user=api_client_user, name="erp")
    client = APIClient(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    body = {
        "kind": "farmer",
        "name": "王五",
        "id_number": "11010519491231002X",
        "org_unit": tree.outlet_a.pk,
    }
    response = client.post("/api/v1/customers/", body, format="json")
    assert response.status_code == 201, response.content
