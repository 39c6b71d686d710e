"""Spatial truth over HTTP: loading a layer version, listing layers, a computed survey, and the
auditors' ``bbox`` and ``format=geojson`` (read back with pyogrio, as QGIS would read it)."""

from __future__ import annotations

import json

import pyogrio
import shapely

SEAT = shapely.box(108.200, 30.200, 108.202, 30.202)


def fc(*features):
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": json.loads(shapely.to_geojson(g)), "properties": p}
        for g, p in features]}


def load(client, kind, features, version="2020", valid_from="2020-01-01"):
    return client.post(f"/api/v1/layers/{kind}/versions",
                       {"version": version, "valid_from": valid_from, "source": "test",
                        "features": features}, who="admin")


def test_an_admin_loads_a_layer_version_and_everyone_staff_lists_it(client):
    body = fc((SEAT, {"DLBM": "0702"}), (shapely.box(108.3, 30.3, 108.301, 30.301),
                                         {"DLBM": "nope"}))
    assert load(client, "land_use", body).status_code == 201
    r = load(client, "land_use", body, version="2021")
    assert r.status_code == 201
    out = r.get_json()
    assert out["feature_count"] == 1 and [x["index"] for x in out["rejected"]] == [1]
    assert load(client, "land_use", body, version="2021").status_code == 409
    clerk = client.post("/api/v1/layers/land_use/versions",
                        {"version": "x", "valid_from": "2020-01-01", "source": "t",
                         "features": body}, who="clerk")
    assert clerk.status_code == 403
    assert load(client, "volcanoes", body).status_code == 404
    listed = client.get("/api/v1/layers", who="clerk").get_json()["items"]
    land_use = next(i for i in listed if i["kind"] == "land_use")
    assert [v["version"] for v in land_use["versions"]] == ["2021", "2020"]


def test_a_survey_with_a_boundary_carries_its_split_and_spatial_block(client):
    assert load(client, "land_use", fc((SEAT, {"DLBM": "0702"}))).status_code == 201
    r = client.post("/api/v1/parcels", {
        "code": "GEO-HTTP-1", "effective_date": "2024-01-01", "township": "南宾街道",
        "ownership": "state", "geometry": json.loads(shapely.to_geojson(SEAT))})
    assert r.status_code == 201, r.get_json()
    parcel = r.get_json()["parcel"]
    assert parcel["land"]["basis"] == "land_use_layer"
    assert parcel["land"]["construction_m2"] == parcel["spatial"]["area_m2"]
    assert parcel["spatial"]["datasets"] == [{"kind": "land_use", "version": "2020"}]
    bad = client.post("/api/v1/parcels", {
        "code": "GEO-HTTP-2", "township": "南宾街道", "ownership": "state",
        "geometry": {"type": "Polygon", "coordinates": [[[108.2, 30.2], [108.201, 30.201],
                                                         [108.201, 30.2], [108.2, 30.201],
                                                         [108.2, 30.2]]]}})
    assert bad.status_code == 422 and "geometry" in bad.get_json()["errors"]


def test_bbox_and_geojson_on_the_parcel_list_and_the_auditor_lists(client, world, tmp_path):
    near = json.loads(shapely.to_geojson(SEAT))
    far = json.loads(shapely.to_geojson(shapely.box(108.4, 30.4, 108.4009, 30.401)))
    land = {"farmland_m2": "0", "paddy_m2": "0", "farmland_grade": None,
            "other_agricultural_m2": "0", "unused_m2": "0"}
    a = world.parcel_in("approved", geometry=near, land={
        **land, "construction_m2": str(_area(SEAT))})
    world.parcel_in("approved", geometry=far, land={
        **land, "construction_m2": str(_area(shapely.geometry.shape(far)))})
    box = "108.19,30.19,108.21,30.21"
    page = client.get(f"/api/v1/parcels?bbox={box}").get_json()
    assert [p["id"] for p in page["items"]] == [a]
    listed = client.get(f"/api/v1/audit/unsupplied?as_of=2024-01-01&bbox={box}").get_json()
    assert [i["parcel_id"] for i in listed["items"]] == [a]
    r = client.get("/api/v1/audit/unsupplied?as_of=2024-01-01&format=geojson")
    assert r.status_code == 200 and r.mimetype == "application/geo+json"
    path = tmp_path / "unsupplied.geojson"
    path.write_bytes(r.get_data())
    meta, _, geometries, fields = pyogrio.raw.read(path)
    assert len(geometries) == 2 and "code" in list(meta["fields"])
    assert {shapely.from_wkb(g).bounds[0] for g in geometries} == {108.2, 108.4}
    assert client.get("/api/v1/parcels?bbox=1,2,3").status_code == 422
    assert client.get("/api/v1/parcels?bbox=108.3,30,108.2,31").status_code == 422


def _area(geom):
    from workflow.spatial.geometry import area_m2

    return area_m2(geom, 4545)
