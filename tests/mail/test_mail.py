"""The mail backends: SMTP against a real local server (plain, STARTTLS and TLS with a certificate, signing in), and
.eml files for development."""

import ssl
from email import message_from_bytes, policy

import pytest
import trustme

from app.core.config import get_settings
from app.i18n import use_locale
from app.mail.backends import FileMailer, MailFailed, SmtpMailer, mailer_for, message
from tests.smtp import SmtpServer

BODY = "Open this link: https://map.example.org/claims/confirm/abc\n"


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def trusting(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


def test_smtp_delivers_a_plain_text_message_in_its_language(smtp_server: SmtpServer) -> None:
    with use_locale("cy"):
        sent = message("Group@Example.org", "Cadarnhewch", BODY)
    mailer_for(smtp_server.settings()).send(sent)
    received = smtp_server.only("Group@Example.org")
    assert received.subject == "Cadarnhewch" and received.body == BODY
    assert received.links == ["https://map.example.org/claims/confirm/abc"]
    assert received.email["From"] == "Asset Map <map@example.org>" and received.email["Content-Language"] == "cy"
    assert received.email["Auto-Submitted"] == "auto-generated" and received.email["Message-ID"]


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_smtp_over_tls_signs_in_with_the_credentials(ca: trustme.CA, security: str, caplog) -> None:
    cert = ca.issue_cert("127.0.0.1")
    with SmtpServer(security, cert, login=("mapper", "s3cret pass")) as server:
        SmtpMailer(server.settings(), trusting(ca)).send(message("a@example.org", "Hello", BODY))
        assert server.only("a@example.org").body == BODY
        # a wrong password, or a server whose certificate the system does not trust, is refused without the secret
        for settings, context in (
            (server.settings(smtp_password=type(get_settings().smtp_password)("wrong")), trusting(ca)),
            (server.settings(), None),
        ):
            with pytest.raises(MailFailed) as failed:
                SmtpMailer(settings, context).send(message("b@example.org", "Hello", BODY))
            assert failed.value.status_code == 503 and "try again" in failed.value.message
        assert len(server.messages) == 1
        assert "s3cret" not in caplog.text and "b@example.org" not in caplog.text and "mail: the SMTP server" in caplog.text


def test_a_server_that_requires_starttls_refuses_a_plain_session(ca: trustme.CA) -> None:
    with SmtpServer("starttls", ca.issue_cert("127.0.0.1")) as server:
        with pytest.raises(MailFailed):
            SmtpMailer(server.settings(smtp_security="none")).send(message("a@example.org", "Hello", BODY))
        assert server.messages == []


def test_smtp_settings_reach_the_connection(monkeypatch) -> None:
    """Host, port, timeout, security and the credentials are the ones the settings name."""
    calls: list[tuple] = []

    class FakeSMTP:
        def __init__(self, host, port, timeout, **kwargs):
            calls.append(("connect", host, port, timeout, "context" in kwargs))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self, context):
            calls.append(("starttls",))

        def login(self, user, password):
            calls.append(("login", user, password))

        def send_message(self, email):
            calls.append(("send", email["To"]))

    monkeypatch.setattr("smtplib.SMTP", FakeSMTP)
    monkeypatch.setattr("smtplib.SMTP_SSL", FakeSMTP)
    base = get_settings().model_copy(
        update={"smtp_host": "mail.example.org", "smtp_port": 2525, "smtp_timeout_s": 7.0, "smtp_username": "u",
                "smtp_password": type(get_settings().smtp_password)("p")}
    )
    SmtpMailer(base.model_copy(update={"smtp_security": "starttls"})).send(message("x@example.org", "s", "b"))
    assert calls == [("connect", "mail.example.org", 2525, 7.0, False), ("starttls",), ("login", "u", "p"), ("send", "x@example.org")]
    calls.clear()
    SmtpMailer(base.model_copy(update={"smtp_security": "tls", "smtp_username": ""})).send(message("x@example.org", "s", "b"))
    assert calls == [("connect", "mail.example.org", 2525, 7.0, True), ("send", "x@example.org")]


def test_the_file_backend_is_the_default_and_writes_eml_files(tmp_path) -> None:
    settings = get_settings().model_copy(update={"mail_file_dir": tmp_path / "mail"})
    assert get_settings().mail_backend == "file" and isinstance(mailer_for(settings), FileMailer)
    mailer_for(settings).send(message("a@example.org", "Subject", BODY))
    (written,) = (tmp_path / "mail").iterdir()
    email = message_from_bytes(written.read_bytes(), policy=policy.default)
    assert written.suffix == ".eml" and email["To"] == "a@example.org" and email.get_content() == BODY
