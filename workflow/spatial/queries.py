"""The reference layers as the API lists them: each kind with its versions, newest first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from workflow.access import Actor, require
from workflow.models import LayerVersion
from workflow.models.spatial import LAYER_KINDS
from workflow.uow import UnitOfWork

LAYER_READERS = ("admin", "auditor", "approver", "clerk")


def version_view(v: LayerVersion) -> dict[str, Any]:
    return {"kind": v.kind, "version": v.version, "valid_from": v.valid_from.isoformat(),
            "source": v.source, "synthetic": v.synthetic, "feature_count": v.feature_count,
            "rejected_count": v.rejected_count}


def list_layers(uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
    require(actor, LAYER_READERS)
    with uow:
        rows = uow.session.execute(select(LayerVersion).order_by(
            LayerVersion.kind, LayerVersion.valid_from.desc(), LayerVersion.id.desc())).scalars()
        by_kind: dict[str, list[dict[str, Any]]] = {k: [] for k in LAYER_KINDS}
        for v in rows:
            by_kind[v.kind].append(version_view(v))
        return {"items": [{"kind": k, "versions": vs} for k, vs in by_kind.items()],
                "total": len(LAYER_KINDS)}
