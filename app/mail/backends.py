"""Where e-mail goes: a Mailer sends one message. `mailer_for(settings)` is the one place that picks the backend
(MAIL_BACKEND): SMTP for a real server, or .eml files in a folder (the default, for development).

Nothing here logs a recipient's address, a subject or a body: messages carry single-use links."""

import logging
import smtplib
import ssl
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Protocol

from app.core.config import Settings
from app.core.errors import AppError
from app.i18n import gettext as _
from app.i18n.locales import HTML_LANG, current_locale

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    """A plain-text message to one person, written in `language` (the language they were using)."""

    to: str
    subject: str
    body: str
    language: str = "en"


class Mailer(Protocol):
    def send(self, message: Message) -> None: ...


class MailFailed(AppError):
    """503: the message could not be handed over. The person is asked to try later; the log names only the server
    and the kind of failure, never the message or its address."""

    status_code = 503

    def __init__(self, server: str, kind: str):
        log.warning("mail: the SMTP server %s did not take a message (%s)", server, kind)
        super().__init__(_("The e-mail could not be sent just now. Please try again in a few minutes."))


def message(to: str, subject: str, body: str) -> Message:
    """A message in the current language (the request's, or the one a command set with use_locale)."""
    return Message(to=to, subject=subject, body=body, language=current_locale())


def _email(sender: str, message: Message) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to
    email["Subject"] = message.subject
    email["Date"] = format_datetime(datetime.now(UTC))
    email["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip("> ") or "localhost")
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies
    email.set_content(message.body)
    email["Content-Language"] = HTML_LANG.get(message.language, "en-GB")  # after set_content, which clears Content-*
    return email


class SmtpMailer:
    """Sends through an SMTP server: SMTP_HOST, SMTP_PORT, SMTP_SECURITY (none, starttls or tls, checked against the
    system's trusted certificates, or `context`'s), SMTP_USERNAME and SMTP_PASSWORD."""

    def __init__(self, settings: Settings, context: ssl.SSLContext | None = None):
        self.settings = settings
        self.context = context or ssl.create_default_context()

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.smtp_security == "tls":
            return smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_s, context=self.context)
        smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_s)
        if s.smtp_security == "starttls":
            smtp.starttls(context=self.context)
        return smtp

    def send(self, message: Message) -> None:
        s = self.settings
        try:
            with self._connect() as smtp:
                if s.smtp_username:
                    smtp.login(s.smtp_username, s.smtp_password.get_secret_value())
                smtp.send_message(_email(s.mail_from, message))
        except (OSError, smtplib.SMTPException) as exc:
            raise MailFailed(f"{s.smtp_host}:{s.smtp_port}", type(exc).__name__) from None


class FileMailer:
    """Writes each message as an .eml file in MAIL_FILE_DIR, for development: open it in a mail program, or read it."""

    def __init__(self, settings: Settings):
        self.sender = settings.mail_from
        self.folder = Path(settings.mail_file_dir)

    def send(self, message: Message) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}.eml"
        (self.folder / name).write_bytes(bytes(_email(self.sender, message)))


def mailer_for(settings: Settings) -> Mailer:
    return SmtpMailer(settings) if settings.mail_backend == "smtp" else FileMailer(settings)
