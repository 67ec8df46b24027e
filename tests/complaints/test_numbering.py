"""CMP-7: complaint numbers `{county code}-{yyyymmdd}-{seq}`, unique under concurrent
intake."""

import datetime as dt
import re
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection

from complaints.models import Complaint, ComplaintCounter
from complaints.services.intake import complaint_number_next
from tests.complaints.factories import receive_complaint

SH = ZoneInfo("Asia/Shanghai")


def test_cmp_7_number_is_county_code_local_day_and_four_digit_sequence(tree, clerk_a, clerk_b):
    # 23:30 UTC on 1 March is already 2 March in Beijing: the day is the local one.
    with time_machine.travel(dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.UTC), tick=False):
        first = receive_complaint(clerk_a)
        second = receive_complaint(clerk_b)
    assert first.number == "441823-20260302-0001"
    assert second.number == "441823-20260302-0002"


def test_cmp_7_sequence_restarts_each_day_and_per_county(tree, clerk_a):
    assert complaint_number_next(county=tree.county, day=dt.date(2026, 3, 2)) == (
        "441823-20260302-0001"
    )
    assert complaint_number_next(county=tree.county, day=dt.date(2026, 3, 3)) == (
        "441823-20260303-0001"
    )
    assert complaint_number_next(county=tree.other_county, day=dt.date(2026, 3, 2)) == (
        "441825-20260302-0001"
    )
    assert complaint_number_next(county=tree.county, day=dt.date(2026, 3, 2)) == (
        "441823-20260302-0002"
    )


def test_cmp_7_failed_intake_gives_its_number_back(tree, clerk_a):
    """The counter moves in the intake's transaction: a refused complaint leaves no gap."""
    with pytest.raises(ValidationError, match="required"):
        receive_complaint(clerk_a, what_happened="")
    complaint = receive_complaint(clerk_a)
    assert complaint.number.endswith("-0001")


@pytest.mark.django_db(transaction=True)
def test_cmp_7_parallel_creators_get_distinct_consecutive_numbers(tree, clerk_a, clerk_b):
    """Eight intakes on eight database connections start together on the first intake of
    the day (the counter row does not exist yet): no number repeats, none is skipped."""
    creators = 8
    start = threading.Barrier(creators)
    numbers: list[str] = []
    errors: list[BaseException] = []

    def create(clerk):
        try:
            start.wait(timeout=10)
            numbers.append(receive_complaint(clerk).number)
        except BaseException as exc:  # reported below, with the thread's failure
            errors.append(exc)
        finally:
            connection.close()

    with time_machine.travel(dt.datetime(2026, 3, 2, 10, tzinfo=SH), tick=False):
        threads = [
            threading.Thread(target=create, args=(clerk_a if i % 2 else clerk_b,))
            for i in range(creators)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert errors == []
    assert sorted(numbers) == [f"441823-20260302-{seq:04d}" for seq in range(1, creators + 1)]
    assert Complaint.objects.count() == creators
    assert ComplaintCounter.objects.get(county=tree.county).last == creators
    assert all(re.fullmatch(r"\d{6}-\d{8}-\d{4}", n) for n in numbers)
