import pytest


@pytest.mark.parametrize("typed", ["M1 1AE", "m11ae", " m1  1ae ", "M11AE"])
def test_lookup_tolerates_case_and_spacing(client, typed):
    response = client.get(f"/api/v1/postcodes/{typed}")
    assert response.status_code == 200
    body = response.json()
    assert body["postcode"] == "M1 1AE"
    assert body["lat"] == pytest.approx(53.48348)
    assert body["lon"] == pytest.approx(-2.23118)


def test_outcode_resolves_to_its_centroid(client):
    body = client.get("/api/v1/postcodes/m1").json()
    assert body["postcode"] == "M1"
    assert body["precision"] == "outcode"
    assert 53.4 < body["lat"] < 53.5


def test_unknown_postcode_is_404(client):
    response = client.get("/api/v1/postcodes/ZZ9 9ZZ")
    assert response.status_code == 404
    assert "ZZ9 9ZZ" in response.json()["detail"]


@pytest.mark.parametrize("typed", ["hello", "12345", "M1 1A", "<script>"])
def test_malformed_postcode_is_422(client, typed):
    response = client.get(f"/api/v1/postcodes/{typed}")
    assert response.status_code == 422
    assert "not a UK postcode" in response.json()["detail"]


def test_health_reports_postgis(client):
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["postgis"].startswith("3.")
