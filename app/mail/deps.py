"""The mailer a request sends with: the backend the serving app's settings name (tests serve apps with their own)."""

from typing import Annotated

from fastapi import Depends

from app.core.deps import SettingsDep
from app.mail.backends import Mailer, mailer_for


def get_mailer(settings: SettingsDep) -> Mailer:
    return mailer_for(settings)


MailerDep = Annotated[Mailer, Depends(get_mailer)]
