"""Pagination of lists that may hold hundreds of thousands of rows."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

# Beyond this many matching rows a list says "more than": narrow the filters instead.
COUNT_LIMIT = 10_000


class BoundedPaginator(Paginator):
    """A paginator that counts at most COUNT_LIMIT + 1 rows, unordered, so that a long
    list is not counted and sorted in full on every page (`count_bounded` tells)."""

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by()[: COUNT_LIMIT + 1].count()

    @property
    def count_bounded(self) -> bool:
        return self.count > COUNT_LIMIT
