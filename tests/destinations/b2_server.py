"""A B2 native-API server on 127.0.0.1 over b2sdk's RawSimulator, with fault injection.

b2sdk's own HTTP stack (requests, retries, back-off, re-authorization) talks to this
server unchanged when keyvault is pointed at it with ``KEYVAULT_B2_REALM``. The server
translates each JSON call, upload and download into a call of Backblaze's in-memory
simulator (the one the B2 CLI's tests use), counts the calls by B2's billing class, and
can break any call on purpose:

========================  ==================================================================
``503``                   503 service_unavailable, request not executed
``429``                   429 too_many_requests with ``Retry-After: 1``, not executed
``timeout``               no answer until the client's read timeout passes, not executed
``drop``                  connection closed before the request is executed
``drop-after``            request executed, connection closed before the reply
``expired-token``         401 expired_auth_token (and the token really expires), not executed
``corrupt``               downloads only: one byte of the body flipped (headers intact)
``truncate``              downloads only: half the body, then the connection closes
========================  ==================================================================

:class:`KeyvaultSimulator` also fixes three simulator gaps that real B2 does not have:
part sizes (5 MB by default here instead of 200 bytes), restricted keys that cannot get
an upload URL, and HEAD answering for hidden or unfinished files.
"""

from __future__ import annotations

import base64
import io
import json
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote_plus, urlsplit

from b2sdk.v3 import (
    B2HttpApiConfig,
    FileRetentionSetting,
    LegalHold,
    RawSimulator,
    RetentionMode,
)
from b2sdk.v3.exception import (
    AccessDenied,
    B2Error,
    BadJson,
    BadRequest,
    BucketIdNotFound,
    ChecksumMismatch,
    DuplicateBucketName,
    FileNotPresent,
    FileSha1Mismatch,
    InvalidAuthToken,
    MissingPart,
    NonExistentBucket,
    PartSha1Mismatch,
    Unauthorized,
)

__all__ = [
    "CLASS_OF",
    "FAULT_KINDS",
    "B2TestServer",
    "Call",
    "Fault",
    "KeyvaultSimulator",
    "sim_api_config",
]

FAULT_KINDS = (
    "503",
    "429",
    "timeout",
    "drop",
    "drop-after",
    "expired-token",
    "corrupt",
    "truncate",
)
DOWNLOAD_ONLY_FAULTS = ("corrupt", "truncate")
#: Not part of the fault matrices: ``bad-reply`` executes an upload (or the finish of a
#: large file) but reports a different size in the reply, as a confused server would.
OTHER_FAULTS = ("bad-reply",)

#: B2's billing class of each call (Class A is free; B: downloads; C: lists and auth).
CLASS_OF: dict[str, str] = {
    **dict.fromkeys(
        (
            "b2_cancel_large_file",
            "b2_delete_bucket",
            "b2_delete_file_version",
            "b2_delete_key",
            "b2_finish_large_file",
            "b2_get_upload_part_url",
            "b2_get_upload_url",
            "b2_hide_file",
            "b2_start_large_file",
            "b2_update_file_legal_hold",
            "b2_update_file_retention",
            "b2_upload_file",
            "b2_upload_part",
        ),
        "A",
    ),
    **dict.fromkeys(
        (
            "b2_download_file_by_id",
            "b2_download_file_by_name",
            "b2_head_file_by_name",
            "b2_get_file_info",
        ),
        "B",
    ),
    **dict.fromkeys(
        (
            "b2_authorize_account",
            "b2_copy_file",
            "b2_copy_part",
            "b2_create_bucket",
            "b2_create_key",
            "b2_get_download_authorization",
            "b2_list_buckets",
            "b2_list_file_names",
            "b2_list_file_versions",
            "b2_list_keys",
            "b2_list_parts",
            "b2_list_unfinished_large_files",
            "b2_update_bucket",
        ),
        "C",
    ),
}


class KeyvaultSimulator(RawSimulator):  # type: ignore[misc]
    """RawSimulator with real B2's part size and without three of its gaps (see module doc)."""

    def __init__(self, part_size: int = 5_000_000) -> None:
        super().__init__()
        self.MIN_PART_SIZE = part_size
        self.lock = threading.RLock()

    def get_upload_url(self, api_url: str, account_auth_token: str, bucket_id: str) -> Any:
        # The stock simulator checks the key without the bucket id, so a key restricted to
        # a bucket can never upload (real B2 lets it).
        bucket = self._get_bucket_by_id(bucket_id)
        self._assert_account_auth(
            api_url, account_auth_token, bucket.account_id, "writeFiles", bucket_id=bucket_id
        )
        return bucket.get_upload_url(account_auth_token)

    def get_file_info_by_name(
        self, api_url: str, account_auth_token: str, bucket_name: str, file_name: str
    ) -> Any:
        # Real B2 answers HEAD with the latest *visible* version, like a download.
        bucket = self._get_bucket_by_name(bucket_name)
        with bucket.download_file_by_name(account_auth_token, file_name, url="") as response:
            return response.headers

    # --- helpers for tests ----------------------------------------------------------

    def unfinished_large_files(self) -> list[str]:
        """Names of all unfinished large files in every bucket."""
        return sorted(
            f.name
            for bucket in self.bucket_name_to_bucket.values()
            for f in bucket.file_id_to_file.values()
            if f.action == "start"
        )

    def stored(self, bucket_name: str, file_name: str) -> bytes | None:
        """The latest visible version's bytes, read straight from the simulator."""
        bucket = self.bucket_name_to_bucket[bucket_name]
        versions = sorted(
            (f for (name, _), f in bucket.file_name_and_id_to_file.items() if name == file_name),
            key=lambda f: int(f.file_id),
        )
        for file_sim in versions:
            if file_sim.action == "upload":
                return bytes(file_sim.data_bytes)
            if file_sim.action == "hide":
                return None
        return None

    def corrupt_at_rest(self, bucket_name: str, file_name: str, offset: int = 0) -> None:
        """Flip one bit of the latest version as bit rot would (hashes stay as recorded)."""
        bucket = self.bucket_name_to_bucket[bucket_name]
        file_sim = min(
            (f for (name, _), f in bucket.file_name_and_id_to_file.items() if name == file_name),
            key=lambda f: int(f.file_id),
        )
        data = bytearray(file_sim.data_bytes)
        data[offset % len(data)] ^= 0x01
        file_sim.data_bytes = bytes(data)

    def grow_at_rest(self, bucket_name: str, file_name: str, size: int) -> None:
        """Pad the latest version with zeros to ``size`` bytes, as a hostile bucket owner
        could (hashes and recorded length stay; a download's length is the new one)."""
        bucket = self.bucket_name_to_bucket[bucket_name]
        file_sim = min(
            (f for (name, _), f in bucket.file_name_and_id_to_file.items() if name == file_name),
            key=lambda f: int(f.file_id),
        )
        data = bytes(file_sim.data_bytes)
        file_sim.data_bytes = data + bytes(size - len(data))
        file_sim.content_length = size


def sim_api_config(sim: RawSimulator) -> Any:
    """A b2sdk API config whose raw API is ``sim`` (no HTTP at all)."""
    return B2HttpApiConfig(_raw_api_class=lambda *_args, **_kwargs: sim)


@dataclass
class Fault:
    """Break calls: the ``index``-th call overall, or the ``nth`` call of ``endpoint``."""

    kind: str
    index: int | None = None
    endpoint: str | None = None
    nth: int = 0
    #: How many consecutive matching calls are broken (a large number = "stays down").
    times: int = 1
    hits: int = 0

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS + OTHER_FAULTS:
            raise ValueError(f"unknown fault kind {self.kind!r}")


@dataclass(frozen=True)
class Call:
    """One request the server saw."""

    index: int
    endpoint: str
    cls: str
    fault: str | None


@dataclass
class _Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


#: The piece of a reply body sent (and counted) at a time.
_SEND_PIECE = 64 * 1024

_ERRORS: list[tuple[type[Exception], int, str]] = [
    (FileSha1Mismatch, 400, "bad_request"),
    (PartSha1Mismatch, 400, "part_sha1_mismatch"),
    (MissingPart, 400, "missing_part"),
    (ChecksumMismatch, 400, "bad_request"),
    (DuplicateBucketName, 400, "duplicate_bucket_name"),
    (NonExistentBucket, 400, "bad_bucket_id"),
    (BucketIdNotFound, 400, "bad_bucket_id"),
    (FileNotPresent, 400, "file_not_present"),
    (AccessDenied, 403, "access_denied"),
    (Unauthorized, 401, "unauthorized"),
    (BadJson, 400, "bad_json"),
    (BadRequest, 400, "bad_request"),
    (KeyError, 400, "bad_request"),
]


def _json_default(value: Any) -> Any:
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"cannot serialize {type(value).__name__}")


def _json_reply(status: int, data: Any, headers: dict[str, str] | None = None) -> _Reply:
    body = json.dumps(data, default=_json_default).encode()
    return _Reply(status, body, {"Content-Type": "application/json", **(headers or {})})


def _error(status: int, code: str, message: str = "") -> _Reply:
    return _json_reply(status, {"status": status, "code": code, "message": message or code})


def _retention(value: Any) -> Any:
    if not value or not value.get("mode"):
        return None
    return FileRetentionSetting(RetentionMode(value["mode"]), value.get("retainUntilTimestamp"))


class B2TestServer:
    """The HTTP front of one :class:`KeyvaultSimulator`; ``realm_url`` goes to b2sdk."""

    def __init__(self, sim: KeyvaultSimulator | None = None, *, stall: float = 1.0) -> None:
        """``stall``: how long a ``timeout`` fault keeps the client waiting (seconds)."""
        self.sim = sim or KeyvaultSimulator()
        self.stall = stall
        self.calls: list[Call] = []
        self.faults: list[Fault] = []
        #: Body bytes sent in answer to downloads since the last :meth:`reset_calls`.
        self.downloaded = 0
        self._lock = threading.Lock()
        self._uploads: dict[str, str] = {}
        self._counter = 0
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    # --- lifecycle ------------------------------------------------------------------

    @property
    def realm_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> B2TestServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> B2TestServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- test helpers ---------------------------------------------------------------

    def inject(self, kind: str, **where: Any) -> Fault:
        """Add a fault (see :class:`Fault` for ``index``/``endpoint``/``nth``/``times``)."""
        fault = Fault(kind, **where)
        self.faults.append(fault)
        return fault

    def counts(self) -> Counter[str]:
        """Calls per billing class (``A``, ``B``, ``C``)."""
        return Counter(call.cls for call in self.calls)

    def endpoints(self) -> list[str]:
        """The endpoints called so far, in order."""
        return [call.endpoint for call in self.calls]

    def reset_calls(self) -> None:
        with self._lock:
            self.calls.clear()
            self.downloaded = 0

    # --- request handling -----------------------------------------------------------

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                server._handle(self, "POST")

            def do_GET(self) -> None:
                server._handle(self, "GET")

            def do_HEAD(self) -> None:
                server._handle(self, "HEAD")

        return Handler

    def _endpoint(self, method: str, path: str) -> str:
        if path.startswith("/file/"):
            return "b2_head_file_by_name" if method == "HEAD" else "b2_download_file_by_name"
        if path.startswith("/upload_part/"):
            return "b2_upload_part"
        if path.startswith("/upload/"):
            return "b2_upload_file"
        match = re.fullmatch(r"/b2api/v\d+/(b2_\w+)", path)
        return match.group(1) if match else "unknown"

    def _fault_for(self, index: int, endpoint: str) -> str | None:
        nth_of_endpoint = sum(1 for call in self.calls if call.endpoint == endpoint)
        for fault in self.faults:
            if fault.hits >= fault.times:
                continue
            if fault.kind in DOWNLOAD_ONLY_FAULTS and "download" not in endpoint:
                continue
            if fault.index is not None:
                hit = index >= fault.index and (fault.hits > 0 or index == fault.index)
            else:
                hit = endpoint == fault.endpoint and nth_of_endpoint >= fault.nth
            if hit:
                fault.hits += 1
                return fault.kind
        return None

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        url = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        endpoint = self._endpoint(method, url.path)
        with self._lock:
            index = len(self.calls)
            fault = self._fault_for(index, endpoint)
            self.calls.append(Call(index, endpoint, CLASS_OF.get(endpoint, "?"), fault))
        if fault == "drop":
            self._drop(handler)
            return
        if fault == "timeout":
            time.sleep(self.stall)
            self._drop(handler)
            return
        if fault == "503":
            self._send(handler, _error(503, "service_unavailable", "injected"), method)
            return
        if fault == "429":
            reply = _error(429, "too_many_requests", "injected")
            reply.headers["Retry-After"] = "1"
            self._send(handler, reply, method)
            return
        if fault == "expired-token":
            self._expire(handler.headers.get("Authorization", ""))
            self._send(handler, _error(401, "expired_auth_token", "injected"), method)
            return
        try:
            with self.sim.lock:
                reply = self._dispatch(method, url.path, url.query, handler.headers, body)
        except Exception as exc:
            reply = self._error_reply(exc, download="/file/" in url.path)
        if fault == "drop-after":
            self._drop(handler)
            return
        if fault == "corrupt" and reply.status in (200, 206) and reply.body:
            # Each corrupted transfer differs (as noise in transit would): the byte flipped
            # moves with the call's index.
            flipped = bytearray(reply.body)
            flipped[(len(flipped) // 2 + index) % len(flipped)] ^= 0x01
            reply.body = bytes(flipped)
        if fault == "bad-reply" and reply.status == 200:
            document = json.loads(reply.body)
            document["contentLength"] = int(document.get("contentLength", 0)) + 1
            reply.body = json.dumps(document).encode()
            reply.headers.pop("Content-Length", None)
        cut = None
        if fault == "truncate" and reply.status in (200, 206) and len(reply.body) > 1:
            cut = len(reply.body) // 2
        counted = method == "GET" and endpoint.startswith("b2_download")
        self._send(
            handler, reply, method, cut=cut, counter=self._count_download if counted else None
        )

    def _count_download(self, size: int) -> None:
        with self._lock:
            self.downloaded += size

    @staticmethod
    def _drop(handler: BaseHTTPRequestHandler) -> None:
        handler.close_connection = True
        try:
            handler.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    @staticmethod
    def _send(
        handler: BaseHTTPRequestHandler,
        reply: _Reply,
        method: str,
        cut: int | None = None,
        counter: Callable[[int], None] | None = None,
    ) -> None:
        """Send ``reply`` (its body cut after ``cut`` bytes); ``counter`` is told the size
        of each piece of the body just before it goes out, so a client that stops reading
        (and closes) is charged for what it was sent, not for the whole body: at most one
        piece more than the socket took."""
        try:
            handler.send_response(reply.status)
            headers = dict(reply.headers)
            headers.setdefault("Content-Length", str(len(reply.body)))
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.end_headers()
            if method != "HEAD":
                body = memoryview(reply.body if cut is None else reply.body[:cut])
                for start in range(0, len(body), _SEND_PIECE):
                    piece = body[start : start + _SEND_PIECE]
                    if counter is not None:
                        counter(len(piece))
                    handler.wfile.write(piece)
            if cut is not None:
                handler.wfile.flush()
                B2TestServer._drop(handler)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _expire(self, authorization: str) -> None:
        with self.sim.lock:
            for token in (authorization, authorization.rsplit("/", 1)[-1]):
                if token in self.sim.auth_token_to_key:
                    self.sim.expire_auth_token(token)

    def _error_reply(self, exc: Exception, *, download: bool) -> _Reply:
        if isinstance(exc, InvalidAuthToken):
            code = "expired_auth_token" if "expired" in str(exc.code or "") else "bad_auth_token"
            return _error(401, code, str(exc))
        if isinstance(exc, AssertionError):  # the simulator's unknown-token check
            return _error(401, "bad_auth_token", "unknown token")
        if download and isinstance(exc, FileNotPresent | NonExistentBucket | KeyError):
            return _error(404, "not_found", "not found")
        for cls, status, code in _ERRORS:
            if isinstance(exc, cls):
                return _error(status, code, str(exc))
        if isinstance(exc, B2Error):
            return _error(400, "bad_request", str(exc))
        return _error(500, "internal_error", f"{type(exc).__name__}: {exc}")

    # --- the API ----------------------------------------------------------------------

    def _dispatch(self, method: str, path: str, query: str, headers: Any, body: bytes) -> _Reply:
        sim = self.sim
        api = sim.API_URL
        auth = headers.get("Authorization", "")
        if path.startswith("/file/"):
            return self._download(method, path, auth, headers.get("Range"))
        if path.startswith("/upload"):
            return self._upload(path, auth, headers, body)
        endpoint = self._endpoint(method, path)
        if endpoint == "b2_download_file_by_id":
            file_id = parse_qs(query)["fileId"][0]
            return self._download(
                method,
                f"/b2api/v4/b2_download_file_by_id?fileId={file_id}",
                auth,
                headers.get("Range"),
            )
        if endpoint == "b2_authorize_account":
            key_id, _, key = base64.b64decode(auth.split(" ", 1)[1]).decode().partition(":")
            reply = sim.authorize_account(self.realm_url, key_id, key)
            storage = reply["apiInfo"]["storageApi"]
            storage["apiUrl"] = self.realm_url
            storage["downloadUrl"] = self.realm_url
            return _json_reply(200, reply)
        params = json.loads(body or b"{}")
        handlers: dict[str, Callable[[], Any]] = {
            "b2_list_buckets": lambda: sim.list_buckets(
                api, auth, params["accountId"], params.get("bucketId"), params.get("bucketName")
            ),
            "b2_get_upload_url": lambda: self._rewrite_upload(
                sim.get_upload_url(api, auth, params["bucketId"]), "upload"
            ),
            "b2_get_upload_part_url": lambda: self._rewrite_upload(
                sim.get_upload_part_url(api, auth, params["fileId"]), "upload_part"
            ),
            "b2_start_large_file": lambda: sim.start_large_file(
                api,
                auth,
                params["bucketId"],
                params["fileName"],
                params["contentType"],
                params.get("fileInfo") or {},
                None,
                _retention(params.get("fileRetention")),
                LegalHold(params["legalHold"]) if params.get("legalHold") else None,
            ),
            "b2_finish_large_file": lambda: sim.finish_large_file(
                api, auth, params["fileId"], params["partSha1Array"]
            ),
            "b2_cancel_large_file": lambda: sim.cancel_large_file(api, auth, params["fileId"]),
            "b2_list_file_names": lambda: sim.list_file_names(
                api,
                auth,
                params["bucketId"],
                params.get("startFileName"),
                params.get("maxFileCount"),
                params.get("prefix"),
            ),
            "b2_list_file_versions": lambda: sim.list_file_versions(
                api,
                auth,
                params["bucketId"],
                params.get("startFileName"),
                params.get("startFileId"),
                params.get("maxFileCount"),
                params.get("prefix"),
            ),
            "b2_list_unfinished_large_files": lambda: sim.list_unfinished_large_files(
                api,
                auth,
                params["bucketId"],
                params.get("startFileId"),
                params.get("maxFileCount"),
                params.get("namePrefix"),
            ),
            "b2_delete_file_version": lambda: sim.delete_file_version(
                api,
                auth,
                params["fileId"],
                params["fileName"],
                bool(params.get("bypassGovernance")),
            ),
            "b2_hide_file": lambda: sim.hide_file(
                api, auth, params["bucketId"], params["fileName"]
            ),
            "b2_get_file_info": lambda: sim.get_file_info_by_id(api, auth, params["fileId"]),
            "b2_update_file_retention": lambda: sim.update_file_retention(
                api,
                auth,
                params["fileId"],
                params["fileName"],
                _retention(params["fileRetention"]),
                bool(params.get("bypassGovernance")),
            ),
            "b2_create_key": lambda: sim.create_key(
                api,
                auth,
                params["accountId"],
                params["capabilities"],
                params["keyName"],
                params.get("validDurationInSeconds"),
                params.get("bucketIds"),
                params.get("namePrefix"),
            ),
            "b2_list_parts": lambda: sim.list_parts(
                api,
                auth,
                params["fileId"],
                params.get("startPartNumber"),
                params.get("maxPartCount"),
            ),
        }
        if endpoint not in handlers:
            return _error(400, "bad_request", f"{endpoint} is not served by the test server")
        return _json_reply(200, handlers[endpoint]())

    def _rewrite_upload(self, reply: dict[str, Any], kind: str) -> dict[str, Any]:
        with self._lock:
            self._counter += 1
            token = f"{kind}-token-{self._counter}"
            self._uploads[token] = reply["uploadUrl"]
            reply = dict(reply)
            reply["uploadUrl"] = f"{self.realm_url}/{kind}/{self._counter}"
            reply["authorizationToken"] = token
        return reply

    def _upload(self, path: str, auth: str, headers: Any, body: bytes) -> _Reply:
        sim_url = self._uploads.get(auth)
        kind, _, number = path.strip("/").partition("/")
        if sim_url is None or not auth.endswith(f"-token-{number}") or not auth.startswith(kind):
            return _error(401, "bad_auth_token", "unknown upload token")
        account_token = sim_url.rsplit("/", 1)[-1]
        if account_token in self.sim.expired_auth_tokens:
            return _error(401, "expired_auth_token", "upload token expired")
        stream = _Body(body)
        if kind == "upload_part":
            reply = self.sim.upload_part(
                sim_url,
                sim_url,
                int(headers["X-Bz-Part-Number"]),
                len(body),
                headers["X-Bz-Content-Sha1"],
                stream,
            )
            return _json_reply(200, reply)
        info = {
            name[len("X-Bz-Info-") :]: unquote_plus(value)
            for name, value in headers.items()
            if name.lower().startswith("x-bz-info-")
        }
        retention = None
        if headers.get("X-Bz-File-Retention-Mode"):
            retention = FileRetentionSetting(
                RetentionMode(headers["X-Bz-File-Retention-Mode"]),
                int(headers["X-Bz-File-Retention-Retain-Until-Timestamp"]),
            )
        hold = headers.get("X-Bz-File-Legal-Hold")
        reply = self.sim.upload_file(
            sim_url,
            sim_url,
            unquote_plus(headers["X-Bz-File-Name"]),
            len(body),
            headers.get("Content-Type", "b2/x-auto"),
            headers["X-Bz-Content-Sha1"],
            info,
            stream,
            None,
            retention,
            LegalHold(hold) if hold else None,
        )
        return _json_reply(200, reply)

    def _download(self, method: str, path: str, auth: str, range_header: str | None) -> _Reply:
        sim = self.sim
        if auth not in sim.auth_token_to_key:
            return _error(401, "bad_auth_token", "unknown token")
        if auth in sim.expired_auth_tokens:
            return _error(401, "expired_auth_token", "token expired")
        range_ = None
        if range_header:
            start, _, end = range_header.removeprefix("bytes=").partition("-")
            range_ = (int(start), int(end))
        context = sim.download_file_from_url(auth, sim.DOWNLOAD_URL + path, range_)
        response = context.response
        data = bytes(response.data_bytes)
        headers = {str(k): str(v) for k, v in response.headers.items()}
        headers["Content-Length"] = str(len(data))
        headers.pop("content-length", None)
        return _Reply(206 if range_ else 200, data, headers)


class _Body:
    """The request body as the simulator wants it: a seekable stream."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._position = 0

    def seek(self, position: int) -> None:
        self._position = position

    def read(self, size: int = -1) -> bytes:
        end = len(self._data) if size < 0 else self._position + size
        chunk = self._data[self._position : end]
        self._position += len(chunk)
        return chunk


def iter_positions(calls: list[Call], kind: str) -> Iterator[int]:
    """The call indexes where a fault of ``kind`` makes sense."""
    for call in calls:
        if kind in DOWNLOAD_ONLY_FAULTS and "download" not in call.endpoint:
            continue
        if kind == "expired-token" and call.endpoint == "b2_authorize_account":
            continue
        yield call.index


# --- test set-up helpers ------------------------------------------------------------------

#: Retry and timeout settings that keep fault tests fast (b2sdk's defaults wait minutes).
FAST = {
    "connect_timeout": 2.0,
    "read_timeout": 0.5,
}


class CountingSource(io.BytesIO):
    """A put's seekable source (as the engine's spool file is) that counts the bytes read."""

    read_bytes = 0

    def read(self, size: int | None = -1, /) -> bytes:
        chunk = super().read(size)
        self.read_bytes += len(chunk)
        return chunk

    def readinto(self, buffer: Any, /) -> int:
        count = super().readinto(buffer)
        self.read_bytes += count
        return count


def cli_env(server: B2TestServer, timeout: float = 5) -> dict[str, str]:
    """What a ``keyvault`` subprocess needs to talk to ``server``: its realm, a short
    timeout (seconds), and no OS keyring."""
    return {
        "KEYVAULT_B2_REALM": server.realm_url,
        "KEYVAULT_B2_TIMEOUT": str(timeout),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }


def create_account(
    sim: RawSimulator, bucket: str = "kv-bucket", *, file_lock: bool = False
) -> tuple[str, str]:
    """A new account with one private bucket; returns its master (key ID, key)."""
    key_id, key = sim.create_account()
    token = sim.authorize_account(sim.API_URL, key_id, key)["authorizationToken"]
    sim.create_bucket(
        sim.API_URL, token, key_id, bucket, "allPrivate", is_file_lock_enabled=file_lock
    )
    return key_id, key


def create_key(
    sim: RawSimulator,
    master: tuple[str, str],
    capabilities: list[str],
    *,
    bucket: str | None = None,
    name_prefix: str | None = None,
) -> tuple[str, str]:
    """An application key with ``capabilities``, optionally restricted; returns (ID, key)."""
    token = sim.authorize_account(sim.API_URL, *master)["authorizationToken"]
    bucket_ids = None if bucket is None else [sim.bucket_name_to_bucket[bucket].bucket_id]
    created = sim.create_key(
        sim.API_URL, token, master[0], capabilities, "kv-key", None, bucket_ids, name_prefix
    )
    return created["applicationKeyId"], created["applicationKey"]
