from django.utils.deprecation import MiddlewareMixin


class DefaultLanguageMiddleware(MiddlewareMixin):
    """The UI is Chinese unless the user switched language (the choice lives in the
    language cookie): a browser installed in English must not switch an outlet's
    screens. API clients keep Accept-Language for their error messages."""

    def process_request(self, request):
        if not request.path.startswith("/api/"):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
