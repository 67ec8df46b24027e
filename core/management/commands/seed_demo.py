"""Demo data for `make run`: a small org tree, one user per role, a few timers and the
apps' own demo data (products, customers, a village notice, complaints, the outlet
registry, claim cases).

Idempotent: what exists is left alone (a changed password stays changed), so it runs on
every `make run`.
"""

import datetime as dt
import unicodedata

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from claims_assist.demo import seed_claims
from complaints.demo import seed_complaints
from core.api.tokens import api_token_create
from core.calendar import calendar_load_missing_years
from core.models import OrgUnit, Role, SlaTimer, User, WorkingPeriod
from core.timers import timer_start
from outlets.demo import seed_outlets
from publicity.demo import seed_publicity
from underwriting.demo import seed_underwriting

DEMO_PASSWORD = "Sannong-demo-2026"

# (code, name, kind, parent code, has claims centre)
UNITS = [
    ("44", "广东省分公司", OrgUnit.Kind.PROVINCE, None, False),
    ("4418", "清远市分公司", OrgUnit.Kind.CITY, "44", True),
    ("441823", "阳山县支公司", OrgUnit.Kind.COUNTY, "4418", False),
    ("44182301", "阳城镇三农营销服务部", OrgUnit.Kind.OUTLET, "441823", False),
    ("44182302", "七拱镇三农营销服务部", OrgUnit.Kind.OUTLET, "441823", False),
]
OUTLET_A, OUTLET_B, COUNTY = "44182301", "44182302", "441823"

# (username, display name, role, unit code)
USERS = [
    ("clerk_a", "陈柜员", Role.CLERK, OUTLET_A),
    ("assist_a", "黄协赔", Role.CLAIMS_ASSIST, OUTLET_A),
    ("head_a", "李主任", Role.OUTLET_HEAD, OUTLET_A),
    ("clerk_b", "周柜员", Role.CLERK, OUTLET_B),
    ("manager", "王经理", Role.COUNTY_MANAGER, COUNTY),
    ("centre", "刘理赔", Role.CLAIMS_CENTRE, "4418"),
    ("auditor", "赵稽核", Role.AUDITOR, COUNTY),
    ("erp", "ERP 接口", Role.API_CLIENT, COUNTY),
]
WORKING_PERIODS = [(dt.time(8, 30), dt.time(12, 0)), (dt.time(14, 0), dt.time(17, 30))]
# Started this long ago on the OUT-12 (30-minute) rule: one is already overdue so the
# first sweep breaches it and the clerk's inbox shows the result.
DEMO_TIMER_AGES = [dt.timedelta(minutes=40), dt.timedelta(minutes=20), dt.timedelta(0)]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


class Command(BaseCommand):
    help = "Load the demo org tree, one user per role, an API token and a few timers."

    def handle(self, *args, **options):
        with translation.override("zh-hans"), transaction.atomic():
            units = self._units()
            users = self._users(units)
            self._timers(units[OUTLET_A], users["clerk_a"])
            seed_underwriting(
                county=units[COUNTY],
                outlet=units[OUTLET_A],
                clerk=users["clerk_a"],
                api_client=users["erp"],
            )
            seed_complaints(county=units[COUNTY], clerk=users["clerk_a"], receiver=users["head_a"])
            seed_outlets(
                outlet_a=units[OUTLET_A],
                outlet_b=units[OUTLET_B],
                manager=users["manager"],
                head_a=users["head_a"],
                clerk_a=users["clerk_a"],
            )
            seed_publicity(outlet=units[OUTLET_A], clerk=users["clerk_a"])
            seed_claims(
                outlet=units[OUTLET_A],
                clerk=users["clerk_a"],
                assist=users["assist_a"],
                manager=users["manager"],
                centre=users["centre"],
            )
            token_line = self._api_token(users["erp"])
        calendar_load_missing_years()
        with translation.override("zh-hans"):
            self._print_logins(users, token_line)

    def _units(self) -> dict[str, OrgUnit]:
        units: dict[str, OrgUnit] = {}
        for code, name, kind, parent, claims_centre in UNITS:
            units[code], _created = OrgUnit.objects.get_or_create(
                code=code,
                defaults={
                    "name": name,
                    "kind": kind,
                    "parent": units.get(parent),
                    "has_claims_centre": claims_centre,
                },
            )
        county = units[COUNTY]
        if not county.working_periods.exists():
            WorkingPeriod.objects.bulk_create(
                WorkingPeriod(county=county, start=start, end=end) for start, end in WORKING_PERIODS
            )
        return units

    def _users(self, units: dict[str, OrgUnit]) -> dict[str, User]:
        users: dict[str, User] = {}
        for username, display_name, role, unit_code in USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "display_name": display_name,
                    "role": role,
                    "org_unit": units[unit_code],
                    # The county manager maintains rules and calendars in the admin.
                    "is_staff": role == Role.COUNTY_MANAGER,
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            users[username] = user
        if not User.objects.filter(username="admin").exists():
            users["admin"] = User.objects.create_superuser("admin", "", DEMO_PASSWORD)
        else:
            users["admin"] = User.objects.get(username="admin")
        return users

    def _timers(self, outlet: OrgUnit, clerk: User) -> None:
        # Only on the first run: later runs must not pile up timers.
        if SlaTimer.objects.filter(owner=clerk).exists():
            return
        now = timezone.now()
        for age in DEMO_TIMER_AGES:
            timer_start(
                subject=outlet,
                rule_code="OUT-12",
                org_unit=outlet,
                owner=clerk,
                started_at=now - age,
            )

    def _api_token(self, client: User) -> str:
        if client.api_tokens.filter(revoked_at__isnull=True).exists():
            return "API token of erp exists already (its key was printed when it was created)."
        _token, key = api_token_create(user=client, name="demo")
        return (
            "API token of erp (shown once, keep it):\n"
            f"    Authorization: Token {key}   (try GET /api/v1/me/)"
        )

    def _print_logins(self, users: dict[str, User], token_line: str) -> None:
        rows = [("username", "password", "role", "unit")]
        for user in users.values():
            role = _("Superuser") if user.is_superuser else str(Role(user.role).label)
            unit = user.org_unit.name if user.org_unit_id else "-"
            rows.append((user.username, DEMO_PASSWORD, role, unit))
        widths = [max(_width(row[i]) for row in rows) for i in range(4)]
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Demo logins (passwords as created by seed_demo):"))
        for row in rows:
            cells = (_pad(cell, width) for cell, width in zip(row, widths, strict=True))
            self.stdout.write(("  " + "  ".join(cells)).rstrip())
        self.stdout.write("")
        self.stdout.write(token_line)
        self.stdout.write("")
