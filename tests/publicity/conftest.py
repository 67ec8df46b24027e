"""Publicity personas on top of tests/conftest.py: outlet A's village group policy with
real-looking personal data (to prove it never reaches a public rendering) and its
notices in each state, built directly so that every test file can start at once."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone, translation

from core.evidence import evidence_photo_add
from core.models import EvidencePhoto, SlaTimer, User
from core.timers import timer_start
from publicity.models import Notice, NoticeLine, NoticePosting
from tests.underwriting.conftest import book  # noqa: F401 (a fixture used here)
from tests.underwriting.factories import resident_id
from tests.underwriting.group_support import listed_policy, photo
from underwriting.models import HouseholdList, HouseholdRow, Policy

# (name, phone, bank account) of the households, in list order.
HOUSEHOLDS = [
    ("王小明", "13912345678", "6217001234567890123"),
    ("李秀英", "13787654321", "6228480012345678901"),
    ("欧阳春花", "15011112222", "6230520098765432109"),
]
SECRET_FIELDS = ("id_number", "phone", "bank_account")


@pytest.fixture(autouse=True)
def _english_messages():
    """Services are called here in English so that tests read their messages; pages
    still get the zh-hans default from the middleware, as users do."""
    with translation.override("en"):
        yield


@pytest.fixture
def group_policy(book, clerk_a) -> Policy:  # noqa: F811
    """Outlet A's listed rice group policy of 东村村民委员会: three households with ID
    numbers, phones and bank accounts (none of which may ever be shown publicly)."""
    policy = listed_policy(book, clerk_a, households=len(HOUSEHOLDS))
    rows = HouseholdRow.objects.filter(household_list__policy=policy).order_by("row_number")
    for index, (row, (name, phone, account)) in enumerate(zip(rows, HOUSEHOLDS, strict=True)):
        row.name, row.phone, row.bank_account = name, phone, account
        row.id_number = resident_id(500 + index)
        row.bank_name = "农业银行"
        row.save()
    return policy


def secrets_of(policy: Policy) -> list[str]:
    """Every ID number, phone and bank account of the policy's households."""
    rows = HouseholdRow.objects.filter(household_list__policy=policy)
    return [value for row in rows.values_list(*SECRET_FIELDS) for value in row if value]


def _lines_from(policy: Policy) -> list[NoticeLine]:
    rows = HouseholdRow.objects.filter(household_list__policy=policy).order_by("row_number")
    return [
        NoticeLine(
            position=position,
            source_row_id=row.pk,
            name=row.name,
            village_group=row.village_group,
            subject=row.subject_type,
            quantity=row.quantity,
            unit=row.unit,
            farmer_share=row.farmer_share,
            central=row.central,
            provincial=row.provincial,
            city=row.city,
            county=row.county,
        )
        for position, row in enumerate(rows, start=1)
    ]


def make_notice(policy: Policy, clerk: User, *, posted_days_ago: float | None = None) -> Notice:
    """A notice of `policy` as the lifecycle services leave it: a draft, or posted
    `posted_days_ago` days ago with its PUB-4 timer and one posting (no photo)."""
    household_list = policy.lists.get(state=HouseholdList.State.ACCEPTED)
    lines = _lines_from(policy)
    notice = Notice.objects.create(
        kind=Notice.Kind.UNDERWRITING,
        org_unit=policy.org_unit,
        source_type=ContentType.objects.get_for_model(Policy),
        source_id=policy.pk,
        source_revision=household_list.pk,
        title="阳山县东村水稻种植保险2026早稻承保公示",
        county_name="阳山县",
        village="东村",
        product_name=policy.product.name,
        season=policy.season,
        objection_phone="0763-1234567",
        objection_place="阳城镇三农营销服务部柜面",
        line_count=len(lines),
        quantity=sum(line.quantity for line in lines),
        farmer_share=policy.farmer_share,
        central=policy.central,
        provincial=policy.provincial,
        city=policy.city,
        county=policy.county,
        responsible=clerk,
        created_by=clerk,
    )
    for line in lines:
        line.notice = notice
    NoticeLine.objects.bulk_create(lines)
    if posted_days_ago is None:
        return notice
    posted_at = timezone.now() - dt.timedelta(days=posted_days_ago)
    timer = timer_start(
        subject=notice,
        rule_code="PUB-4",
        org_unit=notice.org_unit,
        owner=clerk,
        started_at=posted_at,
        by=clerk,
    )
    notice.state, notice.posted_at, notice.ends_at = Notice.State.POSTED, posted_at, timer.due_at
    notice.period_timer = timer
    notice.save()
    NoticePosting.objects.create(
        notice=notice,
        place_kind=NoticePosting.Place.BOARD,
        place="东村村委会公告栏",
        posted_at=posted_at,
        posted_by=clerk,
    )
    return notice


def add_posting_photo(notice: Notice, clerk: User) -> EvidencePhoto:
    """PUB-6: a real photo of the notice's first posting."""
    posting = notice.postings.order_by("pk").first()
    return evidence_photo_add(
        subject=posting, org_unit=notice.org_unit, upload=photo("board.jpg"), uploaded_by=clerk
    )


@pytest.fixture
def draft_notice(group_policy, clerk_a) -> Notice:
    return make_notice(group_policy, clerk_a)


@pytest.fixture
def posted_notice(group_policy, clerk_a) -> Notice:
    """Posted a day ago: the PUB-4 period is still running."""
    return make_notice(group_policy, clerk_a, posted_days_ago=1)


@pytest.fixture
def elapsed_notice(group_policy, clerk_a) -> Notice:
    """Posted eight days ago with a photo: the period is over and it may close, though
    the sweep has not run yet (its PUB-4 timer is still running)."""
    notice = make_notice(group_policy, clerk_a, posted_days_ago=8)
    add_posting_photo(notice, clerk_a)
    assert notice.period_timer.state == SlaTimer.State.RUNNING
    return notice


@pytest.fixture
def claim_notice(tree, clerk_a) -> Notice:
    """PUB-7: a draft claim payment notice of two payees at outlet A, entered directly."""
    notice = Notice.objects.create(
        kind=Notice.Kind.CLAIM_PAYMENT,
        org_unit=tree.outlet_a,
        title="阳山县东村水稻种植保险2026早稻赔款公示",
        county_name="阳山县",
        village="东村",
        product_name="水稻种植保险",
        season="2026早稻",
        objection_phone="0763-1234567",
        objection_place="阳城镇三农营销服务部柜面",
        line_count=2,
        amount=Decimal("1530.50"),
        responsible=clerk_a,
        created_by=clerk_a,
    )
    NoticeLine.objects.bulk_create(
        [
            NoticeLine(
                notice=notice,
                position=1,
                name="王小明",
                village_group="东村一组",
                subject="洪涝 水稻 10亩",
                amount=Decimal("1000.00"),
            ),
            NoticeLine(
                notice=notice,
                position=2,
                name="李秀英",
                village_group="东村二组",
                subject="洪涝 水稻 5.3亩",
                amount=Decimal("530.50"),
            ),
        ]
    )
    return notice
