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


def test_every_category_has_its_welsh_name_and_description_in_the_docs(client):
    doc = (PROJECT_ROOT / "docs" / "taxonomy.md").read_text()
    english = {n["slug"]: n for n in flatten(client.get("/api/v1/categories").json())}
    for node in flatten(client.get("/api/v1/categories", headers={"Accept-Language": "cy"}).json()):
        assert node["name"] and node["description"], node["slug"]
        assert node["name"] != english[node["slug"]]["name"], node["slug"]
        assert f"| `{node['slug']}` | {node['name']} | {node['description']} |" in doc


def test_the_api_labels_categories_in_the_language_asked_for(client):
    welsh = client.get("/api/v1/categories", headers={"Accept-Language": "cy"})
    assert welsh.headers["content-language"] == "cy"
    food = next(n for n in welsh.json() if n["slug"] == "food")  # slugs and field names stay as they are
    assert (food["name"], [c["name"] for c in food["children"]]) == (
        "Bwyd", ["Banciau bwyd", "Pantrïoedd bwyd a siopau cymunedol", "Prydau cymunedol"]
    )
    assert next(n for n in client.get("/api/v1/categories?lang=cy").json() if n["slug"] == "food")["name"] == "Bwyd"
    assert next(n for n in client.get("/api/v1/categories").json() if n["slug"] == "food")["name"] == "Food"
    term = client.get("/oruk/taxonomy_terms", params={"per_page": 200}, headers={"Accept-Language": "cy"}).json()
    assert {t["code"]: t["name"] for t in term["contents"]}["food-banks"] == "Banciau bwyd"


def test_welsh_pages_name_categories_in_welsh(client, session):
    from tests.factories import make_asset

    place = make_asset(session, name="Banc Bwyd Treganna", categories=["food-banks"], lat=51.48, lon=-3.20)
    assert 'class="place-categories">' in (page := client.get(f"/places/{place.id}", params={"lang": "cy"}).text)
    assert "Banciau bwyd</p>" in page
    finder = client.get("/finder").text  # the cookie keeps Welsh
    assert "<summary>Bwyd</summary>" in finder and "Pantrïoedd bwyd a siopau cymunedol" in finder
    assert "Gwirfoddoli a gweithredu cymunedol" in client.get("/").text  # the map's layers and legend
    assert "Food banks" not in client.get(f"/places/{place.id}").text
    english = client.get(f"/places/{place.id}", params={"lang": "en"}).text
    assert "Food banks</p>" in english and "Banciau bwyd" not in english
