"""GB/T 21010-2017 土地利用现状分类 codes (the 三调 property ``DLBM``) in the land-administration
three categories (三大类: 农用地, 建设用地, 未利用地) that the land split of a parcel counts.

Basis: GB/T 21010-2017 附录 (三大类对照); 土地管理法 第四条 (the three categories). Paddy is 0101,
farmland (耕地) is 01xx. The mapping of a few second-level classes (marked below) follows the
2007 edition's table and is tagged [UNV] in ``seed/README.md`` until checked against the
published 2017 appendix.
"""

from __future__ import annotations

from enum import StrEnum


class LandCategory(StrEnum):
    paddy = "paddy"                        # 水田 0101 (part of farmland)
    farmland = "farmland"                  # 耕地 01xx other than 0101
    other_agricultural = "other_agricultural"
    construction = "construction"
    unused = "unused"


# Second-level codes outside 01 (farmland), by category.
_OTHER_AGRICULTURAL = frozenset({
    "0201", "0202", "0203", "0204",                                  # 园地
    "0301", "0302", "0303", "0304", "0305", "0306", "0307",          # 林地
    "0401", "0402", "0403",                                          # 天然/沼泽/人工牧草地
    "1006",                                                          # 农村道路
    "1104", "1107",                                                  # 坑塘水面, 沟渠
    "1202", "1203",                                                  # 设施农用地, 田坎
})
_UNUSED = frozenset({
    "0404",                                                          # 其他草地
    "1101", "1102", "1105", "1106", "1108", "1110",  # 水面, 滩涂, 沼泽, 冰川
    "1204", "1205", "1206", "1207",  # 盐碱, 沙, 裸土, 裸岩
})
# Everything of 05-10 but 1006, and 1103 水库水面 [UNV], 1109 水工建筑用地, 1201 空闲地.
_CONSTRUCTION_PREFIXES = ("05", "06", "07", "08", "09", "10")
_CONSTRUCTION_EXTRA = frozenset({"1103", "1109", "1201"})


class UnknownLandClass(ValueError):
    pass


def category(dlbm: str) -> LandCategory:
    """The category of a 地类编码. Codes carry a suffix in some deliveries (e.g. ``0101K`` for
    恢复属性 land in 三调): the first four characters decide."""
    code = (dlbm or "").strip().upper()[:4]
    if len(code) < 4:
        raise UnknownLandClass(dlbm)
    if code == "0101":
        return LandCategory.paddy
    if code.startswith("01"):
        return LandCategory.farmland
    if code in _OTHER_AGRICULTURAL:
        return LandCategory.other_agricultural
    if code in _UNUSED:
        return LandCategory.unused
    # 05H1, 08H1, 08H2 and the like are construction groups written with letters.
    if code.startswith(_CONSTRUCTION_PREFIXES) or code in _CONSTRUCTION_EXTRA:
        return LandCategory.construction
    raise UnknownLandClass(dlbm)


# The ridge (田坎) deducted from a farmland 图斑 is itself other agricultural land (1203).
RIDGE = LandCategory.other_agricultural
