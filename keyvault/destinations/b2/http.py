"""b2sdk's HTTP layer, tuned: timeouts, tries and back-off from :class:`~.config.B2Settings`.

Also the adapter that turns b2sdk's download progress into keyvault's progress calls.

Imports b2sdk: imported only when a B2 destination opens (``keyvault --help`` must not
load b2sdk).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any

from b2sdk.v3 import AbstractProgressListener, B2Http, B2HttpApiConfig, B2RawHTTPApi
from b2sdk.v3.exception import B2Error

from .config import B2Settings
from .progress import Progress

__all__ = ["DownloadListener", "TunedB2Http", "api_config"]

logger = logging.getLogger(__name__)


class TunedB2Http(B2Http):  # type: ignore[misc]
    """A b2sdk ``B2Http`` whose timeouts, tries and back-off come from ``settings``.

    ``retries`` counts the HTTP requests it repeated (the large-file code needs to know
    whether a start call may have been sent twice).
    """

    # b2sdk bakes its try counts into default arguments and its back-off into a
    # classmethod; both are overridden here (internal API, pinned by pyproject).
    def __init__(self, settings: B2Settings) -> None:
        super().__init__(B2HttpApiConfig())
        self._settings = settings
        self.CONNECTION_TIMEOUT = settings.connect_timeout
        self.TIMEOUT = settings.read_timeout
        self.TIMEOUT_FOR_UPLOAD = settings.read_timeout
        self.TIMEOUT_FOR_COPY = settings.read_timeout
        self.retries = 0

    def post_json_return_json(
        self, url: str, headers: Any, params: Any, try_count: int | None = None
    ) -> Any:
        return super().post_json_return_json(
            url, headers, params, try_count or self._settings.http_tries
        )

    def get_content(self, url: str, headers: Any, try_count: int | None = None) -> Any:
        return super().get_content(url, headers, try_count or self._settings.http_tries)

    def head_content(self, url: str, headers: Any, try_count: int | None = None) -> Any:
        return super().head_content(url, headers, try_count or self._settings.http_tries)

    def _translate_and_retry(
        self, fcn: Callable[[], Any], try_count: int, post_params: Any = None
    ) -> Any:
        settings = self._settings
        for attempt in range(1, try_count + 1):
            try:
                return self._translate_errors(fcn, post_params)
            except B2Error as exc:
                if attempt == try_count or not exc.should_retry_http():
                    raise
                wait = settings.backoff(attempt)
                if exc.retry_after_seconds is not None:
                    with contextlib.suppress(TypeError, ValueError):
                        wait = min(float(exc.retry_after_seconds), settings.backoff_max)
                logger.debug("B2 request failed (%s); retrying in %.2fs", exc, wait)
                self.retries += 1
                settings.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover


def api_config(settings: B2Settings) -> tuple[Any, TunedB2Http]:
    """A b2sdk API config over a tuned ``B2Http``, and that ``B2Http`` (it counts retries)."""
    http = TunedB2Http(settings)
    return B2HttpApiConfig(_raw_api_class=lambda _default_http: B2RawHTTPApi(http)), http


class DownloadListener(AbstractProgressListener):  # type: ignore[misc]
    """b2sdk's download progress, reported through a :class:`~.progress.Progress`."""

    def __init__(self, progress: Progress) -> None:
        super().__init__()
        self._progress = progress

    def set_total_bytes(self, total_byte_count: int) -> None:
        pass

    def bytes_completed(self, byte_count: int) -> None:
        self._progress.report(byte_count)
