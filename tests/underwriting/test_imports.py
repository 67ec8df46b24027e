"""The household-list import (UW-3, UW-4, UW-5, UW-6, UW-10): the templates counties
really use, per-row and per-list checks, the exact split, flags, the report."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from tests.underwriting.factories import PolicyFactory, resident_id
from tests.underwriting.sheets import (
    TOP,
    Household,
    county_rows,
    county_sheet,
    csv_bytes,
    upload,
    xlsx_bytes,
)
from underwriting.imports import validation
from underwriting.models import (
    HouseholdList,
    HouseholdRow,
    Inspection,
    Policy,
    Village,
    VillageCapacity,
)
from underwriting.services import imports as service
from underwriting.services.imports import (
    household_list_report_build,
    household_list_upload,
    household_list_validate,
)

SPLIT = ("premium", "farmer_share", "central", "provincial", "city", "county")


@pytest.fixture
def group(book, tree, clerk_a):
    return make_group(book, tree, clerk_a)


def make_group(book, tree, clerk, *, season="2026早稻", org_unit=None):
    return PolicyFactory(
        kind="group",
        organiser=book.committee_a,
        insured=None,
        org_unit=org_unit or tree.outlet_a,
        entered_by=clerk,
        product=book.rice,
        season=season,
        premium=0,
        farmer_share=0,
        quantity=0,
    )


def run(policy, clerk, content: bytes, name: str = "清单.xlsx") -> HouseholdList:
    """Upload, validate and write the report as the worker would (its tasks call the
    same services)."""
    household_list = household_list_upload(clerk=clerk, policy=policy, upload=upload(content, name))
    household_list_validate(household_list_id=household_list.pk)
    return household_list_report_build(household_list_id=household_list.pk)


def codes(household_list) -> set[tuple]:
    return set(household_list.issues.values_list("row_number", "code"))


def households(count: int, **overrides) -> list[Household]:
    return [Household(n, **overrides) for n in range(1, count + 1)]


def assert_rejected_and_nothing_saved(household_list, policy):
    assert household_list.state == HouseholdList.State.REJECTED
    assert not HouseholdRow.objects.filter(household_list__policy=policy).exists()
    policy.refresh_from_db()
    assert policy.status == Policy.Status.QUOTED
    assert policy.premium == 0 and policy.applicant_label == ""


# The templates counties use -------------------------------------------------------------
def test_uw_10_county_template_with_merged_header_and_totals_is_accepted(group, clerk_a):
    """UW-2, UW-10: a title row, 财政补贴 merged over 中央/省级/市级/县级, a checked 合计 row."""
    household_list = run(group, clerk_a, county_sheet(households(7)))

    assert household_list.state == HouseholdList.State.ACCEPTED, list(household_list.issues.all())
    assert (household_list.error_count, household_list.warning_count) == (0, 0)
    assert not household_list.report  # nothing to report
    group.refresh_from_db()
    assert group.status == Policy.Status.LISTED
    assert group.applicant_label == "农户1等7户"
    assert group.quantity == Decimal("70") and group.unit == "亩"
    assert group.premium == Decimal("4200.00") and group.farmer_share == Decimal("840.00")
    assert group.sum_insured == Decimal("70000.00")
    assert group.subject == "水稻"
    rows = list(household_list.rows.order_by("row_number"))
    assert [r.row_number for r in rows] == list(range(4, 11))  # title + two header rows
    first = rows[0]
    assert (first.name, first.id_number, first.id_kind) == ("农户1", resident_id(1), "resident")
    assert (first.village_group, first.bank_account, first.bank_name) == (
        "东村一组",
        "6217000000000000123",
        "农村信用社",
    )
    assert household_list.rows_done == household_list.rows_total == 7


def test_uw_4_awkward_list_splits_exactly_to_the_cent(group, clerk_a):
    """UW-4: per-row amounts sum to the policy totals to the cent (cumulative rounding)."""
    quantities = ["0.33", "0.3333", "1.1111", "2.7777", "0.0167", "3.3333", "0.33"]
    rows = [Household(n, quantity=Decimal(q)) for n, q in enumerate(quantities, start=1)]
    household_list = run(group, clerk_a, county_sheet(rows))

    assert household_list.state == HouseholdList.State.ACCEPTED, list(household_list.issues.all())
    group.refresh_from_db()
    sums = household_list.rows.aggregate(**{f: Sum(f) for f in SPLIT})
    assert sums == {f: getattr(group, f) for f in SPLIT}
    assert group.premium == group.farmer_share + group.central + group.provincial + group.city + (
        group.county
    )
    # Each subsidy level of the policy is its rate × the policy premium, to the cent.
    assert group.central == (group.premium * Decimal("0.45")).quantize(Decimal("0.01"))
    for row in household_list.rows.all():
        assert row.split_adds_up()


def test_uw_10_two_title_rows_synonyms_in_any_order_and_blank_rows(group, clerk_a):
    rows = [
        ["东村村民委员会"],
        ["2026年早稻种植保险分户清单"],
        [
            "面积",
            "户主姓名",
            "所在村组",
            "证件号码",
            "单位",
            "保费合计",
            "一卡通",
            "开户银行",
            "手机号",
        ],
        [
            12.5,
            "王五",
            "东村二组",
            resident_id(11),
            "亩",
            750,
            "6228480000000000001",
            "农行",
            "13900000000",
        ],
        [None] * 9,
        [
            3,
            "赵六",
            "东村二组",
            resident_id(12),
            "亩",
            180.0,
            "6228480000000000002",
            "农行",
            "13900000001",
        ],
        [],
    ]
    household_list = run(group, clerk_a, xlsx_bytes(rows))

    assert household_list.state == HouseholdList.State.ACCEPTED, list(household_list.issues.all())
    assert list(household_list.rows.values_list("row_number", "name", "quantity")) == [
        (4, "王五", Decimal("12.5000")),
        (6, "赵六", Decimal("3.0000")),
    ]


def test_uw_10_quantities_with_units_and_full_width_digits(group, clerk_a):
    rows = [
        Household(1, quantity="12.5亩"),
        Household(2, quantity="３０亩"),
        Household(3, quantity="7 亩", id_number=f" {resident_id(3)[:6]} {resident_id(3)[6:]} "),
    ]
    content = county_sheet(rows, totals=["合计", None, None, None, None, None, "49.5亩"])
    household_list = run(group, clerk_a, content)

    assert household_list.state == HouseholdList.State.ACCEPTED, list(household_list.issues.all())
    assert list(household_list.rows.values_list("quantity", flat=True)) == [
        Decimal("12.5"),
        Decimal("30"),
        Decimal("7"),
    ]
    assert household_list.rows.get(row_number=6).id_number == resident_id(3)


def test_uw_3_unit_must_match_the_product(group, clerk_a):
    household_list = run(
        group, clerk_a, county_sheet([Household(1, quantity="30头")], totals=False)
    )
    assert codes(household_list) == {(4, "unit_mismatch")}
    assert_rejected_and_nothing_saved(household_list, group)


def test_uw_10_unit_in_the_header_must_match_the_product(group, clerk_a):
    rows = county_rows(households(2), totals=False)
    rows[1][6] = "投保数量(头)"
    household_list = run(group, clerk_a, xlsx_bytes(rows))
    assert codes(household_list) == {(None, "unit_mismatch")}
    assert_rejected_and_nothing_saved(household_list, group)


def test_uw_10_totals_row_that_does_not_add_up_rejects_the_list(group, clerk_a):
    totals = ["合计", None, None, None, None, None, 31.0, 1800.0, 360.0]
    household_list = run(group, clerk_a, county_sheet(households(3), totals=totals))

    assert codes(household_list) == {(7, "totals_mismatch")}
    issue = household_list.issues.get()
    assert issue.column == "投保面积(亩)" and "30" in issue.message
    assert_rejected_and_nothing_saved(household_list, group)


def test_uw_10_households_below_the_totals_row_are_refused(group, clerk_a):
    rows = [*county_rows(households(2)), ["制表人：张会计"], Household(3).values()]
    household_list = run(group, clerk_a, xlsx_bytes(rows))
    assert codes(household_list) == {(None, "rows_after_totals")}
    assert "8" in household_list.issues.get().message


def test_uw_3_id_stored_as_a_number_is_refused_with_advice(group, clerk_a):
    rows = [
        Household(1, id_number=float(resident_id(1)[:17] + "0")),
        Household(2, id_number=int(resident_id(2)[:17] + "1")),
        Household(3),
    ]
    household_list = run(group, clerk_a, county_sheet(rows))

    assert codes(household_list) == {(4, "id_as_number"), (5, "id_as_number")}
    # The message shows the number as Excel changed it.
    assert "441823197001009984" in household_list.issues.get(row_number=4).message
    assert_rejected_and_nothing_saved(household_list, group)


def test_uw_10_csv_in_utf8_is_accepted(group, clerk_a):
    content = csv_bytes(county_rows(households(3)))
    household_list = run(group, clerk_a, content, name="清单.csv")
    assert household_list.state == HouseholdList.State.ACCEPTED, list(household_list.issues.all())
    assert household_list.rows.count() == 3


def test_uw_10_csv_saved_by_excel_in_gbk_is_accepted(group, clerk_a):
    content = csv_bytes(county_rows(households(3)), encoding="gbk")
    household_list = run(group, clerk_a, content, name="清单.csv")
    assert household_list.state == HouseholdList.State.ACCEPTED, list(household_list.issues.all())
    assert household_list.rows.get(row_number=4).village_group == "东村一组"


def test_uw_3_csv_id_in_scientific_notation_is_refused(group, clerk_a):
    content = csv_bytes(county_rows([Household(1, id_number="4.41823E+17"), Household(2)]))
    household_list = run(group, clerk_a, content, name="清单.csv")
    assert codes(household_list) == {(4, "id_as_number")}


# Per-row checks ---------------------------------------------------------------------------
def test_uw_3_row_errors_reject_the_list_and_save_nothing(group, clerk_a):
    rows = [
        Household(1, name=" "),
        Household(2, id_number=resident_id(2)[:17] + ("0" if resident_id(2)[-1] != "0" else "1")),
        Household(3, quantity=0),
        Household(4, premium=Decimal("61.00")),
        Household(5, farmer_share=Decimal("100.00")),
        Household(6, quantity="很多"),
        Household(7, id_number=""),
        Household(8),
    ]
    household_list = run(group, clerk_a, county_sheet(rows, totals=False))

    assert codes(household_list) == {
        (4, "name_missing"),
        (5, "id_invalid"),
        (6, "quantity_not_positive"),
        (7, "premium_mismatch"),
        (8, "farmer_share_mismatch"),
        (9, "quantity_invalid"),
        (10, "id_missing"),
    }
    assert household_list.error_count == 7
    assert_rejected_and_nothing_saved(household_list, group)


def test_uw_4_premium_within_the_tolerance_is_stored_as_computed(group, clerk_a):
    household_list = run(
        group, clerk_a, county_sheet([Household(1, premium=Decimal("600.04"))], totals=False)
    )
    assert household_list.state == HouseholdList.State.ACCEPTED
    assert household_list.rows.get().premium == Decimal("600.00")


def test_uw_10_missing_required_columns_are_named(group, clerk_a):
    rows = [["姓名", "联系电话", "村组"], ["张三", "13800138000", "东村一组"]]
    household_list = run(group, clerk_a, xlsx_bytes(rows))
    issue = household_list.issues.get()
    assert issue.code == "missing_columns"
    assert "身份证号" in issue.message and "投保数量" in issue.message
    assert_rejected_and_nothing_saved(household_list, group)


# Duplicates (UW-5, UW-6) ----------------------------------------------------------------
def test_uw_5_duplicate_ids_and_ear_tags_within_the_list_are_blocking(group, clerk_a):
    rows = county_rows(
        [Household(1), Household(2), Household(3, id_number=resident_id(1)), Household(4)],
        totals=False,
    )
    rows[1].append("耳标号")
    for row, tag in zip(rows[3:], ["T1", "T2", "T3", "T2"], strict=True):
        row.extend([None] * (16 - len(row)) + [tag])
    household_list = run(group, clerk_a, xlsx_bytes(rows))

    assert codes(household_list) == {
        (4, "duplicate_id"),
        (6, "duplicate_id"),
        (5, "duplicate_tag"),
        (7, "duplicate_tag"),
    }
    assert "4, 6" in household_list.issues.filter(row_number=4).get().message
    assert_rejected_and_nothing_saved(household_list, group)


def test_uw_5_household_insured_by_another_live_policy_of_the_season_is_blocking(
    book, tree, group, clerk_a
):
    other = make_group(book, tree, clerk_a)
    assert run(other, clerk_a, county_sheet(households(2))).state == "accepted"
    other.refresh_from_db()

    household_list = run(group, clerk_a, county_sheet([Household(2), Household(3)]))
    assert codes(household_list) == {(4, "duplicate_id_elsewhere")}
    assert f" {other.pk} " in household_list.issues.get().message  # names the other policy
    assert_rejected_and_nothing_saved(household_list, group)


def test_uw_5_same_household_in_another_season_is_fine(book, tree, group, clerk_a):
    other = make_group(book, tree, clerk_a, season="2026晚稻")
    assert run(other, clerk_a, county_sheet(households(2))).state == "accepted"
    household_list = run(group, clerk_a, county_sheet(households(2)))
    assert household_list.state == HouseholdList.State.ACCEPTED


def test_uw_5_individual_policy_of_the_season_counts_as_insured(book, tree, group, clerk_a):
    PolicyFactory(
        insured=book.farmer_a,
        org_unit=tree.outlet_a,
        entered_by=clerk_a,
        product=book.rice,
        season="2026早稻",
        status=Policy.Status.ISSUED,
        number="P1",
        issued_at="2026-01-01T00:00:00+08:00",
        explained_at="2026-01-01T00:00:00+08:00",
    )
    rows = [Household(1, id_number=book.farmer_a.id_number.lower())]
    household_list = run(group, clerk_a, county_sheet(rows))
    assert codes(household_list) == {(4, "duplicate_id_elsewhere")}


# Flags (UW-5, UW-7) -----------------------------------------------------------------------
def test_uw_5_warnings_are_saved_as_flags_on_the_rows(book, tree, group, clerk_a):
    book.rice.flag_quantity_over = Decimal("50")
    book.rice.save()
    east = Village.objects.create(org_unit=tree.outlet_a, name="东村")
    VillageCapacity.objects.create(village=east, unit="亩", quantity=Decimal("100"))
    Village.objects.create(
        org_unit=tree.outlet_a, name="西村", epidemic_zone=True, epidemic_note="非洲猪瘟"
    )
    rows = county_rows(
        [
            Household(1, quantity=Decimal("60")),
            Household(2, quantity=Decimal("45"), phone="12345"),
            Household(3, bank_account=None, village="西村三组"),
            Household(4, signature="李四代", village="西村三组"),
            Household(5, signature="张五"),
            Household(6, signature="钱七代", village="西村一组"),
        ],
        totals=False,
    )
    rows[1] += ["标的状况", "代签授权"]
    conditions = [None, "正常", "倒伏", None, None, None]
    authorisations = [None, None, None, None, None, "委托书2026-6"]
    for row, condition, authorisation in zip(rows[3:], conditions, authorisations, strict=True):
        row += [condition, authorisation]
    household_list = run(group, clerk_a, xlsx_bytes(rows))

    assert household_list.state == HouseholdList.State.ACCEPTED, list(household_list.issues.all())
    flags = dict(household_list.rows.values_list("row_number", "flags"))
    assert flags == {
        4: ["large_quantity", "over_capacity"],
        5: ["phone_format", "over_capacity"],
        6: ["no_bank_account", "damaged", "epidemic_zone"],
        7: ["proxy_unauthorised", "epidemic_zone"],
        8: ["over_capacity"],  # 东村一组 too
        9: ["epidemic_zone"],
    }
    signatures = {
        r.row_number: (r.signature, r.proxy_name, r.proxy_authorisation)
        for r in household_list.rows.all()
    }
    assert signatures[7] == ("unsigned", "李四", "")
    assert signatures[8] == ("signed", "", "")
    assert signatures[9] == ("proxy", "钱七", "委托书2026-6")
    assert signatures[4] == ("unsigned", "", "")
    list_warnings = set(
        household_list.issues.filter(row_number=None).values_list("code", flat=True)
    )
    assert list_warnings == {"over_capacity", "epidemic_zone"}
    assert household_list.warning_count == household_list.issues.count() == 7
    assert household_list.report  # warnings are reported too


# Replacing a list ---------------------------------------------------------------------------
def test_uw_10_accepted_list_replaces_the_previous_one(group, clerk_a, tree):
    first = run(group, clerk_a, county_sheet(households(3)))
    inspected = first.rows.get(row_number=5)
    inspection = Inspection.objects.create(
        policy=group,
        household=inspected,
        inspector=clerk_a,
        inspected_on="2026-03-01",
        findings="属实",
    )
    Policy.objects.filter(pk=group.pk).update(seal="official")
    second = run(group, clerk_a, county_sheet([Household(2), Household(9, quantity=Decimal(5))]))

    first.refresh_from_db()
    assert (first.state, second.state) == ("superseded", "accepted")
    assert not first.rows.exists()
    assert list(
        HouseholdRow.objects.filter(household_list__policy=group).values_list("name", flat=True)
    ) == ["农户2", "农户9"]
    group.refresh_from_db()
    assert group.applicant_label == "农户2等2户" and group.quantity == Decimal(15)
    assert group.seal == ""  # UW-7: the organiser stamps the new list again
    inspection.refresh_from_db()
    assert inspection.household.household_list == second  # moved to the same household


def test_uw_10_rejected_correction_keeps_the_accepted_list(group, clerk_a):
    first = run(group, clerk_a, county_sheet(households(2)))
    group.refresh_from_db()
    before = {f: getattr(group, f) for f in (*SPLIT, "applicant_label", "status")}
    second = run(group, clerk_a, county_sheet([Household(1, quantity=-1)]))
    assert second.state == "rejected"
    first.refresh_from_db()
    assert first.state == "accepted" and first.rows.count() == 2
    group.refresh_from_db()
    assert {f: getattr(group, f) for f in before} == before


# The report -------------------------------------------------------------------------------
def test_uw_10_report_has_the_errors_beside_the_right_rows(group, clerk_a):
    rows = [Household(1), Household(2, quantity=0), Household(3), Household(4, name=" ")]
    household_list = run(group, clerk_a, county_sheet(rows, totals=False))
    household_list.refresh_from_db()
    assert household_list.report

    with household_list.report.open("rb") as report:
        workbook = openpyxl.load_workbook(io.BytesIO(report.read()))
    sheet = workbook.worksheets[0]
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    column = values[1].index("错误/提示")
    assert column == len(TOP)  # right after the sheet's last column
    assert values[0][0].startswith("东村2026年")  # the title row is kept
    notes = {number: row[column] for number, row in enumerate(values, start=1) if number > 3}
    assert notes[4] is None and notes[6] is None
    assert "0" in notes[5] and notes[5].startswith("[")
    assert notes[7] and values[6][2] == resident_id(4)  # original cells are kept as they were
    whole_list = workbook.worksheets[1]
    assert whole_list.max_row == 1  # only the heading: no list-level issues here


def test_uw_10_report_lists_whole_list_issues_on_the_second_sheet(group, clerk_a):
    totals = ["合计", None, None, None, None, None, 99.0]
    household_list = run(group, clerk_a, county_sheet(households(2), totals=totals))
    household_list.refresh_from_db()
    with household_list.report.open("rb") as report:
        workbook = openpyxl.load_workbook(io.BytesIO(report.read()))
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert rows[5][len(TOP)]  # the totals row carries its error
    assert not any(
        row[1] == "totals_mismatch" for row in workbook.worksheets[1].iter_rows(values_only=True)
    )


# Progress and robustness ------------------------------------------------------------------
def test_uw_10_progress_is_committed_batch_by_batch(group, clerk_a, monkeypatch):
    monkeypatch.setattr(service, "BATCH", 3)
    household_list = household_list_upload(
        clerk=clerk_a, policy=group, upload=upload(county_sheet(households(8)))
    )
    with CaptureQueriesContext(connection) as queries:
        household_list_validate(household_list_id=household_list.pk)
    progress = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('UPDATE "underwriting_householdlist" SET "rows_done"')
    ]
    assert [p.split("= ")[1].split(" ")[0] for p in progress] == ["3", "6", "8"]
    household_list.refresh_from_db()
    assert household_list.state == "accepted" and household_list.rows_done == 8


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x8f\x00\xff\xfe garbage \x00\x01", "neither"),
        (b"", "empty"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, ".xls"),
        (b"PK\x03\x04 not really a zip", "damaged"),
    ],
)
def test_uw_10_unreadable_files_are_refused_at_upload(group, clerk_a, content, message):
    with pytest.raises(ValidationError) as refused:
        household_list_upload(clerk=clerk_a, policy=group, upload=upload(content))
    assert message in refused.value.messages[0]
    assert not HouseholdList.objects.exists()


def test_uw_10_empty_workbook_and_workbook_without_header_are_rejected(group, clerk_a):
    empty = run(group, clerk_a, xlsx_bytes([]))
    assert codes(empty) == {(None, "no_header")}
    headless = run(group, clerk_a, xlsx_bytes([Household(n).values() for n in range(1, 4)]))
    assert codes(headless) == {(None, "no_header")}
    assert_rejected_and_nothing_saved(headless, group)


def test_uw_10_unexpected_failure_leaves_the_list_failed_and_nothing_saved(
    group, clerk_a, monkeypatch
):
    def broken(self, row_number, values):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(validation.RowChecker, "check", broken)
    household_list = run(group, clerk_a, county_sheet(households(2)))
    assert household_list.state == HouseholdList.State.FAILED
    assert "disk on fire" in household_list.failure
    assert not HouseholdRow.objects.exists()


def test_uw_10_upload_refusals(book, tree, group, clerk_a, monkeypatch):
    content = county_sheet(households(1))
    individual = PolicyFactory(
        insured=book.farmer_a, org_unit=tree.outlet_a, entered_by=clerk_a, product=book.rice
    )
    with pytest.raises(ValidationError, match="group"):
        household_list_upload(clerk=clerk_a, policy=individual, upload=upload(content))

    household_list_upload(clerk=clerk_a, policy=group, upload=upload(content))
    with pytest.raises(ValidationError, match="still being checked"):
        household_list_upload(clerk=clerk_a, policy=group, upload=upload(content))
    HouseholdList.objects.update(state=HouseholdList.State.REJECTED)

    monkeypatch.setattr(service, "MAX_UPLOAD_BYTES", 100)
    with pytest.raises(ValidationError, match="MB"):
        household_list_upload(clerk=clerk_a, policy=group, upload=upload(content))
    monkeypatch.undo()

    Policy.objects.filter(pk=group.pk).update(
        status=Policy.Status.ISSUED, number="G1", issued_at="2026-01-01T00:00:00+08:00"
    )
    group.refresh_from_db()
    with pytest.raises(ValidationError, match="endorsement"):
        household_list_upload(clerk=clerk_a, policy=group, upload=upload(content))


def test_uw_10_list_of_a_policy_issued_meanwhile_is_rejected(group, clerk_a):
    household_list = household_list_upload(
        clerk=clerk_a, policy=group, upload=upload(county_sheet(households(1)))
    )
    Policy.objects.filter(pk=group.pk).update(
        status=Policy.Status.ISSUED, number="G1", issued_at="2026-01-01T00:00:00+08:00"
    )
    household_list = household_list_validate(household_list_id=household_list.pk)
    assert codes(household_list) == {(None, "policy_not_editable")}
    assert not HouseholdRow.objects.exists()


def test_uw_10_the_report_is_written_by_its_own_task_when_there_is_something_to_report(
    group, clerk_a, django_capture_on_commit_callbacks
):
    clean = household_list_upload(
        clerk=clerk_a, policy=group, upload=upload(county_sheet(households(1)))
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        household_list_validate(household_list_id=clean.pk)
    assert callbacks == []

    bad = household_list_upload(
        clerk=clerk_a, policy=group, upload=upload(county_sheet([Household(1, quantity=0)]))
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        bad = household_list_validate(household_list_id=bad.pk)
    assert len(callbacks) == 1 and not bad.report
    from underwriting.tasks import build_household_list_report

    build_household_list_report(bad.pk)
    bad.refresh_from_db()
    assert bad.report


def test_uw_10_a_task_delivered_twice_validates_once(group, clerk_a):
    household_list = run(group, clerk_a, county_sheet(households(1)))
    again = household_list_validate(household_list_id=household_list.pk)
    assert again.state == "accepted" and again.rows.count() == 1
