"""`manage.py seed_scale`: a county at dashboard scale (issue 8), written with COPY.

A county with its outlets and staff (created when missing), then about two years of
policies (individual and group, with the UW-4 premium split), group notices and
objections, queue tickets and evaluations, claim cases, complaints, findings and monthly
compliance scores, and SLA timers on those records. Rows are generated in Python and
streamed to PostgreSQL with COPY in chunks, ids reserved from each table's sequence so
that rows can point at each other without reading them back. Business services are
bypassed on purpose (they write one row at a time): the rows respect every database
constraint and the numbering schemes of the apps (policy numbers, complaint numbers
`{county}-{yyyymmdd}-{seq}` continuing the counters, claim case numbers), but history
tables and notifications are not written.

PostgreSQL only. A county that already has scale data is refused unless `--force`.
"""

import csv
import datetime as dt
import io
import json
import random
import secrets
import time
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from django.utils import timezone

CHUNK = 50_000
NULL = r"\N"
CENT = Decimal("0.01")
DAYS = 730
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = [
    "建国",
    "秀英",
    "桂兰",
    "德福",
    "玉梅",
    "志强",
    "海燕",
    "明",
    "芳",
    "伟",
    "丽",
    "军",
    "国强",
]
TOWNS = "阳城七拱黎埠小江杜步青莲江英大崀太平秤架称架岭背杨梅石角黄坌东山南岗西江北山"
# Products: (code suffix, name, line, unit, rate, sum insured a unit, subsidy shares).
PRODUCTS = [
    ("RICE", "水稻种植保险", "crop", "亩", "0.06", "1000", ("0.40", "0.25", "0.10", "0.05")),
    (
        "SOW",
        "能繁母猪养殖保险",
        "livestock",
        "头",
        "0.06",
        "1500",
        ("0.50", "0.20", "0.10", "0.00"),
    ),
    ("FOREST", "公益林保险", "forest", "亩", "0.002", "1000", ("0.50", "0.30", "0.10", "0.10")),
    ("ACC", "农村居民意外伤害保险", "accident", "人", "0.001", "50000", ("0", "0", "0", "0")),
    ("MOTOR", "摩托车交通事故责任强制保险", "motor", "辆", "0.01", "12000", ("0", "0", "0", "0")),
]
# (status, share) of individual policies.
POLICY_STATUSES = [
    ("issued", 0.82),
    ("surrendered", 0.03),
    ("cancelled", 0.03),
    ("quoted", 0.10),
    ("pending_payment", 0.02),
]
# A group policy's notice: (state, share); "" = no notice yet.
NOTICE_STATES = [
    ("", 0.08),
    ("draft", 0.04),
    ("posted", 0.08),
    ("closed", 0.76),
    ("withdrawn", 0.04),
]
CLAIM_STAGES = [
    ("closed", 0.55),
    ("paid", 0.05),
    ("refused", 0.08),
    ("withdrawn", 0.02),
    ("reported", 0.04),
    ("forwarded", 0.06),
    ("survey", 0.05),
    ("assessed", 0.05),
    ("file_complete", 0.03),
    ("transferred", 0.04),
    ("approved", 0.03),
]
COMPLAINT_STATUSES = [
    ("closed", 0.80),
    ("resolved", 0.05),
    ("in_progress", 0.07),
    ("forwarded", 0.03),
    ("open", 0.05),
]
TICKET_PURPOSES = [
    ("issuance", 0.35),
    ("consultation", 0.30),
    ("claim", 0.20),
    ("change", 0.10),
    ("complaint", 0.05),
]
SATISFACTION = ("satisfied", "satisfied", "unsatisfied")
FINAL_CLAIM_STAGES = {"closed", "paid", "refused", "withdrawn"}
# Older than this, a claim case or a complaint is no longer open.
OPEN_CLAIM_AGE = dt.timedelta(days=120)
OPEN_COMPLAINT_AGE = dt.timedelta(days=45)
# Rules the timers of each subject run under.
CLAIM_RULES = ["CLM-1", "CLM-10-review", "CLM-10-pay", "REG-1-decision", "CLM-7", "CLM-9"]
COMPLAINT_RULES = {
    "minor": ["CMP-4-response-minor", "CMP-6-resolution-minor"],
    "general": ["CMP-4-response-general", "CMP-6-resolution-general"],
    "major": ["CMP-4-response-major", "CMP-6-resolution-major"],
}
FINDING_STANDARDS = [
    "OUT-3-site",
    "OUT-4-area",
    "OUT-5-lease",
    "OUT-6-nameplate",
    "OUT-7-notice_board",
    "OUT-8-queue_machine",
    "OUT-9-head",
]


# --- COPY -----------------------------------------------------------------------------
def _datetime(value) -> str:
    return value.isoformat()


def _duration(value: dt.timedelta) -> str:
    return f"{value.total_seconds():.0f} seconds"


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False)


# By exact type: the generator writes millions of values, an isinstance chain per value
# was a third of the time.
_CONVERT = {
    str: lambda value: value,
    int: str,
    Decimal: str,
    bool: lambda value: "t" if value else "f",
    type(None): lambda value: NULL,
    dt.datetime: _datetime,
    dt.date: _datetime,
    dt.timedelta: _duration,
    list: _json,
    dict: _json,
}


def _text(value) -> str:
    convert = _CONVERT.get(type(value))
    return convert(value) if convert else str(value)


class Copier:
    """COPY rows of `model` given as tuples of `columns` (attnames); every other column
    gets its field's default (or NULL, or "" for a blank text field, or now for an
    auto_now_add field), computed once."""

    def __init__(self, model, columns: list[str], *, now: dt.datetime):
        self.model = model
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = set(columns) - set(fields)
        if unknown:
            raise CommandError(f"{model.__name__} has no column {sorted(unknown)}")
        constants = []
        for name, field in fields.items():
            if name in columns or field.primary_key:
                continue
            if getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False):
                value = now
            elif field.has_default():
                value = field.get_default()
            elif field.null:
                value = None
            elif isinstance(field, models.CharField | models.TextField):
                value = ""
            else:
                raise CommandError(f"{model.__name__}.{name} needs a value")
            constants.append((field.column, _text(value)))
        self.columns = [fields[name].column for name in columns] + [c for c, _ in constants]
        self.tail = [text for _, text in constants]
        self.rows = 0

    def write(self, rows) -> int:
        table = self.model._meta.db_table
        names = ", ".join(f'"{column}"' for column in self.columns)
        sql = f"COPY \"{table}\" ({names}) FROM STDIN WITH (FORMAT csv, NULL '{NULL}')"
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        pending = 0
        for row in rows:
            writer.writerow([_text(value) for value in row] + self.tail)
            pending += 1
            if pending == CHUNK:
                self._flush(sql, buffer)
                self.rows += pending
                buffer = io.StringIO()
                writer = csv.writer(buffer, lineterminator="\n")
                pending = 0
        if pending:
            self._flush(sql, buffer)
            self.rows += pending
        return self.rows

    @staticmethod
    def _flush(sql: str, buffer: io.StringIO) -> None:
        buffer.seek(0)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(sql, buffer)


def copy_rows(model, columns: list[str], rows, *, now: dt.datetime) -> int:
    return Copier(model, columns, now=now).write(rows)


def reserve_ids(model, count: int) -> int:
    """Take `count` consecutive ids from the table's sequence; returns the first."""
    if count <= 0:
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
        sequence = cursor.fetchone()[0]
        cursor.execute("SELECT nextval(%s)", [sequence])
        first = cursor.fetchone()[0]
        cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
    return first


def _pick(rng: random.Random, table: list[tuple[str, float]]) -> str:
    values, weights = zip(*table, strict=True)
    return rng.choices(values, weights)[0]


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# --- The command ------------------------------------------------------------------------
class Command(BaseCommand):
    help = "Create a county with dashboard-scale data fast (PostgreSQL COPY)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--county", required=True, help="County code (created if missing) or pk."
        )
        parser.add_argument("--policies", type=int, default=1_000_000)
        parser.add_argument("--claims", type=int, default=200_000)
        parser.add_argument("--complaints", type=int, default=50_000)
        parser.add_argument("--timers", type=int, default=500_000)
        parser.add_argument("--tickets", type=int, default=300_000)
        parser.add_argument("--outlets", type=int, default=20)
        parser.add_argument("--seed", type=int, default=20261122)
        parser.add_argument("--force", action="store_true", help="Add to existing scale data.")

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("seed_scale needs PostgreSQL (it writes with COPY).")
        self.rng = random.Random(options["seed"])
        self.now = timezone.now()
        self.tz = timezone.get_current_timezone()
        self.midnight = dt.datetime.combine(
            timezone.localdate(self.now), dt.time.min, tzinfo=self.tz
        )
        started = time.perf_counter()
        with transaction.atomic():
            self._tree(options["county"], options["outlets"])
            if self._has_scale_data() and not options["force"]:
                raise CommandError(
                    f"County {self.county.code} already has scale data; --force adds more."
                )
            self._reference()
            self._step("customers", self._customers, options["policies"])
            self._step("policies", self._policies, options["policies"])
            self._step("notices", self._notices)
            self._step("tickets", self._tickets, options["tickets"])
            self._step("claim cases", self._claims, options["claims"])
            self._step("complaints", self._complaints, options["complaints"])
            self._step("findings and scores", self._compliance)
            self._step("timers", self._timers, options["timers"])
        self._step("analyze", self._analyze)
        self.stdout.write(
            f"seed_scale: county {self.county.code} (pk {self.county.pk}) done in "
            f"{time.perf_counter() - started:.1f} s"
        )

    def _step(self, label, function, *args):
        started = time.perf_counter()
        count = function(*args)
        shown = f"{count:,} rows " if isinstance(count, int) else ""
        self.stdout.write(f"  {label}: {shown}in {time.perf_counter() - started:.1f} s")
        self.stdout.flush()

    # --- Tree, staff, reference data ------------------------------------------------------
    def _tree(self, county_ref: str, outlet_count: int) -> None:
        from core.models import OrgUnit, Role, User

        county = OrgUnit.objects.filter(kind=OrgUnit.Kind.COUNTY, code=county_ref).first()
        if county is None and county_ref.isdigit():
            county = OrgUnit.objects.filter(kind=OrgUnit.Kind.COUNTY, pk=int(county_ref)).first()
            if county is None and len(county_ref) < 6:
                raise CommandError(f"No county with pk {county_ref}.")
        if county is None:
            code = county_ref
            province, _ = OrgUnit.objects.get_or_create(
                code=code[:2], defaults={"name": f"{code[:2]}省分公司", "kind": "province"}
            )
            city, _ = OrgUnit.objects.get_or_create(
                code=code[:4],
                defaults={"name": f"{code[:4]}市分公司", "kind": "city", "parent": province},
            )
            county = OrgUnit.objects.create(
                code=code, name=f"{code}县支公司", kind=OrgUnit.Kind.COUNTY, parent=city
            )
        self.county = county
        outlets = list(OrgUnit.objects.filter(parent=county, kind=OrgUnit.Kind.OUTLET))
        for n in range(len(outlets) + 1, outlet_count + 1):
            town = TOWNS[(2 * n) % len(TOWNS) : (2 * n) % len(TOWNS) + 2] or "新村"
            code = f"{county.code}{n:02d}"
            while OrgUnit.objects.filter(code=code).exists():
                code = f"{code}x"
            outlets.append(
                OrgUnit.objects.create(
                    code=code, name=f"{town}镇三农营销服务部{n}", kind="outlet", parent=county
                )
            )
        self.outlets = sorted(outlets, key=lambda unit: unit.code)
        self.outlet_ids = [outlet.id for outlet in self.outlets]

        def user(username, unit, role, name):
            found = User.objects.filter(username=username).first()
            if found:
                return found
            created = User(username=username, org_unit=unit, role=role, display_name=name)
            created.set_unusable_password()
            created.save()
            return created

        self.manager = user(f"scale-{county.code}-manager", county, Role.COUNTY_MANAGER, "县经理")
        self.clerks, self.heads = [], []
        for n, outlet in enumerate(self.outlets, 1):
            self.clerks.append(user(f"scale-{outlet.code}-clerk", outlet, Role.CLERK, f"柜员{n}"))
            self.heads.append(
                user(f"scale-{outlet.code}-head", outlet, Role.OUTLET_HEAD, f"负责人{n}")
            )
        self.clerk_ids = [clerk.id for clerk in self.clerks]

    def _has_scale_data(self) -> bool:
        from underwriting.models import Policy

        return Policy.objects.filter(
            org_unit__in=self.outlets, payment_reference__startswith="SCALE"
        ).exists()

    def _reference(self) -> None:
        from claims_assist.models import CaseType
        from core.models import TimerRule
        from underwriting.models import Product, SubsidyRate

        self.products = []
        for suffix, name, line, unit, rate, per_unit, shares in PRODUCTS:
            product, _ = Product.objects.get_or_create(
                code=f"SCALE-{suffix}",
                defaults={
                    "name": name,
                    "line": line,
                    "policy_based": line != "accident",
                    "rate": Decimal(rate),
                    "sum_insured_per_unit": Decimal(per_unit),
                    "unit": unit,
                },
            )
            product.shares = tuple(Decimal(s) for s in shares)
            for year in {self.now.year - 2, self.now.year - 1, self.now.year}:
                SubsidyRate.objects.get_or_create(
                    product=product,
                    region=self.county,
                    year=year,
                    defaults=dict(
                        zip(
                            ("central", "provincial", "city", "county"), product.shares, strict=True
                        )
                    ),
                )
            self.products.append(product)
        self.case_types = list(CaseType.objects.values_list("pk", flat=True)) or [None]
        self.rules = dict(TimerRule.objects.filter(county__isnull=True).values_list("code", "pk"))
        self.durations = dict(
            TimerRule.objects.filter(county__isnull=True).values_list("code", "duration")
        )

    def _moment(self, *, days: int = DAYS) -> dt.datetime:
        """A time within the last `days` days, in office hours (Beijing)."""
        minutes = self.rng.randrange(8 * 60 + 30, 17 * 60 + 30)
        moment = self.midnight - dt.timedelta(days=self.rng.randrange(days), minutes=-minutes)
        return moment if moment < self.now else self.now - dt.timedelta(minutes=minutes % 97 + 1)

    # --- Underwriting --------------------------------------------------------------------
    def _customers(self, policies: int) -> int:
        from stdnum.cn import ric

        from underwriting.models import Customer

        per_outlet = max(1, policies // 8 // len(self.outlets))
        villages = 15
        total = len(self.outlets) * (per_outlet + villages)
        first = reserve_ids(Customer, total)
        self.farmers: list[list[int]] = []
        self.organisers: list[list[tuple[int, str]]] = []
        rows = []
        next_id = first
        for n, outlet in enumerate(self.outlets):
            farmers, organisers = [], []
            # After the customers of an earlier run (--force): one person, one customer.
            offset = Customer.objects.filter(org_unit=outlet).count()
            for k in range(offset, offset + per_outlet):
                born = dt.date(1950, 1, 1) + dt.timedelta(days=(k * 7919 + n) % (50 * 365))
                body = f"{self.county.code}{born:%Y%m%d}{k % 1000:03d}"
                id_number = body + ric.calc_check_digit(body)
                name = self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)
                rows.append(
                    (next_id, outlet.pk, "farmer", "", name, id_number, "", self.clerk_ids[n])
                )
                farmers.append(next_id)
                next_id += 1
            for v in range(villages):
                village = f"{self.rng.choice(SURNAMES)}屋村"
                credit = f"54{self.county.code}{n:02d}{v:02d}{secrets.token_hex(3).upper()}"[:18]
                rows.append(
                    (
                        next_id,
                        outlet.pk,
                        "organisation",
                        "village_committee",
                        f"{village}村民委员会",
                        credit,
                        village,
                        self.clerk_ids[n],
                    )
                )
                organisers.append((next_id, village))
                next_id += 1
            self.farmers.append(farmers)
            self.organisers.append(organisers)
        columns = [
            "id",
            "org_unit_id",
            "kind",
            "organisation_type",
            "name",
            "id_number",
            "village_group",
            "created_by_id",
        ]
        return copy_rows(Customer, columns, rows, now=self.now)

    def _split(self, product, premium: Decimal) -> tuple[Decimal, ...]:
        """UW-4: subsidies rounded half up, the farmer pays the rest."""
        subsidies = [_money(premium * share) for share in product.shares]
        return (premium - sum(subsidies), *subsidies)

    def _policies(self, count: int) -> int:
        from underwriting.models import Policy

        group_count = max(1, count // 50) if count >= 10 else 0
        first = reserve_ids(Policy, count)
        self.group_policies: list[tuple] = []
        self.issued_policies: list[tuple[int, int, str]] = []  # (id, outlet index, number)
        columns = [
            "id", "number", "kind", "channel", "status", "org_unit_id", "product_id",
            "applicant_id", "insured_id", "organiser_id", "applicant_label", "season", "subject",
            "quantity", "unit", "sum_insured", "application_date", "starts_on", "ends_on",
            "explained_at", "explained_by_id", "payment_method", "payment_reference", "paid_at",
            "issued_at", "printed_at", "premium", "farmer_share", "central", "provincial",
            "city", "county", "entered_at", "entered_by_id", "notice_completed_at",
        ]  # fmt: skip

        codes = [outlet.code for outlet in self.outlets]

        def rows():
            rng = self.rng
            for k in range(count):
                pk = first + k
                n = rng.randrange(len(self.outlets))
                outlet_code, outlet_id, clerk_id = codes[n], self.outlet_ids[n], self.clerk_ids[n]
                group = k < group_count
                product = (
                    self.products[rng.choice((0, 0, 1, 2))] if group else rng.choice(self.products)
                )
                entered = self._moment()
                if group:
                    households = rng.randrange(20, 400)
                    quantity = Decimal(households * rng.randrange(2, 12))
                    organiser, village = rng.choice(self.organisers[n])
                    notice_state = _pick(rng, NOTICE_STATES)
                    status = "issued" if notice_state == "closed" else "listed"
                else:
                    households, organiser, village = 0, None, ""
                    quantity = Decimal(rng.randrange(1, 30))
                    status = _pick(rng, POLICY_STATUSES)
                sum_insured = quantity * product.sum_insured_per_unit
                premium = _money(sum_insured * product.rate)
                farmer, central, provincial, city, county_share = self._split(product, premium)
                issued = status in ("issued", "surrendered")
                issued_at = entered + dt.timedelta(minutes=rng.randrange(5, 90)) if issued else None
                if issued_at and issued_at > self.now:
                    issued_at = self.now
                number = (
                    f"{'G' if group else 'P'}{outlet_code}{entered.year}{pk:08d}"
                    if issued
                    else None
                )
                explained = None if group or status in ("quoted", "cancelled") else entered
                starts = (issued_at or entered).date() + dt.timedelta(days=1)
                insured = None if group else rng.choice(self.farmers[n])
                completed = issued_at if group and issued else None
                if group:
                    self.group_policies.append(
                        (pk, n, product, village, households, quantity, premium, farmer,
                         central, provincial, city, county_share, notice_state, entered)
                    )  # fmt: skip
                if issued:
                    self.issued_policies.append((pk, n, number, product.id))
                yield (
                    pk, number, "group" if group else "individual", "counter", status,
                    outlet_id, product.id, None if group else insured, insured, organiser,
                    f"{village}等{households}户" if group else "", f"{entered.year}", product.name,
                    quantity, product.unit, sum_insured, entered.date(), starts,
                    starts + dt.timedelta(days=364), explained,
                    None if explained is None else clerk_id,
                    "cash" if issued else "", f"SCALE-{pk}", issued_at, issued_at, issued_at,
                    premium, farmer, central, provincial, city, county_share, entered, clerk_id,
                    completed,
                )  # fmt: skip

        return copy_rows(Policy, columns, rows(), now=self.now)

    # --- Publicity ----------------------------------------------------------------------
    def _notices(self) -> int:
        from publicity.models import Notice, Objection
        from underwriting.models import Policy

        policy_type = ContentType.objects.get_for_model(Policy)
        with_notice = [g for g in self.group_policies if g[12]]
        first = reserve_ids(Notice, len(with_notice))
        self.notices: list[tuple[int, int, str, dt.datetime | None]] = []
        objections = []
        columns = [
            "id", "kind", "state", "org_unit_id", "source_type_id", "source_id", "source_revision",
            "title", "county_name", "village", "product_name", "season", "objection_phone",
            "objection_place", "token", "line_count", "quantity", "farmer_share", "central",
            "provincial", "city", "county", "responsible_id", "posted_at", "ends_at",
            "closed_at", "closed_by_id", "withdrawn_reason", "created_by_id", "created_at",
        ]  # fmt: skip

        def rows():
            rng = self.rng
            for k, group in enumerate(with_notice):
                (policy, n, product, village, households, quantity, _premium, farmer, central,
                 provincial, city, county_share, state, entered) = group  # fmt: skip
                pk = first + k
                clerk = self.clerk_ids[n]
                created = entered + dt.timedelta(days=1)
                if state == "posted":
                    # Posted in the last three weeks: some past their period, not closed.
                    posted = self.now - dt.timedelta(days=rng.randrange(0, 21), hours=2)
                elif state in ("closed", "withdrawn"):
                    posted = created + dt.timedelta(days=1)
                else:
                    posted = None
                if state == "withdrawn" and rng.random() < 0.5:
                    posted = None
                ends = posted + dt.timedelta(days=7) if posted else None
                closed = (
                    ends + dt.timedelta(days=rng.randrange(0, 3)) if state == "closed" else None
                )
                if closed and closed > self.now:
                    closed = self.now
                self.notices.append((pk, n, state, posted))
                if state in ("posted", "closed") and rng.random() < 0.1:
                    objections.append((pk, n, state, posted or created))
                yield (
                    pk, "underwriting", state, self.outlet_ids[n], policy_type.pk, policy, 1,
                    f"{village}{product.name}承保公示", self.county.name, village, product.name,
                    f"{entered.year}", "0763-1234567", f"{village}村委会",
                    secrets.token_urlsafe(24),
                    households, quantity, farmer, central, provincial, city, county_share,
                    clerk, posted, ends, closed, clerk if closed else None,
                    "名单有误，重新公示" if state == "withdrawn" else "", clerk, created,
                )  # fmt: skip

        count = copy_rows(Notice, columns, rows(), now=self.now)
        objection_columns = [
            "notice_id", "raiser_kind", "raiser_name", "channel", "claim", "details",
            "raised_at", "late", "recorded_by_id", "state", "outcome", "resolved_at",
            "resolved_by_id",
        ]  # fmt: skip

        def objection_rows():
            for notice, n, state, posted in objections:
                raised = posted + dt.timedelta(days=self.rng.randrange(0, 6), hours=1)
                raised = min(raised, self.now)
                still_open = state == "posted" and self.rng.random() < 0.6
                yield (
                    notice, "household", self.rng.choice(SURNAMES) + "某", "in_person",
                    "wrong_quantity", "面积登记有误", raised, False, self.clerk_ids[n],
                    "open" if still_open else "resolved", "" if still_open else "corrected",
                    None if still_open else raised + dt.timedelta(days=1),
                    None if still_open else self.clerk_ids[n],
                )  # fmt: skip

        return count + copy_rows(Objection, objection_columns, objection_rows(), now=self.now)

    # --- Counter queue ------------------------------------------------------------------
    def _tickets(self, count: int) -> int:
        from outlets.models import Evaluation, QueueCounter, QueueTicket

        days = min(DAYS, max(1, count // max(1, len(self.outlets) * 5)))
        today = timezone.localdate(self.now)
        existing = {
            (row[0], row[1]): row[2]
            for row in QueueCounter.objects.filter(outlet__in=self.outlets).values_list(
                "outlet_id", "day", "last_number"
            )
        }
        per_day: dict[tuple[int, dt.date], int] = {}
        plan = []
        for _ in range(count):
            n = self.rng.randrange(len(self.outlets))
            day = today - dt.timedelta(days=self.rng.randrange(days))
            key = (self.outlet_ids[n], day)
            per_day[key] = per_day.get(key, existing.get(key, 0)) + 1
            plan.append((n, day, per_day[key]))
        plan.sort(key=lambda item: (item[1], item[0], item[2]))
        first = reserve_ids(QueueTicket, count)
        self.timed_tickets: list[tuple] = []
        evaluations = []
        columns = [
            "id", "outlet_id", "day", "number", "purpose", "state", "issued_at", "called_at",
            "served_at", "done_at", "window", "served_by_id", "issued_by_id", "told_of_wait_at",
            "wait_breached", "rating_token",
        ]  # fmt: skip

        def rows():
            rng = self.rng
            for k, (n, day, number) in enumerate(plan):
                pk = first + k
                clerk = self.clerk_ids[n]
                minute = 8 * 60 + 30 + min(number * 3, 8 * 60) + rng.randrange(3)
                issued = dt.datetime.combine(
                    day, dt.time(minute // 60, minute % 60), tzinfo=self.tz
                )
                purpose = _pick(rng, TICKET_PURPOSES)
                # Waits: mostly short, a tail over 30 minutes.
                wait = dt.timedelta(minutes=min(rng.expovariate(1 / 11), 90))
                open_today = day == today and issued + wait > self.now
                state = "waiting" if open_today else ("left" if rng.random() < 0.03 else "done")
                called = None if state == "waiting" else issued + wait
                served = called if state == "done" else None
                done = served + dt.timedelta(minutes=rng.randrange(3, 20)) if served else None
                timed = purpose in ("consultation", "complaint")
                breached = timed and wait > dt.timedelta(minutes=30) and state != "waiting"
                told = issued + dt.timedelta(minutes=5) if breached and rng.random() < 0.6 else None
                if timed:
                    self.timed_tickets.append((pk, n, issued, breached, called, state == "waiting"))
                if state == "done" and rng.random() < 0.55:
                    rating = rng.choices((5, 4, 3, 2, 1), (0.55, 0.28, 0.09, 0.05, 0.03))[0]
                    evaluations.append((n, pk, rating, done + dt.timedelta(minutes=1)))
                yield (
                    pk, self.outlet_ids[n], day, number, purpose, state, issued, called, served,
                    done, "1" if served else "", clerk if served else None, clerk, told,
                    breached, secrets.token_urlsafe(16),
                )  # fmt: skip

        total = copy_rows(QueueTicket, columns, rows(), now=self.now)
        counters = {}
        for n, day, number in plan:
            key = (self.outlet_ids[n], day)
            counters[key] = max(counters.get(key, 0), number)
        for (outlet_id, day), last in counters.items():
            if (outlet_id, day) in existing:
                QueueCounter.objects.filter(outlet_id=outlet_id, day=day).update(last_number=last)
        copy_rows(
            QueueCounter,
            ["outlet_id", "day", "last_number"],
            ((o, d, last) for (o, d), last in counters.items() if (o, d) not in existing),
            now=self.now,
        )
        evaluation_columns = [
            "outlet_id",
            "ticket_id",
            "rating",
            "channel",
            "rated_at",
            "served_by_id",
        ]
        total += copy_rows(
            Evaluation,
            evaluation_columns,
            (
                (self.outlet_ids[n], ticket, rating, "qr", at, self.clerk_ids[n])
                for n, ticket, rating, at in evaluations
            ),
            now=self.now,
        )
        return total

    # --- Claims ---------------------------------------------------------------------------
    def _numbered(self, counter_model, count: int, *, days: int = DAYS):
        """(moment, day, sequence) for `count` records in time order, numbered per county
        and day after what the counter already gave; the counters are brought up to date."""
        moments = sorted(self._moment(days=days) for _ in range(count))
        last = dict(counter_model.objects.filter(county=self.county).values_list("day", "last"))
        used = dict(last)
        numbered = []
        for moment in moments:
            day = timezone.localtime(moment, self.tz).date()
            used[day] = used.get(day, 0) + 1
            numbered.append((moment, day, used[day]))
        for day, value in used.items():
            if day in last:
                counter_model.objects.filter(county=self.county, day=day).update(last=value)
        copy_rows(
            counter_model,
            ["county_id", "day", "last"],
            ((self.county.pk, day, value) for day, value in used.items() if day not in last),
            now=self.now,
        )
        return numbered

    def _claims(self, count: int) -> int:
        from claims_assist.models import ClaimCase, ClaimCaseCounter

        numbered = self._numbered(ClaimCaseCounter, count)
        first = reserve_ids(ClaimCase, count)
        self.claims: list[tuple[int, int, dt.datetime, str]] = []
        final = {"closed", "refused", "withdrawn"}
        columns = [
            "id", "number", "org_unit_id", "owner_id", "created_by_id", "created_at", "stage",
            "stage_changed_at", "channel", "reported_at", "policy_id", "policy_number",
            "product_id", "case_type_id", "insured_name", "incident_at", "incident_place",
            "cause", "course", "reporter_name", "reporter_phone", "reporter_relation",
            "estimated_amount", "hotline_number", "hotline_recorded_at", "transferred_at",
            "decision", "decision_reason", "decided_at", "approved_amount", "paid_at",
            "paid_amount", "closed_at", "special", "special_reason",
        ]  # fmt: skip
        policies = self.issued_policies or [(None, 0, "P0", self.products[0].pk)]

        def rows():
            rng = self.rng
            for k, (reported, day, sequence) in enumerate(numbered):
                pk = first + k
                policy, n, policy_number, product = rng.choice(policies)
                stage = _pick(rng, CLAIM_STAGES)
                if reported < self.now - OPEN_CLAIM_AGE and stage not in FINAL_CLAIM_STAGES:
                    # Old cases have run their course; the open ones are recent.
                    stage = "closed"
                clerk = self.clerk_ids[n]
                estimate = Decimal(rng.randrange(200, 50_000))
                hotline = "" if stage == "reported" else f"95518{pk:012d}"
                # Cycle: transfer in days, decision and payment within CLM-10's 10 and
                # 30 days mostly, a tail late.
                transfer = reported + dt.timedelta(days=rng.randrange(1, 12))
                decided = transfer + dt.timedelta(days=rng.expovariate(1 / 6))
                paid = decided + dt.timedelta(days=rng.expovariate(1 / 4))
                closed = paid + dt.timedelta(days=rng.randrange(0, 5))
                done_stages = {"transferred", "approved", "paid", "closed", "refused"}
                transferred = transfer if stage in done_stages else None
                decision = {
                    "approved": "pay",
                    "paid": "pay",
                    "closed": "pay",
                    "refused": "refuse",
                }.get(stage, "pending")
                decided_at = decided if decision != "pending" else None
                paid_at = paid if stage in ("paid", "closed") else None
                closed_at = closed if stage in final else None
                if stage == "withdrawn":
                    closed_at = reported + dt.timedelta(days=2)
                moments = [m for m in (transferred, decided_at, paid_at, closed_at) if m]
                if any(m > self.now for m in moments):
                    # Too recent to have got that far: still with the claims centre.
                    stage, decision = "transferred", "pending"
                    transferred = min(transfer, self.now)
                    decided_at = paid_at = closed_at = None
                amount = _money(estimate * Decimal("0.8")) if decision == "pay" else None
                self.claims.append((pk, n, reported, stage))
                yield (
                    pk, f"{self.county.code}-L{day:%Y%m%d}-{sequence:04d}", self.outlet_ids[n],
                    clerk, clerk, reported, stage,
                    closed_at or paid_at or decided_at or transferred or reported, "phone",
                    reported, policy, policy_number or "P0", product, rng.choice(self.case_types),
                    rng.choice(SURNAMES) + rng.choice(GIVEN),
                    reported - dt.timedelta(hours=rng.randrange(1, 48)), "东村一组", "暴雨",
                    "连日暴雨，稻田被淹。", "报案人", "13800138000", "self", estimate, hotline,
                    reported + dt.timedelta(minutes=30) if hotline else None, transferred,
                    decision, "不属于保险责任" if decision == "refuse" else "", decided_at, amount,
                    paid_at, amount if paid_at else None, closed_at, False, "",
                )  # fmt: skip

        return copy_rows(ClaimCase, columns, rows(), now=self.now)

    # --- Complaints -------------------------------------------------------------------------
    def _complaints(self, count: int) -> int:
        from complaints.models import Complaint, ComplaintCounter

        numbered = self._numbered(ComplaintCounter, count)
        first = reserve_ids(Complaint, count)
        self.complaints: list[tuple] = []
        columns = [
            "id", "number", "county_id", "org_unit_id", "channel", "topic", "severity",
            "complainant_name", "contact_phone", "what_happened", "what_is_asked", "status",
            "received_by_id", "first_responder_id", "received_at", "first_response_at",
            "outcome", "outcome_told_at", "satisfaction", "closed_at",
        ]  # fmt: skip
        channels = ["counter", "face_to_face", "letter", "visit", "phone", "online"]
        topics = [
            "product",
            "underwriting",
            "endorsement",
            "claims",
            "finance",
            "attitude",
            "other",
        ]

        def rows():
            rng = self.rng
            for k, (received, day, sequence) in enumerate(numbered):
                pk = first + k
                n = rng.randrange(len(self.outlets))
                clerk = self.clerk_ids[n]
                status = _pick(rng, COMPLAINT_STATUSES)
                if received < self.now - OPEN_COMPLAINT_AGE:
                    status = "closed"
                severity = rng.choices(("minor", "general", "major"), (0.3, 0.6, 0.1))[0]
                response = received + dt.timedelta(hours=rng.expovariate(1 / 10))
                told = response + dt.timedelta(days=rng.expovariate(1 / 5))
                closed = told + dt.timedelta(days=rng.randrange(1, 4))
                if status in ("resolved", "closed") and closed > self.now:
                    status = "in_progress"
                responded = response if status != "open" and response <= self.now else None
                resolved = status in ("resolved", "closed")
                self.complaints.append(
                    (pk, n, received, severity, status, responded, told if resolved else None)
                )
                yield (
                    pk, f"{self.county.code}-{day:%Y%m%d}-{sequence:04d}", self.county.pk,
                    self.outlet_ids[n], rng.choice(channels), rng.choice(topics), severity,
                    rng.choice(SURNAMES) + rng.choice(GIVEN), "13900139000", "理赔进度慢",
                    "尽快处理", status, clerk, clerk, received, responded,
                    "已解释并处理" if resolved else "", told if resolved else None,
                    rng.choice(SATISFACTION) if status == "closed" else "",
                    closed if status == "closed" else None,
                )  # fmt: skip

        return copy_rows(Complaint, columns, rows(), now=self.now)

    # --- Compliance ------------------------------------------------------------------------
    def _compliance(self) -> int:
        from outlets.models import ComplianceScore, Finding
        from outlets.services.compliance import WEIGHTS

        today = timezone.localdate(self.now)
        findings, scores = [], []
        self.findings: list[tuple[int, int, dt.date, bool]] = []
        per_outlet = 12
        first = reserve_ids(Finding, per_outlet * len(self.outlets))
        pk = first
        for n, outlet in enumerate(self.outlets):
            for _ in range(per_outlet):
                raised = self._moment(days=365)
                due = timezone.localtime(raised, self.tz).date() + dt.timedelta(days=30)
                recent = raised > self.now - dt.timedelta(days=60)
                still_open = self.rng.random() < (0.6 if recent else 0.05)
                closed = None if still_open else min(raised + dt.timedelta(days=20), self.now)
                standard = self.rng.choice(FINDING_STANDARDS)
                findings.append(
                    (pk, outlet.pk, "inspection", standard, "不符合标准", "整改", self.heads[n].pk,
                     due, "open" if still_open else "closed", raised, closed,
                     self.manager.pk if closed else None)
                )  # fmt: skip
                self.findings.append((pk, n, due, still_open, raised))
                pk += 1
            month = today.replace(day=1)
            for _ in range(24):
                values = {code: Decimal(self.rng.randrange(55, 101)) / 100 for code in WEIGHTS}
                points = {code: values[code] * weight for code, weight in WEIGHTS.items()}
                score = sum(points.values()).quantize(CENT)
                breakdown = {
                    "components": [
                        {"code": code, "weight": weight, "value": str(values[code]),
                         "points": str(points[code].quantize(CENT)), "detail": {}}
                        for code, weight in WEIGHTS.items()
                    ]
                }  # fmt: skip
                computed = dt.datetime.combine(month, dt.time(2, 30), tzinfo=self.tz)
                scores.append(
                    (outlet.pk, month, score, breakdown, self.rng.randrange(0, 5), computed)
                )
                month = (month - dt.timedelta(days=1)).replace(day=1)
        finding_columns = [
            "id", "outlet_id", "source", "standard", "description", "corrective_action",
            "owner_id", "due_on", "state", "raised_at", "closed_at", "closed_by_id",
        ]  # fmt: skip
        existing = set(
            ComplianceScore.objects.filter(outlet__in=self.outlets).values_list(
                "outlet_id", "month"
            )
        )
        scores = [row for row in scores if (row[0], row[1]) not in existing]
        return copy_rows(Finding, finding_columns, findings, now=self.now) + copy_rows(
            ComplianceScore,
            ["outlet_id", "month", "score", "breakdown", "open_findings", "computed_at"],
            scores,
            now=self.now,
        )

    # --- Timers --------------------------------------------------------------------------
    def _timers(self, count: int) -> int:
        from claims_assist.models import ClaimCase
        from complaints.models import Complaint
        from core.models import SlaTimer
        from outlets.models import Finding, QueueTicket
        from publicity.models import Notice

        types = {
            model: ContentType.objects.get_for_model(model).pk
            for model in (ClaimCase, Complaint, QueueTicket, Finding, Notice)
        }
        rng = self.rng
        hour = dt.timedelta(hours=1)
        plan = []  # (type, subject, outlet index, rule, started, budget, state, ended)
        # The subjects' own deadlines first, each consistent with the record.
        for pk, n, issued, breached, called, waiting in self.timed_tickets:
            budget = dt.timedelta(minutes=30)
            state = "running" if waiting else ("breached" if breached else "met")
            ended = None if waiting else (issued + budget if breached else called)
            plan.append((types[QueueTicket], pk, n, "OUT-12", issued, budget, state, ended))
        for pk, n, received, severity, status, responded, told in self.complaints:
            for rule, done in zip(COMPLAINT_RULES[severity], (responded, told), strict=True):
                budget = self.durations.get(rule, 24 * hour)
                if done is None:
                    state, ended = (
                        ("running", None) if status != "closed" else ("cancelled", received)
                    )
                else:
                    state = "met" if done - received <= budget else "breached"
                    ended = done if state == "met" else received + budget
                plan.append((types[Complaint], pk, n, rule, received, budget, state, ended))
        for pk, n, _due, still_open, raised in self.findings:
            budget = dt.timedelta(days=30)
            state = "running" if still_open else "met"
            plan.append(
                (
                    types[Finding],
                    pk,
                    n,
                    "OUT-16",
                    raised,
                    budget,
                    state,
                    None if still_open else raised + budget / 2,
                )
            )
        for pk, n, _state, posted in self.notices:
            if posted:
                budget = dt.timedelta(days=7)
                running = posted + budget > self.now
                plan.append(
                    (
                        types[Notice],
                        pk,
                        n,
                        "PUB-4",
                        posted,
                        budget,
                        "running" if running else "met",
                        None if running else posted + budget,
                    )
                )
        # The rest on claim cases, rule by rule along each case's life.
        claims = self.claims
        k = 0
        while len(plan) < count and claims:
            pk, n, reported, stage = claims[k % len(claims)]
            rule = CLAIM_RULES[(k // len(claims)) % len(CLAIM_RULES)]
            budget = self.durations.get(rule, 24 * hour)
            open_case = stage not in ("closed", "refused", "withdrawn", "paid")
            if open_case and reported + budget * 2 > self.now:
                state, ended = "running", None
            else:
                state = "breached" if rng.random() < 0.08 else "met"
                ended = reported + (budget if state == "breached" else budget / 3)
            plan.append((types[ClaimCase], pk, n, rule, reported, budget, state, ended))
            k += 1
        plan = plan[:count]
        first = reserve_ids(SlaTimer, len(plan))
        columns = [
            "id", "subject_type_id", "subject_id", "rule_id", "clock", "org_unit_id", "owner_id",
            "budget", "started_at", "due_at", "state", "ended_at",
        ]  # fmt: skip

        def rows():
            for offset, (ctype, subject, n, rule, started, budget, state, ended) in enumerate(plan):
                yield (
                    first + offset, ctype, subject, self.rules[rule], "wall", self.outlet_ids[n],
                    self.clerk_ids[n], budget, started, started + budget, state,
                    min(ended, self.now) if ended else None,
                )  # fmt: skip

        total = copy_rows(SlaTimer, columns, rows(), now=self.now)
        # Tickets point at their wait timer (OUT-12 "timed" tickets).
        ticket_type = types[QueueTicket]
        with connection.cursor() as cursor:
            cursor.execute(
                f"""UPDATE {QueueTicket._meta.db_table} t SET wait_timer_id = s.id
                    FROM {SlaTimer._meta.db_table} s
                    WHERE s.id >= %s AND s.subject_type_id = %s AND s.subject_id = t.id""",
                [first, ticket_type],
            )
        return total

    def _analyze(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
