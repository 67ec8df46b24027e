"""CLM-14: a policy year of group medical claims replayed in order through the ledger.

100,000 outpatient and inpatient claims (CALCULATOR_BENCH_CLAIMS) of about 20,000
insured (CALCULATOR_BENCH_INSURED), drawn with a fixed seed, in claim-date order, each
assessed by `claims_assist.calculators.medical_claim` against its insured's
`MedicalLedger` and the ledger replaced by the one after the claim. Pure Python: the
database of `setup` is not used.

Reported: claims per second over the replay (the working lines included), and, checked
afterwards from the payments alone, the insured above a limit (outpatient 1,400,
inpatient 2,600, total 4,000, deductible 600) and the ledgers that differ from the sum
of their payments. Both must be zero.
"""

import datetime as dt
import os
import random
import time
from collections import defaultdict
from decimal import Decimal

from bench.common import report, setup

BENCH = "calculator"
CLAIMS = int(os.environ.get("CALCULATOR_BENCH_CLAIMS", "100000"))
INSURED = int(os.environ.get("CALCULATOR_BENCH_INSURED", "20000"))
SEED = 20250101
COVER_STARTS_ON = dt.date(2025, 1, 1)
# A county's group medical year is replayed in well under a minute at this rate (an
# insurer-wide year of a few million claims in under ten minutes).
TARGET_PER_SECOND = 5000


def _claims(rng: random.Random) -> list[tuple[int, str, Decimal, Decimal, dt.date]]:
    """(insured, care, eligible self-paid, other insurers paid, claimed on), by date."""
    rows = []
    for _ in range(CLAIMS):
        care = "outpatient" if rng.random() < 0.75 else "inpatient"
        if care == "outpatient":
            eligible = Decimal(int(rng.lognormvariate(6.0, 0.9) * 100)) / 100
        else:
            eligible = Decimal(int(rng.lognormvariate(8.0, 0.8) * 100)) / 100
        other = Decimal(0)
        if rng.random() < 0.2:  # a union or another insurer paid part first
            other = (eligible * Decimal(rng.randint(10, 120)) / 100).quantize(Decimal("0.01"))
        claimed_on = COVER_STARTS_ON + dt.timedelta(days=rng.randint(0, 364))
        rows.append((rng.randrange(INSURED), care, eligible, other, claimed_on))
    rows.sort(key=lambda row: row[4])
    return rows


def main() -> None:
    setup()
    from django.utils import translation

    from claims_assist import calculators as calc

    translation.activate("zh-hans")
    claims = _claims(random.Random(SEED))
    print(f"calculator: {len(claims)} medical claims of {INSURED} insured, one policy year")

    ledgers: dict[int, calc.MedicalLedger] = defaultdict(calc.MedicalLedger)
    payments: list[tuple[int, str, Decimal]] = []
    deductibles: dict[int, Decimal] = defaultdict(Decimal)
    started = time.perf_counter()
    for insured, care, eligible, other, claimed_on in claims:
        before = ledgers[insured]
        result = calc.medical_claim(
            ledger=before,
            care=care,
            eligible_self_paid=eligible,
            other_insurers_paid=other,
            cover_starts_on=COVER_STARTS_ON,
            claimed_on=claimed_on,
        )
        ledgers[insured] = result.ledger
        payments.append((insured, care, result.amount))
        deductibles[insured] += result.ledger.deductible_used - before.deductible_used
    elapsed = time.perf_counter() - started

    paid: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for insured, care, amount in payments:
        if amount < 0:
            raise SystemExit(f"calculator: negative payment {amount} for insured {insured}")
        paid[insured, care] += amount
    over_limit = mismatched = 0
    for insured, ledger in ledgers.items():
        outpatient, inpatient = paid[insured, "outpatient"], paid[insured, "inpatient"]
        if (
            outpatient > calc.MEDICAL_OUTPATIENT_LIMIT
            or inpatient > calc.MEDICAL_INPATIENT_LIMIT
            or outpatient + inpatient > calc.MEDICAL_TOTAL_LIMIT
            or deductibles[insured] > calc.MEDICAL_OUTPATIENT_DEDUCTIBLE
        ):
            over_limit += 1
        if (ledger.outpatient_paid, ledger.inpatient_paid, ledger.deductible_used) != (
            outpatient,
            inpatient,
            deductibles[insured],
        ):
            mismatched += 1
    total = sum(amount for _, _, amount in payments)
    at_limit = sum(
        1 for ledger in ledgers.values() if ledger.total_paid == calc.MEDICAL_TOTAL_LIMIT
    )
    print(
        f"  {len(ledgers)} insured claimed, {total:,.2f} yuan paid, "
        f"{at_limit} reached the 4,000 yuan year limit"
    )
    report(
        bench=BENCH,
        metric="medical_claims_per_second",
        value=len(claims) / elapsed,
        unit="claims/s",
        target=TARGET_PER_SECOND,
        label="Medical claims replayed through the ledger",
    )
    report(
        bench=BENCH,
        metric="insured_over_a_limit",
        value=over_limit,
        unit="insured",
        target=0,
        label="Insured above a limit",
    )
    report(
        bench=BENCH,
        metric="ledgers_not_equal_to_payments",
        value=mismatched,
        unit="insured",
        target=0,
        label="Ledgers that differ from the sum of their payments",
    )
    if over_limit or mismatched:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
