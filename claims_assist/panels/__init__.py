"""The case page is made of panels, one per part of the app, in this order. Each part
owns its module here (`panel(*, case, user) -> dict`, the panel's context) and its
template `claims_assist/cases/_panel_<name>.html`."""

from claims_assist.panels import check, documents, intake, survey, timeline

PANELS = [
    ("intake", intake.panel),
    ("check", check.panel),
    ("survey", survey.panel),
    ("documents", documents.panel),
    ("timeline", timeline.panel),
]


def case_panels(*, case, user) -> list[dict]:
    """Each panel's template and context, in page order."""
    return [
        {
            "name": name,
            "template": f"claims_assist/cases/_panel_{name}.html",
            **panel(case=case, user=user),
        }
        for name, panel in PANELS
    ]
