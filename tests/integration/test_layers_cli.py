"""`landflow layers import` reads GeoJSON, GeoPackage and Shapefile deliveries (pyogrio), brings
projected coordinates to EPSG:4490, reports the features it rejects, and shows progress."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely
from pyogrio import raw
from pyproj import Transformer
from sqlalchemy import select

from api import create_app
from workflow.models import LayerFeature, LayerVersion
from workflow.spatial.engines import SpatialEngine

CELLS = [shapely.box(108.2 + i * 0.001, 30.2, 108.201 + i * 0.001, 30.201) for i in range(3)]
CODES = ["0101", "0103", "9999"]  # the last one is not a GB/T 21010-2017 class


@pytest.fixture
def cli(runtime):
    return create_app(runtime=runtime, testing=True).test_cli_runner()


def write(path, driver, geoms, crs="EPSG:4490"):
    raw.write(path, np.array([shapely.to_wkb(g) for g in geoms], dtype=object),
              [np.array(CODES, dtype=object), np.array(["0.1", "", ""], dtype=object)],
              ["DLBM", "KCXS"], driver=driver, geometry_type="Polygon", crs=crs)


@pytest.mark.parametrize(("suffix", "driver"), [("gpkg", "GPKG"), ("shp", "ESRI Shapefile"),
                                                 ("geojson", "GeoJSON")])
def test_a_delivery_file_is_imported_and_its_bad_features_reported(cli, runtime, tmp_path,
                                                                   suffix, driver):
    path = tmp_path / f"dltb.{suffix}"
    write(path, driver, CELLS)
    report = tmp_path / "rejected.csv"
    r = cli.invoke(args=["layers", "import", "land_use", str(path), "--version", "2023",
                         "--valid-from", "2023-01-01", "--report", str(report)])
    assert r.exit_code == 0, r.output
    assert "2 features, 1 rejected" in r.output and "features: 3/3" in r.output
    assert "9999" in report.read_text(encoding="utf-8")
    with runtime.reader() as uow:
        version = uow.session.execute(select(LayerVersion)).scalar_one()
        assert (version.kind, version.version, version.feature_count) == ("land_use", "2023", 2)
        classes = uow.session.execute(select(LayerFeature.land_class, LayerFeature.attributes)
                                      .order_by(LayerFeature.id)).all()
    assert [c for c, _ in classes] == ["0101", "0103"]
    assert classes[0][1]["deduction_coefficient"] == "0.1"


def test_a_projected_delivery_is_brought_to_geographic_coordinates(cli, runtime, tmp_path):
    to_gk = Transformer.from_crs(4490, 4545, always_xy=True)
    projected = [shapely.transform(g, lambda xy: np.column_stack(to_gk.transform(
        xy[:, 0], xy[:, 1]))) for g in CELLS[:2]]
    path = tmp_path / "dltb_4545.gpkg"
    raw.write(path, np.array([shapely.to_wkb(g) for g in projected], dtype=object),
              [np.array(CODES[:2], dtype=object)], ["DLBM"], driver="GPKG",
              geometry_type="Polygon", crs="EPSG:4545")
    r = cli.invoke(args=["layers", "import", "land_use", str(path), "--version", "gk",
                         "--valid-from", "2023-01-01"])
    assert r.exit_code == 0, r.output
    with runtime.reader() as uow:
        geoms = [SpatialEngine.from_db(g) for g in uow.session.execute(
            select(LayerFeature.geom).order_by(LayerFeature.id)).scalars()]
    for got, want in zip(geoms, CELLS[:2], strict=True):
        assert np.allclose(got.bounds, want.bounds, atol=1e-8)


def test_an_unknown_kind_or_a_duplicate_version_is_refused(cli, tmp_path):
    path = tmp_path / "x.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": json.loads(shapely.to_geojson(CELLS[0])),
         "properties": {"DLBM": "0101"}}]}), encoding="utf-8")
    assert cli.invoke(args=["layers", "import", "volcanoes", str(path), "--version", "1",
                            "--valid-from", "2023-01-01"]).exit_code != 0
    ok = ["layers", "import", "land_use", str(path), "--version", "1", "--valid-from",
          "2023-01-01"]
    assert cli.invoke(args=ok).exit_code == 0
    again = cli.invoke(args=ok)
    assert again.exit_code != 0 and "CONFLICT" in again.output
