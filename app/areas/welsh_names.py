"""The Welsh names of areas that have one, by ONS code: Wales's 22 principal councils, the four nations and England's
regions, as the ONS publishes them in its names and codes files (the `…NMW` columns; Open Government Licence v3).

The boundary files we load carry only the English name (`areanm`), and an area in England has no Welsh name of its
own: a Welsh page shows its English name, marked `lang="en"` where it stands alone.
"""

import unicodedata

WELSH_NAMES = {
    "W06000001": "Ynys Môn",
    "W06000002": "Gwynedd",
    "W06000003": "Conwy",
    "W06000004": "Sir Ddinbych",
    "W06000005": "Sir y Fflint",
    "W06000006": "Wrecsam",
    "W06000008": "Ceredigion",
    "W06000009": "Sir Benfro",
    "W06000010": "Sir Gaerfyrddin",
    "W06000011": "Abertawe",
    "W06000012": "Castell-nedd Port Talbot",
    "W06000013": "Pen-y-bont ar Ogwr",
    "W06000014": "Bro Morgannwg",
    "W06000015": "Caerdydd",
    "W06000016": "Rhondda Cynon Taf",
    "W06000018": "Caerffili",
    "W06000019": "Blaenau Gwent",
    "W06000020": "Tor-faen",
    "W06000021": "Sir Fynwy",
    "W06000022": "Casnewydd",
    "W06000023": "Powys",
    "W06000024": "Merthyr Tudful",
    "W92000004": "Cymru",
    "E92000001": "Lloegr",
    "S92000003": "Yr Alban",
    "N92000002": "Gogledd Iwerddon",
    "E12000001": "Gogledd-ddwyrain Lloegr",
    "E12000002": "Gogledd-orllewin Lloegr",
    "E12000003": "Swydd Efrog a'r Humber",
    "E12000004": "Dwyrain Canolbarth Lloegr",
    "E12000005": "Gorllewin Canolbarth Lloegr",
    "E12000006": "Dwyrain Lloegr",
    "E12000007": "Llundain",
    "E12000008": "De-ddwyrain Lloegr",
    "E12000009": "De-orllewin Lloegr",
}


def _plain(text: str) -> str:
    """Lower case without accents: "Môn" and "mon" are the same to a search."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


def codes_named(q: str) -> list[str]:
    """The codes whose Welsh name contains `q` (any case, accents ignored), so that "Caerdydd" finds W06000015."""
    wanted = _plain(q)
    return [code for code, name in WELSH_NAMES.items() if wanted in _plain(name)]
