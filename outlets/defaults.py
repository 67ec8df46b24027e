"""The default outlet settings and the OUT-10 staffing bands of DOMAIN.md.

Created on migrate (and after a test flush) when missing, never overwritten: a manager's
change in the admin wins.
"""

from decimal import Decimal

# OUT-10: annual premium from (yuan) → minimum staff; a band starts at its figure.
DEFAULT_BANDS = [
    (Decimal("0"), 3),
    (Decimal("1000000"), 4),
    (Decimal("3000000"), 5),
    (Decimal("5000000"), 6),
]


def ensure_outlet_defaults() -> None:
    from outlets.models import OutletSettings, StaffingBand

    OutletSettings.objects.get_or_create(county=None)
    if not StaffingBand.objects.filter(county=None).exists():
        StaffingBand.objects.bulk_create(
            StaffingBand(county=None, premium_from=premium_from, minimum_staff=minimum)
            for premium_from, minimum in DEFAULT_BANDS
        )
