from app.core.config import PROJECT_ROOT

REQUIRED = [
    "choirs-music", "arts-crafts", "peer-support", "mental-wellbeing", "lunch-clubs", "coffee-mornings", "mens-sheds",
    "physical-activity", "community-gardens", "food-banks", "food-pantries", "community-meals", "money-advice",
    "debt-advice", "benefits-advice", "housing", "libraries", "faith", "carers", "young-people", "older-people",
    "barbers", "hairdressers", "cafes", "warm-spaces", "gp-practices",
]


def flatten(nodes):
    for node in nodes:
        yield node
        yield from flatten(node["children"])


def test_tree_covers_what_link_workers_search_for(client):
    tree = client.get("/api/v1/categories").json()
    slugs = {n["slug"] for n in flatten(tree)}
    assert set(REQUIRED) <= slugs
    food = next(n for n in tree if n["slug"] == "food")
    assert {c["slug"] for c in food["children"]} == {"food-banks", "food-pantries", "community-meals"}
    assert all(n["name"] and n["description"] for n in flatten(tree))


def test_docs_list_every_category(client):
    doc = (PROJECT_ROOT / "docs" / "taxonomy.md").read_text()
    for node in flatten(client.get("/api/v1/categories").json()):
        assert f"| `{node['slug']}` | {node['name']} |" in doc
