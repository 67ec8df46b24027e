"""PUB-2: the printed notice of a village of 2,000 households, rendered the way the worker
renders it (`notice_document_render`: lines read under the notice's lock, PDF laid out
with its progress written as it goes, page count, stored file).

Target: under 30 s on this 2-core machine (the clerk watches the progress meanwhile).
"""

import datetime as dt
import resource
import tempfile
import time
from decimal import Decimal

from bench.common import report, setup

BENCH = "notice_pdf"
HOUSEHOLDS = 2_000
TARGET_SECONDS = 30

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["建国", "秀英", "德明", "桂兰", "志强", "玉梅", "永福", "春花", "国华", "小平", "金凤"]
VILLAGE_GROUPS = [f"东村{n}组" for n in range(1, 9)]
# One household of 12.5 亩: 75.00 = 15.00 + 33.75 + 18.75 + 3.75 + 3.75 (UW-4).
SPLIT = {
    "farmer_share": Decimal("15.00"),
    "central": Decimal("33.75"),
    "provincial": Decimal("18.75"),
    "city": Decimal("3.75"),
    "county": Decimal("3.75"),
}


def main() -> None:
    setup()
    from django.conf import settings
    from django.utils import timezone

    from core.models import OrgUnit, Role, User
    from publicity.models import Notice, NoticeDocument, NoticeLine
    from publicity.services.printing import notice_document_render

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="notice-pdf-bench-")
    province = OrgUnit.objects.create(kind=OrgUnit.Kind.PROVINCE, code="B44", name="广东省分公司")
    city = OrgUnit.objects.create(
        kind=OrgUnit.Kind.CITY, code="B4418", name="清远市分公司", parent=province
    )
    county = OrgUnit.objects.create(
        kind=OrgUnit.Kind.COUNTY, code="B441823", name="阳山县支公司", parent=city
    )
    outlet = OrgUnit.objects.create(
        kind=OrgUnit.Kind.OUTLET, code="B4418230", name="阳城镇三农营销服务部", parent=county
    )
    clerk = User.objects.create(username="bench", org_unit=outlet, role=Role.CLERK)
    posted_at = timezone.now() - dt.timedelta(days=1)
    notice = Notice.objects.create(
        kind=Notice.Kind.UNDERWRITING,
        org_unit=outlet,
        title="阳山县东村水稻种植保险2026早稻承保公示",
        county_name="阳山县",
        village="东村",
        product_name="水稻种植保险",
        season="2026早稻",
        objection_phone="0763-1234567",
        objection_place="阳城镇三农营销服务部柜面",
        state=Notice.State.POSTED,
        posted_at=posted_at,
        ends_at=posted_at + dt.timedelta(days=7),
        line_count=HOUSEHOLDS,
        quantity=Decimal("12.5") * HOUSEHOLDS,
        responsible=clerk,
        created_by=clerk,
        **{field: amount * HOUSEHOLDS for field, amount in SPLIT.items()},
    )
    NoticeLine.objects.bulk_create(
        (
            NoticeLine(
                notice=notice,
                position=n,
                source_row_id=n,
                name=SURNAMES[n % len(SURNAMES)] + GIVEN[n % len(GIVEN)],
                village_group=VILLAGE_GROUPS[n % len(VILLAGE_GROUPS)],
                subject="水稻",
                quantity=Decimal("12.5"),
                unit="亩",
                **SPLIT,
            )
            for n in range(1, HOUSEHOLDS + 1)
        ),
        batch_size=2_000,
    )

    print(f"notice_pdf: underwriting notice of a {HOUSEHOLDS:,}-household village (worker render)")
    document = NoticeDocument.objects.create(
        notice=notice, revision=notice.revision, requested_by=clerk
    )
    started, cpu_started = time.perf_counter(), time.process_time()
    document = notice_document_render(document_id=document.pk)
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    assert document.state == NoticeDocument.State.READY, document.failure
    assert document.lines_done == HOUSEHOLDS
    suffix = f"{HOUSEHOLDS // 1000}k_households"
    report(
        bench=BENCH,
        metric=f"seconds_{suffix}",
        value=round(seconds, 2),
        unit="s",
        target=TARGET_SECONDS,
        label="render time",
    )
    # CPU time of the render: what the wall time would be on an idle machine (the bench
    # shares two cores with whatever else runs).
    report(
        bench=BENCH,
        metric=f"cpu_seconds_{suffix}",
        value=round(cpu_seconds, 2),
        unit="s",
        target=TARGET_SECONDS,
        label="render CPU time",
    )
    report(
        bench=BENCH,
        metric=f"pages_{suffix}",
        value=document.pages,
        unit="pages",
        target="-",
        label="pages",
    )
    report(
        bench=BENCH,
        metric=f"lines_per_second_{suffix}",
        value=round(HOUSEHOLDS / seconds, 1),
        unit="lines/s",
        target=round(HOUSEHOLDS / TARGET_SECONDS, 1),
        label="lines per second",
    )
    print(
        f"  ({document.file.size / 1024:.0f} KiB, {HOUSEHOLDS / document.pages:.1f} lines a page)"
    )
    # Linux reports the peak resident set in KiB; it includes the setup above.
    report(
        bench=BENCH,
        metric=f"peak_rss_mb_{suffix}",
        value=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        unit="MB",
        target="-",
        label="peak memory of the process",
    )


if __name__ == "__main__":
    main()
