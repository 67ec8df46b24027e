from rest_framework import permissions


class IsActiveStaffOrClient(permissions.BasePermission):
    """Any authenticated user placed in the org tree; read-only roles may only read.

    Which records they reach is decided by the scoping helpers, not here (OUT-1).
    """

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return not user.is_read_only


class IsActiveUser(permissions.BasePermission):
    """Any active, authenticated user, for any method: for endpoints that compute and
    store nothing (calculators, eligibility checks), which read-only roles may use too."""

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.is_active)
