"""The claims demo data of seed_demo (claims_assist.demo): cases at outlet A in the
stages a demo needs, each taken there through the services; a second run adds none."""

from decimal import Decimal

from claims_assist.demo import seed_claims
from claims_assist.models import Assessment, ClaimCase, RefusalLetter, StatusQuery
from claims_assist.services.status import case_status_query
from tests.underwriting.factories import ProductFactory
from underwriting.models import Product


def test_demo_cases_in_every_stage_seeded_once(
    tree, clerk_a, claims_assist_a, county_manager, claims_centre, claims_book, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    ProductFactory(
        code="ACCIDENT",
        name="农村居民意外伤害保险",
        line=Product.Line.ACCIDENT,
        policy_based=False,
        sum_insured_per_unit=Decimal("50000.00"),
        unit="人",
    )
    kwargs = {
        "outlet": tree.outlet_a,
        "clerk": clerk_a,
        "assist": claims_assist_a,
        "manager": county_manager,
        "centre": claims_centre,
    }
    seed_claims(**kwargs)
    seed_claims(**kwargs)
    cases = list(ClaimCase.objects.order_by("pk"))
    assert len(cases) == 7
    assert {case.org_unit for case in cases} == {tree.outlet_a}
    stages = [case.stage for case in cases]
    assert stages == [
        "reported",
        "forwarded",
        "forwarded",
        "assessed",
        "file_complete",
        "closed",
        "refused",
    ]
    assert cases[0].hotline_number == "" and cases[1].hotline_number
    assert cases[2].major and cases[2].deaths == 2
    assert Assessment.objects.get().case == cases[3]
    assert cases[4].file_complete_at is not None
    assert cases[5].paid_amount == Decimal("860.00") and cases[5].closed_at is not None
    letter = RefusalLetter.objects.get(case=cases[6])
    assert letter.kind == "decision" and letter.file
    # CLM-11: the demo's paid case answers a status query at the counter.
    answer = case_status_query(
        by=clerk_a,
        channel=StatusQuery.Channel.COUNTER,
        policy_number=cases[5].policy_number,
        id_number=cases[5].insured_id_number,
    )
    assert answer.answered and answer.cases[0].stage == "closed"
