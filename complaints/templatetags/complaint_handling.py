"""The handling panel of the complaint's detail page (CMP-1, CMP-6): what the user may
do on the complaint and whom it may be handed to. The detail view passes only the
complaint; this tag works out the rest so the panel stays self-contained."""

from itertools import groupby

from django import template

from complaints.models import Complaint
from complaints.services import handling as services

register = template.Library()


@register.simple_tag
def handling_panel(complaint: Complaint, user) -> dict:
    """Flags and choices for templates/complaints/handling/_panel.html."""
    acting = services.can_act(user=user, complaint=complaint)
    handing = services.can_hand_over(user=user, complaint=complaint)
    colleagues = []
    if handing:
        candidates = services.hand_over_candidates(complaint=complaint)
        colleagues = [
            {"unit": unit, "users": list(users)}
            for unit, users in groupby(candidates, key=lambda member: member.org_unit)
        ]
    is_open = complaint.status in services.OPEN_STATUSES
    return {
        "can_act": acting,
        "can_hand_over": handing,
        "colleagues": colleagues,
        "awaits_forwarding": services.awaits_forwarding(complaint),
        "first_response": acting and is_open and complaint.first_response_at is None,
        "outcome": acting and is_open and not services.awaits_forwarding(complaint),
        "follow_up": acting and complaint.status == Complaint.Status.RESOLVED,
        "satisfactions": Complaint.Satisfaction.choices,
    }
