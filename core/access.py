"""OUT-1: the one scoping mechanism. Every read of business data goes through here.

A user sees the records hanging off their own node of the org tree and everything below
it; a superuser sees everything. Business models say where their node is with
`scope_field` (a lookup path to an OrgUnit, default "org_unit").
"""

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from django.utils.translation import gettext_lazy as _


class NotInScope(Http404):
    """The record does not exist for this user: a 404 in views, API and admin alike, so
    that guessed URLs reveal nothing about other outlets' records."""


class ReadOnlyRole(PermissionDenied):
    """A read-only role (auditor) tried to change something."""


def scope_field_of(model) -> str:
    return getattr(model, "scope_field", "org_unit")


def scope_q(user, model) -> models.Q:
    if user.is_superuser:
        return models.Q()
    if not user.is_active or user.org_unit_id is None:
        return models.Q(pk__in=[])
    field = scope_field_of(model)
    path_lookup = "path__startswith" if field == "self" else f"{field}__path__startswith"
    return models.Q(**{path_lookup: user.org_unit.path})


def in_scope(queryset: models.QuerySet, user) -> models.QuerySet:
    """The part of `queryset` that `user` may read."""
    return queryset.filter(scope_q(user, queryset.model))


def get_in_scope(queryset_or_model, user, **lookup):
    """One record in the user's scope, or NotInScope (never a hint that it exists)."""
    queryset = (
        queryset_or_model
        if isinstance(queryset_or_model, models.QuerySet)
        else queryset_or_model._default_manager.all()
    )
    try:
        return in_scope(queryset, user).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise NotInScope(_("Not found.")) from None


def check_can_write(user, obj=None) -> None:
    """Raise unless `user` may change `obj` (in scope and not a read-only role)."""
    if user.is_read_only:
        raise ReadOnlyRole(_("Your role is read-only."))
    if obj is not None:
        node = obj if scope_field_of(type(obj)) == "self" else _node_of(obj)
        if not user.is_superuser and (user.org_unit_id is None or not user.org_unit.contains(node)):
            raise NotInScope(_("Not found."))


def _node_of(obj):
    value = obj
    for part in scope_field_of(type(obj)).split("__"):
        value = getattr(value, part)
    return value
