"""Motor self-survey eligibility (CLM-13): private or non-commercial car, nobody injured,
no third-party property damage, drivable, fewer than two earlier accidents in the policy
year; every failed condition is a reason, each naming CLM-13."""

import itertools

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from claims_assist.self_survey import (
    ELIGIBLE_USES,
    Condition,
    VehicleUse,
    self_survey_check,
)

# A case that meets every condition; each test spoils some of it.
CLEAN = {
    "vehicle_use": VehicleUse.PRIVATE,
    "injuries": False,
    "third_party_property_damage": False,
    "drivable": True,
    "accidents_this_policy_year": 0,
}

# One way to fail each condition alone.
SPOILERS = {
    Condition.VEHICLE_USE: {"vehicle_use": VehicleUse.COMMERCIAL},
    Condition.INJURIES: {"injuries": True},
    Condition.THIRD_PARTY_PROPERTY_DAMAGE: {"third_party_property_damage": True},
    Condition.DRIVABLE: {"drivable": False},
    Condition.ACCIDENTS: {"accidents_this_policy_year": 2},
}


def check(**changes):
    return self_survey_check(**{**CLEAN, **changes})


def conditions(decision) -> list[str]:
    return [reason.condition for reason in decision.reasons]


@pytest.mark.parametrize("use", [VehicleUse.PRIVATE, VehicleUse.NON_COMMERCIAL])
def test_clm_13_private_or_non_commercial_car_with_nothing_wrong_is_eligible(use):
    decision = check(vehicle_use=use)

    assert decision.eligible is True
    assert decision.reasons == ()
    assert decision.rule == "CLM-13"
    assert "e-surveyor app" in decision.next_step


@pytest.mark.parametrize("condition", list(SPOILERS))
def test_clm_13_each_condition_alone_refuses_with_its_reason(condition):
    decision = check(**SPOILERS[condition])

    assert decision.eligible is False
    assert conditions(decision) == [condition]
    assert decision.reasons[0].message.startswith("CLM-13: ")
    assert "95518" in decision.next_step


@pytest.mark.parametrize(
    "use", [VehicleUse.COMMERCIAL, VehicleUse.MOTORCYCLE, VehicleUse.TRACTOR, VehicleUse.SPECIAL]
)
def test_clm_13_only_private_or_non_commercial_cars(use):
    decision = check(vehicle_use=use)

    assert conditions(decision) == [Condition.VEHICLE_USE]
    assert str(VehicleUse(use).label) in decision.reasons[0].message


@pytest.mark.parametrize(
    ("earlier", "eligible"), [(0, True), (1, True), (2, False), (3, False), (17, False)]
)
def test_clm_13_third_accident_of_the_policy_year_is_refused(earlier, eligible):
    """The count is of EARLIER accidents, not this one: the seed's "2次(不含)以上" counts
    this accident (more than two in all), DOMAIN.md's "after two or more" the earlier
    ones; both refuse the third accident of a year and allow the first and second."""
    decision = check(accidents_this_policy_year=earlier)

    assert decision.eligible is eligible
    if not eligible:
        assert conditions(decision) == [Condition.ACCIDENTS]
        assert str(earlier) in decision.reasons[0].message


def test_clm_13_every_failed_condition_is_listed_in_order():
    decision = check(
        vehicle_use=VehicleUse.TRACTOR,
        injuries=True,
        third_party_property_damage=True,
        drivable=False,
        accidents_this_policy_year=5,
    )

    assert decision.eligible is False
    assert conditions(decision) == list(Condition.values)
    assert all(reason.message.startswith("CLM-13: ") for reason in decision.reasons)


@pytest.mark.parametrize(
    "failing",
    [
        combination
        for size in range(2, len(SPOILERS) + 1)
        for combination in itertools.combinations(SPOILERS, size)
    ],
)
def test_clm_13_combinations_list_exactly_the_failed_conditions(failing):
    changes = {}
    for condition in failing:
        changes.update(SPOILERS[condition])

    decision = check(**changes)

    assert decision.eligible is False
    assert conditions(decision) == list(failing)


def test_clm_13_unknown_vehicle_use_is_refused():
    with pytest.raises(ValidationError) as error:
        check(vehicle_use="hovercraft")
    assert "vehicle_use" in error.value.message_dict


@pytest.mark.parametrize("count", [-1, True])
def test_clm_13_accident_count_must_be_a_non_negative_number(count):
    with pytest.raises(ValidationError) as error:
        check(accidents_this_policy_year=count)
    assert "accidents_this_policy_year" in error.value.message_dict


@settings(max_examples=200, deadline=None)
@given(
    vehicle_use=st.sampled_from(VehicleUse.values),
    injuries=st.booleans(),
    third_party_property_damage=st.booleans(),
    drivable=st.booleans(),
    accidents_this_policy_year=st.integers(min_value=0, max_value=50),
)
def test_clm_13_property_eligible_iff_every_condition_holds(
    vehicle_use, injuries, third_party_property_damage, drivable, accidents_this_policy_year
):
    decision = self_survey_check(
        vehicle_use=vehicle_use,
        injuries=injuries,
        third_party_property_damage=third_party_property_damage,
        drivable=drivable,
        accidents_this_policy_year=accidents_this_policy_year,
    )

    failed = {
        Condition.VEHICLE_USE: vehicle_use not in ELIGIBLE_USES,
        Condition.INJURIES: injuries,
        Condition.THIRD_PARTY_PROPERTY_DAMAGE: third_party_property_damage,
        Condition.DRIVABLE: not drivable,
        Condition.ACCIDENTS: accidents_this_policy_year >= 2,
    }
    assert decision.eligible is (not any(failed.values()))
    assert conditions(decision) == [c for c, bad in failed.items() if bad]
    assert decision.eligible is (decision.reasons == ())
    assert all("CLM-13" in reason.message for reason in decision.reasons)
