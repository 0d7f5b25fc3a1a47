"""A real SMTP server for the tests (aiosmtpd, on a free local port): what the app sends is read back from it.

`smtp_server` (plain, no sign-in) serves the claims and browser tests; `SmtpServer(...)` with a certificate from
`trustme` and credentials serves the tests of STARTTLS, TLS and signing in."""

import re
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from pydantic import SecretStr

from app.core.config import Settings, get_settings
from tests.processes import free_port

_LINK = re.compile(r"https?://\S+")


@dataclass
class Received:
    """One message the server took: who it was for, and the message itself."""

    recipients: list[str]
    email: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.email["Subject"])

    @property
    def body(self) -> str:
        return self.email.get_content().replace("\r\n", "\n")

    @property
    def links(self) -> list[str]:
        return _LINK.findall(self.body)


@dataclass
class _Handler:
    messages: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        email = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        self.messages.append(Received(list(envelope.rcpt_tos), email))  # type: ignore[arg-type]
        return "250 OK"


class SmtpServer:
    """aiosmtpd on 127.0.0.1 and a free port. `tls`: "starttls" or "tls" with `cert` (a trustme certificate issued
    for 127.0.0.1); `login`: the (username, password) it requires."""

    def __init__(self, tls: str = "none", cert: Any = None, login: tuple[str, str] | None = None):
        self.handler = _Handler()
        self.port = free_port()
        self.security = tls
        self.login = login
        kwargs: dict[str, Any] = {}
        if tls != "none":
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            cert.configure_cert(context)
            kwargs["ssl_context" if tls == "tls" else "tls_context"] = context
            if tls == "starttls":
                kwargs["require_starttls"] = True
        if login:
            kwargs["authenticator"] = self._authenticate
            kwargs["auth_required"] = True
            # aiosmtpd offers AUTH only after STARTTLS when told to; over TLS from the start it cannot tell, so it is told not to
            kwargs["auth_require_tls"] = tls == "starttls"
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **kwargs)

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login.decode(), data.password.decode()) == self.login
        return AuthResult(success=ok, handled=False)

    def __enter__(self) -> "SmtpServer":
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    @property
    def messages(self) -> list[Received]:
        return self.handler.messages

    def settings(self, base: Settings | None = None, **overrides: Any) -> Settings:
        """App settings that send through this server."""
        username, password = self.login or ("", "")
        mail = {
            "mail_backend": "smtp", "smtp_host": "127.0.0.1", "smtp_port": self.port, "smtp_security": self.security,
            "smtp_username": username, "smtp_password": SecretStr(password), "mail_from": "Asset Map <map@example.org>",
        }
        return (base or get_settings()).model_copy(update={**mail, **overrides})

    def only(self, to: str) -> Received:
        """The one message sent to `to` (fails if there is none, or more than one)."""
        found = [m for m in self.messages if to in m.recipients]
        assert len(found) == 1, f"{len(found)} messages to {to}: {[m.subject for m in self.messages]}"
        return found[0]


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server
