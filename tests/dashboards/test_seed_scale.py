"""`manage.py seed_scale` with tiny sizes: consistent rows (constraints, numbering,
counters, timers on their subjects) that the dashboard sections read."""

import datetime as dt
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, Max
from django.utils import translation

from claims_assist.models import ClaimCase, ClaimCaseCounter
from complaints.models import Complaint, ComplaintCounter
from core.models import OrgUnit, SlaTimer, User
from dashboards.sections import SECTIONS
from dashboards.sections.base import Period, Scope
from outlets.models import ComplianceScore, QueueTicket
from publicity.models import Notice
from underwriting.models import Policy

SIZES = {"policies": 200, "claims": 50, "complaints": 20, "timers": 100, "tickets": 60}


def seed(code="449901", **extra):
    out = io.StringIO()
    call_command("seed_scale", county=code, outlets=3, stdout=out, **{**SIZES, **extra})
    return out.getvalue()


@pytest.fixture
def county(db):
    output = seed()
    assert "done in" in output
    return OrgUnit.objects.get(code="449901")


def test_creates_the_county_its_outlets_and_staff(county):
    outlets = OrgUnit.objects.filter(parent=county, kind=OrgUnit.Kind.OUTLET)
    assert outlets.count() == 3
    assert county.parent.kind == OrgUnit.Kind.CITY
    assert User.objects.get(username="scale-449901-manager").role == "county_manager"
    assert User.objects.filter(org_unit__in=outlets).count() == 6


def test_rows_of_each_kind_in_the_county(county):
    outlet_ids = list(OrgUnit.objects.filter(parent=county).values_list("pk", flat=True))
    assert Policy.objects.filter(org_unit_id__in=outlet_ids).count() == 200
    assert ClaimCase.objects.filter(org_unit_id__in=outlet_ids).count() == 50
    assert Complaint.objects.filter(county=county).count() == 20
    assert SlaTimer.objects.filter(org_unit_id__in=outlet_ids).count() == 100
    assert QueueTicket.objects.filter(outlet_id__in=outlet_ids).count() == 60
    assert Notice.objects.filter(org_unit_id__in=outlet_ids).exists()
    assert ComplianceScore.objects.filter(outlet_id__in=outlet_ids).count() == 3 * 24


def test_uw_4_every_issued_policy_has_a_number_and_a_split_that_adds_up(county):
    issued = Policy.objects.filter(org_unit__parent=county, issued_at__isnull=False)
    assert issued.exists()
    for policy in issued:
        assert policy.number and policy.split_adds_up()
    statuses = set(Policy.objects.values_list("status", flat=True))
    assert {"issued", "quoted"} <= statuses


def test_cmp_7_complaint_numbers_follow_the_per_day_counter(county):
    # Given the seeded complaints; then numbers are {county}-{yyyymmdd}-{seq}, and each
    # day's counter holds the last sequence used, so that intake continues after it.
    pattern = re.compile(r"^449901-(\d{8})-(\d{4})$")
    last: dict[dt.date, int] = {}
    for number in Complaint.objects.values_list("number", flat=True):
        match = pattern.match(number)
        assert match, number
        day = dt.datetime.strptime(match[1], "%Y%m%d").date()
        last[day] = max(last.get(day, 0), int(match[2]))
    counters = dict(ComplaintCounter.objects.filter(county=county).values_list("day", "last"))
    assert counters == last


def test_claim_case_counters_match_the_numbers(county):
    for day, value in ClaimCaseCounter.objects.filter(county=county).values_list("day", "last"):
        prefix = f"449901-L{day:%Y%m%d}-"
        numbers = ClaimCase.objects.filter(number__startswith=prefix)
        assert numbers.count() == value


def test_timers_point_at_records_of_the_county(county):
    for timer in SlaTimer.objects.select_related("subject_type")[:100]:
        subject = timer.subject
        assert subject is not None, timer
        assert timer.state != SlaTimer.State.RUNNING or timer.due_at is not None
    # OUT-12: the timed tickets link their wait timer.
    timed = QueueTicket.objects.filter(wait_timer__isnull=False)
    assert all(ticket.wait_timer.subject_id == ticket.pk for ticket in timed)


def test_ticket_numbers_are_unique_per_outlet_and_day(county):
    duplicates = (
        QueueTicket.objects.values("outlet", "day", "number")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    assert not duplicates.exists()
    highest = QueueTicket.objects.values("outlet", "day").annotate(top=Max("number"))
    assert all(row["top"] >= 1 for row in highest)


def test_sections_read_the_seeded_county(county):
    # Given the seeded county; when every section is built over the two years
    manager = User.objects.get(username="scale-449901-manager")
    today = dt.date.today()
    scope = Scope(user=manager, unit=county, period=Period(today - dt.timedelta(days=730), today))
    with translation.override("en"):  # the figures are looked up by their English labels
        sections = {
            module.__name__.rsplit(".", 1)[-1]: module.build(scope=scope) for module in SECTIONS
        }
    # then they find its rows.
    values = {
        name: {figure.label: figure.value for figure in section.figures}
        for name, section in sections.items()
    }
    assert values["underwriting"]["Policies issued"] > 0
    assert values["queue"]["Tickets issued"] == 60
    assert values["publicity"]["Group policies applied for"] > 0
    assert values["compliance"]["Outlets without a score"] == 0


def test_refuses_a_county_that_has_scale_data_unless_forced(county):
    with pytest.raises(CommandError, match="already has scale data"):
        seed()
    seed(force=True)
    assert Policy.objects.filter(org_unit__parent=county).count() == 400
    assert Complaint.objects.filter(county=county).count() == 40
    assert len(set(Complaint.objects.values_list("number", flat=True))) == 40


def test_refuses_sqlite(db, monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(CommandError, match="PostgreSQL"):
        seed("449909")
