"""Claims-assist fixtures on top of tests/conftest.py (personas: clerk_a,
claims_assist_a, auditor, api_client_user…)."""

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english_messages():
    """Calculators and checks are called here in English so that tests read their
    messages and working lines; pages still get the zh-hans default from the middleware,
    as users do."""
    with translation.override("en"):
        yield
