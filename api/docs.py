"""/docs: Swagger UI served from the installed ``swagger-ui-bundle`` package (no CDN; these
machines have no internet)."""

from __future__ import annotations

from typing import Any

import swagger_ui_bundle
from flask import Blueprint, Response, send_from_directory, url_for

blp = Blueprint("docs_ui", __name__)

ASSETS = swagger_ui_bundle.swagger_ui_path

PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>Landflow API</title>
<link rel="stylesheet" href="{css}"></head>
<body><div id="swagger-ui"></div>
<script src="{bundle}"></script><script src="{preset}"></script>
<script>
window.onload = function () {{
  window.ui = SwaggerUIBundle({{url: "{spec}", dom_id: "#swagger-ui",
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "StandaloneLayout", persistAuthorization: true}});
}};
</script></body></html>
"""


@blp.route("/docs")
@blp.route("/docs/")
def index() -> Response:
    html = PAGE.format(
        css=url_for("docs_ui.asset", filename="swagger-ui.css"),
        bundle=url_for("docs_ui.asset", filename="swagger-ui-bundle.js"),
        preset=url_for("docs_ui.asset", filename="swagger-ui-standalone-preset.js"),
        spec=url_for("api-docs.openapi_json"),
    )
    return Response(html, mimetype="text/html")


@blp.route("/docs/assets/<path:filename>")
def asset(filename: str) -> Any:
    return send_from_directory(ASSETS, filename, max_age=86400)
