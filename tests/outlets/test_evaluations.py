"""Satisfaction (OUT-15): one rating per ticket, only after service; the rate per
outlet and period against the target."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.access import NotInScope, ReadOnlyRole
from outlets.models import Evaluation, OutletSettings
from outlets.selectors_queue import evaluation_list, satisfaction
from outlets.services.evaluations import evaluation_record
from tests.outlets.queue_support import MORNING, issue, served

pytestmark = pytest.mark.django_db

QR = Evaluation.Channel.QR
TABLET = Evaluation.Channel.TABLET


def rate(ticket, rating, *, by=None, channel=QR, at=None):
    return evaluation_record(ticket=ticket, rating=rating, channel=channel, by=by, at=at or MORNING)


def test_out_15_rating_after_service_records_outlet_and_clerk(tree, clerk_a):
    ticket = served(tree.outlet_a, clerk_a)

    evaluation = rate(ticket, Evaluation.Rating.VERY_SATISFIED, channel=QR)

    assert evaluation.outlet_id == tree.outlet_a.pk
    assert evaluation.ticket == ticket
    assert evaluation.served_by == clerk_a
    assert evaluation.channel == QR
    assert evaluation.satisfied


def test_out_15_one_rating_per_ticket(tree, clerk_a):
    ticket = served(tree.outlet_a, clerk_a)
    rate(ticket, 4)

    with pytest.raises(ValidationError) as error:
        rate(ticket, 1)
    assert error.value.code == "rated"
    assert Evaluation.objects.count() == 1


def test_out_15_no_rating_before_service_is_done(tree, clerk_a):
    ticket = issue(tree.outlet_a, clerk_a)

    with pytest.raises(ValidationError) as error:
        rate(ticket, 5)
    assert error.value.code == "not_done"


def test_out_15_rating_must_be_one_to_five(tree, clerk_a):
    ticket = served(tree.outlet_a, clerk_a)
    with pytest.raises(ValidationError) as error:
        rate(ticket, 6)
    assert "rating" in error.value.message_dict


def test_out_15_tablet_rating_by_staff_is_scoped(tree, clerk_a, clerk_b, auditor):
    ticket = served(tree.outlet_a, clerk_a)
    with pytest.raises(NotInScope):
        rate(ticket, 5, by=clerk_b, channel=TABLET)
    with pytest.raises(ReadOnlyRole):
        rate(ticket, 5, by=auditor, channel=TABLET)
    assert rate(ticket, 5, by=clerk_a, channel=TABLET).channel == TABLET


def test_out_15_satisfaction_rate_per_outlet_and_period_against_the_target(
    tree, clerk_a, clerk_b, county_manager
):
    # Outlet A in March: 4 of 5 satisfied (80 %); one rating in April does not count.
    for minute, rating in enumerate([5, 4, 4, 5, 3]):
        ticket = served(tree.outlet_a, clerk_a, at=MORNING + dt.timedelta(minutes=minute))
        rate(ticket, rating)
    april = served(tree.outlet_a, clerk_a, at=MORNING + dt.timedelta(days=30))
    rate(april, 1, at=MORNING + dt.timedelta(days=30))
    rate(served(tree.outlet_b, clerk_b), 1)

    march = satisfaction(outlet=tree.outlet_a, start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31))
    assert (march.evaluations, march.satisfied) == (5, 4)
    assert march.rate == Decimal("0.800")
    assert march.target == Decimal("0.800")
    assert march.meets_target is True

    # The county raises its target: the same month falls short.
    OutletSettings.objects.create(county=tree.county, satisfaction_target=Decimal("0.900"))
    stricter = satisfaction(
        outlet=tree.outlet_a, start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31)
    )
    assert stricter.target == Decimal("0.900")
    assert stricter.meets_target is False

    b = satisfaction(outlet=tree.outlet_b, start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31))
    assert (b.rate, b.meets_target) == (Decimal("0.000"), False)
    empty = satisfaction(outlet=tree.outlet_c, start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 31))
    assert (empty.evaluations, empty.rate, empty.meets_target) == (0, None, None)

    assert evaluation_list(user=clerk_b).count() == 1
    assert evaluation_list(user=county_manager).count() == 7
