"""A colour for each top-level category: its map layer's markers, clusters, legend swatch and list badge.

Every colour has at least 3:1 contrast with white (WCAG 2.2 non-text contrast) and markers carry a white ring, so
they stand out on light and dark basemaps alike. Colour is never the only cue: each marker's accessible name, its
popup and the list all name the category.
"""

from markupsafe import Markup

COLOURS: dict[str, str] = {
    "social-connection": "#c62828",
    "arts-culture": "#6a1b9a",
    "physical-activity": "#bf360c",
    "green-spaces": "#2e7d32",
    "mental-wellbeing": "#1565c0",
    "peer-support": "#00838f",
    "food": "#8a6a00",
    "money-advice": "#455a64",
    "housing": "#6d4c41",
    "learning": "#283593",
    "faith": "#ad1457",
    "carers": "#827717",
    "young-people": "#0277bd",
    "older-people": "#4527a0",
    "community-spaces": "#00695c",
    "local-businesses": "#212121",
    "health-services": "#b71c1c",
    "volunteering": "#5e35b1",
}
FALLBACK = "#4a4a48"


def colour(root_slug: str) -> str:
    return COLOURS.get(root_slug, FALLBACK)


def category_css(root_slugs: list[str]) -> Markup:
    """CSS giving each `.cat-<slug>` its colour (markers, clusters and swatches read `--cat`)."""
    rules = "".join(f".cat-{slug}{{--cat:{colour(slug)}}}" for slug in root_slugs)
    return Markup(rules)
