"""A local stand-in for the Hugging Face hub: just enough of its HTTP protocol for ``hf_hub_download`` and ``whoami``.

Tests give it folders (one a repo); it serves them on 127.0.0.1 from a daemon thread and records every request, so
a test can say "the second use made no request". A repo can be gated (a token is needed) and the server can be
slow (small chunks with sleeps) so that Cancel lands in the middle of a download.

What huggingface_hub 2.x needs (file_download.py, utils/_http.py):

* ``HEAD /{repo}/resolve/{revision}/{filename}`` first (``get_hf_file_metadata``). A 200 must carry
  ``X-Repo-Commit`` (the commit the revision points at: it names the cache's snapshot folder) and ``ETag``
  (``X-Linked-Etag`` for LFS files; the blob's name in the cache), and ``Content-Length`` (the size it checks
  the download against). No redirect is needed: without ``Location`` the file is fetched from the same URL.
* then ``GET`` on the same URL, with ``Range: bytes=N-`` only when it resumes a partial download.
* errors are told apart by the ``X-Error-Code`` header, not the status: ``RepoNotFound``, ``GatedRepo``,
  ``RevisionNotFound``, ``EntryNotFound`` (an ``EntryNotFound`` with ``X-Repo-Commit`` is remembered in the
  cache as ``.no_exist``).
* ``GET /api/whoami-v2`` with ``Authorization: Bearer <token>`` answers the account (``login`` checks the token).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

RESOLVE = re.compile(r"^/(?P<repo>[^/]+/[^/]+)/resolve/(?P<revision>[^/]+)/(?P<filename>.+)$")
CHUNK = 16 * 1024  # what a slow server writes between sleeps


@dataclass
class Repo:
    folder: Path
    commit: str  # 40 hex digits, like a git commit
    gated_token: str = ""  # "" = public; else only this token may read it
    xet: bool = False  # stored in Xet: file answers name its Xet hash and token route, as the real hub's do


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    authorization: str
    range: str


@dataclass
class FakeHub:
    """The server's state. ``url`` is the endpoint (``HF_ENDPOINT``); ``requests`` every request received."""

    repos: dict[str, Repo] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    delay_s: float = 0.0  # sleep after each CHUNK of a GET body (0: at once)
    users: dict[str, str] = field(default_factory=dict)  # token -> account name
    completed: list[str] = field(default_factory=list)  # paths whose whole body was sent
    get_started: threading.Event = field(default_factory=threading.Event)
    _connections: set[socket.socket] = field(default_factory=set)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    def add(self, repo: str, folder: Path, *, gated_token: str = "", xet: bool = False) -> str:
        """Serve ``folder`` as ``repo`` (``owner/name``); returns its commit."""
        commit = hashlib.sha1(repo.encode()).hexdigest()
        self.repos[repo] = Repo(folder, commit, gated_token, xet)
        if gated_token:
            self.users[gated_token] = "tester"
        return commit

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeHub:
        hub = self

        class Handler(_Handler):
            state = hub

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fakehub", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the port (later connections are refused)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        for connection in list(self._connections):  # httpx keeps connections open: close them too, as a lost
            with contextlib.suppress(OSError):       # network would, or they would go on being served
                connection.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def file_requests(self) -> list[Request]:
        return [r for r in self.requests if "/resolve/" in r.path]


class _Handler(BaseHTTPRequestHandler):
    state: FakeHub
    protocol_version = "HTTP/1.1"  # keep-alive, as httpx expects; every answer has a Content-Length

    def setup(self) -> None:
        super().setup()
        self.state._connections.add(self.connection)

    def finish(self) -> None:
        self.state._connections.discard(self.connection)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass  # quiet test output

    def do_HEAD(self) -> None:  # noqa: N802 - http.server's naming
        self._answer(body=False)

    def do_GET(self) -> None:  # noqa: N802
        self._answer(body=True)

    def _record(self) -> None:
        self.state.requests.append(Request(self.command, self.path, self.headers.get("Authorization", ""),
                                           self.headers.get("Range", "")))

    def _error(self, status: int, code: str, commit: str = "") -> None:
        self.send_response(status)
        self.send_header("X-Error-Code", code)
        self.send_header("X-Error-Message", code)
        if commit:
            self.send_header("X-Repo-Commit", commit)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _answer(self, *, body: bool) -> None:
        self._record()
        auth = self.headers.get("Authorization", "")
        if self.path == "/api/whoami-v2":
            return self._whoami(auth)
        match = RESOLVE.match(self.path.split("?")[0])
        if match is None:
            return self._error(404, "RepoNotFound")
        repo = self.state.repos.get(match["repo"])
        if repo is None:
            return self._error(401, "RepoNotFound")  # the hub answers 401, not 404, for a repo it will not show
        if repo.gated_token and auth != f"Bearer {repo.gated_token}":
            # Anonymous: 401; logged in but terms not accepted: 403. Both carry GatedRepo.
            return self._error(403 if auth else 401, "GatedRepo")
        if match["revision"] not in ("main", repo.commit):
            return self._error(404, "RevisionNotFound")
        path = repo.folder / match["filename"]
        if not path.is_file():
            return self._error(404, "EntryNotFound", repo.commit)
        self._file(repo, path, body)

    def _file(self, repo: Repo, path: Path, body: bool) -> None:
        data = path.read_bytes()
        start = 0
        ranged = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range", ""))
        if body and ranged:
            start = int(ranged[1])
        self.send_response(206 if start else 200)
        etag = hashlib.sha256(data).hexdigest()
        self.send_header("X-Repo-Commit", repo.commit)
        self.send_header("ETag", f'"{etag}"')
        self.send_header("X-Linked-Etag", f'"{etag}"')
        self.send_header("Accept-Ranges", "bytes")
        if repo.xet:  # a client using Xet would ask this route for a token, then fetch from Xet storage instead
            self.send_header("X-Xet-Hash", etag)
            self.send_header("X-Xet-Refresh-Route", f"/api/models/{path.parent.name}/xet-read-token/{repo.commit}")
        if start:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.send_header("Content-Length", str(len(data) - start))
        self.end_headers()
        if not body:
            return
        self.state.get_started.set()
        try:
            for at in range(start, len(data), CHUNK):
                self.wfile.write(data[at:at + CHUNK])
                self.wfile.flush()
                if self.state.delay_s:
                    time.sleep(self.state.delay_s)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client went away (Cancel)
            return
        self.state.completed.append(self.path)

    def _whoami(self, auth: str) -> None:
        name = self.state.users.get(auth.removeprefix("Bearer "))
        if name is None:
            return self._error(401, "Unauthorized")
        data = json.dumps({"type": "user", "name": name,
                           "auth": {"accessToken": {"displayName": "test", "role": "read"}}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def use_fake_hub(monkeypatch: pytest.MonkeyPatch) -> FakeHub:
    """A started fake hub, and huggingface_hub in this process pointed at it, online (the cache and the login are
    the test's own: tests/conftest.py). It reads its endpoint at import, so the module's copies are set."""
    import huggingface_hub.constants as constants
    import huggingface_hub.hf_api as hf_api

    server = FakeHub().start()
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "ENDPOINT", server.url)
    monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE", server.url + "/{repo_id}/resolve/{revision}/{filename}")
    monkeypatch.setattr(hf_api.api, "endpoint", server.url)  # whoami's HfApi copied the endpoint at import
    # Bytes reach the progress callback (and Cancel) once a chunk; the tiny models are far below the 10 MB chunk.
    monkeypatch.setattr(constants, "DOWNLOAD_CHUNK_SIZE", CHUNK)
    return server
