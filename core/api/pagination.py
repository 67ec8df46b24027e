"""API pagination: page numbers, `page_size` up to 500."""

from rest_framework.pagination import PageNumberPagination

from core.pagination import BoundedPaginator


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


class BoundedPagination(Pagination):
    """For lists that grow to hundreds of thousands of rows (claim cases): `count` is
    exact up to core.pagination.COUNT_LIMIT and COUNT_LIMIT + 1 above it."""

    django_paginator_class = BoundedPaginator
