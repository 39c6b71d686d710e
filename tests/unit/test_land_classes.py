"""GB/T 21010-2017 codes in the three categories the land split counts."""

from __future__ import annotations

import pytest

from workflow.spatial.land_classes import LandCategory, UnknownLandClass, category


@pytest.mark.parametrize(("code", "expected"), [
    ("0101", LandCategory.paddy), ("0101K", LandCategory.paddy),
    ("0102", LandCategory.farmland), ("0103", LandCategory.farmland),
    ("0201", LandCategory.other_agricultural), ("0301", LandCategory.other_agricultural),
    ("0403", LandCategory.other_agricultural), ("1006", LandCategory.other_agricultural),
    ("1104", LandCategory.other_agricultural), ("1203", LandCategory.other_agricultural),
    ("0404", LandCategory.unused), ("1101", LandCategory.unused), ("1207", LandCategory.unused),
    ("0601", LandCategory.construction), ("0702", LandCategory.construction),
    ("05H1", LandCategory.construction), ("1003", LandCategory.construction),
    ("1109", LandCategory.construction), ("1201", LandCategory.construction),
])
def test_a_code_falls_in_its_category(code, expected):
    assert category(code) is expected


@pytest.mark.parametrize("code", ["", "01", "9999", "1300"])
def test_an_unknown_code_is_refused(code):
    with pytest.raises(UnknownLandClass):
        category(code)
