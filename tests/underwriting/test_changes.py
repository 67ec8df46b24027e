"""UW-12 (and UW-6 for group lists): endorsements and surrenders of issued policies, the
endorsement rules, the refund rule, the audit trail, and the pages with their refusals."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.urls import reverse

from tests.underwriting.factories import PolicyFactory, resident_id
from underwriting.models import HouseholdList, HouseholdRow, Policy, PolicyChange
from underwriting.premiums import RowAllocator, premium_for, split_premium
from underwriting.services.changes import (
    change_confirm,
    change_request_endorsement,
    change_request_surrender,
    change_withdraw,
)

SH = ZoneInfo("Asia/Shanghai")
START = dt.date(2026, 4, 1)
END = dt.date(2027, 3, 31)  # 365 cover days
BEFORE_START = dt.datetime(2026, 3, 20, 10, 0, tzinfo=SH)
AFTER_START = dt.datetime(2026, 7, 10, 10, 0, tzinfo=SH)  # 265 of 365 days unexpired
RATES = {
    "central": Decimal("0.45"),
    "provincial": Decimal("0.25"),
    "city": Decimal("0.05"),
    "county": Decimal("0.05"),
}
SPLIT = ("premium", "farmer_share", "central", "provincial", "city", "county")


def issue_individual(*, tree, clerk, book, number="P4418230120260001", quantity="10") -> Policy:
    """An issued rice policy at outlet A (1000 yuan × 6% per mu, 80% subsidised)."""
    premium = premium_for(
        quantity=Decimal(quantity),
        sum_insured_per_unit=book.rice.sum_insured_per_unit,
        rate=book.rice.rate,
    )
    split = split_premium(premium=premium, rates=RATES)
    return PolicyFactory(
        org_unit=tree.outlet_a,
        entered_by=clerk,
        product=book.rice,
        applicant=book.farmer_a,
        insured=book.farmer_a,
        status=Policy.Status.ISSUED,
        number=number,
        verification_code=f"V{number[-8:]}",
        issued_at=BEFORE_START - dt.timedelta(days=2),
        explained_at=BEFORE_START - dt.timedelta(days=2),
        explained_by=clerk,
        application_date=dt.date(2026, 3, 15),
        starts_on=START,
        ends_on=END,
        quantity=Decimal(quantity),
        sum_insured=Decimal(quantity) * book.rice.sum_insured_per_unit,
        **split.as_dict(),
    )


def issue_group(*, tree, clerk, book, quantities=("3.3", "5", "7.7")) -> Policy:
    """An issued group policy with an accepted household list, split row by row (UW-4)."""
    allocator = RowAllocator(rates=RATES)
    rows = []
    for quantity in quantities:
        premium = premium_for(
            quantity=Decimal(quantity),
            sum_insured_per_unit=book.rice.sum_insured_per_unit,
            rate=book.rice.rate,
        )
        rows.append((Decimal(quantity), allocator.allocate(premium)))
    total = allocator.total()
    quantity = sum(q for q, _ in rows)
    policy = PolicyFactory(
        kind=Policy.Kind.GROUP,
        org_unit=tree.outlet_a,
        entered_by=clerk,
        product=book.rice,
        organiser=book.committee_a,
        applicant_label="农户1等3户",
        status=Policy.Status.ISSUED,
        number="G4418230120260001",
        verification_code="VG0000001",
        issued_at=BEFORE_START - dt.timedelta(days=2),
        application_date=dt.date(2026, 3, 15),
        starts_on=START,
        ends_on=END,
        quantity=quantity,
        sum_insured=quantity * book.rice.sum_insured_per_unit,
        **total.as_dict(),
    )
    household_list = HouseholdList.objects.create(
        policy=policy,
        state=HouseholdList.State.ACCEPTED,
        source="household-lists/2026/03/list.xlsx",
        source_name="list.xlsx",
        uploaded_by=clerk,
        rows_total=len(rows),
        rows_done=len(rows),
        household_count=len(rows),
        quantity=quantity,
        premium=total.premium,
    )
    for number, (row_quantity, split) in enumerate(rows, start=1):
        HouseholdRow.objects.create(
            household_list=household_list,
            row_number=number,
            name=f"农户{number}",
            id_kind=HouseholdRow.IdKind.RESIDENT,
            id_number=resident_id(500 + number),
            phone="13900000000",
            quantity=row_quantity,
            unit="亩",
            village_group="东村一组",
            bank_account="6217000000000000999",
            bank_name="农村信用社",
            signature=HouseholdRow.Signature.SIGNED,
            **split.as_dict(),
        )
    return policy


def split_of(record) -> dict[str, Decimal]:
    return {name: getattr(record, name) for name in SPLIT}


def rows_add_up(policy: Policy) -> bool:
    """UW-4 by SQL: the rows of the current list sum to the policy's totals."""
    sums = HouseholdRow.objects.filter(
        household_list__policy=policy, household_list__state=HouseholdList.State.ACCEPTED
    ).aggregate(**{name: Sum(name) for name in SPLIT})
    policy.refresh_from_db()
    return all(sums[name] == getattr(policy, name) for name in SPLIT)


@pytest.fixture(autouse=True)
def before_start(time_machine):
    """Every test starts eleven days before the cover of its policies."""
    time_machine.move_to(BEFORE_START, tick=False)


@pytest.fixture
def policy(tree, clerk_a, book) -> Policy:
    return issue_individual(tree=tree, clerk=clerk_a, book=book)


@pytest.fixture
def group(tree, clerk_a, book) -> Policy:
    return issue_group(tree=tree, clerk=clerk_a, book=book)


def endorse(policy, clerk, *, reason="客户更换手机号", effective_on=None, **values):
    return change_request_endorsement(
        by=clerk, policy=policy, reason=reason, values=values, effective_on=effective_on
    )


def surrender(policy, clerk, **overrides):
    data = {
        "reason": "不想保了",
        "true_reason": "改投他司",
        "retention": PolicyChange.Retention.DECLINED,
        "retention_note": "介绍了理赔服务，客户仍坚持退保",
        **overrides,
    }
    return change_request_surrender(by=clerk, policy=policy, **data)


# --- Endorsement rules ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "values", "effective_on", "moment"),
    [
        ("E2", {"id_number": resident_id(77)}, None, BEFORE_START),
        ("E2", {"product": "MOTOR"}, None, BEFORE_START),
        ("E2", {"number": "P999"}, None, BEFORE_START),
        ("E3", {"quantity": "12"}, None, AFTER_START),
        ("E4", {"quantity": "0"}, None, BEFORE_START),
        ("E5", {"phone": "13700000000"}, dt.date(2026, 3, 19), BEFORE_START),
        ("E5", {"phone": "13700000000"}, dt.date(2027, 4, 1), BEFORE_START),
        ("E6", {"name": "王五"}, None, BEFORE_START),
        ("E7", {"phone": "13800138000"}, None, BEFORE_START),
    ],
)
def test_uw_12_endorsement_breaking_a_rule_is_refused_with_its_explanation(
    policy, clerk_a, book, time_machine, code, values, effective_on, moment
):
    time_machine.move_to(moment, tick=False)
    before = split_of(policy)
    with pytest.raises(ValidationError) as refused:
        endorse(policy, clerk_a, effective_on=effective_on, **values)
    assert refused.value.error_list[0].code == f"rule_{code.lower()}"
    assert f"{code} (UW-12)" in refused.value.messages[0]
    assert not PolicyChange.objects.exists()
    policy.refresh_from_db()
    book.farmer_a.refresh_from_db()
    assert split_of(policy) == before and policy.quantity == Decimal("10")
    assert book.farmer_a.phone == "13800138000"


def test_uw_12_e3_uw_6_no_increase_after_the_cover_started_names_the_fraud_guard(
    policy, clerk_a, time_machine
):
    time_machine.move_to(AFTER_START, tick=False)
    with pytest.raises(ValidationError, match="UW-6"):
        endorse(policy, clerk_a, quantity="10.5")


@pytest.mark.parametrize("status", [Policy.Status.QUOTED, Policy.Status.PENDING_PAYMENT])
def test_uw_12_e1_a_policy_not_issued_is_refused(tree, clerk_a, book, status):
    quote = PolicyFactory(
        org_unit=tree.outlet_a, entered_by=clerk_a, product=book.rice, insured=book.farmer_a,
        status=status, channel=Policy.Channel.TELESALES,
    )  # fmt: skip
    with pytest.raises(ValidationError, match="E1"):
        endorse(quote, clerk_a, phone="13700000000")
    with pytest.raises(ValidationError, match="E1"):
        surrender(quote, clerk_a)
    assert not PolicyChange.objects.exists()


def test_uw_12_e1_an_expired_policy_is_refused(policy, clerk_a, time_machine):
    time_machine.move_to(dt.datetime(2027, 4, 1, 9, tzinfo=SH), tick=False)
    with pytest.raises(ValidationError, match="E1"):
        surrender(policy, clerk_a)
    with pytest.raises(ValidationError, match="E1"):
        endorse(policy, clerk_a, phone="13700000000")


def test_uw_12_changes_need_a_reason(policy, clerk_a):
    with pytest.raises(ValidationError) as refused:
        endorse(policy, clerk_a, reason="  ", phone="13700000000")
    assert "reason" in refused.value.message_dict
    assert not PolicyChange.objects.exists()


# --- Allowed endorsements ---------------------------------------------------------------


def test_uw_12_contact_endorsement_applies_with_reason_and_history(policy, clerk_a, book):
    """E6: contact and bank details change at any time; the change is audited (UW-6)."""
    change = endorse(policy, clerk_a, phone="137 0000 0000 ", bank_account="6228 4800 1234")
    assert change.state == PolicyChange.State.DRAFT
    assert change.changes["fields"] == [
        {"field": "phone", "before": "13800138000", "after": "137 0000 0000"},
        {"field": "bank_account", "before": "6217000000000000123", "after": "622848001234"},
    ]
    assert change.premium_delta == 0
    book.farmer_a.refresh_from_db()
    assert book.farmer_a.phone == "13800138000"  # nothing applied before confirmation

    change = change_confirm(by=clerk_a, change=change)
    assert change.state == PolicyChange.State.CONFIRMED
    assert change.confirmed_by == clerk_a and change.confirmed_at
    book.farmer_a.refresh_from_db()
    assert (book.farmer_a.phone, book.farmer_a.bank_account) == ("137 0000 0000", "622848001234")
    record = book.farmer_a.history.latest()
    assert record.history_user == clerk_a
    assert "客户更换手机号" in record.history_change_reason
    change_record = change.history.latest()
    assert change_record.state == PolicyChange.State.CONFIRMED
    assert change_record.history_user == clerk_a


def test_uw_12_increase_before_start_has_the_exact_premium_delta(policy, clerk_a):
    """E3 allows an increase before the cover starts; the new split is rule 2 of UW-4."""
    change = endorse(policy, clerk_a, reason="补充投保面积", quantity="12.5")
    new = split_premium(premium=Decimal("750.00"), rates=RATES)
    assert change.premium_delta == Decimal("150.00")
    assert change.refund == 0 and change.subsidy_returned == 0
    assert change.changes["split"]["after"] == {k: str(v) for k, v in new.as_dict().items()}
    assert change.changes["collect"] == str(new.farmer_share - Decimal("120.00"))

    change_confirm(by=clerk_a, change=change)
    policy.refresh_from_db()
    assert policy.quantity == Decimal("12.5")
    assert policy.sum_insured == Decimal("12500.00")
    assert split_of(policy) == new.as_dict()
    assert policy.split_adds_up()
    record = policy.history.latest()
    assert record.history_user == clerk_a and "补充投保面积" in record.history_change_reason


def test_uw_12_e4_decrease_after_start_returns_the_removed_premium_pro_rata(
    policy, clerk_a, time_machine
):
    time_machine.move_to(AFTER_START, tick=False)
    change = endorse(policy, clerk_a, reason="部分地块改种", quantity="6")
    # Removed: 4 mu = 240.00 premium, farmer 48.00, central 108.00, provincial 60.00,
    # city 12.00, county 12.00; each × 265/365 rounded half up.
    assert change.changes["cover"] == {"unexpired_days": 265, "cover_days": 365}
    assert change.refund == Decimal("34.85")  # 48 × 265 / 365 = 34.849…
    assert change.subsidy_returned == Decimal("78.41") + Decimal("43.56") + 2 * Decimal("8.71")
    assert change.premium_delta == -(change.refund + change.subsidy_returned)
    change_confirm(by=clerk_a, change=change)
    policy.refresh_from_db()
    assert policy.quantity == Decimal("6")
    assert policy.premium == Decimal("600.00") + change.premium_delta
    assert policy.farmer_share == Decimal("120.00") - change.refund
    assert policy.split_adds_up()


# --- Surrenders ---------------------------------------------------------------------------


def test_uw_12_surrender_before_start_refunds_the_farmer_share_in_full(policy, clerk_a):
    change = surrender(policy, clerk_a)
    assert change.refund == Decimal("120.00") == policy.farmer_share
    assert change.subsidy_returned == Decimal("480.00")
    assert change.changes["before_start"] is True
    change_confirm(by=clerk_a, change=change)
    policy.refresh_from_db()
    assert policy.status == Policy.Status.SURRENDERED
    assert policy.premium == Decimal("600.00")  # the written split stays on the policy
    record = policy.history.latest()
    assert record.history_user == clerk_a and "不想保了" in record.history_change_reason


def test_uw_12_surrender_after_start_refunds_pro_rata_and_returns_subsidies(
    policy, clerk_a, time_machine
):
    time_machine.move_to(AFTER_START, tick=False)
    change = surrender(policy, clerk_a)
    # 265 of 365 days unexpired: farmer 120 × 265/365 = 87.123…; central 270 → 196.03,
    # provincial 150 → 108.90, city and county 30 → 21.78 each.
    assert change.refund == Decimal("87.12")
    assert change.subsidy_returned == Decimal("196.03") + Decimal("108.90") + Decimal("43.56")
    assert change.changes["returned"]["central"] == "196.03"
    assert change.premium_delta == -(change.refund + change.subsidy_returned)
    assert change.effective_on == AFTER_START.date()


def test_uw_12_surrender_requires_the_true_reason_and_the_retention_attempt(policy, clerk_a):
    for missing in ("true_reason", "retention", "retention_note"):
        with pytest.raises(ValidationError) as refused:
            surrender(policy, clerk_a, **{missing: ""})
        assert missing in refused.value.message_dict
    assert not PolicyChange.objects.exists()


def test_uw_12_a_retained_customer_withdraws_the_surrender_and_nothing_changes(policy, clerk_a):
    change = surrender(
        policy, clerk_a, retention=PolicyChange.Retention.RETAINED, retention_note="讲解后同意续保"
    )
    assert change.state == PolicyChange.State.WITHDRAWN
    assert change.retention_note == "讲解后同意续保"
    assert change.history.latest().history_change_reason == "讲解后同意续保"
    policy.refresh_from_db()
    assert policy.status == Policy.Status.ISSUED
    with pytest.raises(ValidationError):
        change_confirm(by=clerk_a, change=change)


def test_uw_12_one_open_change_per_policy(policy, clerk_a):
    first = endorse(policy, clerk_a, phone="13700000000")
    with pytest.raises(ValidationError, match="awaiting confirmation"):
        surrender(policy, clerk_a)
    change_withdraw(by=clerk_a, change=first, note="客户改主意")
    assert surrender(policy, clerk_a).state == PolicyChange.State.DRAFT


def test_uw_12_withdrawn_change_changes_nothing(policy, clerk_a):
    change = endorse(policy, clerk_a, quantity="12")
    change = change_withdraw(by=clerk_a, change=change, note="客户改主意")
    assert change.state == PolicyChange.State.WITHDRAWN
    assert change.history.latest().history_change_reason == "客户改主意"
    policy.refresh_from_db()
    assert policy.quantity == Decimal("10")
    with pytest.raises(ValidationError, match="no longer be confirmed"):
        change_confirm(by=clerk_a, change=change)


def test_uw_12_confirmation_is_refused_when_the_figures_have_moved(policy, clerk_a, time_machine):
    time_machine.move_to(AFTER_START, tick=False)
    change = endorse(policy, clerk_a, quantity="6")
    time_machine.move_to(AFTER_START + dt.timedelta(days=1), tick=False)
    with pytest.raises(ValidationError):
        change_confirm(by=clerk_a, change=change)
    policy.refresh_from_db()
    change.refresh_from_db()
    assert policy.quantity == Decimal("10") and change.state == PolicyChange.State.DRAFT


def test_uw_12_the_cover_starting_before_confirmation_refuses_an_increase(
    policy, clerk_a, time_machine
):
    change = endorse(policy, clerk_a, quantity="12")
    time_machine.move_to(AFTER_START, tick=False)
    with pytest.raises(ValidationError, match="E3"):
        change_confirm(by=clerk_a, change=change)
    policy.refresh_from_db()
    assert policy.quantity == Decimal("10")


# --- Group policies (UW-6) ----------------------------------------------------------------


def test_uw_6_group_row_endorsement_keeps_the_rows_equal_to_the_totals(
    group, clerk_a, time_machine
):
    assert rows_add_up(group)
    change = change_request_endorsement(
        by=clerk_a,
        policy=group,
        reason="农户补报面积",
        values={"quantity": "4.45", "bank_account": "6217 0000 1111"},
        row_number=1,
    )
    row = HouseholdRow.objects.get(household_list__policy=group, row_number=1)
    expected = split_premium(premium=Decimal("267.00"), rates=RATES)
    assert change.changes["split"]["after"] == {k: str(v) for k, v in expected.as_dict().items()}
    assert change.premium_delta == Decimal("267.00") - row.premium
    change_confirm(by=clerk_a, change=change)
    row.refresh_from_db()
    assert split_of(row) == expected.as_dict() and row.bank_account == "621700001111"
    assert rows_add_up(group)
    assert group.quantity == Decimal("17.15")
    household_list = row.household_list
    household_list.refresh_from_db()
    assert household_list.quantity == Decimal("17.15")
    assert household_list.premium == group.premium
    record = row.history.latest()
    assert record.history_user == clerk_a and "农户补报面积" in record.history_change_reason

    # A decrease after the start is a partial surrender of the row; still exact.
    time_machine.move_to(AFTER_START, tick=False)
    change = change_request_endorsement(
        by=clerk_a, policy=group, reason="死亡淘汰", values={"quantity": "2.1"}, row_number=3
    )
    assert change.refund > 0 and change.subsidy_returned > 0
    change_confirm(by=clerk_a, change=change)
    assert rows_add_up(group)


def test_uw_6_group_row_id_number_cannot_change(group, clerk_a):
    with pytest.raises(ValidationError, match="E2"):
        change_request_endorsement(
            by=clerk_a,
            policy=group,
            reason="换人",
            values={"id_number": resident_id(900)},
            row_number=2,
        )
    with pytest.raises(ValidationError) as refused:
        change_request_endorsement(
            by=clerk_a, policy=group, reason="改电话", values={"phone": "1"}, row_number=99
        )
    assert "row_number" in refused.value.message_dict


def test_uw_12_group_surrender_is_the_whole_policy(group, clerk_a):
    change = surrender(group, clerk_a)
    assert change.refund == group.farmer_share
    change_confirm(by=clerk_a, change=change)
    group.refresh_from_db()
    assert group.status == Policy.Status.SURRENDERED


# --- Pages ---------------------------------------------------------------------------------


def create_url(policy, kind):
    return reverse("underwriting:change_create", kwargs={"pk": policy.pk, "kind": kind})


def test_uw_12_page_surrender_shows_the_refund_then_confirms(client, policy, clerk_a):
    client.force_login(clerk_a)
    page = client.get(create_url(policy, "surrender"))
    assert page.status_code == 200
    assert "120.00" in page.content.decode()  # the refund of a surrender today

    response = client.post(
        create_url(policy, "surrender"),
        {
            "reason": "不想保了",
            "true_reason": "外出务工",
            "retention": "declined",
            "retention_note": "介绍保障，客户坚持",
        },
    )
    change = PolicyChange.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("underwriting:change_detail", args=[change.pk])
    detail = client.get(response["Location"]).content.decode()
    assert "480.00" in detail and "外出务工" in detail
    assert reverse("underwriting:change_confirm", args=[change.pk]) in detail

    response = client.post(reverse("underwriting:change_confirm", args=[change.pk]))
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.status == Policy.Status.SURRENDERED
    history = client.get(reverse("record_history", args=["underwriting.policy", policy.pk]))
    assert "不想保了" in history.content.decode()  # who and why, on the policy's history


def test_uw_12_page_endorsement_refusal_shows_the_rule(client, policy, clerk_a, time_machine):
    time_machine.move_to(AFTER_START, tick=False)
    client.force_login(clerk_a)
    page = client.get(create_url(policy, "endorsement"))
    assert "E3" in page.content.decode()  # the rules are listed up front
    response = client.post(create_url(policy, "endorsement"), {"reason": "加保", "quantity": "20"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "E3" in html and "UW-12" in html
    assert not PolicyChange.objects.exists()


def test_uw_12_page_endorsement_masks_personal_data_and_withdraws(client, policy, clerk_a):
    client.force_login(clerk_a)
    response = client.post(
        create_url(policy, "endorsement"), {"reason": "换卡", "bank_account": "6228480012345678"}
    )
    change = PolicyChange.objects.get()
    detail = client.get(response["Location"]).content.decode()
    assert "6228********5678" in detail and "6228480012345678" not in detail
    client.post(reverse("underwriting:change_withdraw", args=[change.pk]), {"note": "不换了"})
    change.refresh_from_db()
    assert change.state == PolicyChange.State.WITHDRAWN


def test_uw_12_page_group_endorsement_needs_a_row(client, group, clerk_a):
    client.force_login(clerk_a)
    response = client.post(create_url(group, "endorsement"), {"reason": "改电话", "phone": "1"})
    assert response.status_code == 200 and not PolicyChange.objects.exists()
    data = {"reason": "改电话", "phone": "13711112222", "row_number": 2}
    response = client.post(create_url(group, "endorsement"), data)
    assert response.status_code == 302


def test_uw_12_change_list_filters(client, policy, group, clerk_a):
    endorse(policy, clerk_a, phone="13700000000")
    surrender(group, clerk_a)
    client.force_login(clerk_a)
    url = reverse("underwriting:change_list")
    assert len(client.get(url).context["page"]) == 2
    assert [c.kind for c in client.get(url, {"kind": "surrender"}).context["page"]] == ["surrender"]
    assert len(client.get(url, {"q": "P44"}).context["page"]) == 1


def test_uw_12_pages_refuse_another_outlets_clerk(client, policy, clerk_a, clerk_b):
    change = endorse(policy, clerk_a, phone="13700000000")
    client.force_login(clerk_b)
    assert client.get(create_url(policy, "surrender")).status_code == 404
    assert client.post(create_url(policy, "endorsement"), {"reason": "x"}).status_code == 404
    assert client.get(reverse("underwriting:change_detail", args=[change.pk])).status_code == 404
    for name in ("change_confirm", "change_withdraw"):
        assert client.post(reverse(f"underwriting:{name}", args=[change.pk])).status_code == 404
    assert len(client.get(reverse("underwriting:change_list")).context["page"]) == 0
    change.refresh_from_db()
    assert change.state == PolicyChange.State.DRAFT


def test_uw_12_pages_are_read_only_for_the_auditor(client, policy, clerk_a, auditor):
    change = endorse(policy, clerk_a, phone="13700000000")
    client.force_login(auditor)
    assert client.get(create_url(policy, "surrender")).status_code == 403
    assert client.post(create_url(policy, "endorsement"), {"reason": "x"}).status_code == 403
    for name in ("change_confirm", "change_withdraw"):
        assert client.post(reverse(f"underwriting:{name}", args=[change.pk])).status_code == 403
    detail = client.get(reverse("underwriting:change_detail", args=[change.pk]))
    assert detail.status_code == 200 and detail.context["can_act"] is False
    assert len(client.get(reverse("underwriting:change_list")).context["page"]) == 1
    change.refresh_from_db()
    assert change.state == PolicyChange.State.DRAFT


def test_uw_12_page_unknown_kind_and_login_required(client, policy, clerk_a):
    assert client.get(create_url(policy, "surrender")).status_code == 302
    client.force_login(clerk_a)
    assert client.get(create_url(policy, "cancel")).status_code == 404
