"""Customers (UW-1, UW-3 identity): one person is one customer however the ID was typed;
the customer pages mask personal data and log every full view (REG-3)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from core.models import PersonalDataAccess
from tests.underwriting.factories import credit_code, resident_id
from underwriting.models import Customer
from underwriting.services.customers import customer_create

ID = "11010519491231002X"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def english_client(client, user):
    client.force_login(user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def register(clerk, id_number, **kwargs):
    values = {"kind": Customer.Kind.FARMER, "name": "王五"}
    values.update(kwargs)
    return customer_create(by=clerk, org_unit=clerk.org_unit, id_number=id_number, **values)


# --- Identity ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["１１０１０５１９４９１２３１００２ｘ", "110105 19491231 002x", "110105-19491231-002X"],
)
def test_id_typed_with_full_width_digits_lower_x_or_spaces_is_one_customer(tree, clerk_a, typed):
    customer = register(clerk_a, typed)
    assert customer.id_number == ID
    with pytest.raises(ValidationError) as error:
        register(clerk_a, ID, name="张三")
    assert "already registered as customer 王五" in str(error.value)
    assert Customer.objects.count() == 1


def test_the_same_person_may_be_a_customer_of_two_outlets(tree, clerk_a, clerk_b):
    register(clerk_a, ID)
    assert register(clerk_b, ID).org_unit == tree.outlet_b


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("11010519491231002", "A resident ID has 18 characters; 17 were given."),
        ("110105194912310021", "is not valid (wrong check digit or date)"),
        ("", "The ID number is missing."),
    ],
)
def test_bad_resident_ids_are_refused_with_a_clear_message(tree, clerk_a, typed, message):
    with pytest.raises(ValidationError) as error:
        register(clerk_a, typed)
    assert message in str(error.value)


def test_organisation_needs_a_valid_social_credit_code(tree, clerk_a):
    with pytest.raises(ValidationError, match="unified social credit code"):
        register(clerk_a, resident_id(3), kind=Customer.Kind.ORGANISATION)
    organisation = register(
        clerk_a,
        credit_code(7).lower(),
        kind=Customer.Kind.ORGANISATION,
        organisation_type=Customer.OrganisationType.COOPERATIVE,
        name="东村水稻合作社",
    )
    assert organisation.id_number == credit_code(7)


# --- Pages -------------------------------------------------------------------------------


def test_create_page_registers_a_farmer_and_shows_it(client, tree, clerk_a):
    english_client(client, clerk_a)
    response = client.post(
        reverse("underwriting:customer_create"),
        {
            "kind": "farmer",
            "name": "王五",
            "id_number": "110105 19491231 002x",
            "phone": "13912345678",
        },
    )
    customer = Customer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("underwriting:customer_detail", args=[customer.pk])
    assert customer.id_number == ID
    assert customer.org_unit == tree.outlet_a


def test_create_page_shows_a_bad_id_on_the_field(client, tree, clerk_a):
    english_client(client, clerk_a)
    response = client.post(
        reverse("underwriting:customer_create"),
        {"kind": "farmer", "name": "王五", "id_number": "110105194912310021"},
    )
    assert response.status_code == 200
    assert "wrong check digit" in response.context["form"].errors["id_number"][0]
    assert not Customer.objects.exists()


def test_create_page_links_a_duplicate_to_the_existing_customer(client, book, clerk_a):
    english_client(client, clerk_a)
    response = client.post(
        reverse("underwriting:customer_create"),
        {"kind": "farmer", "name": "张三丰", "id_number": "１１０１０５１９４９１２３１００２x"},
    )
    html = response.content.decode()
    assert response.context["existing"] == book.farmer_a
    assert reverse("underwriting:customer_detail", args=[book.farmer_a.pk]) in html
    assert Customer.objects.filter(id_number=ID).count() == 1


def test_lists_mask_personal_data(client, book, clerk_a):
    client.force_login(clerk_a)
    html = client.get(reverse("underwriting:customer_list")).content.decode()
    assert "张三" in html
    assert ID not in html
    assert "110105********002X" in html
    assert "13800138000" not in html
    assert "138****8000" in html


def test_customer_search_matches_the_normalised_id(client, book, clerk_a):
    client.force_login(clerk_a)
    response = client.get(reverse("underwriting:customer_list"), {"q": "110105 19491231 002x"})
    assert list(response.context["page"].object_list) == [book.farmer_a]


def test_detail_shows_full_values_only_on_request_and_logs_the_view(client, book, clerk_a):
    client.force_login(clerk_a)
    url = reverse("underwriting:customer_detail", args=[book.farmer_a.pk])
    html = client.get(url).content.decode()
    assert ID not in html
    assert not PersonalDataAccess.objects.exists()

    html = client.get(url, {"full": "1"}).content.decode()
    assert ID in html
    assert "6217000000000000123" in html
    access = PersonalDataAccess.objects.get()
    assert access.user == clerk_a
    assert access.action == PersonalDataAccess.Action.VIEW
    assert access.model == "underwriting.Customer"
    assert access.object_id == str(book.farmer_a.pk)
    assert access.fields == "id_number,phone,bank_account"


def test_staff_above_the_outlet_and_auditors_see_masked_values_only(
    client, book, county_manager, auditor
):
    url = reverse("underwriting:customer_detail", args=[book.farmer_a.pk])
    for user in (county_manager, auditor):
        client.force_login(user)
        html = client.get(url, {"full": "1"}).content.decode()
        assert ID not in html
    assert not PersonalDataAccess.objects.exists()


def test_edit_needs_a_reason_and_is_audited(client, book, clerk_a):
    english_client(client, clerk_a)
    url = reverse("underwriting:customer_edit", args=[book.farmer_a.pk])
    assert client.get(url).status_code == 200
    # Opening the form shows the full phone and bank account: logged.
    assert PersonalDataAccess.objects.filter(object_id=str(book.farmer_a.pk)).exists()
    data = {"name": "张三", "phone": "13700000000", "bank_account": "6217 0000 1111 2222"}
    response = client.post(url, data)
    assert "reason" in response.context["form"].errors
    response = client.post(url, {**data, "reason": "客户换了手机号"})
    assert response.status_code == 302
    book.farmer_a.refresh_from_db()
    assert book.farmer_a.phone == "13700000000"
    latest = book.farmer_a.history.first()
    assert latest.history_change_reason == "客户换了手机号"
    assert latest.history_user == clerk_a


@pytest.mark.parametrize("name", ["customer_detail", "customer_edit", "quote_create"])
def test_other_outlets_clerk_gets_404_on_customer_pages(client, book, clerk_b, name):
    client.force_login(clerk_b)
    key = "customer_pk" if name == "quote_create" else "pk"
    url = reverse(f"underwriting:{name}", kwargs={key: book.farmer_a.pk})
    assert client.get(url).status_code == 404
    if name != "customer_detail":
        assert client.post(url, {"reason": "x", "name": "x"}).status_code == 404


def test_other_outlets_customers_are_not_listed_or_found(client, book, clerk_b):
    client.force_login(clerk_b)
    response = client.get(reverse("underwriting:customer_list"))
    assert list(response.context["page"].object_list) == [book.farmer_b]
    response = client.get(reverse("underwriting:counter"), {"q": ID})
    assert list(response.context["found"]) == []


def test_auditor_gets_403_on_customer_writes(client, book, auditor):
    client.force_login(auditor)
    assert client.get(reverse("underwriting:customer_list")).status_code == 200
    create = reverse("underwriting:customer_create")
    assert client.get(create).status_code == 403
    assert client.post(create, {"kind": "farmer", "name": "x", "id_number": ID}).status_code == 403
    edit = reverse("underwriting:customer_edit", args=[book.farmer_a.pk])
    assert client.post(edit, {"name": "x", "reason": "x"}).status_code == 403
    book.farmer_a.refresh_from_db()
    assert book.farmer_a.name == "张三"
