from django import template

from outlets.services.compliance import may_see_scores as _may_see_scores

register = template.Library()


@register.filter
def may_see_scores(user) -> bool:
    """OUT-16: whether to offer the compliance score pages to `user`."""
    return _may_see_scores(user)
