"""Demo underwriting data for `make run` (called by core's seed_demo): products with
their subsidies and exclusions, villages, a few customers, a telesales policy waiting
for payment and a village group policy whose household list the worker validates.
Idempotent."""

import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.models import OrgUnit, User
from underwriting.imports.template import household_list_template
from underwriting.models import (
    Customer,
    Policy,
    Product,
    ProductExclusion,
    SubsidyRate,
    UnderwritingRules,
    Village,
    VillageCapacity,
)
from underwriting.services.customers import customer_create
from underwriting.services.group import group_policy_create
from underwriting.services.imports import household_list_upload
from underwriting.services.policies import policy_intake_remote

COMMON_EXCLUSIONS = ["投保人、被保险人及其家庭成员的故意或重大过失行为", "行政行为或司法行为"]

# code, name, line, policy-based, rate, sum insured per unit, unit, inspect from, flag over,
# liability, exclusions, subsidies (central, provincial, city, county) or None
PRODUCTS = [
    (
        "RICE",
        "水稻种植保险",
        Product.Line.CROP,
        True,
        "0.060000",
        "1000.00",
        "亩",
        "100",
        "200",
        "暴雨、洪水、内涝、风灾、雹灾、冻灾、旱灾、病虫草鼠害导致的水稻损失。",
        ["播种、移栽后未成活的损失", "种植在河滩、行洪区内的水稻损失"],
        ("0.45", "0.25", "0.05", "0.05"),
    ),
    (
        "SOW",
        "能繁母猪养殖保险",
        Product.Line.LIVESTOCK,
        True,
        "0.060000",
        "1500.00",
        "头",
        "50",
        "100",
        "疾病、疫病、自然灾害、意外事故导致的能繁母猪死亡。",
        ["未按规定免疫接种的损失", "政府扑杀已获补偿部分"],
        ("0.50", "0.25", "0.05", "0.00"),
    ),
    (
        "FOREST",
        "公益林保险",
        Product.Line.FOREST,
        True,
        "0.002000",
        "1000.00",
        "亩",
        None,
        "5000",
        "火灾、暴雨、暴风、泥石流、冰雹、霜冻、病虫鼠害导致的林木损失。",
        ["人为盗伐、滥伐的损失"],
        ("0.50", "0.30", "0.10", "0.10"),
    ),
    (
        "MTPL",
        "机动车交通事故责任强制保险",
        Product.Line.MOTOR,
        False,
        "0.010000",
        "95000.00",
        "辆",
        None,
        None,
        "被保险机动车发生交通事故造成本车人员、被保险人以外的受害人的人身伤亡、财产损失。",
        ["受害人故意造成的交通事故损失", "被保险人所有的财产及本车上的财产损失"],
        None,
    ),
    (
        "ACCIDENT",
        "农村居民意外伤害保险",
        Product.Line.ACCIDENT,
        False,
        "0.002000",
        "50000.00",
        "人",
        None,
        None,
        "被保险人因意外伤害导致身故、残疾或医疗费用支出。",
        ["酒后驾驶、无证驾驶导致的伤害", "疾病导致的身故"],
        None,
    ),
]

FARMERS = [
    ("张三", "11010519491231002X", "13800138001", "东村一组"),
    ("李秀英", "440106198504120025", "13800138002", "东村二组"),
    ("王建国", "441823196203150016", "13800138003", "西村三组"),
]


# name, resident ID, village group, quantity (亩), signature (UW-7)
HOUSEHOLDS = [
    ("张三", "11010519491231002X", "东村一组", "12.5", "张三"),
    ("李秀英", "440106198504120025", "东村二组", "8", "李秀英"),
    ("王建国", "441823196203150016", "东村三组", "20.3", ""),
    ("陈桂兰", "441823195507080024", "东村一组", "6.6", "陈明代"),
    ("刘德福", "441823197011110030", "东村二组", "260", "刘德福"),
    ("黄玉梅", "441823198802020044", "东村三组", "15", "黄玉梅"),
]


def seed_underwriting(*, county: OrgUnit, outlet: OrgUnit, clerk: User, api_client: User) -> None:
    UnderwritingRules.objects.get_or_create(county=None)
    year = timezone.localdate().year
    for (code, name, line, policy_based, rate, per_unit, unit, inspect, flag, liability,
         exclusions, subsidies) in PRODUCTS:  # fmt: skip
        product, created = Product.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "line": line,
                "policy_based": policy_based,
                "rate": Decimal(rate),
                "sum_insured_per_unit": Decimal(per_unit),
                "unit": unit,
                "inspection_quantity": Decimal(inspect) if inspect else None,
                "flag_quantity_over": Decimal(flag) if flag else None,
                "liability": liability,
            },
        )
        if created:
            ProductExclusion.objects.bulk_create(
                ProductExclusion(product=product, position=i, text=text)
                for i, text in enumerate([*exclusions, *COMMON_EXCLUSIONS])
            )
        if subsidies:
            for each_year in (year, year + 1):
                SubsidyRate.objects.get_or_create(
                    product=product,
                    region=county,
                    year=each_year,
                    defaults=dict(
                        zip(
                            ("central", "provincial", "city", "county"),
                            map(Decimal, subsidies),
                            strict=True,
                        )
                    ),
                )
    east, _created = Village.objects.get_or_create(org_unit=outlet, name="东村")
    VillageCapacity.objects.get_or_create(
        village=east, unit="亩", defaults={"quantity": Decimal("1200")}
    )
    Village.objects.get_or_create(
        org_unit=outlet,
        name="西村",
        defaults={"epidemic_zone": True, "epidemic_note": "非洲猪瘟疫区（县农业农村局通报）"},
    )
    for name, id_number, phone, village_group in FARMERS:
        if not Customer.objects.filter(org_unit=outlet, id_number=id_number).exists():
            customer_create(
                by=clerk,
                org_unit=outlet,
                kind=Customer.Kind.FARMER,
                name=name,
                id_number=id_number,
                phone=phone,
                village_group=village_group,
                bank_account="6217 0033 2000 1234 567",
                bank_name="广东农信",
            )
    if not Customer.objects.filter(org_unit=outlet, name="东村村民委员会").exists():
        customer_create(
            by=clerk,
            org_unit=outlet,
            kind=Customer.Kind.ORGANISATION,
            organisation_type=Customer.OrganisationType.VILLAGE_COMMITTEE,
            name="东村村民委员会",
            id_number="54441823MJ00000073",
            phone="0763-7700001",
            village_group="东村",
        )
    _remote_policy(outlet=outlet, api_client=api_client)
    _group_policy(outlet=outlet, clerk=clerk)


def _remote_policy(*, outlet: OrgUnit, api_client: User) -> None:
    """UW-11: a telesales accident policy that the customer pays for at the counter."""
    if Policy.objects.filter(channel=Policy.Channel.TELESALES).exists():
        return
    policy_intake_remote(
        by=api_client,
        org_unit=outlet,
        channel=Policy.Channel.TELESALES,
        product=Product.objects.get(code="ACCIDENT"),
        insured=Customer.objects.get(org_unit=outlet, id_number=FARMERS[1][1]),
        quantity=Decimal(1),
        application_date=timezone.localdate(),
        external_reference="95518-TS-0001",
    )


def _group_policy(*, outlet: OrgUnit, clerk: User) -> None:
    """UW-10: the village committee's rice policy; its list goes through the real import,
    so the worker validates it once `make run` starts (one row is flagged: UW-5)."""
    if Policy.objects.filter(kind=Policy.Kind.GROUP).exists():
        return
    rice = Product.objects.get(code="RICE")
    policy = group_policy_create(
        clerk=clerk,
        organiser=Customer.objects.get(org_unit=outlet, name="东村村民委员会"),
        product=rice,
        season=f"{timezone.localdate().year}晚稻",
        application_date=timezone.localdate() - dt.timedelta(days=2),
    )
    # In the order of underwriting.imports.template.COLUMNS; the premium columns are
    # left empty for the import to compute (UW-4).
    rows = [
        [n, name, id_number, "13800138000", village, "", "", "", "水稻", quantity, "亩", "正常"]
        + [None] * 6
        + ["6217003320001234567", "广东农信", sign]
        for n, (name, id_number, village, quantity, sign) in enumerate(HOUSEHOLDS, 1)
    ]
    content = household_list_template(policy=policy, rows=rows)
    household_list_upload(
        clerk=clerk, policy=policy, upload=SimpleUploadedFile("东村分户清单.xlsx", content)
    )
