"""Demo publicity data for `make run` (called by core's seed_demo, after underwriting):
the public notice of the demo village group policy, posted at the village committee's
board with a photo (PUB-3, PUB-6) and one objection by phone waiting for verification
(PUB-5), and a campaign of the outlet with a photo (PUB-8). Idempotent."""

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from core.models import OrgUnit, User
from publicity.models import Campaign, Channel, NoticePosting, Objection
from publicity.selectors import notice_lines, notices_of
from publicity.services.campaigns import campaign_create, campaign_photo_add
from publicity.services.notices import (
    notice_create_for_group_policy,
    notice_post,
    posting_evidence_add,
)
from publicity.services.objections import objection_record
from underwriting.models import HouseholdList, Policy
from underwriting.selectors import current_household_list
from underwriting.services.imports import household_list_validate

OBJECTION_PHONE = "0763-7700001"
OBJECTION_PLACE = "阳城镇三农营销服务部柜面（阳城镇人民路1号）"


def seed_publicity(*, outlet: OrgUnit, clerk: User) -> None:
    _notice(outlet=outlet, clerk=clerk)
    _campaign(outlet=outlet, clerk=clerk)


def _photo(name: str, text: str) -> SimpleUploadedFile:
    """A small real JPEG (the evidence service refuses anything that is not an image)."""
    image = Image.new("RGB", (640, 480), (236, 231, 220))
    ImageDraw.Draw(image).text((40, 220), text, fill=(90, 60, 30))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def _accepted_list(policy: Policy) -> HouseholdList | None:
    """The demo policy's list is validated by the worker once `make run` starts; the
    notice needs it now, so a list still queued is validated here (the worker's task
    then finds it claimed and does nothing)."""
    latest = policy.lists.first()
    if latest is not None and latest.state == HouseholdList.State.QUEUED:
        household_list_validate(household_list_id=latest.pk)
        policy.refresh_from_db()
    return current_household_list(policy=policy)


def _notice(*, outlet: OrgUnit, clerk: User) -> None:
    """PUB-1..PUB-6: the notice of the demo group policy, posted today."""
    policy = Policy.objects.filter(kind=Policy.Kind.GROUP, org_unit=outlet).order_by("pk").first()
    if policy is None or notices_of(source=policy).exists():
        return
    if _accepted_list(policy) is None or policy.status != Policy.Status.LISTED:
        return
    notice = notice_create_for_group_policy(
        clerk=clerk, policy=policy, objection_phone=OBJECTION_PHONE, objection_place=OBJECTION_PLACE
    )
    notice = notice_post(
        clerk=clerk,
        notice=notice,
        posted_at=timezone.now(),
        place_kind=NoticePosting.Place.BOARD,
        place="东村村委会公告栏",
        channels=[Channel.BROADCAST],
        note="村广播同步播报三天",
    )
    posting = notice.postings.order_by("pk").first()
    posting_evidence_add(
        clerk=clerk, posting=posting, upload=_photo("board.jpg", "Notice board"), caption="公告栏"
    )
    # Row 3 of the demo list (underwriting.demo.HOUSEHOLDS) is 王建国's.
    line = notice_lines(notice=notice).filter(position=3).first()
    objection_record(
        clerk=clerk,
        notice=notice,
        line=line,
        raiser_kind=Objection.Raiser.HOUSEHOLD,
        raiser_name="王建国",
        channel=Objection.Channel.PHONE,
        claim=Objection.Claim.WRONG_QUANTITY,
        details="实际种植18亩，清单写成20.3亩。",
        contact_phone="13800138003",
    )


def _campaign(*, outlet: OrgUnit, clerk: User) -> None:
    """PUB-8: a market-day campaign of the outlet, with a photo."""
    if Campaign.objects.filter(org_unit=outlet).exists():
        return
    campaign = campaign_create(
        clerk=clerk,
        org_unit=outlet,
        held_on=timezone.localdate() - dt.timedelta(days=10),
        title="农业保险政策进村宣传",
        audience=Campaign.Audience.FARMERS,
        topics=[Campaign.Topic.POLICY, Campaign.Topic.HOW_TO, Campaign.Topic.PRODUCTS],
        channels=[Channel.LEAFLET, Channel.POSTER, Channel.BROADCAST],
        place="东村文化广场（阳城镇赶集日）",
        materials="宣传折页300份、海报10张",
        reach=120,
        description="讲解水稻、能繁母猪保险的保费补贴政策和报案方式（95518）。",
    )
    campaign_photo_add(
        clerk=clerk,
        campaign=campaign,
        upload=_photo("campaign.jpg", "Campaign"),
        caption="宣传现场",
    )
