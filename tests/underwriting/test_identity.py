"""UW-1 / UW-3: ID numbers are checked with python-stdnum and normalised, so one person is
one customer however the number was typed."""

import pytest
from django.core.exceptions import ValidationError

from core.access import NotInScope, ReadOnlyRole
from tests.underwriting.factories import credit_code, resident_id
from underwriting.identity import IdentityError, normalise_identity
from underwriting.services.customers import customer_create, customer_update

ID = "11010519491231002X"


@pytest.mark.parametrize(
    "typed",
    [
        ID,
        "11010519491231002x",
        "110105 1949 1231 002X",
        "１１０１０５１９４９１２３１００２ｘ",
        " 110105-19491231-002X ",
    ],
)
def test_uw_3_resident_id_variants_normalise_to_one_number(typed):
    assert normalise_identity(typed) == ID


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("11010519491231002", "id_length"),
        ("110105194912310021", "id_invalid"),  # wrong check digit
        ("110105194902300027", "id_invalid"),  # 30 February
        ("", "id_missing"),
    ],
)
def test_uw_3_bad_resident_ids_are_refused_with_a_reason(typed, code):
    with pytest.raises(IdentityError) as caught:
        normalise_identity(typed, kind="farmer")
    assert caught.value.code == code


def test_uw_3_unified_social_credit_code_is_checked():
    code = credit_code(7)
    assert normalise_identity(code.lower(), kind="organisation") == code
    broken = code[:-1] + ("0" if code[-1] != "0" else "1")
    with pytest.raises(IdentityError):
        normalise_identity(broken, kind="organisation")


@pytest.mark.django_db
def test_uw_1_one_person_is_one_customer_however_the_id_is_typed(tree, clerk_a):
    number = resident_id(42)
    first = customer_create(
        by=clerk_a, org_unit=tree.outlet_a, kind="farmer", name="王五", id_number=number
    )
    assert first.id_number == number
    full_width = number.translate(str.maketrans("0123456789X", "０１２３４５６７８９ｘ"))
    with pytest.raises(ValidationError) as caught:
        customer_create(
            by=clerk_a, org_unit=tree.outlet_a, kind="farmer", name="王五", id_number=full_width
        )
    assert "王五" in caught.value.messages[0]


@pytest.mark.django_db
def test_it_validates_ownership_of_customer_creation(tree, clerk_b, auditor):
    with pytest.raises(NotInScope):
        customer_create(
            by=clerk_b, org_unit=tree.outlet_a, kind="farmer", name="王五", id_number=ID
        )
    with pytest.raises(ReadOnlyRole):
        customer_create(
            by=auditor, org_unit=tree.outlet_a, kind="farmer", name="王五", id_number=ID
        )


@pytest.mark.django_db
def test_uw_6_customer_changes_need_a_reason_and_are_in_the_history(book, clerk_a):
    with pytest.raises(ValidationError):
        customer_update(by=clerk_a, customer=book.farmer_a, reason="", phone="13900000000")
    customer_update(by=clerk_a, customer=book.farmer_a, reason="客户换号", phone="13900000000")
    latest = book.farmer_a.history.first()
    assert latest.history_change_reason == "客户换号"
    assert latest.history_user == clerk_a
    with pytest.raises(ValidationError):
        customer_update(by=clerk_a, customer=book.farmer_a, reason="x", id_number=ID)


def test_uw_3_elderly_farmer_of_a_county_coded_after_their_birth_is_accepted():
    """阳山县 has been 441823 since 1988; its residents born before then carry it too."""
    number = resident_id(3, region="441823", birth="19500301")
    assert normalise_identity(number, kind="farmer") == number


def test_uw_3_unknown_province_is_refused():
    with pytest.raises(IdentityError):
        normalise_identity(resident_id(3, region="991823"), kind="farmer")
