"""The content negotiation's shortcut chooses what DRF's own negotiation chooses, or leaves the choice to it."""
import itertools

import pytest
from django.http import Http404
from django.test import RequestFactory
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework import exceptions
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BrowsableAPIRenderer
from rest_framework.request import Request

from core.negotiation import ContentNegotiation
from core.renderers import CSVRenderer, JSONRenderer

ACCEPTS = [None, "*/*", "application/json", "text/csv", "application/*", "text/html", "", " */*", "*/*;q=0.5",
           "application/json; indent=4", "application/json, text/csv", "image/png", "APPLICATION/JSON"]
QUERIES = ["", "format=csv", "format=json", "format=xml", "page=2", "format="]
VIEWS_RENDERERS = [[JSONRenderer()], [JSONRenderer(), CSVRenderer()], [CSVRenderer(), JSONRenderer()],
                   [JSONRenderer(), BrowsableAPIRenderer()], []]


def choice(negotiation, accept, query, renderers, suffix):
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    request = Request(RequestFactory().get(f"/api/shows/{'?' + query if query else ''}", **headers))
    try:
        renderer, media_type = negotiation.select_renderer(request, renderers, suffix)
    except exceptions.NotAcceptable:
        return "406"
    except Http404:  # a format that no renderer has
        return "404"
    return type(renderer), media_type


@pytest.mark.parametrize("renderers", VIEWS_RENDERERS, ids=lambda renderers: "+".join(
    type(each).__name__ for each in renderers) or "none")
def test_the_same_choice_as_drf(renderers):
    differing = [(accept, query, suffix) for accept, query, suffix in itertools.product(ACCEPTS, QUERIES, [None, "csv"])
                 if choice(ContentNegotiation(), accept, query, renderers, suffix)
                 != choice(DefaultContentNegotiation(), accept, query, renderers, suffix)]
    assert differing == []


@settings(max_examples=300, deadline=None)
@given(accept=st.one_of(st.none(), st.text(alphabet="*/;=,. qjsonapplicatextcv0.51", max_size=40)),
       renderers=st.sampled_from(VIEWS_RENDERERS))
def test_the_same_choice_as_drf_whatever_the_accept_header(accept, renderers):
    assert choice(ContentNegotiation(), accept, "", renderers, None) == choice(
        DefaultContentNegotiation(), accept, "", renderers, None)
