"""Reads of publicity records, always through the user's scope (OUT-1), except the one
public read of a notice by its unguessable token (PUB-2 online notice)."""

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.utils import timezone

from core.access import NotInScope, get_in_scope, in_scope
from core.models import EvidencePhoto, EvidenceVideo, OrgUnit, User
from publicity.models import (
    Campaign,
    Notice,
    NoticeDocument,
    NoticeLine,
    NoticePosting,
    Objection,
)


def _start_of(day: dt.date) -> dt.datetime:
    """The first instant of a Beijing date (the server's time zone)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def notice_list(
    *,
    user: User,
    kind: str | None = None,
    state: str | None = None,
    unit: OrgUnit | None = None,
    ended_not_closed: bool = False,
    query: str = "",
    now: dt.datetime | None = None,
):
    """The user's notices. `unit` narrows to a unit of the user's branch and everything
    below it; `ended_not_closed` keeps the posted notices whose PUB-4 period has ended
    (as the dashboard counts them: still posted at `now`, default now)."""
    notices = in_scope(Notice.objects.all(), user).select_related("org_unit", "responsible")
    if kind:
        notices = notices.filter(kind=kind)
    if state:
        notices = notices.filter(state=state)
    if unit is not None:
        notices = notices.filter(org_unit__path__startswith=unit.path)
    if ended_not_closed:
        notices = notices.filter(state=Notice.State.POSTED, ends_at__lte=now or timezone.now())
    if query := query.strip():
        notices = notices.filter(Q(title__icontains=query) | Q(village__icontains=query))
    return notices


def notice_get(*, user: User, pk, for_update: bool = False) -> Notice:
    """One notice in the user's scope, or NotInScope (a 404 that reveals nothing)."""
    notices = Notice.objects.select_related("org_unit", "responsible")
    if for_update:
        notices = notices.select_for_update(of=("self",))
    return get_in_scope(notices, user, pk=pk)


def notice_by_token(*, token: str) -> Notice:
    """PUB-2: the public notice behind a QR code: posted or closed only (a draft or a
    withdrawn notice is not public). No user; NotInScope when unknown."""
    try:
        return Notice.objects.select_related("org_unit").get(
            token=token, state__in=[Notice.State.POSTED, Notice.State.CLOSED]
        )
    except (Notice.DoesNotExist, ValueError, TypeError):
        raise NotInScope() from None


def open_notice_for(*, source) -> Notice | None:
    """The draft or posted notice of `source` (e.g. a group policy), if any."""
    return Notice.objects.filter(
        source_type=ContentType.objects.get_for_model(source),
        source_id=source.pk,
        state__in=Notice.OPEN_STATES,
    ).first()


def notices_of(*, source) -> QuerySet[Notice]:
    """Every notice of `source`, newest first (the caller has reached the source in scope)."""
    return Notice.objects.filter(
        source_type=ContentType.objects.get_for_model(source), source_id=source.pk
    )


def notice_lines(*, notice: Notice) -> QuerySet[NoticeLine]:
    """The lines of a notice the caller has already reached, in notice order."""
    return notice.lines.order_by("position")


def notice_line_get(*, user: User, pk) -> NoticeLine:
    return get_in_scope(NoticeLine.objects.select_related("notice"), user, pk=pk)


def posting_list(*, notice: Notice) -> QuerySet[NoticePosting]:
    return notice.postings.select_related("posted_by").order_by("posted_at", "pk")


def posting_get(*, user: User, pk) -> NoticePosting:
    return get_in_scope(NoticePosting.objects.select_related("notice"), user, pk=pk)


def posting_photos(*, notice: Notice) -> QuerySet[EvidencePhoto]:
    """PUB-6: the photos of every posting of `notice`."""
    return EvidencePhoto.objects.filter(
        subject_type=ContentType.objects.get_for_model(NoticePosting),
        subject_id__in=notice.postings.values("pk"),
    )


def posting_videos(*, notice: Notice) -> QuerySet[EvidenceVideo]:
    """PUB-6: the videos of every posting of `notice`."""
    return EvidenceVideo.objects.filter(
        subject_type=ContentType.objects.get_for_model(NoticePosting),
        subject_id__in=notice.postings.values("pk"),
    )


def objection_list(
    *,
    user: User,
    notice: Notice | None = None,
    state: str | None = None,
    unit: OrgUnit | None = None,
    late: bool | None = None,
    raised_from: dt.date | None = None,
    raised_to: dt.date | None = None,
    query: str = "",
):
    """The user's objections; `unit` narrows to those against the notices of a unit of
    the user's branch and below, `raised_from`/`raised_to` to Beijing dates (inclusive)."""
    objections = in_scope(Objection.objects.all(), user).select_related("notice", "line")
    if notice is not None:
        objections = objections.filter(notice=notice)
    if state:
        objections = objections.filter(state=state)
    if unit is not None:
        objections = objections.filter(notice__org_unit__path__startswith=unit.path)
    if late is not None:
        objections = objections.filter(late=late)
    if raised_from is not None:
        objections = objections.filter(raised_at__gte=_start_of(raised_from))
    if raised_to is not None:
        objections = objections.filter(raised_at__lt=_start_of(raised_to + dt.timedelta(days=1)))
    if query := query.strip():
        objections = objections.filter(
            Q(notice__title__icontains=query) | Q(raiser_name__icontains=query)
        )
    return objections


def objection_get(*, user: User, pk, for_update: bool = False) -> Objection:
    objections = Objection.objects.select_related("notice", "line")
    if for_update:
        objections = objections.select_for_update(of=("self",))
    return get_in_scope(objections, user, pk=pk)


def notice_document_get(*, user: User, pk) -> NoticeDocument:
    return get_in_scope(NoticeDocument.objects.select_related("notice"), user, pk=pk)


def notice_documents(*, notice: Notice) -> QuerySet[NoticeDocument]:
    return notice.documents.order_by("-requested_at", "-pk")


def campaign_list(*, user: User) -> QuerySet[Campaign]:
    """PUB-8: the campaigns of the user's outlets (a county manager sees every outlet)."""
    return in_scope(Campaign.objects.all(), user).select_related("org_unit", "created_by")


def campaign_get(*, user: User, pk) -> Campaign:
    return get_in_scope(Campaign.objects.select_related("org_unit"), user, pk=pk)
