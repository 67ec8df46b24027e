"""CMP-8: the complaint figures of a branch over a period (counts, first-response and
resolution hours with median and p90, escalations, satisfaction, reopenings, REG-2
breaches), scoped (OUT-1), and the per-complaint exports as CSV and Excel, logged and
masked (REG-3); the page and the API with their refusals."""

import csv
import datetime as dt
import io
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from rest_framework.test import APIClient

from complaints.models import Channel, Complaint, Escalation, Topic
from complaints.reports import (
    complaint_report,
    percentile,
    report_complaints,
    time_stats,
)
from core.models import PersonalDataAccess, Role, SlaTimer, User
from core.timers import timer_start
from tests.complaints.factories import ComplaintFactory
from tests.factories import UserFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
MARCH = {"date_from": dt.date(2026, 3, 1), "date_to": dt.date(2026, 3, 31)}
MARCH_QUERY = "date_from=2026-03-01&date_to=2026-03-31"
PHONE = "13912345678"


def at(day: int, hour: int = 9, month: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=SHANGHAI)


def complaint(user, *, received_at, response=None, outcome=None, **fields) -> Complaint:
    """A complaint of `user`'s outlet answered `response` hours and told its outcome
    `outcome` hours after receipt."""
    if outcome is not None:
        fields.setdefault("status", Complaint.Status.RESOLVED)
        fields.setdefault("outcome", "已核实并退还多收保费。")
        fields["outcome_told_at"] = received_at + dt.timedelta(hours=outcome)
    if response is not None:
        fields["first_response_at"] = received_at + dt.timedelta(hours=response)
        fields.setdefault("status", Complaint.Status.IN_PROGRESS)
    if fields.get("status") == Complaint.Status.CLOSED:
        fields["closed_at"] = fields["outcome_told_at"]
    return ComplaintFactory(
        first_responder=user, received_at=received_at, contact_phone=PHONE, **fields
    )


@dataclass
class Book:
    a: list[Complaint]
    b: Complaint
    c: Complaint


@pytest.fixture
def clerk_c(tree) -> User:
    return UserFactory(username="clerk_c", org_unit=tree.outlet_c, role=Role.CLERK)


def breach(subject: Complaint, rule_code: str = "REG-2") -> SlaTimer:
    timer = timer_start(subject=subject, rule_code=rule_code, org_unit=subject.org_unit)
    SlaTimer.objects.filter(pk=timer.pk).update(state=SlaTimer.State.BREACHED)
    return timer


@pytest.fixture
def book(tree, clerk_a, clerk_b, clerk_c, outlet_head_a) -> Book:
    """Outlet A: first responses after 1, 2, 3, 4 and 10 hours; outcomes told after 24,
    48 and 72 hours. Outlet B and the other county: one each. Outside March: two more."""
    satisfied, unsatisfied = Complaint.Satisfaction.SATISFIED, Complaint.Satisfaction.UNSATISFIED
    a = [
        complaint(
            clerk_a,
            received_at=at(2),
            response=1,
            outcome=24,
            status=Complaint.Status.CLOSED,
            satisfaction=satisfied,
            complainant_name="张三丰",
        ),
        complaint(
            clerk_a,
            received_at=at(3),
            response=2,
            outcome=48,
            satisfaction=unsatisfied,
            reopen_count=1,
            topic=Topic.CLAIMS,
            channel=Channel.PHONE,
        ),
        complaint(clerk_a, received_at=at(4), response=3, topic=Topic.CLAIMS),
        complaint(clerk_a, received_at=at(5), response=4, channel=Channel.LETTER),
        complaint(
            clerk_a,
            received_at=at(6),
            response=10,
            outcome=72,
            status=Complaint.Status.CLOSED,
            satisfaction=satisfied,
        ),
    ]
    now = at(20)
    Escalation.objects.create(
        complaint=a[2],
        step=1,
        role="outlet_head",
        escalated_at=now,
        due_at=now,
        acted_at=now,
        acted_by=outlet_head_a,
    )
    Escalation.objects.create(
        complaint=a[3], step=1, role="outlet_head", escalated_at=now, due_at=now
    )
    Escalation.objects.create(
        complaint=a[3], step=2, role="county_manager", escalated_at=now, due_at=now
    )
    breach(a[3])
    b = complaint(clerk_b, received_at=at(10), response=5, outcome=30, satisfaction=satisfied)
    c = complaint(clerk_c, received_at=at(11), response=50, satisfaction=unsatisfied)
    breach(c)
    Escalation.objects.create(complaint=c, step=1, role="outlet_head", escalated_at=now, due_at=now)
    # Just outside the period, both sides of it (Beijing time).
    complaint(clerk_a, received_at=dt.datetime(2026, 2, 28, 23, 59, tzinfo=SHANGHAI), response=1)
    complaint(clerk_a, received_at=dt.datetime(2026, 4, 1, 0, 0, tzinfo=SHANGHAI), response=1)
    return Book(a=a, b=b, c=c)


def counts(lines) -> dict[str, int]:
    return {line.value: line.count for line in lines}


# --- The figures --------------------------------------------------------------------------
def test_cmp_8_percentiles_interpolate_like_percentile_cont():
    values = [1.0, 2.0, 3.0, 4.0, 10.0]
    assert percentile(values, 0.5) == 3.0
    assert percentile(values, 0.9) == pytest.approx(7.6)
    assert percentile([5.0], 0.9) == 5.0
    assert percentile([1.0, 2.0], 0.5) == 1.5


@pytest.mark.parametrize(
    "in_sql",
    [
        pytest.param(
            True,
            id="postgresql",
            marks=pytest.mark.skipif(
                connection.vendor != "postgresql", reason="percentile_cont is PostgreSQL's"
            ),
        ),
        pytest.param(False, id="python"),
    ],
)
def test_cmp_8_first_response_and_resolution_median_and_p90(book, county_manager, tree, in_sql):
    complaints = report_complaints(user=county_manager, org_unit=tree.outlet_a, **MARCH)
    first = time_stats(complaints=complaints, end_field="first_response_at", in_sql=in_sql)[None]
    assert (first.count, first.median_hours, first.p90_hours) == (5, 3.0, 7.6)
    done = time_stats(complaints=complaints, end_field="outcome_told_at", in_sql=in_sql)[None]
    assert (done.count, done.median_hours, done.p90_hours) == (3, 48.0, 67.2)
    per_unit = time_stats(
        complaints=report_complaints(user=county_manager, **MARCH),
        end_field="first_response_at",
        by_unit=True,
        in_sql=in_sql,
    )
    assert per_unit[tree.outlet_a.pk].median_hours == 3.0
    assert per_unit[tree.outlet_b.pk].median_hours == 5.0
    assert tree.outlet_c.pk not in per_unit


def test_cmp_8_counts_by_channel_topic_status_and_unit(book, county_manager, tree):
    report = complaint_report(user=county_manager, **MARCH)
    assert report.received == 6
    assert counts(report.by_channel) == {
        "counter": 4,
        "face_to_face": 0,
        "letter": 1,
        "visit": 0,
        "phone": 1,
        "online": 0,
    }
    assert counts(report.by_topic)["claims"] == 2
    assert counts(report.by_topic)["underwriting"] == 4
    assert counts(report.by_status) == {
        "open": 0,
        "forwarded": 0,
        "in_progress": 2,
        "resolved": 2,
        "closed": 2,
    }
    units = {line.org_unit_id: line for line in report.by_unit}
    assert list(units) == [tree.outlet_a.pk, tree.outlet_b.pk]
    assert (units[tree.outlet_a.pk].received, units[tree.outlet_b.pk].received) == (5, 1)
    assert units[tree.outlet_a.pk].first_response.p90_hours == 7.6
    assert (report.waiting_response, report.waiting_resolution) == (0, 2)
    # Over both outlets: 1, 2, 3, 4, 5, 10 hours.
    assert (report.first_response.median_hours, report.first_response.p90_hours) == (3.5, 7.5)


def test_cmp_8_satisfaction_is_satisfied_over_evaluated(book, county_manager, tree):
    complaints = report_complaints(user=county_manager, **MARCH)
    complaints.filter(pk=book.b.pk).update(satisfaction=Complaint.Satisfaction.NO_ANSWER)
    report = complaint_report(user=county_manager, **MARCH)
    # Outlet A: satisfied, unsatisfied, satisfied; B could not be reached (not evaluated).
    assert (report.satisfied, report.unsatisfied, report.evaluated) == (2, 1, 3)
    assert report.unreachable == 1
    assert report.satisfaction_rate == pytest.approx(0.6667)
    units = {line.org_unit_id: line for line in report.by_unit}
    assert (units[tree.outlet_a.pk].satisfied, units[tree.outlet_a.pk].evaluated) == (2, 3)
    assert units[tree.outlet_b.pk].satisfaction_rate is None


def test_cmp_8_escalations_by_step_and_acted_on(book, county_manager, tree):
    report = complaint_report(user=county_manager, **MARCH)
    assert (report.escalated, report.escalations_acted) == (2, 1)
    assert [(s.step, s.fired, s.acted) for s in report.escalation_steps] == [(1, 2, 1), (2, 1, 0)]
    units = {line.org_unit_id: line for line in report.by_unit}
    assert (units[tree.outlet_a.pk].escalated, units[tree.outlet_b.pk].escalated) == (2, 0)


def test_cmp_8_reopened_and_reg_2_breaches(book, county_manager, tree):
    breach(book.a[1], "REG-2-extended")
    timer_start(subject=book.a[0], rule_code="REG-2", org_unit=tree.outlet_a)  # running
    breach(book.a[0], "CMP-4-response-general")  # not the regulator's bound
    Complaint.objects.filter(pk=book.a[4].pk).update(reopen_count=2)
    report = complaint_report(user=county_manager, **MARCH)
    assert (report.reopened, report.reopenings) == (2, 3)
    # a[3] REG-2 and a[1] REG-2-extended; not the running one, nor the other county's.
    assert report.reg2_breaches == 2


def test_cmp_8_period_runs_midnight_to_midnight_beijing_time(book, county_manager, tree):
    report = complaint_report(
        user=county_manager,
        org_unit=tree.outlet_a,
        date_from=dt.date(2026, 2, 28),
        date_to=dt.date(2026, 3, 2),
    )
    assert report.received == 2  # 28 Feb 23:59 and 2 Mar 09:00
    april = complaint_report(
        user=county_manager, date_from=dt.date(2026, 4, 1), date_to=dt.date(2026, 4, 1)
    )
    assert april.received == 1  # 1 April 00:00


def test_cmp_8_default_period_is_this_month(book, county_manager, time_machine):
    time_machine.move_to(at(15, 12), tick=False)
    report = complaint_report(user=county_manager)
    assert (report.date_from, report.date_to) == (dt.date(2026, 3, 1), dt.date(2026, 3, 15))
    assert report.received == 6  # outlet A's five and outlet B's one, not 28 February


def test_cmp_8_reversed_period_is_refused(county_manager):
    with pytest.raises(ValidationError) as error:
        complaint_report(
            user=county_manager, date_from=dt.date(2026, 3, 31), date_to=dt.date(2026, 3, 1)
        )
    assert "date_to" in error.value.message_dict


# --- Scope (OUT-1) --------------------------------------------------------------------------
def test_cmp_8_out_1_each_user_sees_the_figures_of_their_branch(
    book, tree, clerk_a, clerk_b, outlet_head_a, county_manager, claims_centre, auditor
):
    assert complaint_report(user=clerk_a, **MARCH).received == 5
    clerk_b_report = complaint_report(user=clerk_b, **MARCH)
    assert clerk_b_report.received == 1
    assert [line.org_unit_id for line in clerk_b_report.by_unit] == [tree.outlet_b.pk]
    assert clerk_b_report.escalated == 0 and clerk_b_report.reg2_breaches == 0
    assert complaint_report(user=outlet_head_a, **MARCH).received == 5
    assert complaint_report(user=auditor, **MARCH).received == 6
    # The other county's complaint is only in the city's figures.
    assert complaint_report(user=county_manager, **MARCH).reg2_breaches == 1
    city = complaint_report(user=claims_centre, **MARCH)
    assert (city.received, city.reg2_breaches) == (7, 2)


def test_cmp_8_a_complaint_is_counted_by_the_unit_that_handles_it(book, tree, clerk_a):
    """CMP-1 keeps a handed-over complaint visible to its receiver; the report counts it
    where it is handled."""
    moved = book.a[2]
    Complaint.objects.filter(pk=moved.pk).update(org_unit=tree.outlet_b)
    assert complaint_report(user=clerk_a, **MARCH).received == 4


# --- The page -------------------------------------------------------------------------------
@pytest.fixture
def client(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def test_cmp_8_report_page_shows_the_branchs_figures(client, book, tree, county_manager):
    client.force_login(county_manager)
    response = client.get(f"/complaints/reports/?{MARCH_QUERY}")
    assert response.status_code == 200
    html = response.content.decode()
    assert tree.outlet_a.name in html and tree.outlet_b.name in html
    assert tree.outlet_c.name not in html
    assert response.context["report"].received == 6
    assert "7.6" in html and "75.0%" in html
    assert "/complaints/reports/export.csv?" in html


def test_cmp_8_report_page_narrows_to_a_unit_of_the_branch(client, book, tree, county_manager):
    client.force_login(county_manager)
    response = client.get(f"/complaints/reports/?{MARCH_QUERY}&org_unit={tree.outlet_b.pk}")
    assert response.context["report"].received == 1


def test_cmp_8_clerk_sees_their_outlets_figures_without_exports(client, book, clerk_b):
    client.force_login(clerk_b)
    response = client.get(f"/complaints/reports/?{MARCH_QUERY}")
    assert response.context["report"].received == 1
    assert "export.csv" not in response.content.decode()
    assert client.get(f"/complaints/reports/export.csv?{MARCH_QUERY}").status_code == 403
    assert not PersonalDataAccess.objects.exists()


def test_cmp_8_out_1_unit_outside_the_branch_is_not_found(
    client, book, tree, clerk_b, county_manager
):
    client.force_login(clerk_b)
    assert client.get(f"/complaints/reports/?org_unit={tree.outlet_a.pk}").status_code == 404
    assert client.get(f"/complaints/reports/?org_unit={tree.county.pk}").status_code == 404
    assert client.get("/complaints/reports/?org_unit=abc").status_code == 404
    client.force_login(county_manager)
    assert client.get(f"/complaints/reports/?org_unit={tree.outlet_c.pk}").status_code == 404
    url = f"/complaints/reports/export.xlsx?org_unit={tree.outlet_c.pk}"
    assert client.get(url).status_code == 404


def test_cmp_8_report_page_shows_a_reversed_period_as_an_error(client, county_manager):
    client.force_login(county_manager)
    response = client.get("/complaints/reports/?date_from=2026-03-31&date_to=2026-03-01")
    assert response.status_code == 200
    assert response.context["report"] is None
    assert "The end of the period is before its start." in response.content.decode()
    export = client.get("/complaints/reports/export.csv?date_from=2026-03-31&date_to=2026-03-01")
    assert export.status_code == 302


def test_cmp_8_report_page_needs_a_login(client):
    assert client.get("/complaints/reports/").status_code == 302


def _csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def test_cmp_8_reg_3_csv_export_masked_and_logged(client, book, tree, outlet_head_a):
    client.force_login(outlet_head_a)
    response = client.get(f"/complaints/reports/export.csv?{MARCH_QUERY}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="complaints-20260301-20260331.csv"' in response["Content-Disposition"]
    header, *rows = _csv(response)
    assert header[0] == "Complaint number" and len(header) == 11
    assert [row[0] for row in rows] == [c.number for c in book.a]
    first, _second, third, fourth, fifth = rows
    assert first[1] == "2026-03-02 09:00"
    assert (first[6], first[7], first[10]) == ("1.0", "24.0", "张*丰")
    assert (third[7], third[8]) == ("", "1")
    assert fourth[8] == "1,2"
    assert fifth[6] == "10.0"
    body = "\n".join(",".join(row) for row in rows)
    assert PHONE not in body and "张三丰" not in body
    log = PersonalDataAccess.objects.get()
    assert (log.user, log.action, log.row_count) == (
        outlet_head_a,
        PersonalDataAccess.Action.EXPORT,
        5,
    )
    assert log.model == "complaints.Complaint" and "CMP-8" in log.purpose


def test_cmp_8_reg_3_excel_export(client, book, tree, county_manager):
    client.force_login(county_manager)
    response = client.get(f"/complaints/reports/export.xlsx?{MARCH_QUERY}")
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][0] == "Complaint number"
    assert [row[0] for row in rows[1:]] == [*(c.number for c in book.a), book.b.number]
    first = rows[1]
    assert first[1] == dt.datetime(2026, 3, 2, 9, 0)
    assert (first[6], first[7], first[10]) == (1.0, 24.0, "张*丰")
    assert rows[4][8] == "1,2"
    assert PHONE not in repr(rows)
    assert PersonalDataAccess.objects.get().row_count == 6


# --- The API --------------------------------------------------------------------------------
def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_cmp_8_api_report_figures(book, tree, county_manager):
    response = api(county_manager).get("/api/v1/complaints/report/?from=2026-03-01&to=2026-03-31")
    assert response.status_code == 200
    data = response.json()
    assert (data["date_from"], data["date_to"], data["org_unit"]) == (
        "2026-03-01",
        "2026-03-31",
        None,
    )
    assert data["received"] == 6
    assert data["first_response"] == {"count": 6, "median_hours": 3.5, "p90_hours": 7.5}
    assert data["escalation_steps"] == [
        {"step": 1, "fired": 2, "acted": 1},
        {"step": 2, "fired": 1, "acted": 0},
    ]
    assert data["satisfaction_rate"] == 0.75
    assert [u["code"] for u in data["by_unit"]] == [tree.outlet_a.code, tree.outlet_b.code]
    narrowed = api(county_manager).get(
        f"/api/v1/complaints/report/?from=2026-03-01&to=2026-03-31&org_unit={tree.outlet_a.pk}"
    )
    assert narrowed.json()["org_unit"]["code"] == tree.outlet_a.code
    assert narrowed.json()["first_response"]["p90_hours"] == 7.6


def test_cmp_8_api_refusals(book, tree, clerk_b, county_manager):
    response = api(clerk_b).get(f"/api/v1/complaints/report/?org_unit={tree.outlet_a.pk}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    export = f"/api/v1/complaints/report/export.csv?org_unit={tree.outlet_a.pk}"
    assert api(county_manager).get(export).status_code == 200
    assert api(clerk_b).get("/api/v1/complaints/report/export.csv").status_code == 403
    reversed_period = api(county_manager).get(
        "/api/v1/complaints/report/?from=2026-03-31&to=2026-03-01"
    )
    assert reversed_period.status_code == 400
    assert "to" in reversed_period.json()["error"]["fields"]
    assert APIClient().get("/api/v1/complaints/report/").status_code in (401, 403)
    assert (
        api(county_manager)
        .get(f"/api/v1/complaints/report/export.csv?org_unit={tree.outlet_c.pk}")
        .status_code
        == 404
    )


def test_cmp_8_api_export_csv_for_an_api_client(book, tree, api_client_user):
    response = api(api_client_user).get(
        "/api/v1/complaints/report/export.csv?from=2026-03-01&to=2026-03-31",
        HTTP_ACCEPT="text/csv",
    )
    assert response.status_code == 200
    header, *rows = _csv(response)
    assert len(rows) == 6 and header[-1] == "投诉人"
    log = PersonalDataAccess.objects.get()
    assert (log.user, log.row_count) == (api_client_user, 6)


def test_cmp_8_api_schema_lists_the_report_endpoints(client, county_manager):
    client.force_login(county_manager)
    schema = client.get("/api/schema/?format=json").json()
    assert "/api/v1/complaints/report/" in schema["paths"]
    parameters = {
        p["name"] for p in schema["paths"]["/api/v1/complaints/report/"]["get"]["parameters"]
    }
    assert {"from", "to", "org_unit"} <= parameters
