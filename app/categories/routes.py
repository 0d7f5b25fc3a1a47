from fastapi import APIRouter
from pydantic import BaseModel

from app.categories.service import CategoryNode, get_taxonomy
from app.core.deps import ReadSessionDep

router = APIRouter(prefix="/api/v1/categories", tags=["categories"])


class CategoryTree(BaseModel):
    slug: str
    name: str
    description: str
    children: list["CategoryTree"] = []


def _tree(node: CategoryNode) -> CategoryTree:
    return CategoryTree(slug=node.slug, name=node.name, description=node.description, children=[_tree(c) for c in node.children])


@router.get(
    "",
    response_model=list[CategoryTree],
    summary="The category tree",
    description=(
        "Top-level categories with their sub-categories. Filtering by a category includes everything below it. Names "
        "and descriptions are in the request's language (`Accept-Language: cy` for Welsh); slugs are the same in both."
    ),
)
def list_categories(session: ReadSessionDep) -> list[CategoryTree]:
    return [_tree(root) for root in get_taxonomy(session).roots]
