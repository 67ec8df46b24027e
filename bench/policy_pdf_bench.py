"""UW-13: the printed group policy with a 5,000-household annex, rendered the way the
worker renders it (`policy_document_render`: PDF, page count, stored file, first print
recorded), and the individual policy printed at the counter.

Target: the 5,000-row annex in under 60 s on this 2-core machine.
"""

import resource
import statistics
import tempfile
import time
from decimal import Decimal

from bench.common import report, setup

BENCH = "policy_pdf"
HOUSEHOLDS = 5_000
TARGET_GROUP_SECONDS = 60
# A counter print happens while the customer waits.
TARGET_INDIVIDUAL_SECONDS = 2
INDIVIDUAL_REPEATS = 3

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["建国", "秀英", "德明", "桂兰", "志强", "玉梅", "永福", "春花", "国华", "小平", "金凤"]
VILLAGE_GROUPS = [f"东村{n}组" for n in range(1, 9)]


def main() -> None:
    setup()
    from django.conf import settings
    from django.utils import timezone
    from stdnum.cn import ric

    from core.models import OrgUnit, Role, User
    from underwriting.models import (
        Customer,
        HouseholdList,
        HouseholdRow,
        Policy,
        PolicyDocument,
        Product,
        ProductExclusion,
    )
    from underwriting.services.printing import policy_document_render, policy_print

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="policy-pdf-bench-")
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
    product = Product.objects.create(
        code="RICE",
        name="水稻种植保险",
        line=Product.Line.CROP,
        policy_based=True,
        rate=Decimal("0.06"),
        sum_insured_per_unit=Decimal("1000.00"),
        unit="亩",
        liability="暴雨、洪水、内涝、风灾、冰雹、冻灾、旱灾、病虫草鼠害造成的损失。",
    )
    for position, text in enumerate(["投保人及其家庭成员的故意行为", "行政行为或司法行为"]):
        ProductExclusion.objects.create(product=product, position=position, text=text)

    def resident(n: int) -> str:
        body = f"441823{1950 + n % 50}{n % 12 + 1:02d}{n % 28 + 1:02d}{n % 1000:03d}"
        return body + ric.calc_check_digit(body)

    def customer(kind: str, name: str, id_number: str, **extra) -> Customer:
        return Customer.objects.create(
            org_unit=outlet, kind=kind, name=name, id_number=id_number, created_by=clerk, **extra
        )

    now = timezone.now()
    today = timezone.localdate()
    farmer = customer(Customer.Kind.FARMER, "张三", resident(0), phone="13800138000")
    committee = customer(
        Customer.Kind.ORGANISATION,
        "东村村民委员会",
        "54441823MJ0000001" + "7",
        organisation_type=Customer.OrganisationType.VILLAGE_COMMITTEE,
    )

    def policy(**fields) -> Policy:
        return Policy.objects.create(
            org_unit=outlet,
            product=product,
            entered_by=clerk,
            status=Policy.Status.ISSUED,
            issued_at=now,
            application_date=today,
            starts_on=today,
            ends_on=today.replace(year=today.year + 1),
            subject="水稻",
            unit="亩",
            **fields,
        )

    # Row split: 75.00 = 15.00 + 33.75 + 18.75 + 3.75 + 3.75 (UW-4, adds up to the cent).
    share = {
        "premium": Decimal("75.00"),
        "farmer_share": Decimal("15.00"),
        "central": Decimal("33.75"),
        "provincial": Decimal("18.75"),
        "city": Decimal("3.75"),
        "county": Decimal("3.75"),
    }
    group = policy(
        kind=Policy.Kind.GROUP,
        number="GB4418230202600000001",
        verification_code="W3N5H8J2C6V9",
        organiser=committee,
        applicant_label=f"王建国等{HOUSEHOLDS}户",
        quantity=Decimal("12.5") * HOUSEHOLDS,
        sum_insured=Decimal("1250.00") * HOUSEHOLDS,
        **{field: amount * HOUSEHOLDS for field, amount in share.items()},
    )
    household_list = HouseholdList.objects.create(
        policy=group,
        state=HouseholdList.State.ACCEPTED,
        source="household-lists/bench.xlsx",
        source_name="bench.xlsx",
        uploaded_by=clerk,
        household_count=HOUSEHOLDS,
    )
    rows = []
    for n in range(1, HOUSEHOLDS + 1):
        name = SURNAMES[n % len(SURNAMES)] + GIVEN[n % len(GIVEN)]
        proxy = n % 10 == 0
        rows.append(
            HouseholdRow(
                household_list=household_list,
                row_number=n,
                name=name,
                id_kind=HouseholdRow.IdKind.RESIDENT,
                id_number=resident(n),
                subject_type="水稻",
                quantity=Decimal("12.5"),
                unit="亩",
                village_group=VILLAGE_GROUPS[n % len(VILLAGE_GROUPS)],
                signature=HouseholdRow.Signature.PROXY if proxy else HouseholdRow.Signature.SIGNED,
                proxy_name="王建国" if proxy else "",
                proxy_authorisation="村民委托书" if proxy else "",
                **share,
            )
        )
    HouseholdRow.objects.bulk_create(rows, batch_size=2_000)

    print(f"policy_pdf: group policy with a {HOUSEHOLDS:,}-household annex (worker render)")
    document = PolicyDocument.objects.create(policy=group, requested_by=clerk)
    started = time.perf_counter()
    document = policy_document_render(document_id=document.pk)
    seconds = time.perf_counter() - started
    assert document.state == PolicyDocument.State.READY, document.failure
    assert document.annex_rows == HOUSEHOLDS
    report(
        bench=BENCH,
        metric=f"seconds_group_{HOUSEHOLDS // 1000}k_annex",
        value=round(seconds, 2),
        unit="s",
        target=TARGET_GROUP_SECONDS,
        label="render time",
    )
    report(
        bench=BENCH,
        metric=f"pages_group_{HOUSEHOLDS // 1000}k_annex",
        value=document.pages,
        unit="pages",
        target="-",
        label="pages",
    )
    report(
        bench=BENCH,
        metric=f"rows_per_second_group_{HOUSEHOLDS // 1000}k_annex",
        value=round(HOUSEHOLDS / seconds, 1),
        unit="rows/s",
        target=round(HOUSEHOLDS / TARGET_GROUP_SECONDS, 1),
        label="annex rows per second",
    )
    print(f"  ({document.file.size / 1024:.0f} KiB)")
    # Linux reports the peak resident set in KiB; it includes the setup above.
    report(
        bench=BENCH,
        metric=f"peak_rss_mb_group_{HOUSEHOLDS // 1000}k_annex",
        value=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        unit="MB",
        target="-",
        label="peak memory of the process",
    )

    print(f"policy_pdf: individual policy at the counter (median of {INDIVIDUAL_REPEATS})")
    individual = policy(
        kind=Policy.Kind.INDIVIDUAL,
        number="PB4418230202600000002",
        verification_code="K7M2P9QXR4T8",
        applicant=farmer,
        insured=farmer,
        explained_at=now,
        explained_by=clerk,
        quantity=Decimal("10"),
        sum_insured=Decimal("10000.00"),
        payment_method=Policy.PaymentMethod.CASH,
        paid_at=now,
        **{field: amount * 8 for field, amount in share.items()},
    )
    runs = []
    for _ in range(INDIVIDUAL_REPEATS):
        started = time.perf_counter()
        policy_print(clerk=clerk, policy=individual)
        runs.append(time.perf_counter() - started)
    report(
        bench=BENCH,
        metric="seconds_individual",
        value=round(statistics.median(runs), 3),
        unit="s",
        target=TARGET_INDIVIDUAL_SECONDS,
        label="render time",
    )


if __name__ == "__main__":
    main()
