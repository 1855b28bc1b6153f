"""A hermetic fake of the Hugging Face Hub's file-resolve protocol, for tests.

The real ``huggingface_hub.hf_hub_download`` (checked against huggingface_hub 2.4.0) works against
:class:`FakeHub` when ``HF_ENDPOINT`` points at ``FakeHub.url``. Stdlib only; binds 127.0.0.1.

Served routes (every other path gets a plain 404):

* ``HEAD|GET /{repo_id}/resolve/{revision}/{filename}``: revision is a branch/tag name or a 40-hex
  commit sha, URL-quoted (``refs%2Fpr%2F1``). 200 carries ``X-Repo-Commit`` (resolved sha),
  ``ETag`` (quoted git blob sha1, which becomes the blob name in the cache) and ``Content-Length``.
  Files are never LFS, so there is no redirect / ``Location`` / ``X-Linked-*``.
* ``GET /api/models/{repo_id}[/revision/{revision}]``: a minimal ``model_info`` JSON.
* Streaming faults per file name (:meth:`FakeHub.stream`), for the download deadline and size
  limit: ``stall`` seconds before a GET answers (HEAD still answers at once), a ``rate`` in bytes
  per second (a trickle), a ``size`` of generated body (a huge "config.json") advertised in
  ``Content-Length`` or not (then the body ends when the connection closes), or a body shorter
  than its advertised length (``short``).
* ``GET /api/agent-harnesses``: an empty registry. huggingface_hub fetches it once per process to
  build its User-Agent unless ``HF_HUB_DISABLE_TELEMETRY=1``. It is exempt from ``fail_with`` and
  ``delay``.

Errors, with the ``X-Error-Code`` header that ``hf_raise_for_status`` maps to an exception (the
mapping is by header, not by status: over plain http a 401/404 *without* the header is only an
``HfHubHTTPError``):

* unknown repo -> 404 ``RepoNotFound``; unknown revision -> 404 ``RevisionNotFound``;
  missing file -> 404 ``EntryNotFound`` plus ``X-Repo-Commit``, so the client caches ``.no_exist``;
* gated repo -> 401 ``GatedRepo`` with no token, 403 ``GatedRepo`` with a token that is not in
  ``FakeRepo.authorized_tokens``. ``model_info`` on a gated repo still answers, as the Hub does.

Environment variables (huggingface_hub 2.4.0)
---------------------------------------------
Read ONCE, when ``huggingface_hub.constants`` is first imported. That is lazy: ``import
huggingface_hub`` alone does not do it; the first ``from huggingface_hub import hf_hub_download``
(or ``import transformers``) does. Changing ``os.environ`` afterwards has no effect:

* ``HF_ENDPOINT`` -> ``constants.ENDPOINT`` and the derived ``HUGGINGFACE_CO_URL_TEMPLATE`` (the
  resolve URL), ``HF_URL_HOSTS``, ``utils._http._HUB_ORIGINS`` (hosts trusted with the token on
  redirects), and the endpoint of the module-level ``HfApi`` behind ``huggingface_hub.model_info``.
* ``HF_HOME`` / ``HF_HUB_CACHE`` / ``HUGGINGFACE_HUB_CACHE`` / ``XDG_CACHE_HOME`` ->
  ``HF_HUB_CACHE`` and ``HF_TOKEN_PATH`` (``$HF_HOME/token``). An inherited ``HF_HUB_CACHE`` wins
  over ``HF_HOME``.
* ``HF_HUB_OFFLINE`` / ``TRANSFORMERS_OFFLINE`` -> ``constants.HF_HUB_OFFLINE``.
* ``HF_HUB_ETAG_TIMEOUT`` / ``HF_HUB_DOWNLOAD_TIMEOUT``: ints only (``"0.5"`` makes the import raise
  ``ValueError``; ``"0"`` means the default, 10 s). A non-default ``HF_HUB_ETAG_TIMEOUT`` overrides
  the ``etag_timeout=`` argument of ``hf_hub_download``.
* ``HF_HUB_DISABLE_TELEMETRY`` / ``DO_NOT_TRACK``, ``HF_HUB_DISABLE_PROGRESS_BARS``,
  ``HF_HUB_DISABLE_IMPLICIT_TOKEN``, ``HF_HUB_DISABLE_XET``, ``HF_DEBUG``,
  ``HUGGINGFACE_CO_STAGING``.

Read on EVERY call: ``HF_TOKEN`` / ``HUGGING_FACE_HUB_TOKEN`` (and the token file, at the path fixed
at import). ``HTTP(S)_PROXY`` / ``NO_PROXY`` are read once, when the shared httpx2 client is created
on the first request.

After import you can still change the module attributes, because they are read as
``constants.X`` at call time: ``HF_HUB_OFFLINE``, ``HF_HUB_ETAG_TIMEOUT``,
``HF_HUB_DOWNLOAD_TIMEOUT``, ``HF_HUB_CACHE`` (used when ``cache_dir`` is None). The endpoint is
different: pass ``endpoint=`` (``hf_hub_download``, ``HfApi(endpoint=...)``) or patch both
``constants.ENDPOINT`` and ``constants.HUGGINGFACE_CO_URL_TEMPLATE``. The simplest approach is to
run the client in a subprocess with :meth:`FakeHub.env`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import unquote, urlsplit

__all__ = ["FakeHub", "FakeRepo", "RecordedRequest", "fake_commit_sha", "git_blob_sha"]

_Response = tuple[int, dict[str, str], bytes]

_SHA = re.compile(r"[0-9a-f]{40}")
_REPO = r"(?P<repo>[^/]+(?:/[^/]+)?)"  # "name" or "org/name", still URL-quoted
_RESOLVE = re.compile(rf"^/{_REPO}/resolve/(?P<rev>[^/]+)/(?P<file>.+)$")
_MODEL_INFO = re.compile(rf"^/api/models/{_REPO}(?:/revision/(?P<rev>[^/]+))?$")

# Inherited variables that would leak the developer's Hub setup (cache, token, offline mode,
# proxies) into a test subprocess.
_SCRUB_PREFIXES = ("HF_", "HUGGINGFACE_", "HUGGING_FACE_")
_SCRUB_NAMES = {"TRANSFORMERS_OFFLINE", "DO_NOT_TRACK", "DISABLE_TELEMETRY"}
_SCRUB_PROXIES = {"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"}


def git_blob_sha(data: bytes) -> str:
    """The git blob sha1 of `data`: what the Hub sends as ETag for non-LFS files."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def fake_commit_sha(files: dict[str, bytes]) -> str:
    """A deterministic 40-hex "commit sha" derived from the file contents."""
    digest = hashlib.sha1()
    for name in sorted(files):
        digest.update(f"{name}\0{git_blob_sha(files[name])}\n".encode())
    return digest.hexdigest()


def _digest(authorization: str) -> str:
    return hashlib.sha256(authorization.encode()).hexdigest()


@dataclass
class FakeRepo:
    """A model repo: commit sha (40 lowercase hex) -> {filename: content}, plus named refs."""

    files_by_revision: dict[str, dict[str, bytes]]
    branches: dict[str, str] = field(default_factory=dict)  # branch or tag name -> commit sha
    gated: bool = False
    authorized_tokens: frozenset[str] = frozenset()  # tokens that pass the gate

    def __post_init__(self) -> None:
        for sha in self.files_by_revision:
            if not _SHA.fullmatch(sha):
                raise ValueError(f"not a 40-hex lowercase commit sha: {sha!r}")
        for name, sha in self.branches.items():
            if sha not in self.files_by_revision:
                raise ValueError(f"branch {name!r} points at unknown commit {sha}")

    @classmethod
    def single(
        cls, files: dict[str, bytes], *, branch: str = "main", gated: bool = False
    ) -> FakeRepo:
        """One commit (sha from `fake_commit_sha`) that `branch` points at."""
        sha = fake_commit_sha(files)
        return cls({sha: files}, {branch: sha}, gated=gated)

    def resolve(self, revision: str) -> str | None:
        """Branch/tag name or full commit sha -> commit sha, or None if unknown."""
        if revision in self.branches:
            return self.branches[revision]
        return revision if revision in self.files_by_revision else None


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake saw it. The Authorization value is never stored, only a digest."""

    method: str
    path: str  # raw request target, still URL-quoted, including any query string
    headers: dict[str, str]  # lower-cased names; an Authorization value reads "<redacted>"
    auth_digest: str | None = field(default=None, repr=False)  # sha256 of the Authorization value


@dataclass
class _Fault:
    value: float
    remaining: int | None  # None: forever


@dataclass(frozen=True)
class _Stream:
    stall: float = 0.0  # seconds before a GET answers
    rate: float | None = None  # bytes per second; None: as fast as possible
    size: int | None = None  # generated body of this many bytes instead of the file
    advertise: bool = True  # send Content-Length
    short: int | None = None  # send only this many bytes of the body, then close


class FakeHub:
    """A local Hub on http://127.0.0.1:PORT. Use it as a context manager to serve and stop it.

    Thread-safe: handlers run on daemon threads (ThreadingHTTPServer), the log and faults are
    lock-protected, and ``close()`` cuts short any ``delay`` still sleeping.
    """

    def __init__(self) -> None:
        self.repos: dict[str, FakeRepo] = {}
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._faults: dict[str, _Fault] = {}  # "delay" / "fail" -> what to inject
        self._streams: dict[str, _Stream] = {}  # file name -> streaming fault
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fake-hub",
            daemon=True,
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FakeHub:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._closing.set()  # wakes up delayed handlers
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()

    # -- configuration ----------------------------------------------------------------------------

    def add_repo(self, repo_id: str, repo: FakeRepo) -> FakeRepo:
        self.repos[repo_id] = repo
        return repo

    def fail_with(self, status: int | None, *, times: int | None = None) -> None:
        """Answer the next `times` requests (all of them if None) with `status`. None clears it."""
        self._set_fault("fail", status, times)

    def delay(self, seconds: float | None, *, times: int | None = None) -> None:
        """Sleep `seconds` before answering the next `times` requests (all if None); None clears."""
        self._set_fault("delay", seconds, times)

    def stream(
        self,
        filename: str,
        *,
        stall: float = 0.0,
        rate: float | None = None,
        size: int | None = None,
        advertise: bool = True,
        short: int | None = None,
    ) -> None:
        """Serve `filename` (in every repo) with a streaming fault; see the module docstring."""
        with self._lock:
            self._streams[filename] = _Stream(stall, rate, size, advertise, short)

    def _stream_for(self, path: str) -> _Stream | None:
        match = _RESOLVE.match(urlsplit(path).path)
        if not match:
            return None
        with self._lock:
            return self._streams.get(unquote(match["file"]))

    def _set_fault(self, kind: str, value: float | None, times: int | None) -> None:
        with self._lock:
            if value is None:
                self._faults.pop(kind, None)
            else:
                self._faults[kind] = _Fault(value, times)

    # -- inspection -------------------------------------------------------------------------------

    def token_sent(self, token: str) -> bool:
        """True if some request carried ``Authorization: Bearer <token>``."""
        wanted = _digest(f"Bearer {token}")
        with self._lock:
            return any(r.auth_digest == wanted for r in self.requests)

    def calls(self, method: str | None = None) -> list[str]:
        """Request paths seen so far, optionally only those of one HTTP method."""
        with self._lock:
            return [r.path for r in self.requests if method in (None, r.method)]

    def env(self, hf_home: str | os.PathLike[str], **overrides: str) -> dict[str, str]:
        """A hermetic environment for a subprocess that uses huggingface_hub against this fake.

        Drops inherited HF_* / HUGGINGFACE_* / offline / proxy variables, points HF_ENDPOINT here
        and HF_HOME (cache and token file) at `hf_home`, and turns telemetry and progress bars off.
        """
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.upper().startswith(_SCRUB_PREFIXES)
            and k.upper() not in _SCRUB_NAMES | _SCRUB_PROXIES
        }
        env.update(
            HF_ENDPOINT=self.url,
            HF_HOME=str(Path(hf_home)),
            HF_HUB_DISABLE_TELEMETRY="1",
            HF_HUB_DISABLE_PROGRESS_BARS="1",
            NO_PROXY="127.0.0.1,localhost",
        )
        env.update(overrides)
        return env

    # -- request handling (called from server threads) -------------------------------------------

    def _take(self, kind: str) -> float | None:
        with self._lock:
            fault = self._faults.get(kind)
            if fault is None:
                return None
            if fault.remaining is not None:
                fault.remaining -= 1
                if fault.remaining <= 0:
                    del self._faults[kind]
            return fault.value

    def _record(self, method: str, path: str, headers: dict[str, str]) -> None:
        auth = headers.get("authorization")
        if auth is not None:
            headers["authorization"] = "<redacted>"
        request = RecordedRequest(method, path, headers, None if auth is None else _digest(auth))
        with self._lock:
            self.requests.append(request)

    def _respond(self, path: str, authorization: str | None) -> _Response:
        path = urlsplit(path).path
        if path == "/api/agent-harnesses":
            return _json(200, {"standardEnvVars": [], "harnesses": {}})
        if (seconds := self._take("delay")) is not None:
            self._closing.wait(seconds)
        if (status := self._take("fail")) is not None:
            return _error(int(status), None, f"fake hub: injected HTTP {int(status)}")
        try:
            if match := _RESOLVE.match(path):
                repo_id, rev, filename = (unquote(g) for g in match.group("repo", "rev", "file"))
                return self._resolve(repo_id, rev, filename, authorization)
            if match := _MODEL_INFO.match(path):
                return self._model_info(unquote(match["repo"]), unquote(match["rev"] or "main"))
        except _Reply as reply:
            return reply.response
        return _error(404, None, "fake hub: no such route")

    def _lookup(
        self, repo_id: str, revision: str, authorization: str | None, *, check_gate: bool = True
    ) -> tuple[FakeRepo, str]:
        """(repo, commit sha) for a request, or raise the Hub's error reply."""
        repo = self.repos.get(repo_id)
        if repo is None:
            raise _Reply(_error(404, "RepoNotFound", "Repository not found"))
        if check_gate and repo.gated:
            allowed = {f"Bearer {t}" for t in repo.authorized_tokens}
            if authorization is None:
                raise _Reply(_error(401, "GatedRepo", f"Access to model {repo_id} is restricted."))
            if authorization not in allowed:
                message = f"You are not in the authorized list of {repo_id}."
                raise _Reply(_error(403, "GatedRepo", message))
        sha = repo.resolve(revision)
        if sha is None:
            raise _Reply(_error(404, "RevisionNotFound", f"Invalid rev id: {revision}"))
        return repo, sha

    def _resolve(
        self, repo_id: str, revision: str, filename: str, authorization: str | None
    ) -> _Response:
        repo, sha = self._lookup(repo_id, revision, authorization)
        data = repo.files_by_revision[sha].get(filename)
        if data is None:
            return _error(404, "EntryNotFound", "Entry not found", {"X-Repo-Commit": sha})
        headers = {
            "Content-Type": "application/octet-stream",
            "ETag": f'"{git_blob_sha(data)}"',
            "X-Repo-Commit": sha,
            "Accept-Ranges": "bytes",
        }
        return 200, headers, data

    def _model_info(self, repo_id: str, revision: str) -> _Response:
        repo, sha = self._lookup(repo_id, revision, None, check_gate=False)
        info = {
            "id": repo_id,
            "sha": sha,
            "private": False,
            "gated": "manual" if repo.gated else False,
            "disabled": False,
            "siblings": [{"rfilename": name} for name in sorted(repo.files_by_revision[sha])],
        }
        return _json(200, info)


class _Reply(Exception):
    """Carries an error response out of a lookup."""

    def __init__(self, response: _Response) -> None:
        super().__init__(response[0])
        self.response = response


def _json(status: int, payload: Any, headers: dict[str, str] | None = None) -> _Response:
    return (
        status,
        {"Content-Type": "application/json", **(headers or {})},
        json.dumps(payload).encode(),
    )


def _error(
    status: int, code: str | None, message: str, headers: dict[str, str] | None = None
) -> _Response:
    extra = {
        "X-Error-Message": message,
        **({"X-Error-Code": code} if code else {}),
        **(headers or {}),
    }
    return _json(status, {"error": message}, extra)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, hub: FakeHub) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.hub = hub

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out and hung up is expected, not an error of the fake.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_HEAD(self) -> None:
        self._serve()

    def do_GET(self) -> None:
        self._serve()

    def _serve(self) -> None:
        hub = self.server.hub
        headers = {k.lower(): v for k, v in self.headers.items()}
        authorization = headers.get("authorization")
        hub._record(self.command, self.path, headers)
        status, response_headers, body = hub._respond(self.path, authorization)
        stream = hub._stream_for(self.path) if status == 200 else None
        if stream is not None:
            self._serve_stream(stream, response_headers, body)
            return
        self.send_response(status)
        for name, value in response_headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _serve_stream(self, stream: _Stream, headers: dict[str, str], body: bytes) -> None:
        hub = self.server.hub
        if stream.size is not None:
            headers = {**headers, "ETag": f'"{git_blob_sha(b"huge%d" % stream.size)}"'}
        length = len(body) if stream.size is None else stream.size
        if self.command != "HEAD" and stream.stall and hub._closing.wait(stream.stall):
            return
        self.send_response(200)
        for name, value in headers.items():
            self.send_header(name, value)
        if stream.advertise:
            self.send_header("Content-Length", str(length))
        self.end_headers()
        if self.command == "HEAD":
            return
        to_send = length if stream.short is None else min(length, stream.short)
        chunk = 1 if stream.rate is not None and stream.rate < 64 else 65536
        sent = 0
        try:
            while sent < to_send and not hub._closing.is_set():
                n = min(chunk, to_send - sent)
                data = body[sent : sent + n] if stream.size is None else b" " * n
                self.wfile.write(data)
                self.wfile.flush()
                sent += n
                if stream.rate is not None:
                    hub._closing.wait(n / stream.rate)
        except OSError:
            pass  # the client gave up: expected
        self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output quiet
