"""The mail tests share the real SMTP server fixture."""

from tests.smtp import smtp_server  # noqa: F401  (a fixture)
