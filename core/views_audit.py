"""REG-3: an auditor (or manager) reads the change history of any record in scope."""

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from core.access import get_in_scope
from core.audit import history_of


@login_required
def record_history(request, model_label: str, pk: int):
    try:
        model = apps.get_model(model_label)
    except (LookupError, ValueError):
        raise Http404 from None
    if not hasattr(model, "history"):
        raise Http404
    record = get_in_scope(model, request.user, pk=pk)
    return render(
        request,
        "core/record_history.html",
        {"record": record, "model": model._meta, "entries": history_of(record)},
    )
