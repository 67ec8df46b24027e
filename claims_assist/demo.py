"""Demo claim cases for `make run` (called by core's seed_demo): a handful of cases at
outlet A, each taken as far as its stage through the services that staff use:

- reported, no 95518 number yet (the CLM-1 timer runs);
- reported to 95518 (forwarded);
- a major case, two deaths in one accident (CLM-4: head office within 24 hours);
- assessed by the outlet's claims-assist adjuster under a CLM-6 authority;
- a complete file (CLM-8) waiting to go to the claims centre (CLM-9);
- paid and closed;
- refused, with its written refusal (REG-1 art. 24).

Idempotent: nothing is added once outlet A has a case.
"""

import datetime as dt
import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image

from claims_assist.models import CaseType, ClaimCase
from claims_assist.services import assessment, documents, intake, payments, timeline
from claims_assist.services import authority as authority_service
from claims_assist.services.cases import case_lock
from core.models import OrgUnit, User
from underwriting.models import Product

# name, resident ID, phone (the demo farmers of underwriting.demo and their neighbours)
INSURED = [
    ("王建国", "441823196203150016", "13800138003"),
    ("李秀英", "440106198504120025", "13800138002"),
    ("陈桂兰", "441823195507080024", "13800138004"),
    ("刘德福", "441823197011110030", "13800138005"),
    ("黄玉梅", "441823198802020044", "13800138006"),
    ("张三", "11010519491231002X", "13800138001"),
    ("王建国", "441823196203150016", "13800138003"),
]


def _scan(name: str) -> SimpleUploadedFile:
    """A small PNG standing in for a scanned document."""
    buffer = io.BytesIO()
    Image.new("RGB", (120, 160), "white").save(buffer, format="PNG")
    return SimpleUploadedFile(f"{name}.png", buffer.getvalue(), content_type="image/png")


def _report(*, clerk: User, n: int, product: Product, hours_ago: int, **extra) -> ClaimCase:
    name, id_number, phone = INSURED[n]
    now = timezone.now()
    values = {
        "channel": ClaimCase.Channel.WALK_IN,
        "reported_at": now - dt.timedelta(hours=hours_ago),
        "policy_number": f"P{product.code[:4]}2026441823010{n:05d}",
        "product": product,
        "insured_name": name,
        "insured_id_number": id_number,
        "incident_at": now - dt.timedelta(hours=hours_ago + 20),
        "incident_place": "阳城镇东村一组",
        "cause": "暴雨" if product.line == Product.Line.CROP else "交通事故",
        "course": "连日暴雨，稻田被淹，稻株倒伏。"
        if product.line == Product.Line.CROP
        else "乘坐农用车途中翻车。",
        "reporter_name": name,
        "reporter_phone": phone,
        "reporter_relation": ClaimCase.Relation.SELF,
        "case_type": CaseType.objects.get(
            code="agriculture" if product.line == Product.Line.CROP else "accident_death"
        ),
        **extra,
    }
    return intake.case_report(by=clerk, **values)


def _forward(case: ClaimCase, *, clerk: User, n: int) -> None:
    intake.case_hotline_record(by=clerk, case_pk=case.pk, number=f"95518-DEMO-{n:04d}")


def _complete_file(case: ClaimCase, *, clerk: User) -> None:
    for line in documents.checklist_for(case=case):
        documents.document_add(
            by=clerk, case_pk=case.pk, kind=line.kind, upload=_scan(line.kind.code)
        )
    documents.case_file_accept(by=clerk, case_pk=case.pk)


def _adjuster_authority(*, assist: User, manager: User) -> None:
    """CLM-6: the outlet's claims-assist adjuster may assess crop cases up to 2,000 yuan."""
    today = timezone.localdate()
    if assist.adjuster_authorisations.exists():
        return
    evaluation = authority_service.evaluation_record(
        by=manager,
        staff=assist,
        year=today.year - 1,
        grade="good",
        evaluated_on=today.replace(month=1, day=1),
    )
    authority_service.authorisation_grant(
        by=manager,
        holder=assist,
        lines=["crop"],
        case_limit=Decimal("2000.00"),
        valid_from=today - dt.timedelta(days=10),
        valid_to=today + dt.timedelta(days=200),
        evaluation=evaluation,
    )


def seed_claims(*, outlet: OrgUnit, clerk: User, assist: User, manager: User, centre: User) -> None:
    if ClaimCase.objects.filter(org_unit=outlet).exists():
        return
    rice = Product.objects.get(code="RICE")
    accident = Product.objects.get(code="ACCIDENT")
    with transaction.atomic():
        # Reported an hour ago: the 95518 number is due within the CLM-1 timer.
        _report(clerk=clerk, n=0, product=rice, hours_ago=1)

        forwarded = _report(clerk=clerk, n=1, product=rice, hours_ago=30)
        _forward(forwarded, clerk=clerk, n=1)

        major = _report(
            clerk=clerk, n=2, product=accident, hours_ago=5, deaths=2, injuries="两人当场死亡。"
        )
        _forward(major, clerk=clerk, n=2)

        assessed = _report(clerk=clerk, n=3, product=rice, hours_ago=72)
        _forward(assessed, clerk=clerk, n=3)
        _adjuster_authority(assist=assist, manager=manager)
        assessment.assessment_record(
            by=assist,
            case_pk=assessed.pk,
            mode="on_site",
            loss_cause="暴雨致水稻倒伏",
            quantity=Decimal("1.5"),
            unit="亩",
            amount=Decimal("1200.00"),
        )

        complete = _report(clerk=clerk, n=4, product=rice, hours_ago=96)
        _forward(complete, clerk=clerk, n=4)
        _complete_file(complete, clerk=clerk)

        paid = _report(clerk=clerk, n=5, product=rice, hours_ago=240)
        _forward(paid, clerk=clerk, n=5)
        _complete_file(paid, clerk=clerk)
        documents.case_transfer(by=clerk, case_pk=paid.pk)
        timeline.case_decide_locked(
            by=centre, case_pk=paid.pk, decision="pay", amount=Decimal("860.00")
        )
        name, id_number, _phone = INSURED[5]
        with transaction.atomic():
            request = payments.payment_request_create(
                case=case_lock(user=centre, pk=paid.pk),
                by=centre,
                amount=Decimal("860.00"),
                payee_name=name,
                payee_id_number=id_number,
                bank_name="广东农信",
                bank_account="6217003320001234567",
            )
        payments.payment_mark_paid(by=centre, payment_pk=request.pk, reference="GDRC-DEMO-0001")
        payments.case_close(by=centre, case_pk=paid.pk)

        refused = _report(clerk=clerk, n=6, product=rice, hours_ago=200)
        _forward(refused, clerk=clerk, n=6)
        _complete_file(refused, clerk=clerk)
        documents.case_transfer(by=clerk, case_pk=refused.pk)
        timeline.case_decide_locked(
            by=centre,
            case_pk=refused.pk,
            decision="refuse",
            reason="出险水稻种植于行洪区内，属保险条款约定的责任免除。",
        )
