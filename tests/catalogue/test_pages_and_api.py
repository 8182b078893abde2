"""Citizens' catalogue pages and the JSON API, on every backend."""

from __future__ import annotations


def test_mall_home_shows_locations_hours_agencies_and_life_events(client):
    page = client.get("/banyuwangi/")
    assert page.status_code == 200
    text = page.text
    assert "Pasar Pelayanan Publik" in text
    assert "Senin" in text and "Minggu" in text
    assert "Kelahiran" in text
    assert "4 jam" in text
    assert 'role="search"' in text and "<main" in text and 'lang="id"' in text


def test_service_list_filters_and_htmx_fragment(client):
    full = client.get("/banyuwangi/layanan", params={"q": "akta lahir"})
    assert full.status_code == 200 and "<html" in full.text
    assert "/banyuwangi/layanan/akta-kelahiran" in full.text
    fragment = client.get("/banyuwangi/layanan", params={"q": "akta lahir"},
                          headers={"HX-Request": "true", "HX-Target": "hasil"})
    assert "<html" not in fragment.text and "/banyuwangi/layanan/akta-kelahiran" in fragment.text
    assert len(fragment.content) < len(full.content) / 2
    filtered = client.get("/banyuwangi/layanan", params={"kategori": "kepolisian"}).text
    assert "/banyuwangi/layanan/skck-baru" in filtered and "/banyuwangi/layanan/akta-kelahiran" not in filtered
    event = client.get("/banyuwangi/layanan", params={"peristiwa": "kelahiran"}).text
    assert "/banyuwangi/layanan/kia-baru" in event
    unknown_filters = client.get("/banyuwangi/layanan", params={"kategori": "<script>", "instansi": "x" * 60})
    assert unknown_filters.status_code == 200 and "<script>" not in unknown_filters.text


def test_service_page_has_checklist_steps_time_cost_and_place(client):
    page = client.get("/banyuwangi/layanan/skck-baru")
    assert page.status_code == 200
    text = page.text
    assert "Persyaratan yang dibawa" in text and 'type="checkbox"' in text
    assert "Prosedur" in text and "Rp30.000" in text
    assert "Tempat layanan" in text
    english = client.get("/banyuwangi/layanan/skck-baru", headers={"Accept-Language": "en"}).text
    assert "What to bring" in english and "IDR30,000" in english
    free = client.get("/banyuwangi/layanan/akta-kelahiran").text
    assert "Gratis" in free
    assert client.get("/banyuwangi/layanan/tidak-ada").status_code == 404


def test_disabled_service_is_not_offered(client):
    everything = {s["code"] for s in client.get("/api/v1/tenants/labuhanbatu/services",
                                                 params={"per_halaman": 200}).json()["items"]}
    from satupintu.catalogue.shared import load_catalogue

    missing = sorted(set(load_catalogue().services) - everything)
    assert missing, "Labuhanbatu does not offer the whole catalogue"
    assert client.get(f"/labuhanbatu/layanan/{missing[0]}").status_code == 404
    assert client.get(f"/api/v1/tenants/labuhanbatu/services/{missing[0]}").status_code == 404


def test_api_lists_tenants_and_service_details(client):
    tenants = client.get("/api/v1/tenants").json()
    banyuwangi = next(t for t in tenants if t["slug"] == "banyuwangi")
    assert banyuwangi["region_code"] == "35.10" and banyuwangi["timezone"] == "WIB"
    detail = client.get("/api/v1/tenants/banyuwangi/services/skck-baru").json()
    assert detail["cost"] == 30000 and detail["requirements"] and detail["agency"]
    english = client.get("/api/v1/tenants/banyuwangi/services/skck-baru", headers={"Accept-Language": "en"}).json()
    assert english["name"] == english["name_en"]


def test_api_is_in_the_openapi_schema(client):
    schema = client.get("/api/schema/openapi.json").json()
    paths = schema["paths"]
    assert "/api/v1/tenants" in paths
    assert "/api/v1/tenants/{slug}/services" in paths
    assert "/api/v1/tenants/{slug}/services/{code}" in paths
    params = {p["name"] for p in paths["/api/v1/tenants/{slug}/services"]["get"]["parameters"]}
    assert {"q", "kategori", "instansi", "peristiwa", "halaman", "per_halaman"} <= params
