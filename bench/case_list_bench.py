"""The claim case list with 200,000 cases: time and queries per page stay flat.

200,000 cases (CASE_LIST_BENCH_CASES) over three years, spread over the 60 outlets of
one county (a few thousand each), with realistic stages, decisions, major cases and
overdue flags, written with bulk_create in batches. Then, in process through Django's
test client (middleware, session, templates: the whole page), about 50 requests
(CASE_LIST_BENCH_REQUESTS) of each page as an outlet clerk (their outlet) and as the
county manager (every outlet): the first page, a middle page, a filtered page, a search
by ID number and by name, a page sorted by stage, and the API list
`/api/v1/claim-cases/` when it exists.

Reported per page: p50 and p95 milliseconds and the queries the request ran (the same
for every page: rows are joined, never fetched one by one, and the pager's count stops
at 10,001).
"""

import datetime as dt
import os
import random
import statistics
import time
from decimal import Decimal

from bench.common import report, setup

BENCH = "case_list"
CASES = int(os.environ.get("CASE_LIST_BENCH_CASES", "200000"))
REQUESTS = int(os.environ.get("CASE_LIST_BENCH_REQUESTS", "50"))
OUTLETS = 60
BATCH = 5_000
SEED = 20261122
# A list page should feel instant at the counter; the manager's county-wide view too.
TARGET_P95_MS = 300
# Session, user, inbox count, the outlet choices, the bounded count, the rows.
TARGET_QUERIES = 10
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["建国", "秀英", "桂兰", "德福", "玉梅", "志强", "海燕", "明", "芳", "伟", "丽", "军"]
# (stage, share): most cases of three years are closed; a few are still moving.
STAGES = [
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
BEIJING = dt.timezone(dt.timedelta(hours=8))


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def _resident_id(rng: random.Random) -> str:
    from stdnum.cn import ric

    born = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(60 * 365))
    body = f"441823{born:%Y%m%d}{rng.randrange(1000):03d}"
    return body + ric.calc_check_digit(body)


def _tree():
    from core.models import OrgUnit, Role, User

    province = OrgUnit.objects.create(code="44", name="广东省分公司", kind=OrgUnit.Kind.PROVINCE)
    city = OrgUnit.objects.create(
        code="4418", name="清远市分公司", kind=OrgUnit.Kind.CITY, parent=province
    )
    county = OrgUnit.objects.create(
        code="441823", name="阳山县支公司", kind=OrgUnit.Kind.COUNTY, parent=city
    )
    outlets = [
        OrgUnit.objects.create(
            code=f"441823{n:02d}",
            name=f"第{n}三农营销服务部",
            kind=OrgUnit.Kind.OUTLET,
            parent=county,
        )
        for n in range(1, OUTLETS + 1)
    ]
    clerks = [
        User.objects.create(
            username=f"clerk{n}", display_name=f"柜员{n}", role=Role.CLERK, org_unit=outlet
        )
        for n, outlet in enumerate(outlets, 1)
    ]
    manager = User.objects.create(
        username="manager", display_name="王经理", role=Role.COUNTY_MANAGER, org_unit=county
    )
    return county, outlets, clerks, manager


def _cases(*, county, outlets, clerks, rng: random.Random) -> str:
    """Write the cases; returns one ID number that has cases at the first outlet."""
    from django.db import connection

    from claims_assist.models import CaseType, ClaimCase
    from underwriting.models import Product

    products = [
        Product.objects.create(
            code=code,
            name=name,
            line=line,
            policy_based=line != "accident",
            rate=Decimal("0.06"),
            sum_insured_per_unit=Decimal("1000.00"),
            unit=unit,
        )
        for code, name, line, unit in [
            ("RICE", "水稻种植保险", "crop", "亩"),
            ("SOW", "能繁母猪养殖保险", "livestock", "头"),
            ("ACCIDENT", "农村居民意外伤害保险", "accident", "人"),
        ]
    ]
    case_types = list(CaseType.objects.all())
    stages, weights = zip(*STAGES, strict=True)
    end = dt.datetime(2026, 11, 20, 17, 0, tzinfo=BEIJING)
    span = 3 * 365 * 24 * 3600
    # Reported times in order, so that numbers per county and day run 0001, 0002, …
    moments = sorted(end - dt.timedelta(seconds=rng.randrange(span)) for _ in range(CASES))
    insured = [(rng.choice(SURNAMES) + rng.choice(GIVEN), _resident_id(rng)) for _ in range(40_000)]
    sequence: dict[dt.date, int] = {}
    batch: list[ClaimCase] = []
    probe = ""
    for reported_at in moments:
        day = reported_at.astimezone(BEIJING).date()
        sequence[day] = sequence.get(day, 0) + 1
        n = rng.randrange(OUTLETS)
        outlet, clerk = outlets[n], clerks[n]
        name, id_number = rng.choice(insured)
        stage = rng.choices(stages, weights)[0]
        decision = {"paid": "pay", "closed": "pay", "approved": "pay", "refused": "refuse"}.get(
            stage, "pending"
        )
        open_case = stage not in ("closed", "refused", "withdrawn", "paid")
        major = rng.random() < 0.01
        if n == 0 and not probe:
            probe = id_number
        hotline = "" if stage == "reported" else f"95518{day:%y%m%d}{n:02d}{sequence[day]:04d}"
        no_hotline = stage == "reported" and rng.random() < 0.3
        batch.append(
            ClaimCase(
                number=f"{county.code}-L{day:%Y%m%d}-{sequence[day]:04d}",
                org_unit=outlet,
                owner=clerk,
                created_by=clerk,
                stage=stage,
                stage_changed_at=reported_at,
                channel=rng.choice(["phone", "walk_in"]),
                reported_at=reported_at,
                policy_number=f"P{rng.randrange(10**15):015d}",
                product=rng.choice(products),
                case_type=rng.choice(case_types),
                insured_name=name,
                insured_id_number=id_number,
                incident_at=reported_at - dt.timedelta(hours=rng.randrange(1, 72)),
                incident_place="东村一组",
                cause="暴雨",
                course="连日暴雨，稻田被淹。",
                reporter_name=name,
                reporter_phone="13800138000",
                reporter_relation="self",
                hotline_number=hotline,
                hotline_overdue_at=reported_at if no_hotline else None,
                major=major,
                major_reasons=["deaths"] if major else [],
                transfer_overdue_at=reported_at if open_case and rng.random() < 0.03 else None,
                decision=decision,
                decision_reason="不属于保险责任" if decision == "refuse" else "",
            )
        )
        if len(batch) == BATCH:
            ClaimCase.objects.bulk_create(batch)
            batch = []
    ClaimCase.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE claims_assist_claimcase")
    return probe


def _measure(client, url: str, params: dict) -> tuple[list[float], int, int]:
    """Milliseconds of each request, the queries of one, and the status code."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url, params)  # warm: templates, connections, caches
    times = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        response = client.get(url, params)
        times.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    return times, len(queries), response.status_code


def main() -> None:
    setup()
    from django.test import Client
    from django.urls import reverse
    from django.utils import translation

    translation.activate("zh-hans")
    rng = random.Random(SEED)
    county, outlets, clerks, manager = _tree()
    started = time.perf_counter()
    probe_id = _cases(county=county, outlets=outlets, clerks=clerks, rng=rng)
    print(
        f"case_list: {CASES:,} cases at {OUTLETS} outlets written in "
        f"{time.perf_counter() - started:.1f} s"
    )
    clerk = clerks[0]
    page_url = reverse("claims_assist:case_list")
    api_url = "/api/v1/claim-cases/"
    scenarios = [
        ("clerk", clerk, page_url, "first_page", {}),
        ("clerk", clerk, page_url, "middle_page", {"page": "30"}),
        ("clerk", clerk, page_url, "filtered", {"stage": "transferred", "flagged": "true"}),
        ("clerk", clerk, page_url, "search_name", {"q": "王建国"}),
        ("manager", manager, page_url, "first_page", {}),
        ("manager", manager, page_url, "middle_page", {"page": "100"}),
        ("manager", manager, page_url, "filtered", {"stage": "transferred", "major": "false"}),
        ("manager", manager, page_url, "search_id", {"q": probe_id}),
        ("manager", manager, page_url, "search_name", {"q": "王建国"}),
        ("manager", manager, page_url, "sort_stage", {"sort": "stage"}),
        ("clerk", clerk, api_url, "api_first_page", {}),
        ("manager", manager, api_url, "api_first_page", {}),
        ("manager", manager, api_url, "api_filtered", {"stage": "transferred"}),
    ]
    failed = False
    for who, user, url, name, params in scenarios:
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans", HTTP_HOST="127.0.0.1")
        client.force_login(user)
        times, queries, status = _measure(client, url, params)
        if status == 404 and url == api_url:
            print(f"  {who} {name}: {url} not there yet (the API list is another part): skipped")
            continue
        if status != 200:
            print(f"  {who} {name}: HTTP {status}")
            failed = True
            continue
        p50, p95 = statistics.median(times), _percentile(times, 0.95)
        label = f"{who} {name} {params or ''}".strip()
        report(
            bench=BENCH,
            metric=f"{who}_{name}_p50_ms",
            value=round(p50, 1),
            unit="ms",
            target=TARGET_P95_MS,
            label=f"{label}: p50",
        )
        report(
            bench=BENCH,
            metric=f"{who}_{name}_p95_ms",
            value=round(p95, 1),
            unit="ms",
            target=TARGET_P95_MS,
            label=f"{label}: p95",
        )
        report(
            bench=BENCH,
            metric=f"{who}_{name}_queries",
            value=queries,
            unit="queries",
            target=TARGET_QUERIES,
            label=f"{label}: queries",
        )
        failed |= p95 > TARGET_P95_MS or queries > TARGET_QUERIES
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
