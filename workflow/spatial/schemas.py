"""What the admin endpoint accepts for a small layer version: its label, the date it comes into
force, its source and a GeoJSON FeatureCollection in EPSG:4490."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validates

from workflow.payloads.fields import Day, Strict, Text

MAX_FEATURES_BY_API = 20_000  # larger layers come by file: `landflow layers import`


class LayerVersionSchema(Strict):
    version = Text(40, required=True, metadata={"description": "The delivery's label, e.g. 2023"})
    valid_from = Day(required=True,
                             metadata={"description": "In force for steps dated from this day"})
    source = Text(300, required=True,
                  metadata={"description": "Where it comes from (delivery, notice, date)"})
    features = fields.Dict(required=True,
                           metadata={"description": "A GeoJSON FeatureCollection (EPSG:4490)"})

    @validates("features")
    def _collection(self, value: dict[str, Any], **_: Any) -> None:
        if value.get("type") != "FeatureCollection" or not isinstance(value.get("features"),
                                                                       list):
            raise ValidationError("须为 GeoJSON FeatureCollection / must be a GeoJSON "
                                  "FeatureCollection")
        if len(value["features"]) > MAX_FEATURES_BY_API:
            raise ValidationError(f"要素过多 / more than {MAX_FEATURES_BY_API} features: import "
                                  "the file with `landflow layers import`")

