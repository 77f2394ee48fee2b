"""b2sdk's HTTP layer, tuned: timeouts from :class:`~.config.B2Settings`, one try per request.

Imports b2sdk: imported only when a B2 destination opens (``keyvault --help`` must not
load b2sdk).
"""

from __future__ import annotations

from typing import Any

from b2sdk.v3 import B2Http, B2HttpApiConfig, B2RawHTTPApi

from .config import B2Settings

__all__ = ["TunedB2Http", "api_config"]


class TunedB2Http(B2Http):  # type: ignore[misc]
    """A b2sdk ``B2Http`` with keyvault's timeouts that sends every request once.

    b2sdk would repeat a failed request up to 5 times (20 for data) with its own
    back-off; here each request is tried once, and the failure goes up to the engine's
    retry wrapper, the one retry loop with one attempt budget. (b2sdk's session still
    re-authorizes once when a token expired: that is a renewal, not a retry.)
    """

    def __init__(self, settings: B2Settings) -> None:
        super().__init__(B2HttpApiConfig())
        self.CONNECTION_TIMEOUT = settings.connect_timeout
        self.TIMEOUT = settings.read_timeout
        self.TIMEOUT_FOR_UPLOAD = settings.read_timeout
        self.TIMEOUT_FOR_COPY = settings.read_timeout

    def request(self, method: Any, url: str, headers: Any, *args: Any, **kwargs: Any) -> Any:
        # Every b2sdk request (JSON calls, uploads, downloads, HEAD) passes through here.
        if len(args) >= 2:
            args = (args[0], 1, *args[2:])  # (data, try_count, params, ...)
        else:
            kwargs["try_count"] = 1
        return super().request(method, url, headers, *args, **kwargs)


def api_config(settings: B2Settings) -> Any:
    """A b2sdk API config whose raw API talks through a :class:`TunedB2Http`."""
    # ``_raw_api_class`` is B2HttpApiConfig's documented hook for the raw API; b2sdk has no
    # public way to set its request tries (bound as default arguments of B2Http's methods)
    # or to hand it an HTTP layer, so the raw API is built here around ours.
    http = TunedB2Http(settings)
    return B2HttpApiConfig(_raw_api_class=lambda _default_http: B2RawHTTPApi(http))
