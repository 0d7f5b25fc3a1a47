"""A colour for each top-level category: its map layer's markers, clusters, legend swatch and list badge.

Every colour has at least 4.5:1 contrast with white, as cluster counts and badges are white text on it (WCAG AA), and
markers carry a white ring, so they stand out on light and dark basemaps alike. Any two colours differ by at least
12 in CIEDE2000 (ΔE00; a just-noticeable difference is about 2), so no two categories look alike on the map; both
rules are checked in tests/maps/test_palette.py. Colour is never the only cue: each marker's accessible name, its popup
and the list all name the category.

This is the palette's one declaration: the pages' CSS is made from it (`category_css`).
"""

from markupsafe import Markup

COLOURS: dict[str, str] = {
    "social-connection": "#cc0c30",
    "arts-culture": "#840096",
    "physical-activity": "#bf360c",
    "green-spaces": "#2e7d32",
    "mental-wellbeing": "#185acc",
    "peer-support": "#00838f",
    "food": "#8a6000",
    "money-advice": "#455a64",
    "housing": "#6d4c41",
    "learning": "#063c8a",
    "faith": "#ad1457",
    "carers": "#827717",
    "young-people": "#0277bd",
    "older-people": "#4527a0",
    "community-spaces": "#00695c",
    "local-businesses": "#212121",
    "health-services": "#900c0c",
    "volunteering": "#7242d8",
}
FALLBACK = "#4a4a48"


def colour(root_slug: str) -> str:
    return COLOURS.get(root_slug, FALLBACK)


def category_css(root_slugs: list[str]) -> Markup:
    """CSS giving each `.cat-<slug>` its colour (markers, clusters and swatches read `--cat`)."""
    rules = "".join(f".cat-{slug}{{--cat:{colour(slug)}}}" for slug in root_slugs)
    return Markup(rules)
