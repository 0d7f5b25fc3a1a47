"""Welsh and English: which language a request is served in, and the translated interface text.

`locales` chooses the language and holds it for the request; `catalogue` translates with gettext catalogues
(app/i18n/locales/<lang>/LC_MESSAGES/messages.po, made by `make messages`); `middleware` sets both for every request.
"""

from app.i18n.catalogue import Text, gettext, lazy_gettext, ngettext
from app.i18n.locales import current_locale, use_locale

__all__ = ["Text", "current_locale", "gettext", "lazy_gettext", "ngettext", "use_locale"]
