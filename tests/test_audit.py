"""REG-3: change history with who/when/why, masking, and the personal-data access log."""

import pytest
from django.core.exceptions import ValidationError

from core.audit import history_of, personal_data_logged, save_with_reason
from core.masking import mask_bank_account, mask_id_number, mask_name, mask_phone
from core.models import PersonalDataAccess


def test_reg_3_masking_hides_the_middle_of_personal_data():
    assert mask_id_number("44182319800101123X") == "441823********123X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_bank_account("6228 4800 1234 5678 901") == "6228***********8901"
    assert mask_name("张三") == "张*"
    assert mask_name("张三丰") == "张*丰"
    assert mask_name("欧阳娜娜") == "欧**娜"


def test_reg_3_a_change_after_issuance_needs_a_reason(tree, county_manager):
    unit = tree.outlet_a
    unit.name = "阳城镇三农营销服务部（新址）"
    with pytest.raises(ValidationError):
        save_with_reason(unit, by=county_manager, reason=" ", require_reason=True)
    save_with_reason(unit, by=county_manager, reason="搬迁到新址", require_reason=True)

    latest = history_of(unit)[0]
    assert latest.user == county_manager
    assert latest.reason == "搬迁到新址"
    assert ("name", "阳城镇三农营销服务部", "阳城镇三农营销服务部（新址）") in latest.changes


def test_reg_3_auditor_reads_history_in_scope(client, tree, auditor, county_manager):
    save_with_reason(tree.outlet_a, by=county_manager, reason="更正名称")
    client.force_login(auditor)
    response = client.get(f"/audit/core.orgunit/{tree.outlet_a.pk}/")
    assert response.status_code == 200
    assert "更正名称" in response.content.decode()


def test_reg_3_it_validates_ownership_of_history(client, tree, clerk_a):
    client.force_login(clerk_a)
    assert client.get(f"/audit/core.orgunit/{tree.outlet_b.pk}/").status_code == 404
    assert client.get(f"/audit/core.orgunit/{tree.outlet_a.pk}/").status_code == 200
    assert client.get("/audit/nothing.here/1/").status_code == 404
    # A model without history is not browsable this way.
    assert client.get(f"/audit/core.slatimer/{tree.outlet_a.pk}/").status_code == 404


def test_reg_3_access_to_full_personal_data_is_logged(tree, clerk_a):
    personal_data_logged(
        user=clerk_a,
        action=PersonalDataAccess.Action.EXPORT,
        model=tree.outlet_a,
        fields=["id_number", "phone"],
        purpose="household list export",
        row_count=120,
    )
    entry = PersonalDataAccess.objects.get()
    assert (entry.model, entry.fields, entry.row_count) == ("core.OrgUnit", "id_number,phone", 120)
