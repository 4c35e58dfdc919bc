"""The one HTTP client of emkg's remote work: timeouts, retries, authentication, progress.

Every request emkg sends to a SPARQL server goes through :class:`HttpClient`: the queries of
``emkg query --endpoint`` (:mod:`emkg.engines.endpoint`) and the queries, updates and Graph
Store requests of ``emkg load`` (:mod:`emkg.gsp`), so both follow one policy. Only the
standard library is used (``urllib``). What the client guarantees:

* an **overall deadline** per request: ``deadline`` seconds (default: ``timeout``) from the
  first try to the end of the answer, retries and back-off included; the body is read in
  pieces against it, so a server that trickles its answer cannot hold emkg past it either;
  every socket operation also has the ``timeout``;
* **progress**: while a request is outstanding, a line every ``progress_every`` seconds says
  what emkg is waiting for and for how long, out of how long;
* a request is sent again only when the caller marks it *repeatable* (safe to apply twice),
  after a connection failure, a timeout or an answer of 429/500/502/503/504, at most
  ``RetryPolicy.attempts`` times with exponential back-off, within the deadline; anything
  else fails at once;
* credentials are sent only after the server asks for them (a 401 challenge), with the
  scheme it asks for: HTTP Digest (RFC 7616, MD5 or SHA-256, ``qop=auth``) or Basic. Before
  a request with a body, the challenge is fetched with a body-less ``HEAD`` so that a large
  body is sent once, already authenticated (sending it unauthenticated first is what made
  Virtuoso's digest-protected Graph Store endpoint hang);
* no password or ``Authorization`` header ever appears in a message or an exception.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import http.client
import os
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from email.message import Message
from typing import Any
from urllib.parse import urlsplit

from emkg import __version__
from emkg.credentials import Credentials
from emkg.errors import RemoteError

USER_AGENT = f"emkg/{__version__}"
RETRY_STATUSES: frozenset[int] = frozenset({429, 500, 502, 503, 504})
#: answers of a gateway, not of the server: the request may still be running behind it
GATEWAY_STATUSES: frozenset[int] = frozenset({502, 504})
_LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a repeatable request is tried."""

    attempts: int = 4
    first_delay: float = 0.5
    max_delay: float = 8.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        return float(min(self.max_delay, self.first_delay * 2.0 ** (attempt - 1)))


@dataclass(frozen=True)
class Response:
    status: int
    headers: Message
    body: bytes

    def text(self, limit: int = 400) -> str:
        """The start of the body as one line, for messages."""
        return " ".join(self.body[: limit * 4].decode("utf-8", "replace").split())[:limit]


def redact(url: str) -> str:
    """``url`` without any user:password part."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return parts._replace(netloc=host).geturl()


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}:{parts.port or ''}"


def _challenges(headers: Message) -> dict[str, dict[str, str]]:
    """The WWW-Authenticate challenges of a 401 answer: scheme (lower case) -> parameters."""
    found: dict[str, dict[str, str]] = {}
    for raw in headers.get_all("WWW-Authenticate") or []:
        scheme, _, rest = raw.strip().partition(" ")
        items = urllib.request.parse_http_list(rest)
        params = urllib.request.parse_keqv_list([i for i in items if "=" in i])
        found[scheme.lower()] = {k.lower(): v for k, v in params.items()}
    return found


def _hash(algorithm: str) -> Callable[[str], str]:
    name = algorithm.upper().removesuffix("-SESS")
    if name == "MD5":
        return lambda s: hashlib.md5(s.encode("utf-8"), usedforsecurity=False).hexdigest()
    if name == "SHA-256":
        return lambda s: hashlib.sha256(s.encode("utf-8")).hexdigest()
    raise RemoteError(f"the server asks for digest algorithm {algorithm}, which emkg lacks")


@dataclass
class _DigestState:
    params: dict[str, str]
    count: int = 0

    def header(self, creds: Credentials, method: str, url: str) -> str:
        parts = urlsplit(url)
        uri = parts.path + (f"?{parts.query}" if parts.query else "")
        realm = self.params.get("realm", "")
        nonce = self.params.get("nonce", "")
        algorithm = self.params.get("algorithm", "MD5")
        h = _hash(algorithm)
        self.count += 1
        nc = f"{self.count:08x}"
        cnonce = os.urandom(8).hex()
        ha1 = h(f"{creds.user}:{realm}:{creds.password}")
        if algorithm.lower().endswith("-sess"):
            ha1 = h(f"{ha1}:{nonce}:{cnonce}")
        ha2 = h(f"{method}:{uri}")
        qops = [q.strip() for q in self.params.get("qop", "").split(",") if q.strip()]
        fields = [
            f'username="{creds.user}"',
            f'realm="{realm}"',
            f'nonce="{nonce}"',
            f'uri="{uri}"',
            f"algorithm={algorithm}",
        ]
        if "auth" in qops:
            response = h(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
            fields += ["qop=auth", f"nc={nc}", f'cnonce="{cnonce}"']
        elif qops:
            raise RemoteError(f"the server asks for digest qop {qops}, which emkg lacks")
        else:
            response = h(f"{ha1}:{nonce}:{ha2}")
        fields.append(f'response="{response}"')
        if "opaque" in self.params:
            fields.append(f'opaque="{self.params["opaque"]}"')
        return "Digest " + ", ".join(fields)


class _Auth:
    """Remembers the challenge of each origin and answers it."""

    def __init__(self, creds: Credentials | None) -> None:
        self.creds = creds
        self._digest: dict[str, _DigestState] = {}
        self._basic: set[str] = set()

    def known(self, url: str) -> bool:
        origin = _origin(url)
        return origin in self._digest or origin in self._basic

    def header(self, method: str, url: str) -> str | None:
        if self.creds is None:
            return None
        origin = _origin(url)
        if origin in self._digest:
            return self._digest[origin].header(self.creds, method, url)
        if origin in self._basic:
            token = base64.b64encode(f"{self.creds.user}:{self.creds.password}".encode())
            return "Basic " + token.decode("ascii")
        return None

    def learn(self, url: str, headers: Message) -> bool:
        """Record the challenge of a 401 answer; False when there is none emkg can answer.

        When the server offers both schemes, the credentials' scheme decides.
        """
        challenges = _challenges(headers)
        origin = _origin(url)
        if not challenges and self.creds is not None and self.creds.scheme == "basic":
            self._basic.add(origin)  # a 401 that names no scheme: try the one configured
            return True
        digest = challenges.get("digest")
        wants_basic = self.creds is not None and self.creds.scheme == "basic"
        if "basic" in challenges and (digest is None or wants_basic):
            self._basic.add(origin)
            self._digest.pop(origin, None)
            return True
        if digest is not None:
            self._digest[origin] = _DigestState(digest)
            self._basic.discard(origin)
            return True
        return False


def _describe(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.URLError) and not isinstance(exc, urllib.error.HTTPError):
        exc = exc.reason if isinstance(exc.reason, BaseException) else exc
    if isinstance(exc, TimeoutError | socket.timeout):
        return "no answer within the timeout"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is the server running?)"
    if isinstance(exc, ConnectionResetError | BrokenPipeError):
        return "the server closed the connection"
    if isinstance(exc, http.client.RemoteDisconnected):
        return "the server closed the connection without answering"
    if isinstance(exc, http.client.HTTPException):
        return f"malformed HTTP answer ({type(exc).__name__})"
    text = " ".join(str(exc).split())[:200]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class DeadlinePassed(TimeoutError):
    """The overall deadline of a request passed while its answer was outstanding."""


def _read_within(resp: Any, ends: float) -> bytes:
    """The whole body of ``resp``, read in pieces, failing once ``ends`` (monotonic) passes."""
    chunks: list[bytes] = []
    sock = getattr(getattr(getattr(resp, "fp", None), "raw", None), "_sock", None)
    while True:
        left = ends - time.monotonic()
        if left <= 0:
            raise DeadlinePassed("the answer did not arrive in full before the deadline")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.settimeout(left)
        chunk = resp.read1(65536) if hasattr(resp, "read1") else resp.read(65536)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


@dataclass
class HttpClient:
    """Sends requests within a deadline, auth on challenge, retries for repeatable ones."""

    credentials: Credentials | None = None
    timeout: float = 30.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], None] = time.sleep
    log: Callable[[str], None] = lambda _msg: None
    deadline: float | None = None  # seconds per request, retries included (default: timeout)
    progress_every: float = 5.0

    def __post_init__(self) -> None:
        self._auth = _Auth(self.credentials)
        self._direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        self._default = urllib.request.build_opener()
        self._ends = float("inf")

    def _open(self, req: urllib.request.Request) -> Response:
        host = urlsplit(req.full_url).hostname or ""
        opener = self._direct if host in _LOOPBACK else self._default
        left = self._ends - time.monotonic()
        if left <= 0:
            raise DeadlinePassed("no time left before the deadline")
        try:
            with opener.open(req, timeout=min(self.timeout, left)) as resp:
                return Response(resp.status, resp.headers, _read_within(resp, self._ends))
        except urllib.error.HTTPError as err:
            body = err.read() if err.fp is not None else b""
            return Response(err.code, err.headers, body)

    def _send(
        self, method: str, url: str, body: bytes | None, headers: Mapping[str, str]
    ) -> Response:
        def build(
            auth: str | None, *, with_body: bool, method_: str = method
        ) -> urllib.request.Request:
            req = urllib.request.Request(  # noqa: S310 - the URL is the user's server
                url, data=body if with_body else None, method=method_
            )
            req.add_header("User-Agent", USER_AGENT)
            for key, value in headers.items():
                req.add_header(key, value)
            if auth is not None:
                req.add_header("Authorization", auth)
            return req

        if body is not None and self.credentials is not None and not self._auth.known(url):
            # learn the challenge with a body-less request first (see the module docs)
            probe = self._open(build(None, with_body=False, method_="HEAD"))
            if probe.status == 401:
                self._auth.learn(url, probe.headers)
        auth = self._auth.header(method, url)
        resp = self._open(build(auth, with_body=True))
        for _ in range(2):  # answer a first challenge, then at most one stale nonce
            if resp.status != 401:
                return resp
            if self.credentials is None:
                raise RemoteError(
                    f"{method} {redact(url)}: the server asks for credentials",
                    hint="set EMKG_SPARQL_USER and EMKG_SPARQL_PASSWORD, or add a "
                    f"machine {urlsplit(url).hostname} entry to ~/.netrc",
                    status=401,
                )
            digest = _challenges(resp.headers).get("digest", {})
            stale = digest.get("stale", "").lower() == "true"
            if auth is not None and not stale:
                break
            if not self._auth.learn(url, resp.headers):
                offered = ", ".join(_challenges(resp.headers)) or "none"
                raise RemoteError(
                    f"{method} {redact(url)}: the server asks for an authentication scheme "
                    f"emkg does not speak ({offered})",
                    status=401,
                )
            auth = self._auth.header(method, url)
            resp = self._open(build(auth, with_body=True))
        raise RemoteError(
            f"{method} {redact(url)}: the server refused the credentials of user "
            f"{self.credentials.user if self.credentials else '?'}",
            hint="check EMKG_SPARQL_USER / EMKG_SPARQL_PASSWORD or ~/.netrc, and that "
            "the user may write (Virtuoso: the SPARQL_UPDATE role)",
            status=401,
        )

    def request(
        self,
        method: str,
        url: str,
        *,
        what: str,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        repeatable: bool,
        accept: Collection[int] = (200, 201, 204),
    ) -> Response:
        """Send one request; retry it only when ``repeatable``; raise RemoteError on failure.

        ``what`` names the request in messages ("PUT of graph <...>"). An answer whose
        status is not in ``accept`` is a failure.
        """
        attempts = self.retry.attempts if repeatable else 1
        budget = self.deadline if self.deadline is not None else self.timeout
        started = time.monotonic()
        self._ends = started + budget
        last = ""
        answered = True
        status: int | None = None
        tried = 0
        done = threading.Event()
        ticker = threading.Thread(
            target=self._tick, args=(what, started, budget, done), daemon=True
        )
        ticker.start()
        try:
            for attempt in range(1, attempts + 1):
                tried = attempt
                try:
                    resp = self._send(method, url, body, headers or {})
                except RemoteError:
                    raise
                except DeadlinePassed:
                    last = f"no complete answer within the deadline of {budget:g} s (--timeout)"
                    answered = False
                    break
                except (OSError, http.client.HTTPException) as exc:
                    last = _describe(exc)
                    answered = False
                    status = None
                else:
                    if resp.status in accept:
                        return resp
                    last = f"HTTP {resp.status}: {resp.text() or '(empty answer)'}"
                    answered = resp.status not in GATEWAY_STATUSES
                    status = resp.status
                    if resp.status not in RETRY_STATUSES:
                        break
                if attempt < attempts:
                    delay = self.retry.delay(attempt)
                    if time.monotonic() + delay >= self._ends:
                        last += f"; no time left for another try within {budget:g} s (--timeout)"
                        break
                    self.log(f"{what}: {last}; trying again in {delay:g} s")
                    self.sleep(delay)
        finally:
            done.set()
            self._ends = float("inf")
        times = f" (tried {tried} times)" if tried > 1 else ""
        raise RemoteError(
            f"{what} at {redact(url)} failed: {last}{times}",
            answered=answered,
            status=status,
            tried=tried,
            last=last,
        )

    def _tick(self, what: str, started: float, budget: float, done: threading.Event) -> None:
        """Say what emkg waits for, every ``progress_every`` seconds, until ``done``."""
        while not done.wait(self.progress_every):
            waited = time.monotonic() - started
            self.log(f"still waiting for {what}: {waited:.0f} s of at most {budget:g} s")
