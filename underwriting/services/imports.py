"""Importing a group policy's household list (UW-10) and validating it (UW-3..UW-6).

Life of an import (a HouseholdList row):

1. `household_list_upload` checks the file and the policy, stores the file and enqueues
   the validation (state QUEUED). One import per policy runs at a time.
2. `household_list_validate` (in Celery, underwriting.tasks) streams the sheet: each row
   is parsed and checked on its own and the good rows are staged as HouseholdRows in
   committed batches, with `rows_done` updated so the clerk's page shows progress.
   Memory does not grow with the row count. Then the checks that need the whole list
   run in SQL: duplicates within the list and against other live policies of the same
   product and season, village capacity, epidemic zones.
3. A list with any blocking error is REJECTED: its staged rows are deleted and only its
   issues and report remain; the policy is untouched. Otherwise, in one transaction, the
   list is ACCEPTED, replaces the previous accepted list and sets the policy's totals
   (UW-4: the exact split, equal to the sum of the rows to the cent), its applicant
   label "{first}等N户" (UW-2) and status LISTED.

Any unexpected failure leaves the list FAILED with a message and no rows.

A worker that dies mid-run (SIGKILL, out of memory, lost host) leaves the list RUNNING
with some staged rows. The run holds a PostgreSQL advisory lock that dies with its
connection, so a RUNNING list whose lock is free was abandoned: the redelivered task
(acks_late) deletes its staged rows and issues and runs it again from the start, and a
new upload for the policy is not blocked by it (the abandoned list ends FAILED).
"""

import contextlib
import datetime as dt
import itertools
import logging
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import DatabaseError, connection, transaction
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.access import check_can_write
from core.audit import personal_data_logged, save_with_reason
from core.models import PersonalDataAccess, User
from underwriting.imports.headers import LOOKAHEAD_ROWS, detect_header
from underwriting.imports.reader import MAX_UPLOAD_BYTES, UnreadableFile, open_sheet, sniff
from underwriting.imports.report import build_report
from underwriting.imports.validation import (
    EPIDEMIC_ZONE,
    ERROR,
    OVER_CAPACITY,
    WARNING,
    Issue,
    RowChecker,
)
from underwriting.models import (
    HouseholdList,
    HouseholdRow,
    ImportIssue,
    Inspection,
    Policy,
    Village,
)
from underwriting.premiums import LEVELS, to_cent
from underwriting.selectors import subsidy_rates_for, underwriting_rules_for

logger = logging.getLogger(__name__)

BATCH = 2_000
# A list may be (re)imported while the policy is a draft or listed; once issued, the
# household list changes only through endorsements (UW-12).
EDITABLE = (Policy.Status.QUOTED, Policy.Status.LISTED)
LIVE = (Policy.Status.LISTED, Policy.Status.ISSUED)
IN_PROGRESS = (HouseholdList.State.QUEUED, HouseholdList.State.RUNNING)
# An import queued or running longer than this was lost with its worker; it no longer
# blocks a new upload for the policy.
STALE_AFTER = dt.timedelta(hours=1)
SPLIT_FIELDS = ("premium", "farmer_share", *LEVELS)


# Upload ---------------------------------------------------------------------------------
def check_list_upload(*, policy: Policy, upload) -> str:
    """UW-10: the list goes to a draft or listed group policy, one import at a time, and
    is an xlsx or csv file of at most 20 MB. Returns the file kind."""
    if policy.kind != Policy.Kind.GROUP:
        raise ValidationError(_("Only group policies have a household list."), code="not_group")
    if policy.status not in EDITABLE:
        raise ValidationError(
            _(
                "This policy is %(status)s: its household list can only be changed by an "
                "endorsement now."
            )
            % {"status": policy.get_status_display()},
            code="policy_not_editable",
        )
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _(
                "The file is %(size)s MB; at most %(limit)s MB can be uploaded. Split the list "
                "or remove pictures from the workbook."
            )
            % {"size": round(upload.size / 1024 / 1024, 1), "limit": MAX_UPLOAD_BYTES // 2**20},
            code="file_too_large",
        )
    kind = sniff(upload)
    running = policy.lists.filter(
        state__in=IN_PROGRESS, uploaded_at__gt=timezone.now() - STALE_AFTER
    )
    if any(not _abandoned(item) for item in running):
        raise ValidationError(
            _(
                "A household list of this policy is still being checked. Wait for it to "
                "finish before uploading another."
            ),
            code="import_running",
        )
    return kind


def household_list_upload(*, clerk: User, policy: Policy, upload) -> HouseholdList:
    """Store `upload` as a new import of `policy`'s household list and enqueue its
    validation. Locks the policy row, so that two uploads cannot both start."""
    from underwriting.tasks import validate_household_list

    check_can_write(clerk, policy)
    with transaction.atomic():
        policy = Policy.objects.select_for_update().get(pk=policy.pk)
        kind = check_list_upload(policy=policy, upload=upload)
        for interrupted in policy.lists.filter(state=HouseholdList.State.RUNNING):
            with _run_lock(interrupted.pk) as held:
                if held and connection.vendor == "postgresql":
                    _fail(interrupted, RuntimeError(_("the import was interrupted")))
        household_list = HouseholdList(
            policy=policy, uploaded_by=clerk, source_name=(upload.name or "")[:255]
        )
        upload.seek(0)
        household_list.source.save(f"policy-{policy.pk}.{kind}", upload, save=False)
        household_list.save()
        validate_household_list.delay_on_commit(household_list.pk)
    return household_list


# Validation -----------------------------------------------------------------------------
class _Outcome:
    """What the streaming pass found, in running figures."""

    def __init__(self):
        self.counts: Counter[str] = Counter()
        self.checker: RowChecker | None = None


# Advisory lock keys of import runs: this prefix and the list's id.
_LOCK_PREFIX = 0x5557 << 48


@contextlib.contextmanager
def _run_lock(household_list_id: int) -> Iterator[bool]:
    """Try to take the run lock of an import for this connection; yields whether it is
    held. PostgreSQL drops it with the connection, so it outlives no dead worker. Other
    databases (the embedded SQLite default, one worker) have none: always held."""
    if connection.vendor != "postgresql":
        yield True
        return
    key = _LOCK_PREFIX | household_list_id
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        held = cursor.fetchone()[0]
    try:
        yield held
    finally:
        if held:
            # The connection may be the thing that failed; its end releases the lock too.
            with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def _abandoned(household_list: HouseholdList) -> bool:
    """A RUNNING list whose run lock nobody holds: its worker died."""
    if connection.vendor != "postgresql" or household_list.state != HouseholdList.State.RUNNING:
        return False
    with _run_lock(household_list.pk) as held:
        return held


def household_list_validate(*, household_list_id: int) -> HouseholdList:
    """Validate a queued import and accept or reject it (see the module docstring).

    Runs under the list's run lock and claims the list (QUEUED → RUNNING) first, so a
    task delivered twice runs once; a run abandoned by a dead worker starts again.
    """
    with _run_lock(household_list_id) as held:
        if not held:
            # Another worker is running this list right now.
            return HouseholdList.objects.get(pk=household_list_id)
        return _validate(household_list_id)


def _restart_abandoned(household_list_id: int) -> bool:
    """Under the run lock, a RUNNING list was abandoned by a worker that died: delete
    what it staged and run it again, unless a newer list of the policy was uploaded
    meanwhile (then it ends FAILED). Returns whether to run it."""
    if connection.vendor != "postgresql":
        return False
    with transaction.atomic():
        household_list = (
            HouseholdList.objects.select_for_update()
            .filter(pk=household_list_id, state=HouseholdList.State.RUNNING)
            .first()
        )
        if household_list is None:
            return False
        logger.warning(
            "household list %s: restarting a run abandoned by its worker", household_list.pk
        )
        if household_list.policy.lists.filter(pk__gt=household_list.pk).exists():
            _fail(household_list, RuntimeError(_("the import was interrupted")))
            return False
        _delete_rows(household_list)
        household_list.issues.all().delete()
        HouseholdList.objects.filter(pk=household_list.pk).update(rows_done=0)
    return True


def _validate(household_list_id: int) -> HouseholdList:
    claimed = HouseholdList.objects.filter(
        pk=household_list_id, state=HouseholdList.State.QUEUED
    ).update(state=HouseholdList.State.RUNNING)
    if not claimed and not _restart_abandoned(household_list_id):
        return HouseholdList.objects.get(pk=household_list_id)
    household_list = HouseholdList.objects.select_related(
        "policy__product", "policy__org_unit", "uploaded_by"
    ).get(pk=household_list_id)
    # Messages are stored, so they are written in the site's language, not the worker's.
    with translation.override(settings.LANGUAGE_CODE):
        try:
            outcome = _stage(household_list)
            if outcome.checker is not None:
                issues = _list_checks(household_list, flags=not outcome.counts[ERROR])
                _write_issues(household_list, issues, outcome)
            if outcome.counts[ERROR]:
                _reject(household_list, outcome)
            else:
                _accept(household_list, outcome)
        except Exception as exc:
            logger.exception("household list %s failed", household_list_id)
            _fail(household_list, exc)
            return household_list
    if household_list.error_count or household_list.warning_count:
        # The report re-reads the whole file: the clerk sees the result without waiting
        # for it.
        from underwriting.tasks import build_household_list_report

        build_household_list_report.delay_on_commit(household_list.pk)
    return household_list


def _stage(household_list: HouseholdList) -> _Outcome:
    """Stream the sheet: check each row, stage the good ones and write the issues in
    committed batches, updating `rows_done` as it goes."""
    outcome = _Outcome()
    try:
        with household_list.source.open("rb") as source:
            kind = sniff(source)
            with open_sheet(source, kind) as sheet:
                _stage_sheet(household_list, sheet, outcome)
    except UnreadableFile as exc:
        _write_issues(
            household_list, [Issue(ERROR, exc.code or "unreadable", exc.messages[0])], outcome
        )
        outcome.checker = None
    else:
        if outcome.checker is not None and outcome.checker.data_rows == 0:
            _write_issues(
                household_list,
                [Issue(ERROR, "no_rows", _("The list has no households."))],
                outcome,
            )
    return outcome


def _stage_sheet(household_list: HouseholdList, sheet, outcome: _Outcome) -> None:
    policy = household_list.policy
    head = list(itertools.islice(sheet.rows, LOOKAHEAD_ROWS))
    header = detect_header([values for _number, values in head])
    if header is None:
        _write_issues(
            household_list,
            [
                Issue(
                    ERROR,
                    "no_header",
                    _(
                        "No header row was found in the first rows of the sheet. The header "
                        "names the columns, e.g. 姓名, 身份证号, 投保数量; at most two title "
                        "rows may be above it."
                    ),
                )
            ],
            outcome,
        )
        return
    checker = RowChecker(
        header=header,
        product=policy.product,
        rates=subsidy_rates_for(
            product=policy.product, org_unit=policy.org_unit, year=policy.application_date.year
        ),
        tolerance=underwriting_rules_for(org_unit=policy.org_unit).premium_tolerance,
        default_subject=policy.subject or policy.product.name,
        household_list_id=household_list.pk,
    )
    header_issues = checker.header_issues()
    _write_issues(household_list, header_issues, outcome)
    if header.missing():
        return
    outcome.checker = checker
    HouseholdList.objects.filter(pk=household_list.pk).update(
        rows_total=max(sheet.row_count - header.rows[-1], 0)
    )
    rows: list[HouseholdRow] = []
    issues: list[Issue] = []
    body = itertools.chain((item for item in head if item[0] >= header.first_data_row), sheet.rows)
    reported = 0
    for number, values in body:
        row, row_issues = checker.check(number, values)
        if row is not None:
            rows.append(row)
        issues.extend(row_issues)
        if checker.data_rows - reported >= BATCH:
            _flush(household_list, rows, issues, outcome, checker.data_rows)
            rows, issues, reported = [], [], checker.data_rows
    _flush(household_list, rows, issues, outcome, checker.data_rows)
    _write_issues(household_list, checker.finish_issues(), outcome)
    HouseholdList.objects.filter(pk=household_list.pk).update(rows_total=checker.data_rows)


def _flush(household_list, rows, issues, outcome: _Outcome, done: int) -> None:
    """One committed batch: staged rows, their issues and the progress counter."""
    with transaction.atomic():
        # Staged rows skip the per-row history: they are not a verified list yet (UW-6
        # audits changes to accepted lists).
        HouseholdRow.objects.bulk_create(rows, batch_size=BATCH)
        _write_issues(household_list, issues, outcome)
        HouseholdList.objects.filter(pk=household_list.pk).update(rows_done=done)


def _write_issues(household_list: HouseholdList, issues: list[Issue], outcome: _Outcome) -> None:
    if not issues:
        return
    ImportIssue.objects.bulk_create(
        [
            ImportIssue(
                household_list=household_list,
                row_number=issue.row_number,
                severity=issue.severity,
                code=issue.code[:40],
                column=issue.column[:40],
                message=issue.message[:300],
            )
            for issue in issues
        ],
        batch_size=BATCH,
    )
    outcome.counts.update(issue.severity for issue in issues)


# Checks over the whole list (SQL) -------------------------------------------------------
def _live_rows(policy: Policy) -> QuerySet[HouseholdRow]:
    """Rows of the accepted lists of the other live policies of the same product and
    season."""
    return HouseholdRow.objects.filter(
        household_list__state=HouseholdList.State.ACCEPTED,
        household_list__policy__product_id=policy.product_id,
        household_list__policy__season=policy.season,
        household_list__policy__status__in=LIVE,
    ).exclude(household_list__policy_id=policy.pk)


def _list_checks(household_list: HouseholdList, *, flags: bool) -> list[Issue]:
    """UW-5, UW-6: duplicates (blocking errors), and, while the list can still be
    accepted (`flags`), village capacity and epidemic zones (flags on the rows)."""
    issues = []
    issues += _duplicates_within(household_list, "id_number", "duplicate_id")
    issues += _duplicates_within(household_list, "subject_tag", "duplicate_tag")
    issues += _duplicates_elsewhere(household_list, "id_number", "duplicate_id_elsewhere")
    issues += _duplicates_elsewhere(household_list, "subject_tag", "duplicate_tag_elsewhere")
    if flags and not any(issue.severity == ERROR for issue in issues):
        issues += _village_checks(household_list)
    return issues


def _duplicates_within(household_list: HouseholdList, field: str, code: str) -> list[Issue]:
    rows = household_list.rows.exclude(**{field: ""})
    repeated = rows.values(field).annotate(n=Count("pk")).filter(n__gt=1).values(field)
    found = (
        rows.filter(**{f"{field}__in": Subquery(repeated)})
        .order_by(field, "row_number")
        .values_list(field, "row_number")
    )
    issues = []
    for value, group in itertools.groupby(found.iterator(), key=lambda item: item[0]):
        numbers = [number for _value, number in group]
        shown = ", ".join(map(str, numbers[:6])) + ("…" if len(numbers) > 6 else "")
        label = _("ID number") if field == "id_number" else _("ear tag / batch number")
        for number in numbers:
            issues.append(
                Issue(
                    ERROR,
                    code,
                    _(
                        "The %(what)s %(value)s appears %(n)s times in this list (rows "
                        "%(rows)s); each household is listed once."
                    )
                    % {"what": label, "value": value, "n": len(numbers), "rows": shown},
                    row_number=number,
                )
            )
    return issues


def _duplicates_elsewhere(household_list: HouseholdList, field: str, code: str) -> list[Issue]:
    """Rows already insured by another live policy of the same product and season: in a
    group list, or (ID numbers) as the insured of an individual policy."""
    policy = household_list.policy
    others = _live_rows(policy).filter(**{field: OuterRef(field)})
    rows = household_list.rows.exclude(**{field: ""}).annotate(
        other=Subquery(others.values("household_list__policy_id")[:1])
    )
    if field == "id_number":
        individual = Policy.objects.filter(
            kind=Policy.Kind.INDIVIDUAL,
            product_id=policy.product_id,
            season=policy.season,
            status__in=LIVE,
            insured__id_number=OuterRef("id_number"),
        )
        rows = rows.annotate(individual=Subquery(individual.values("pk")[:1]))
        condition = Q(other__isnull=False) | Q(individual__isnull=False)
        found = rows.filter(condition).values_list("row_number", field, "other", "individual")
    else:
        found = rows.filter(other__isnull=False).values_list("row_number", field, "other")
    found = list(found)
    names = {
        p.pk: str(p)
        for p in Policy.objects.filter(
            pk__in={pk for item in found for pk in item[2:] if pk is not None}
        )
    }
    label = _("ID number") if field == "id_number" else _("ear tag / batch number")
    return [
        Issue(
            ERROR,
            code,
            _("The %(what)s %(value)s is already insured for %(season)s by policy %(policy)s.")
            % {
                "what": label,
                "value": item[1],
                "season": policy.season or policy.product.name,
                "policy": names[next(pk for pk in item[2:] if pk is not None)],
            },
            row_number=item[0],
        )
        for item in found
    ]


def _village_checks(household_list: HouseholdList) -> list[Issue]:
    """UW-5: villages over their recorded capacity this season, villages in an epidemic
    zone. A row belongs to a village when its village/group starts with the village's
    name (东村三组 → 东村). The rows are flagged; the issue is one per village."""
    policy = household_list.policy
    unit = policy.product.unit
    issues = []
    villages = Village.objects.filter(org_unit_id=policy.org_unit_id).prefetch_related("capacities")
    for village in villages:
        mine = household_list.rows.filter(village_group__startswith=village.name)
        capacity = next((c for c in village.capacities.all() if c.unit == unit), None)
        if capacity is not None:
            here = mine.aggregate(total=Sum("quantity"))["total"]
            if here:
                elsewhere = _live_rows(policy).filter(
                    village_group__startswith=village.name
                ).aggregate(total=Sum("quantity"))["total"] or Decimal(0)
                if here + elsewhere > capacity.quantity:
                    _add_flag(mine, OVER_CAPACITY)
                    issues.append(
                        Issue(
                            WARNING,
                            OVER_CAPACITY,
                            _(
                                "%(village)s: %(total)s %(unit)s insured this season (this list "
                                "%(here)s) is more than the recorded capacity of %(capacity)s "
                                "%(unit)s. Its rows are flagged for verification."
                            )
                            % {
                                "village": village.name,
                                "total": _num(here + elsewhere),
                                "here": _num(here),
                                "capacity": _num(capacity.quantity),
                                "unit": unit,
                            },
                        )
                    )
        if village.epidemic_zone:
            count = _add_flag(mine, EPIDEMIC_ZONE)
            if count:
                issues.append(
                    Issue(
                        WARNING,
                        EPIDEMIC_ZONE,
                        _(
                            "%(village)s is in an epidemic zone (%(note)s): its %(n)s row(s) are "
                            "flagged for verification."
                        )
                        % {
                            "village": village.name,
                            "note": village.epidemic_note or "—",
                            "n": count,
                        },
                    )
                )
    return issues


def _num(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _add_flag(rows: QuerySet[HouseholdRow], flag: str) -> int:
    """Add `flag` to the flags of `rows`, in batches; returns how many rows."""
    batch, count = [], 0
    for row in rows.only("pk", "flags").order_by("pk").iterator(chunk_size=BATCH):
        count += 1
        if flag not in row.flags:
            row.flags = [*row.flags, flag]
            batch.append(row)
        if len(batch) >= BATCH:
            HouseholdRow.objects.bulk_update(batch, ["flags"])
            batch = []
    if batch:
        HouseholdRow.objects.bulk_update(batch, ["flags"])
    return count


# Outcomes -------------------------------------------------------------------------------
def household_list_report_build(*, household_list_id: int) -> HouseholdList:
    """Write the downloadable report of a finished import that has anything to report
    (in Celery, after the validation). Builds it once."""
    household_list = HouseholdList.objects.get(pk=household_list_id)
    if household_list.report or not (household_list.error_count or household_list.warning_count):
        return household_list
    with translation.override(settings.LANGUAGE_CODE):
        try:
            with build_report(household_list=household_list) as report:
                household_list.report.save(
                    f"report-{household_list.pk}.xlsx", File(report), save=False
                )
        except UnreadableFile:
            # The source could not be read at all: its issue says so, there are no rows.
            return household_list
    HouseholdList.objects.filter(pk=household_list.pk).update(report=household_list.report.name)
    return household_list


def _delete_rows(household_list: HouseholdList) -> None:
    """Delete the list's rows in one statement. Staged rows have no history or inspection
    to keep; Django's cascade would load all 50,000 rows to write history for each."""
    table = connection.ops.quote_name(HouseholdRow._meta.db_table)
    column = connection.ops.quote_name(HouseholdRow._meta.get_field("household_list").column)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {column} = %s", [household_list.pk])


def _finish(household_list: HouseholdList, outcome: _Outcome, state: str, **fields) -> None:
    done = outcome.checker.data_rows if outcome.checker else 0
    for name, value in {
        "state": state,
        "rows_total": done,
        "rows_done": done,
        "error_count": outcome.counts[ERROR],
        "warning_count": outcome.counts[WARNING],
        "finished_at": timezone.now(),
        **fields,
    }.items():
        setattr(household_list, name, value)
    household_list.save(
        update_fields=[
            "state",
            "rows_total",
            "rows_done",
            "error_count",
            "warning_count",
            "finished_at",
            *fields,
        ]
    )


def _reject(household_list: HouseholdList, outcome: _Outcome) -> None:
    """Nothing is saved from a list with blocking errors: only its issues and report."""
    with transaction.atomic():
        _delete_rows(household_list)
        _finish(household_list, outcome, HouseholdList.State.REJECTED)


def _fail(household_list: HouseholdList, exc: Exception) -> None:
    with transaction.atomic():
        _delete_rows(household_list)
        household_list.state = HouseholdList.State.FAILED
        household_list.failure = _(
            "The list could not be processed (%(error)s). Try again; if it fails again, "
            "send the file to the system administrator."
        ) % {"error": f"{type(exc).__name__}: {exc}"[:500]}
        household_list.finished_at = timezone.now()
        household_list.save(update_fields=["state", "failure", "finished_at"])


def _accept(household_list: HouseholdList, outcome: _Outcome) -> None:
    """Make the list the policy's current list and set the policy's totals (UW-2, UW-4).

    Locks the policy row, then its accepted list (if any) while replacing it.
    """
    checker = outcome.checker
    with transaction.atomic():
        policy = (
            Policy.objects.select_for_update()
            .select_related("product")
            .get(pk=household_list.policy_id)
        )
        if policy.status not in EDITABLE:
            # Issued while the list was being checked: the list no longer applies.
            _write_issues(
                household_list,
                [
                    Issue(
                        ERROR,
                        "policy_not_editable",
                        _(
                            "The policy was %(status)s while the list was being checked; "
                            "change its households by an endorsement."
                        )
                        % {"status": policy.get_status_display()},
                    )
                ],
                outcome,
            )
            _delete_rows(household_list)
            _finish(household_list, outcome, HouseholdList.State.REJECTED)
            return
        totals = checker.allocator.total()
        sums = household_list.rows.aggregate(
            households=Count("pk"),
            quantity=Sum("quantity"),
            **{field: Sum(field) for field in SPLIT_FIELDS},
        )
        # UW-4: the policy's split is the sum of the rows' splits, to the cent.
        if any(sums[field] != getattr(totals, field) for field in SPLIT_FIELDS):
            raise AssertionError(f"UW-4: rows {sums} do not add up to the policy {totals}")
        for previous in policy.lists.select_for_update().filter(state=HouseholdList.State.ACCEPTED):
            _supersede(previous, by=household_list)
        first_name = household_list.rows.order_by("row_number").values_list("name", flat=True)[0]
        subjects = list(
            household_list.rows.order_by("subject_type")
            .values_list("subject_type", flat=True)
            .distinct()[:4]
        )
        for field in SPLIT_FIELDS:
            setattr(policy, field, getattr(totals, field))
        policy.quantity = sums["quantity"]
        policy.unit = policy.product.unit
        policy.subject = "、".join(subjects)[:100]
        policy.sum_insured = to_cent(sums["quantity"] * policy.product.sum_insured_per_unit)
        policy.applicant_label = f"{first_name}等{sums['households']}户"[:120]
        # The organiser stamps the list it handed in (UW-7): a new list needs a new seal.
        # Its notice is judged against the list's acceptance time (PUB-1).
        policy.seal = ""
        policy.status = Policy.Status.LISTED
        save_with_reason(
            policy,
            by=household_list.uploaded_by,
            reason=_("Household list %(name)s accepted (import %(pk)s)")
            % {"name": household_list.source_name, "pk": household_list.pk},
        )
        _finish(
            household_list,
            outcome,
            HouseholdList.State.ACCEPTED,
            household_count=sums["households"],
            quantity=sums["quantity"],
            premium=totals.premium,
        )


def _supersede(previous: HouseholdList, *, by: HouseholdList) -> None:
    """Replace `previous` by the new list `by`: its inspections move to the same
    household (same ID number) in the new list, its rows go."""
    inspections = Inspection.objects.filter(household__household_list=previous).select_related(
        "household"
    )
    for inspection in inspections:
        inspection.household = by.rows.filter(id_number=inspection.household.id_number).first()
        save_with_reason(
            inspection,
            by=by.uploaded_by,
            reason=_("Household list replaced by import %(pk)s") % {"pk": by.pk},
        )
    _delete_rows(previous)
    previous.state = HouseholdList.State.SUPERSEDED
    previous.save(update_fields=["state"])


# Report download ------------------------------------------------------------------------
def household_list_report_open(*, user: User, household_list: HouseholdList, ip_address=None):
    """The report file, open for reading; the export of personal data is logged (REG-3).
    The caller has checked that `user` may read the list."""
    if not household_list.report:
        raise ValidationError(_("This import has no report."), code="no_report")
    personal_data_logged(
        user=user,
        action=PersonalDataAccess.Action.EXPORT,
        model=HouseholdList,
        object_id=str(household_list.pk),
        fields=("name", "id_number", "phone", "bank_account"),
        purpose="household list validation report",
        row_count=household_list.rows_total,
        ip_address=ip_address,
    )
    return household_list.report.open("rb")
