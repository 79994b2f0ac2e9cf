"""Root URLs: the API under /api/, its documentation, the admin."""
from django.contrib import admin
from django.urls import include, path, re_path
from drf_yasg import openapi
from drf_yasg.views import get_schema_view
from rest_framework.permissions import AllowAny

from core.views import HealthView, JSONErrorsMixin, UnknownApiPathView

SchemaView = get_schema_view(
    openapi.Info(
        title="Movie Booking API",
        default_version="v1",
        description=(
            "Browse movies, screens and shows, see a show's seat map, book seats all-or-nothing, "
            "list and cancel your bookings.\n\n"
            "Log in with `POST /api/auth/login/`, then press **Authorize** and enter `Bearer <access>`."
        ),
    ),
    public=True,
    permission_classes=[AllowAny],
    # The schema is public: a stale token sent along with it must not turn it into a 401.
    authentication_classes=[],
)



class DocsView(JSONErrorsMixin, SchemaView):
    """The documentation pages; like the API, they answer errors in JSON (not with their HTML renderer)."""


api_patterns = [
    path("", include("users.urls")),
    path("", include("movies.urls")),
    path("", include("bookings.urls")),
    path("health/", HealthView.as_view(), name="health"),
]

urlpatterns = [
    path("api/", include(api_patterns)),
    re_path(r"^api/", UnknownApiPathView.as_view()),
    re_path(r"^swagger\.(?P<format>json|yaml)$", DocsView.without_ui(cache_timeout=0), name="schema-json"),
    path("swagger/", DocsView.with_ui("swagger", cache_timeout=0), name="swagger-ui"),
    path("redoc/", DocsView.with_ui("redoc", cache_timeout=0), name="redoc"),
    path("admin/", admin.site.urls),
]

handler400 = "core.views.json_bad_request"
handler403 = "core.views.json_permission_denied"
handler404 = "core.views.json_not_found"
handler500 = "core.views.json_server_error"

admin.site.site_header = "Movie Booking administration"
admin.site.site_title = "Movie Booking admin"
