"""Demo complaints for `make run` (called by core's seed_demo): the county's designated
receiver and one claim complaint at outlet A's counter, whose one-hour forwarding timer
(CMP-5) is running. Idempotent."""

from complaints.models import Complaint, ComplaintSettings, Severity, Topic
from complaints.services.intake import complaint_receive
from core.models import OrgUnit, User


def seed_complaints(*, county: OrgUnit, clerk: User, receiver: User) -> None:
    ComplaintSettings.objects.get_or_create(
        county=county, defaults={"designated_receiver": receiver}
    )
    if Complaint.objects.exists():
        return
    complaint_receive(
        by=clerk,
        channel="counter",
        topic=Topic.CLAIMS,
        severity=Severity.GENERAL,
        urgent=False,
        complainant_name="王建国",
        contact_phone="13800138003",
        what_happened="十月水稻倒伏已报案，至今未见查勘员联系。",
        what_is_asked="尽快安排查勘定损。",
    )
