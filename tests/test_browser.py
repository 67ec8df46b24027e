"""The shell in a real headless Chromium: login, navigation, the htmx timer refresh,
language switch and logout, with every asset served locally and no CSP violation."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import timezone

from core import timers
from tests.factories import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT = Path("/tmp/sannong-home.png")

# Collects CSP violations in the page; added through the DevTools protocol, so the
# page's own CSP does not apply to it.
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


@pytest.fixture
def async_unsafe_allowed(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the
    # test itself are still synchronous and safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def browser(async_unsafe_allowed):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


class Watched:
    """A page whose requests, console errors and CSP violations are recorded."""

    def __init__(self, browser, base_url: str):
        # An English browser still gets the Chinese UI until the user switches.
        self.context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.page.add_init_script(WATCH_CSP)
        self.base_url = base_url
        self.requests: list[str] = []
        self.console_errors: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on(
            "console",
            lambda message: (
                message.type in ("error", "warning") and self.console_errors.append(message.text)
            ),
        )
        self.page.on("pageerror", lambda error: self.console_errors.append(str(error)))

    def goto(self, path: str):
        return self.page.goto(self.base_url + path)

    def login(self, username: str):
        self.goto("/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", DEMO_PASSWORD)
        self.page.click("form[action='/login/'] button[type=submit]")
        self.page.wait_for_url(self.base_url + "/")

    def assert_clean(self):
        foreign = [
            url
            for url in self.requests
            if not url.startswith(self.base_url + "/") and not url.startswith("data:")
        ]
        assert not foreign, f"resources loaded from outside the server: {foreign}"
        csp_console = [text for text in self.console_errors if "Content Security Policy" in text]
        assert not csp_console, csp_console
        assert not self.page.evaluate("window.__cspViolations"), "CSP violation in the page"
        assert not self.console_errors, self.console_errors

    def close(self):
        self.context.close()


@pytest.fixture
def watched(browser, live_server):
    page = Watched(browser, live_server.url)
    yield page
    page.close()


def test_clerk_flow_in_chinese_then_english(transactional_db, watched, tree, clerk_a):
    timer = timers.timer_start(
        subject=tree.outlet_a,
        rule_code="OUT-12",
        org_unit=tree.outlet_a,
        owner=clerk_a,
        started_at=timezone.now() - dt.timedelta(minutes=10),
    )
    page = watched.page

    # Anonymous: the login page, in Chinese by default.
    watched.goto("/")
    assert "/login/" in page.url
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("h1").inner_text() == "登录"

    watched.login("clerk_a")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    nav = page.locator("nav.mainnav")
    assert nav.locator("a").all_inner_texts() == [
        "首页",
        "我的时限",
        "收件箱",
        "柜面出单",
        "村组团单",
        "批改退保",
        "公示",
        "理赔",
        "投诉",
        "营销服务部",
    ]
    assert "出单员" in page.locator(".whoami").inner_text()
    assert page.locator("#own-counts .tile-value").first.inner_text() == "1"
    # The stylesheet is applied (served locally, allowed by the CSP).
    assert page.locator(".topbar").evaluate("e => getComputedStyle(e).display") == "flex"
    assert page.evaluate("typeof window.htmx") == "object"
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    # My timers: the timer, how long is left and what happens on breach (SLA-6).
    page.clock.install()
    nav.get_by_text("我的时限").click()
    page.wait_for_url(watched.base_url + "/timers/mine/")
    row = page.locator("#timer-table tbody tr")
    assert row.count() == 1
    text = row.inner_text()
    assert "OUT-12" in text
    assert "柜面等候" in text
    assert re.search(r"剩余 1[89] 分钟", text), text
    assert "计入本营销服务部的等候超时次数" in text

    # htmx refreshes the table every 60 s, sending the CSRF token from app.js.
    with page.expect_response(
        lambda response: (
            "/timers/mine/" in response.url and response.request.headers.get("hx-request") == "true"
        )
    ) as refresh:
        page.clock.run_for(61_000)
    request = refresh.value.request
    assert request.headers.get("x-csrftoken")
    assert refresh.value.status == 200
    page.wait_for_selector(f"#timer-table a[href='/timers/{timer.pk}/']")

    # Switching the language posts to set_language and comes back to the same page.
    page.select_option("#language-select", "en")
    # Not wait_for_function: it evaluates a string in the page and trips the CSP itself.
    page.wait_for_selector("html[lang=en]")
    assert page.url == watched.base_url + "/timers/mine/"
    assert page.locator("h1").inner_text() == "My timers"
    assert re.search(r"1[89] minutes left", page.locator("#timer-table").inner_text())
    assert nav.locator("a").all_inner_texts() == [
        "Home",
        "My timers",
        "Inbox",
        "Counter",
        "Group policies",
        "Policy changes",
        "Public notices",
        "Claims",
        "Complaints",
        "Outlets",
    ]

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r".*/login/$"))
    assert page.locator("h1").inner_text() == "Log in"

    watched.assert_clean()


def test_manager_sees_branch_timers_and_the_stale_sweep_alarm(
    transactional_db, watched, tree, clerk_a, county_manager
):
    timers.timer_start(
        subject=tree.outlet_a, rule_code="OUT-12", org_unit=tree.outlet_a, owner=clerk_a
    )
    page = watched.page
    watched.login("manager")
    assert page.locator("nav.mainnav a").all_inner_texts() == [
        "首页",
        "我的时限",
        "收件箱",
        "柜面出单",
        "村组团单",
        "批改退保",
        "公示",
        "理赔",
        "投诉",
        "营销服务部",
        "本机构时限",
        "看板",
    ]
    assert "时限巡检已停止运行" in page.locator("#sweep-alarm").inner_text()

    page.locator("nav.mainnav").get_by_text("本机构时限").click()
    page.wait_for_url(watched.base_url + "/timers/")
    assert "阳城镇三农营销服务部" in page.locator("#timer-table tbody").inner_text()

    page.select_option("#state-filter", "paused")
    page.wait_for_url(re.compile(r".*/timers/\?state=paused$"))
    assert page.locator("#timer-table tbody tr").count() == 0

    watched.assert_clean()
