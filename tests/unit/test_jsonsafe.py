"""JSON as Landflow accepts it, and GeoJSON features read one at a time."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from workflow.operator.features import Unreadable, features
from workflow.payloads.jsonsafe import JSONRefused, json_problems, loads


@pytest.mark.parametrize(("text", "path"), [
    ('{"a": NaN}', "a"), ('{"a": [1, -Infinity]}', "a.1"), ('{"a": {"b": 1e309}}', "a.b"),
    ('{"a": 1, "a": 2}', "a"), ('{"a": "x\\u0000"}', "a"), ('["\\ud800"]', "0"),
    ('{"\\u0000": 1}', "_schema"), ("[" * 70 + "]" * 70, "0." * 63 + "0"),
])
def test_loads_refuses_naming_the_path(text, path):
    with pytest.raises(JSONRefused) as refused:
        loads(text)
    assert path in refused.value.errors, refused.value.errors


def test_loads_reads_ordinary_json_as_json_does():
    text = '{"a": [1, 2.5, "五", {"b": null, "c": true}], "d": 1e308, "e": "\\ud83d\\ude00"}'
    assert loads(text) == json.loads(text)


def test_too_deep_for_the_parser_is_a_plain_value_error():
    with pytest.raises(ValueError) as err:
        loads("[" * 100_000)
    assert not isinstance(err.value, JSONRefused)


def test_json_problems_checks_values_built_in_python():
    assert json_problems({"a": float("nan")}) == {"a": ["须为有限数 / must be a finite number"]}
    assert "a" in json_problems({"a": Decimal("Infinity")})
    assert "a" in json_problems({"a": {1, 2}})  # a set is not JSON
    assert "_schema" in json_problems({1: "x"})
    assert "_schema" in json_problems({"a": list(range(10))}, max_nodes=5)
    assert json_problems({"a": [1, "x", None, True, 2.5]}) == {}


def test_features_are_read_one_at_a_time_past_a_broken_one():
    text = ('{"type": "FeatureCollection", "features": [{"n": 1}, {"n": NaN, "s": "]}\\""}, '
            '{"n": ' + "[" * 3000 + "]" * 3000 + '}, 7, {"n": 4}], "bbox": [1, 2]}')
    read = list(features(text))
    assert read[0] == {"n": 1} and read[3] == 7 and read[4] == {"n": 4}
    assert isinstance(read[1], Unreadable) and "n" in read[1].errors
    assert isinstance(read[2], Unreadable) and "_feature" in read[2].errors


def test_a_document_without_features_has_none_and_a_broken_one_raises():
    assert list(features('{"type": "FeatureCollection"}')) == []
    with pytest.raises(ValueError):
        list(features('{"features": [{"n": 1}'))
