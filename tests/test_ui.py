"""The browser shell: auth pages, role navigation, the SLA timer pages (SLA-1, SLA-6) and
their scoping to the org tree (OUT-1)."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from core import timers
from core.models import Clock, Role, SlaTimer, SweepHeartbeat, TimerRule
from tests.factories import DEMO_PASSWORD, UserFactory

SH = ZoneInfo("Asia/Shanghai")


def start(owner, unit, *, minutes_ago=0, rule_code="OUT-12") -> SlaTimer:
    """A timer on the outlet itself (any model instance will do as the subject)."""
    return timers.timer_start(
        subject=unit,
        rule_code=rule_code,
        org_unit=unit,
        owner=owner,
        started_at=timezone.now() - dt.timedelta(minutes=minutes_ago),
    )


def fresh_heartbeat():
    now = timezone.now()
    SweepHeartbeat.objects.update_or_create(
        name=timers.SWEEP_HEARTBEAT, defaults={"last_started_at": now, "last_finished_at": now}
    )


def nav_urls(response) -> list[str]:
    return [item["url"] for item in response.context["nav_items"]]


@pytest.fixture
def clerk_c(tree):
    """A clerk of the other county."""
    return UserFactory(username="clerk_c", org_unit=tree.outlet_c, role=Role.CLERK)


@pytest.fixture
def other_manager(tree):
    return UserFactory(username="manager_c", org_unit=tree.other_county, role=Role.COUNTY_MANAGER)


# --- Auth pages ------------------------------------------------------------------------


@pytest.mark.django_db
def test_login_page_renders_in_chinese_by_default(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "三农服务台" in html
    assert "登录" in html
    assert "Log in" not in html


def test_login_then_logout_by_post(client, clerk_a):
    response = client.post(reverse("login"), {"username": "clerk_a", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200

    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert client.get(reverse("home")).status_code == 302


def test_lockout_after_failure_limit_refuses_even_the_right_password(client, clerk_a):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(reverse("login"), {"username": "clerk_a", "password": "wrong"})
        assert response.status_code == 200
        assert "registration/login.html" in [t.name for t in response.templates]

    response = client.post(reverse("login"), {"username": "clerk_a", "password": "wrong"})
    assert response.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in response.templates]

    response = client.post(reverse("login"), {"username": "clerk_a", "password": DEMO_PASSWORD})
    assert response.status_code == 429
    html = response.content.decode()
    assert "账号已锁定" in html
    assert "锁定 30 分钟" in html
    assert "县支公司系统管理员" in html
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("home")).status_code == 302


def test_lockout_is_by_username_not_by_address(client, clerk_a, clerk_b):
    """One person's typos must not lock the whole counter (shared NAT address) out."""
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "clerk_a", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "clerk_b", "password": DEMO_PASSWORD})
    assert response.status_code == 302


def test_password_change_works(client, clerk_a):
    client.force_login(clerk_a)
    assert client.get(reverse("password_change")).status_code == 200
    new = "Yangshan-county-2027"
    response = client.post(
        reverse("password_change"),
        {"old_password": DEMO_PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
    assert "密码已修改" in client.get(reverse("password_change_done")).content.decode()
    clerk_a.refresh_from_db()
    assert clerk_a.check_password(new)

    client.post(reverse("logout"))
    response = client.post(reverse("login"), {"username": "clerk_a", "password": new})
    assert response.status_code == 302


def test_password_change_refuses_a_wrong_old_password(client, clerk_a):
    client.force_login(clerk_a)
    response = client.post(
        reverse("password_change"),
        {"old_password": "nope", "new_password1": "Abc-12345-x", "new_password2": "Abc-12345-x"},
    )
    assert response.status_code == 200
    clerk_a.refresh_from_db()
    assert clerk_a.check_password(DEMO_PASSWORD)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/timers/",
        "/timers/mine/",
        "/timers/1/",
        "/password/change/",
        "/password/change/done/",
    ],
)
def test_anonymous_is_redirected_to_login_for_every_page(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_language_switch_to_english(client, clerk_a):
    client.force_login(clerk_a)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/timers/mine/"})
    assert response.status_code == 302
    html = client.get(reverse("my_timers")).content.decode()
    assert '<html lang="en">' in html
    assert "My timers" in html
    assert "Sannong Desk" in html


# --- Navigation by role ----------------------------------------------------------------


UNDERWRITING = [
    "/underwriting/",
    "/underwriting/groups/",
    "/underwriting/changes/",
    "/publicity/",
    "/claims/cases/",
    "/complaints/",
    "/outlets/",
]


def test_navigation_differs_by_role(client, clerk_a, county_manager, auditor):
    fresh_heartbeat()
    client.force_login(clerk_a)
    assert nav_urls(client.get("/")) == ["/", "/timers/mine/", "/inbox/", *UNDERWRITING]

    client.force_login(county_manager)
    assert nav_urls(client.get("/")) == [
        "/",
        "/timers/mine/",
        "/inbox/",
        *UNDERWRITING,
        "/timers/",
        "/dashboards/",
    ]

    county_manager.is_staff = True
    county_manager.save()
    assert nav_urls(client.get("/")) == [
        "/",
        "/timers/mine/",
        "/inbox/",
        *UNDERWRITING,
        "/timers/",
        "/dashboards/",
        "/admin/",
    ]

    client.force_login(auditor)
    assert nav_urls(client.get("/")) == [
        "/",
        "/timers/mine/",
        "/inbox/",
        *UNDERWRITING,
        "/timers/",
        "/dashboards/",
    ]


def test_navigation_marks_the_current_page(client, clerk_a):
    client.force_login(clerk_a)
    html = client.get(reverse("my_timers")).content.decode()
    assert '<a href="/timers/mine/" aria-current="page">' in html


def test_top_bar_shows_name_role_and_unit(client, clerk_a):
    client.force_login(clerk_a)
    html = client.get("/").content.decode()
    assert str(clerk_a) in html
    assert "出单员" in html
    assert "阳城镇三农营销服务部" in html


def test_sla_1_stale_sweep_banner_is_shown_to_managers(client, clerk_a, county_manager):
    client.force_login(county_manager)
    assert 'id="sweep-alarm"' in client.get("/").content.decode()
    client.force_login(clerk_a)
    assert 'id="sweep-alarm"' not in client.get("/").content.decode()

    fresh_heartbeat()
    client.force_login(county_manager)
    assert 'id="sweep-alarm"' not in client.get("/").content.decode()


def test_pages_obey_the_strict_csp(client, clerk_a, county_manager):
    """No inline script or style: the CSP (script-src/style-src 'self') would block it."""
    timer = start(clerk_a, clerk_a.org_unit)
    pages = [
        (clerk_a, "/"),
        (clerk_a, "/timers/mine/"),
        (clerk_a, f"/timers/{timer.pk}/"),
        (clerk_a, "/password/change/"),
        (county_manager, "/"),
        (county_manager, "/timers/"),
    ]
    for user, url in pages:
        client.force_login(user)
        response = client.get(url)
        html = response.content.decode()
        assert "script-src 'self'" in response["Content-Security-Policy"]
        assert not re.search(r"\sstyle=", html), url
        assert "<style" not in html, url
        assert not re.search(r"<script(?![^>]*\ssrc=)", html), url
        assert not re.search(r"\son[a-z]+=", html), url
        assert '"includeIndicatorStyles": false' in html


# --- Dashboard ----------------------------------------------------------------------------


def test_home_counts_the_clerks_own_timers(client, tree, clerk_a, clerk_b):
    start(clerk_a, tree.outlet_a)
    start(clerk_a, tree.outlet_a, minutes_ago=45)
    start(clerk_b, tree.outlet_b)
    client.force_login(clerk_a)
    response = client.get("/")
    counts = response.context["own_counts"]
    assert counts["running"] == 2
    assert counts["overdue"] == 1
    assert "branch_counts" not in response.context


def test_home_shows_managers_the_branch_breaches_and_heartbeat(
    client, tree, clerk_a, clerk_c, county_manager
):
    start(clerk_a, tree.outlet_a)
    start(clerk_c, tree.outlet_c)
    breached = start(clerk_a, tree.outlet_a, minutes_ago=45)
    timers.timers_sweep()
    breached.refresh_from_db()
    assert breached.state == SlaTimer.State.BREACHED

    client.force_login(county_manager)
    response = client.get("/")
    counts = response.context["branch_counts"]
    assert counts["running"] == 1
    assert counts["breached"] == 1
    assert counts["breached_recently"] == 1
    assert response.context["heartbeat_age"] is not None
    assert "最近一次巡检完成于" in response.content.decode()


# --- My timers (SLA-6) ------------------------------------------------------------------


def test_my_timers_lists_only_the_users_own_timers(client, tree, clerk_a, clerk_b, claims_assist_a):
    mine = start(clerk_a, tree.outlet_a)
    colleague = start(claims_assist_a, tree.outlet_a)
    other = start(clerk_b, tree.outlet_b)
    client.force_login(clerk_a)
    response = client.get(reverse("my_timers"))
    listed = [t.pk for t in response.context["page"]]
    assert listed == [mine.pk]
    html = response.content.decode()
    assert f"/timers/{mine.pk}/" in html
    assert f"/timers/{colleague.pk}/" not in html
    assert f"/timers/{other.pk}/" not in html


def test_sla_6_my_timers_shows_time_left_and_breach_action(client, tree, clerk_a):
    running = start(clerk_a, tree.outlet_a, minutes_ago=10)
    overdue = start(clerk_a, tree.outlet_a, minutes_ago=45)
    client.force_login(clerk_a)
    html = client.get(reverse("my_timers")).content.decode()

    assert "OUT-12" in html
    assert "柜面等候" in html
    assert str(tree.outlet_a) in html
    assert "计时中" in html
    due = timezone.localtime(running.due_at, SH).strftime("%Y-%m-%d %H:%M")
    assert due in html
    assert "剩余 19 分钟" in html
    assert "已超时 15 分钟" in html
    assert "计入本营销服务部的等候超时次数" in html
    # The most urgent first: the overdue timer leads.
    assert html.index(f"/timers/{overdue.pk}/") < html.index(f"/timers/{running.pk}/")


def test_sla_6_my_timers_in_english_shows_time_left(client, tree, clerk_a):
    start(clerk_a, tree.outlet_a, minutes_ago=10)
    client.force_login(clerk_a)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get(reverse("my_timers")).content.decode()
    assert "19 minutes left" in html
    assert "On breach" in html
    assert "OUT-12" in html


def test_sla_4_provisional_timer_is_marked(client, tree, clerk_a):
    timer = start(clerk_a, tree.outlet_a)
    SlaTimer.objects.filter(pk=timer.pk).update(provisional=True)
    client.force_login(clerk_a)
    html = client.get(reverse("my_timers")).content.decode()
    assert "badge-provisional" in html
    assert "暂定" in html


def test_sla_6_paused_timer_shows_the_time_kept(client, tree, clerk_a):
    timer = start(clerk_a, tree.outlet_a, minutes_ago=10)
    timers.timer_pause(timer=timer, reason="客户回家取身份证", by=clerk_a)
    client.force_login(clerk_a)
    html = client.get(reverse("my_timers")).content.decode()
    assert "已暂停" in html
    assert "恢复后剩余 19 分钟" in html


def test_my_timers_htmx_refresh_returns_only_the_table(client, tree, clerk_a):
    start(clerk_a, tree.outlet_a)
    client.force_login(clerk_a)
    response = client.get(reverse("my_timers"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html
    assert 'id="timer-table"' in html
    assert 'hx-trigger="every 60s"' in html
    assert "HX-Request" in response["Vary"]

    full = client.get(reverse("my_timers")).content.decode()
    assert 'hx-get="/timers/mine/"' in full
    assert "<html" in full


# --- Timer detail (SLA-6) ---------------------------------------------------------------


def test_sla_6_timer_detail_shows_pauses_and_events(client, tree, clerk_a):
    timer = start(clerk_a, tree.outlet_a)
    timers.timer_pause(timer=timer, reason="等候客户补交材料", by=clerk_a)
    timers.timer_resume(timer=timer, by=clerk_a)
    client.force_login(clerk_a)
    response = client.get(reverse("timer_detail", args=[timer.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "等候客户补交材料" in html
    for kind in ("开始计时", "已暂停", "恢复计时"):
        assert kind in html
    assert "计入本营销服务部的等候超时次数" in html
    assert str(clerk_a) in html


# --- Refusals (OUT-1) ------------------------------------------------------------------


def test_it_validates_ownership_of_timer_detail(client, tree, clerk_a, clerk_b):
    """A clerk of another outlet gets 404, never a hint that the timer exists."""
    timer = start(clerk_a, tree.outlet_a)
    client.force_login(clerk_b)
    assert client.get(reverse("timer_detail", args=[timer.pk])).status_code == 404
    assert client.get(reverse("timer_detail", args=[999999])).status_code == 404


def test_out_1_clerk_of_another_county_cannot_see_branch_timers(client, tree, clerk_a, clerk_c):
    timer = start(clerk_a, tree.outlet_a)
    client.force_login(clerk_c)
    assert client.get(reverse("branch_timers")).status_code == 403
    assert client.get(reverse("timer_detail", args=[timer.pk])).status_code == 404


def test_out_1_branch_timers_are_scoped_to_the_managers_subtree(
    client, tree, clerk_a, clerk_b, clerk_c, county_manager, other_manager
):
    a = start(clerk_a, tree.outlet_a)
    b = start(clerk_b, tree.outlet_b)
    c = start(clerk_c, tree.outlet_c)

    client.force_login(county_manager)
    response = client.get(reverse("branch_timers"))
    assert {t.pk for t in response.context["page"]} == {a.pk, b.pk}
    assert client.get(reverse("timer_detail", args=[b.pk])).status_code == 200

    client.force_login(other_manager)
    response = client.get(reverse("branch_timers"))
    assert {t.pk for t in response.context["page"]} == {c.pk}
    assert client.get(reverse("timer_detail", args=[a.pk])).status_code == 404


def test_branch_timers_filter_by_state(client, tree, clerk_a, county_manager):
    running = start(clerk_a, tree.outlet_a)
    paused = timers.timer_pause(timer=start(clerk_a, tree.outlet_a), reason="x")
    client.force_login(county_manager)
    response = client.get(reverse("branch_timers"), {"state": "paused"})
    assert [t.pk for t in response.context["page"]] == [paused.pk]
    response = client.get(reverse("branch_timers"), {"state": "bogus"})
    assert {t.pk for t in response.context["page"]} == {running.pk, paused.pk}


def test_sla_6_branch_timers_filter_by_rule_and_unit(
    client, tree, clerk_a, clerk_b, clerk_c, county_manager
):
    # Given timers of two rules at outlet A, one at outlet B and one in the other county.
    a_wait = start(clerk_a, tree.outlet_a)
    a_major = start(clerk_a, tree.outlet_a, rule_code="CLM-4")
    start(clerk_b, tree.outlet_b)
    client.force_login(county_manager)
    # When the manager follows a dashboard link to one rule below outlet A.
    response = client.get(reverse("branch_timers"), {"rule": "CLM-4", "unit": tree.outlet_a.pk})
    # Then only that rule's timers there are listed.
    assert [t.pk for t in response.context["page"]] == [a_major.pk]
    response = client.get(reverse("branch_timers"), {"unit": tree.outlet_a.pk})
    assert {t.pk for t in response.context["page"]} == {a_wait.pk, a_major.pk}
    # A unit outside the manager's branch is not found.
    assert client.get(reverse("branch_timers"), {"unit": tree.outlet_c.pk}).status_code == 404


def test_auditor_reads_branch_timers(client, tree, clerk_a, auditor):
    timer = start(clerk_a, tree.outlet_a)
    client.force_login(auditor)
    response = client.get(reverse("branch_timers"))
    assert response.status_code == 200
    assert [t.pk for t in response.context["page"]] == [timer.pk]
    assert "只读查看" in response.content.decode()


def test_superuser_sees_every_branch(client, tree, clerk_a, clerk_c):
    admin = UserFactory(username="root", role="", is_superuser=True, is_staff=True)
    a, c = start(clerk_a, tree.outlet_a), start(clerk_c, tree.outlet_c)
    client.force_login(admin)
    response = client.get(reverse("branch_timers"))
    assert {t.pk for t in response.context["page"]} == {a.pk, c.pk}
    assert "/admin/" in nav_urls(response)


def test_out_1_outlet_head_reviews_only_their_outlets_timers(
    client, tree, clerk_a, clerk_b, outlet_head_a
):
    from core import timers

    mine = timers.timer_start(subject=tree.outlet_a, rule_code="OUT-12", org_unit=tree.outlet_a)
    other = timers.timer_start(subject=tree.outlet_b, rule_code="OUT-12", org_unit=tree.outlet_b)
    client.force_login(outlet_head_a)
    shown = set(client.get(reverse("branch_timers")).context["page"])
    assert mine in shown and other not in shown


def test_ui_is_chinese_even_for_an_english_browser_until_the_user_switches(client, clerk_a):
    client.force_login(clerk_a)
    body = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-US,en").content.decode()
    assert "三农服务台" in body
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-US,en").content.decode()
    assert "Sannong Desk" in body


def test_sla_2_breach_message_reaches_the_owners_inbox_once(client, tree, clerk_a, clerk_b):
    from core.notifications import outbox_deliver

    # A rule of its own: the default breach action (tell the owner), no app's handler.
    TimerRule.objects.create(
        code="TEST-INBOX",
        name="test rule",
        clock=Clock.WALL,
        duration=dt.timedelta(minutes=30),
        on_breach="tell the owner",
    )
    timer = start(clerk_a, tree.outlet_a, minutes_ago=45, rule_code="TEST-INBOX")
    timers.timers_sweep()
    timers.timers_sweep()
    outbox_deliver()
    client.force_login(clerk_a)
    response = client.get(reverse("inbox"))
    page = list(response.context["page"])
    assert len(page) == 1 and page[0].link == f"/timers/{timer.pk}/"
    assert "收件箱 (1)" in response.content.decode()

    # Another clerk can neither see nor mark it.
    client.force_login(clerk_b)
    assert not list(client.get(reverse("inbox")).context["page"])
    assert client.post(reverse("inbox_mark_read", args=[page[0].pk])).status_code == 404

    client.force_login(clerk_a)
    response = client.post(reverse("inbox_mark_read", args=[page[0].pk]), HTTP_HX_REQUEST="true")
    assert "已读" in response.content.decode()
    page[0].refresh_from_db()
    assert page[0].read_at is not None


@pytest.mark.parametrize(
    ("value", "shown"),
    [("12.5000", "12.5"), ("260.0000", "260"), ("0.0100", "0.01"), ("8", "8")],
)
def test_quantities_are_shown_without_trailing_zeros_or_exponents(value, shown):
    from decimal import Decimal

    from core.templatetags.numbers import plain

    assert plain(Decimal(value)) == shown
