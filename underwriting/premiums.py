"""UW-4: the premium and its exact split between the farmer and four levels of finance.

Amounts are yuan with two decimals, rounded half up. The rule for rounding differences,
the same for one policy and for a list of 50,000 households:

1. A premium is `quantity × sum insured per unit × rate`, rounded to the cent.
2. Each subsidy level of a *policy* is its rate × the policy premium, rounded to the
   cent; the farmer's share is what is left, so the five parts always add up.
3. Down a household list the subsidies are allocated by cumulative rounding in list
   order: a row gets the rounded running total of the exact amounts minus what the rows
   before it got. Each row is within one cent of its exact share, the rows add up to
   the policy's amounts to the cent, and no cent is lost or made up. The farmer's share
   of each row is again what is left of the row's premium.

Allocation streams row by row with constant memory (a running total per level).
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from underwriting.models import SubsidyLevel

CENT = Decimal("0.01")
LEVELS: tuple[str, ...] = tuple(SubsidyLevel.values)


def to_cent(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Split:
    premium: Decimal
    farmer_share: Decimal
    central: Decimal
    provincial: Decimal
    city: Decimal
    county: Decimal

    @property
    def subsidy_total(self) -> Decimal:
        return self.central + self.provincial + self.city + self.county

    def as_dict(self) -> dict[str, Decimal]:
        return {
            "premium": self.premium,
            "farmer_share": self.farmer_share,
            **{level: getattr(self, level) for level in LEVELS},
        }


def premium_for(*, quantity: Decimal, sum_insured_per_unit: Decimal, rate: Decimal) -> Decimal:
    return to_cent(quantity * sum_insured_per_unit * rate)


def split_premium(*, premium: Decimal, rates: dict[str, Decimal]) -> Split:
    """Rule 2: a policy's premium split; the farmer pays what finance does not."""
    subsidies = {level: to_cent(premium * rates.get(level, Decimal(0))) for level in LEVELS}
    return Split(premium=premium, farmer_share=premium - sum(subsidies.values()), **subsidies)


class RowAllocator:
    """Rule 3: feed each row's premium in list order, get its split back."""

    def __init__(self, *, rates: dict[str, Decimal]):
        self.rates = {level: rates.get(level, Decimal(0)) for level in LEVELS}
        self._premium = Decimal(0)
        self._allocated = dict.fromkeys(LEVELS, Decimal(0))

    def allocate(self, premium: Decimal) -> Split:
        self._premium += premium
        subsidies = {}
        for level in LEVELS:
            running = to_cent(self._premium * self.rates[level])
            subsidies[level] = running - self._allocated[level]
            self._allocated[level] = running
        return Split(premium=premium, farmer_share=premium - sum(subsidies.values()), **subsidies)

    def total(self) -> Split:
        """The policy's split of everything allocated so far (equals rule 2 on the sum)."""
        return split_premium(premium=self._premium, rates=self.rates)
