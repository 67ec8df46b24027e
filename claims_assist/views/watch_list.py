"""The watch list page (CLM-16): the county's list of people who made a proven false
claim, with the add and remove forms. The county managers and the city claims centre
keep it; auditors read it; other staff get 403 (outlet staff never see the list, but
intake shows a hit as a flag). An entry outside the user's branch is a 404.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from claims_assist.forms_check import WatchListAddForm, WatchListRemoveForm
from claims_assist.selectors_cases import case_list
from claims_assist.selectors_check import (
    watch_list,
    watch_list_counties,
    watch_list_entry_get,
)
from claims_assist.services import fraud as fraud_service
from claims_assist.views.actions import form_action, form_status, posted
from core.masking import mask_id_number

PER_PAGE = 50


def _check_reader(user) -> None:
    if not (user.is_read_only or fraud_service.may_manage_watch_list(user)):
        raise PermissionDenied(
            _("Only a county manager or the city claims centre keeps the watch list (CLM-16).")
        )


def _add_form(request, data=None) -> WatchListAddForm:
    return WatchListAddForm(data, counties=watch_list_counties(user=request.user))


def _list_page(request, *, form=None, status=200):
    include_removed = request.GET.get("removed") == "1"
    page = Paginator(
        watch_list(user=request.user, include_removed=include_removed), PER_PAGE
    ).get_page(request.GET.get("page"))
    for entry in page.object_list:
        entry.masked_id_number = mask_id_number(entry.id_number)
    may_manage = fraud_service.may_manage_watch_list(request.user)
    context = {
        "page": page,
        "include_removed": include_removed,
        "may_manage": may_manage,
        "form": form or (_add_form(request) if may_manage else None),
    }
    return render(request, "claims_assist/watch_list/list.html", context, status=status)


@login_required
@require_safe
def watch_list_page(request):
    _check_reader(request.user)
    return _list_page(request)


@login_required
@require_http_methods(["POST"])
def watch_list_add(request):
    fraud_service.check_watch_list_role(request.user)
    form = _add_form(request, request.POST)

    def add(data):
        case = None
        if data["case_number"]:
            case = case_list(user=request.user).filter(number=data["case_number"].strip()).first()
            if case is None:
                raise ValidationError(
                    {"case_number": _("No case with this number in your branch.")}
                )
        fraud_service.watch_list_add(
            by=request.user,
            county=data["county"],
            name=data["name"],
            id_number=data["id_number"],
            reason=data["reason"],
            case=case,
        )

    response = form_action(
        request,
        form,
        add,
        success=_("Added to the watch list."),
        redirect_to=reverse("claims_assist:watch_list"),
    )
    if response is not None:
        return response
    return _list_page(request, form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def watch_list_remove(request, pk: int):
    fraud_service.check_watch_list_role(request.user)
    entry = watch_list_entry_get(user=request.user, pk=pk)
    fraud_service.check_watch_list_manager(request.user, entry.county)
    form = WatchListRemoveForm(posted(request))
    response = form_action(
        request,
        form,
        lambda data: fraud_service.watch_list_remove(
            by=request.user, entry_pk=entry.pk, reason=data["reason"]
        ),
        success=_("Removed from the watch list."),
        redirect_to=reverse("claims_assist:watch_list"),
    )
    if response is not None:
        return response
    entry.masked_id_number = mask_id_number(entry.id_number)
    return render(
        request,
        "claims_assist/watch_list/remove.html",
        {"form": form, "entry": entry},
        status=form_status(form),
    )


urlpatterns = [
    path("watch-list/", watch_list_page, name="watch_list"),
    path("watch-list/add/", watch_list_add, name="watch_list_add"),
    path("watch-list/<int:pk>/remove/", watch_list_remove, name="watch_list_remove"),
]
