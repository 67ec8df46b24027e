"""The escalation panel of the complaint detail page (CMP-5, CLM-12, REG-2).

The detail page includes templates/complaints/escalation/_panel.html with only the
complaint in its context; this tag adds what the panel needs for the reader."""

from django import template

from complaints.views.escalation import escalation_panel_context

register = template.Library()


@register.inclusion_tag("complaints/escalation/panel_body.html", takes_context=True)
def escalation_panel(context, complaint):
    user = context["request"].user
    return {
        **escalation_panel_context(user=user, complaint=complaint),
        "user": user,
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
    }
