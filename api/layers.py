"""/layers: the county's versioned reference layers (三调, 三区三线)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields

from api.auth import current_actor
from api.base import Blueprint, runtime
from workflow.errors import NotFound
from workflow.models.spatial import LAYER_KINDS
from workflow.spatial import queries as layers
from workflow.spatial import services
from workflow.spatial.layers import from_feature_collection
from workflow.spatial.schemas import LayerVersionSchema

blp = Blueprint("layers", __name__, url_prefix="/api/v1/layers",
                description="Reference layers: land survey, basic farmland, red line, "
                            "development boundary, village construction land, townships")


class VersionOut(Schema):
    kind = fields.String()
    version = fields.String()
    valid_from = fields.String()
    source = fields.String()
    synthetic = fields.Boolean()
    feature_count = fields.Integer()
    rejected_count = fields.Integer()


class KindOut(Schema):
    kind = fields.String()
    versions = fields.List(fields.Nested(VersionOut))


class LayerList(Schema):
    items = fields.List(fields.Nested(KindOut))
    total = fields.Integer()


class RejectedOut(Schema):
    index = fields.Integer()
    reason = fields.String()


class ImportOut(Schema):
    kind = fields.String()
    version = fields.String()
    valid_from = fields.String()
    feature_count = fields.Integer()
    rejected = fields.List(fields.Nested(RejectedOut))


@blp.route("", methods=["GET"])
@blp.response(200, LayerList)
def list_layers() -> Any:
    """Every layer kind with its versions, newest first."""
    return layers.list_layers(runtime().reader(), current_actor())


@blp.route("/<kind>/versions", methods=["POST"])
@blp.arguments(LayerVersionSchema)
@blp.response(201, ImportOut)
def add_version(body: dict[str, Any], kind: str) -> Any:
    """Load a new version of a layer from a GeoJSON FeatureCollection (admin). Features that
    fail their checks are listed in ``rejected``; larger layers come by file
    (`landflow layers import`)."""
    if kind not in LAYER_KINDS:
        raise NotFound({"what": f"图层类型 {kind} / layer kind {kind}"})
    result = services.import_layer(
        runtime().uow(), current_actor(), kind, body["version"], body["valid_from"],
        body["source"], from_feature_collection(kind, body["features"]))
    return result.view(), 201
