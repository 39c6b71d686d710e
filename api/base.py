"""flask-smorest plumbing: a parser that turns every unreadable body into a 400 problem, a
Blueprint that uses it, and an Api that documents errors as ``application/problem+json``."""

from __future__ import annotations

import http
import json
from typing import Any

import flask_smorest
import orjson
from flask import current_app
from flask.json.provider import DefaultJSONProvider
from flask_smorest.spec import APISpecMixin
from flask_smorest.utils import prepare_response
from webargs import core
from webargs.flaskparser import FlaskParser, abort, is_json_request

from api.errors import PROBLEM_MEDIA_TYPE
from api.schemas.common import ProblemSchema
from workflow.payloads import jsonsafe
from workflow.runtime import Runtime


class OrjsonProvider(DefaultJSONProvider):
    """Flask's JSON provider with orjson writing the responses (several times faster than the
    standard library on the step outcomes). Output is what the default provider writes — UTF-8
    text, keys in insertion order, dates as HTTP dates (handed back to Flask's ``default``,
    like decimals and anything else orjson does not know); a value orjson refuses (an integer
    past 64 bits) falls back to the default provider."""

    _OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        if kwargs or self.sort_keys or self.ensure_ascii:
            return super().dumps(obj, **kwargs)
        try:
            return orjson.dumps(obj, default=self.default, option=self._OPTIONS).decode()
        except TypeError:
            return super().dumps(obj, **kwargs)

    def response(self, *args: Any, **kwargs: Any) -> Any:
        if self.compact is False or (self.compact is None and self._app.debug):
            return super().response(*args, **kwargs)
        obj = self._prepare_response_obj(args, kwargs)
        return self._app.response_class(
            f"{self.dumps(obj)}\n", mimetype=self.mimetype)


class StrictParser(FlaskParser):
    def _raw_load_json(self, req: Any) -> Any:
        data = req.get_data(cache=True)
        if not is_json_request(req):
            if data:
                raise json.JSONDecodeError("Content-Type must be application/json", "x", 0)
            return core.missing
        try:
            return jsonsafe.loads(data.decode("utf-8"))
        except jsonsafe.JSONRefused as exc:
            # NaN, Infinity, 1e309, a repeated key, NUL, a lone surrogate: JSON that Python
            # reads but nothing downstream can hold. Refused at the door, naming the place.
            abort(400, exc=exc, messages={"json": exc.errors})
        except ValueError as exc:
            if isinstance(exc, json.JSONDecodeError):
                raise
            # Not UTF-8, nested too deeply, or an integer with thousands of digits.
            raise json.JSONDecodeError(f"unreadable JSON: {type(exc).__name__}", "x", 0) from exc


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = StrictParser()


class Api(flask_smorest.Api):
    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_MEDIA_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Problem document (RFC 9457)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_MEDIA_TYPE)
        self.spec.components.response(APISpecMixin.DEFAULT_ERROR_RESPONSE_NAME, response,
                                      lazy=True)


def runtime() -> Runtime:
    """The process's runtime (engine, session factories, clock), built once by ``create_app``."""
    return current_app.extensions["landflow"]  # type: ignore[no-any-return]
