"""The one pagination of the API: `?page=` and `?page_size=` (at most 100)."""
from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
