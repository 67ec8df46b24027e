"""Template context for every page: the role-based navigation and the SLA-1 alarm."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.models import Role
from core.timers import sweep_is_stale
from core.views import can_see_branch_timers
from dashboards.selectors import can_see_dashboards


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    unread = user.notifications.filter(read_at__isnull=True).count()
    inbox_label = _("Inbox (%(count)s)") % {"count": unread} if unread else _("Inbox")
    items = [("home", _("Home")), ("my_timers", _("My timers")), ("inbox", inbox_label)]
    if user.role != Role.API_CLIENT:
        items += [
            ("underwriting:counter", _("Counter")),
            ("underwriting:group_list", _("Group policies")),
            ("underwriting:change_list", _("Policy changes")),
            ("publicity:notice_list", _("Public notices")),
            ("claims_assist:case_list", _("Claims")),
            ("complaints:complaint_list", _("Complaints")),
            ("outlets:outlet_list", _("Outlets")),
        ]
    if can_see_branch_timers(user):
        items.append(("branch_timers", _("Timers of my branch")))
    if can_see_dashboards(user):
        items.append(("dashboards:index", _("Dashboards")))
    match = getattr(request, "resolver_match", None)
    current = match.view_name if match else None
    if current and current.startswith("dashboards:"):
        current = "dashboards:index"
    nav = [
        {"url": reverse(name), "label": label, "current": name == current} for name, label in items
    ]
    if user.is_staff and user.is_manager:
        nav.append({"url": reverse("admin:index"), "label": _("Administration"), "current": False})
    return {
        "nav_items": nav,
        # SLA-1: a stale sweep is itself an alarm; managers are the ones who can act.
        "sweep_stale": user.is_manager and sweep_is_stale(),
    }
