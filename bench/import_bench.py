"""UW-10: importing and validating a 50,000-row household list, against a 10,000-row one.

Both lists are realistic county workbooks: two title rows, a two-row header with 财政补贴
merged over 中央/省级/市级/县级, amounts as Excel floats, ID numbers as text, a 合计
row, and a few rows over the product's quantity flag, so the run also writes the
report (timed apart: a task of its own writes it after the validation). Each list is
imported twice into a fresh group policy: once timed, once under tracemalloc for the
peak of Python allocations during the validation (tracemalloc slows Python down, so
that run is not timed). The process's peak resident memory (getrusage maxrss) is read after
each timed run: the 50,000-row run should not raise it much above the 10,000-row run.
"""

import datetime as dt
import resource
import tempfile
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

from bench.common import report, setup

BENCH = "import"
TARGET_SECONDS = 30  # 50,000 rows imported and validated on the 2-core machine
TARGET_MEMORY_RATIO = 1.5  # peak Python memory, 50,000 rows vs 10,000 rows
FLAGGED_EVERY = 5_000  # one household in 5,000 is over the flag threshold


def write_list(path: Path, rows: int) -> None:
    """A county household list of `rows` households (openpyxl write-only)."""
    from openpyxl import Workbook
    from stdnum.cn import ric

    from underwriting.premiums import premium_for, split_premium

    rates = {
        "central": Decimal("0.45"),
        "provincial": Decimal("0.25"),
        "city": Decimal("0.05"),
        "county": Decimal("0.05"),
    }
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("分户清单")
    sheet.append(["阳山县2026年早稻种植保险分户投保清单"])
    sheet.append(
        ["投保组织者：东村村民委员会（盖章）", None, None, None, None, "填报日期：2026年3月"]
    )
    sheet.append(
        [
            "序号",
            "农户姓名",
            "身份证号码",
            "联系电话",
            "村组",
            "标的名称",
            "投保面积(亩)",
            "总保费",
            "农户自缴",
            "财政补贴",
            None,
            None,
            None,
            "银行账号",
            "开户行",
            "农户签字",
        ]
    )
    sheet.append([None] * 9 + ["中央", "省级", "市级", "县级"] + [None] * 3)
    for cells in ["A1:P1", "J3:M3", *[f"{c}3:{c}4" for c in "ABCDEFGHINOP"]]:
        sheet.merged_cells.add(cells)
    born = dt.date(1950, 1, 1)
    totals = [Decimal(0)] * 3
    for n in range(rows):
        body = f"441823{born + dt.timedelta(days=n // 1000):%Y%m%d}{n % 1000:03d}"
        quantity = Decimal(250) if n % FLAGGED_EVERY == 17 else Decimal(n % 37 + 1) / 4
        premium = premium_for(
            quantity=quantity, sum_insured_per_unit=Decimal(1000), rate=Decimal("0.06")
        )
        split = split_premium(premium=premium, rates=rates)
        totals = [totals[0] + quantity, totals[1] + premium, totals[2] + split.farmer_share]
        sheet.append(
            [
                n + 1,
                f"农户{n + 1}",
                body + ric.calc_check_digit(body + "0"),  # it ignores the last character
                f"139{n:08d}",
                f"东村{n % 12 + 1}组",
                "水稻",
                float(quantity),
                float(premium),
                float(split.farmer_share),
                float(split.central),
                float(split.provincial),
                float(split.city),
                float(split.county),
                f"62170000{n:011d}",
                "阳山县农村信用合作联社",
                None,
            ]
        )
    sheet.append(["合计", None, None, None, None, None, *(float(t) for t in totals)])
    workbook.save(path)


def main() -> None:
    setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from core.models import OrgUnit, Role, User
    from underwriting.models import Customer, HouseholdList, Policy, Product, SubsidyRate
    from underwriting.services.imports import (
        household_list_report_build,
        household_list_upload,
        household_list_validate,
    )

    province = OrgUnit.objects.create(kind=OrgUnit.Kind.PROVINCE, code="B44", name="省")
    city = OrgUnit.objects.create(kind=OrgUnit.Kind.CITY, code="B4418", name="市", parent=province)
    county = OrgUnit.objects.create(
        kind=OrgUnit.Kind.COUNTY, code="B441823", name="县", parent=city
    )
    outlet = OrgUnit.objects.create(
        kind=OrgUnit.Kind.OUTLET, code="B4418230", name="所", parent=county
    )
    clerk = User.objects.create(username="bench", org_unit=outlet, role=Role.CLERK)
    rice = Product.objects.create(
        code="RICE",
        name="水稻种植保险",
        line=Product.Line.CROP,
        policy_based=True,
        rate=Decimal("0.06"),
        sum_insured_per_unit=Decimal("1000"),
        unit="亩",
        flag_quantity_over=Decimal("200"),
    )
    today = timezone.localdate()
    SubsidyRate.objects.create(
        product=rice,
        region=county,
        year=today.year,
        central=Decimal("0.45"),
        provincial=Decimal("0.25"),
        city=Decimal("0.05"),
        county=Decimal("0.05"),
    )
    committee = Customer.objects.create(
        org_unit=outlet,
        kind=Customer.Kind.ORGANISATION,
        organisation_type=Customer.OrganisationType.VILLAGE_COMMITTEE,
        name="东村村民委员会",
        id_number="54441823MJ0000001X",
        created_by=clerk,
    )

    def import_list(path: Path, season: str, *, traced: bool = False):
        # Each run is its own season, so no run sees another's households as duplicates.
        policy = Policy.objects.create(
            kind=Policy.Kind.GROUP,
            status=Policy.Status.QUOTED,
            org_unit=outlet,
            product=rice,
            organiser=committee,
            season=season,
            application_date=today,
            entered_by=clerk,
        )
        upload = SimpleUploadedFile(path.name, path.read_bytes())
        household_list = household_list_upload(clerk=clerk, policy=policy, upload=upload)
        del upload  # the upload is in memory; the validation reads the stored file
        if traced:
            tracemalloc.start()
        started = time.perf_counter()
        household_list = household_list_validate(household_list_id=household_list.pk)
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] if traced else 0
        tracemalloc.stop()
        assert household_list.state == HouseholdList.State.ACCEPTED, (
            household_list.state,
            household_list.failure,
            list(household_list.issues.values_list("row_number", "message")[:5]),
        )
        return seconds, peak, household_list

    def maxrss_mb() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    figures = {}
    with tempfile.TemporaryDirectory() as folder:
        sizes = (10_000, 50_000)
        paths = {}
        for rows in sizes:
            paths[rows] = Path(folder) / f"household-list-{rows}.xlsx"
            started = time.perf_counter()
            write_list(paths[rows], rows)
            print(
                f"import: wrote a {rows:,}-row list ({paths[rows].stat().st_size / 2**20:.1f} MB)"
                f" in {time.perf_counter() - started:.1f} s"
            )
        baseline = maxrss_mb()
        for rows in sizes:
            tag = f"{rows // 1000}k"
            print(f"import: {rows:,}-row household list")
            seconds, _peak, household_list = import_list(paths[rows], f"timed-{tag}")
            rss = maxrss_mb()
            # The report (the rows with their warnings) is written by a task of its own.
            started = time.perf_counter()
            household_list = household_list_report_build(household_list_id=household_list.pk)
            report_seconds = time.perf_counter() - started
            assert household_list.report
            _seconds, peak, _list = import_list(paths[rows], f"traced-{tag}", traced=True)

            assert household_list.rows.count() == rows
            figures[rows] = (seconds, peak / 2**20, rss)
            report(
                bench=BENCH,
                metric=f"seconds_{tag}",
                value=round(seconds, 2),
                unit="s",
                target=TARGET_SECONDS,
                label="import and validation",
            )
            report(
                bench=BENCH,
                metric=f"rows_per_second_{tag}",
                value=round(rows / seconds),
                unit="rows/s",
                target=round(50_000 / TARGET_SECONDS),
                label="rows per second",
            )
            report(
                bench=BENCH,
                metric=f"report_seconds_{tag}",
                value=round(report_seconds, 2),
                unit="s",
                target=TARGET_SECONDS,
                label="then the report (its own task)",
            )
            report(
                bench=BENCH,
                metric=f"python_peak_mb_{tag}",
                value=round(peak / 2**20, 1),
                unit="MB",
                target="flat",
                label="peak Python allocations (tracemalloc)",
            )
            report(
                bench=BENCH,
                metric=f"maxrss_delta_mb_{tag}",
                value=round(rss - baseline, 1),
                unit="MB",
                target="flat",
                label="process peak RSS above the start (getrusage)",
            )

    print("import: memory with 5x the rows")
    report(
        bench=BENCH,
        metric="python_peak_ratio_50k_vs_10k",
        value=round(figures[50_000][1] / figures[10_000][1], 2),
        unit="x",
        target=TARGET_MEMORY_RATIO,
        label="peak Python memory ratio",
    )
    report(
        bench=BENCH,
        metric="time_ratio_50k_vs_10k",
        value=round(figures[50_000][0] / figures[10_000][0], 2),
        unit="x",
        target=5.0,
        label="time ratio (linear is 5)",
    )


if __name__ == "__main__":
    main()
