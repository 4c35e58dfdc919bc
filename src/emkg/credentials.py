"""Credentials for a SPARQL server, from the environment or ``~/.netrc``; never printed.

Lookup order for a server URL:

1. ``EMKG_SPARQL_USER`` and ``EMKG_SPARQL_PASSWORD`` in the environment (both must be set;
   one without the other is an error rather than a silent anonymous request);
2. the ``machine`` entry of ``~/.netrc`` (or the file named by ``NETRC``) for the URL's host;
3. none: the request is sent without credentials.

``EMKG_SPARQL_AUTH`` chooses the HTTP scheme, ``basic`` (default) or ``digest`` (Virtuoso's
``/sparql-auth`` endpoint uses digest). A :class:`Credentials` object never shows its
password in ``repr`` or ``str``.
"""

from __future__ import annotations

import netrc
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from emkg.errors import InputError

USER_VAR = "EMKG_SPARQL_USER"
PASSWORD_VAR = "EMKG_SPARQL_PASSWORD"  # noqa: S105 - the name of a variable, not a password
AUTH_VAR = "EMKG_SPARQL_AUTH"
_SCHEMES = ("basic", "digest")


@dataclass(frozen=True)
class Credentials:
    user: str
    password: str = field(repr=False)
    scheme: str = "basic"
    origin: str = "environment"

    def __str__(self) -> str:
        return f"{self.user} ({self.scheme}, from {self.origin})"


def _netrc_path(env: Mapping[str, str]) -> Path:
    named = env.get("NETRC")
    return Path(named) if named else Path.home() / ".netrc"


def _scheme(env: Mapping[str, str]) -> str:
    scheme = env.get(AUTH_VAR, "basic").strip().lower() or "basic"
    if scheme not in _SCHEMES:
        raise InputError(
            f"{AUTH_VAR}={scheme!r} is not an HTTP authentication scheme emkg knows",
            hint="use basic or digest",
        )
    return scheme


def credentials_for(url: str, env: Mapping[str, str] | None = None) -> Credentials | None:
    """The credentials to send to the server at ``url``, or None for anonymous access."""
    env = os.environ if env is None else env
    user, password = env.get(USER_VAR), env.get(PASSWORD_VAR)
    if user or password:
        if not (user and password):
            missing = PASSWORD_VAR if user else USER_VAR
            raise InputError(
                f"{missing} is not set while the other SPARQL credential is",
                hint=f"set both {USER_VAR} and {PASSWORD_VAR}, or neither",
            )
        return Credentials(user, password, _scheme(env), "environment")
    host = urlsplit(url).hostname
    path = _netrc_path(env)
    if not host or not path.is_file():
        return None
    try:
        entry = netrc.netrc(str(path)).authenticators(host)
    except (netrc.NetrcParseError, OSError) as exc:
        raise InputError(
            "cannot read the netrc file", path=path, hint="fix or remove the file"
        ) from exc
    if entry is None:
        return None
    login, _account, secret = entry
    if not login or not secret:
        return None
    return Credentials(login, secret, _scheme(env), f"netrc ({path})")
