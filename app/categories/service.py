"""The taxonomy in memory. It changes only through migrations, so one load per process is enough.

A category is named to people in the request's language: `CategoryNode.name` and `.description` are the one place
that chooses (Welsh on a Welsh page or for an API request in Welsh, where the category has a Welsh name; English
otherwise), so every page, legend, form, Open Referral term and API label that shows a category's name follows it.
"""

from dataclasses import dataclass, field

from sqlmodel import Session

from app.categories import repository
from app.core.errors import Invalid
from app.i18n import gettext as _
from app.i18n.bilingual import bilingual


@dataclass
class CategoryNode:
    id: int
    slug: str
    name_en: str
    name_cy: str | None
    description_en: str
    description_cy: str | None
    path: str
    parent_slug: str | None
    children: list["CategoryNode"] = field(default_factory=list)

    @property
    def name(self) -> str:
        return bilingual(self.name_en, self.name_cy).text

    @property
    def description(self) -> str:
        return bilingual(self.description_en, self.description_cy).text


class Taxonomy:
    def __init__(self, nodes: list[CategoryNode]):
        self.by_slug = {n.slug: n for n in nodes}
        self.by_id = {n.id: n for n in nodes}
        for node in nodes:
            if node.parent_slug:
                self.by_slug[node.parent_slug].children.append(node)
        self.roots = [n for n in nodes if n.parent_slug is None]

    def require(self, slugs: list[str], field: str = "category") -> list[CategoryNode]:
        """The nodes for these slugs; Invalid naming every unknown one."""
        unknown = [s for s in slugs if s not in self.by_slug]
        if unknown:
            raise Invalid(
                _("Unknown category %(slugs)s. See /api/v1/categories for the list of category slugs.")
                % {"slugs": ", ".join(repr(s) for s in unknown)},
                field,
            )
        return [self.by_slug[s] for s in slugs]

    def subtree_ids(self, slugs: list[str]) -> list[int]:
        """Ids of these categories and everything below them."""
        ids: list[int] = []
        stack = list(self.require(slugs))
        while stack:
            node = stack.pop()
            ids.append(node.id)
            stack.extend(node.children)
        return sorted(set(ids))

    def root_of(self, slug: str) -> CategoryNode:
        return self.by_slug[self.by_slug[slug].path.split("/")[0]]


_cache: Taxonomy | None = None


def get_taxonomy(session: Session) -> Taxonomy:
    global _cache
    if _cache is None:
        rows = repository.all_categories(session)
        by_id = {c.id: c for c in rows}
        _cache = Taxonomy(
            [
                CategoryNode(
                    id=c.id,
                    slug=c.slug,
                    name_en=c.name,
                    name_cy=c.name_cy,
                    description_en=c.description,
                    description_cy=c.description_cy,
                    path=c.path,
                    parent_slug=by_id[c.parent_id].slug if c.parent_id else None,
                )
                for c in rows
            ]
        )
    return _cache
