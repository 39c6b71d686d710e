"""规: the three control lines (三条控制线), at planning."""

from __future__ import annotations

from tests.integration.rules.helpers import refused


def test_red_line_refuses_planning_without_an_allowed_activity(world):
    pid = world.survey(control_lines={"red_line_m2": "300"})
    assert refused(world, pid, "plan") == {"RED_LINE_CONFLICT"}
    assert refused(world, pid, "plan", red_line_activity={
        "category": "shopping_mall", "determination_ref": "x"}) == {"RED_LINE_CONFLICT"}
    world.fire(pid, "plan", planned_use="transport",
               red_line_activity={"category": "linear_infrastructure",
                                  "determination_ref": "渝规资红认〔2023〕5号"})
    assert world.state_of(pid) == "planned"


def test_basic_farmland_is_planned_only_for_a_listed_major_project(world):
    pid = world.survey(control_lines={"basic_farmland_m2": "2000"})
    assert refused(world, pid, "plan") == {"BASIC_FARMLAND_PROTECTED"}
    world.fire(pid, "plan", planned_use="transport",
               major_project={"category": "transport", "name": "渝湘高铁石柱段",
                              "approval_ref": "国函〔2022〕88号"})
    assert world.state_of(pid) == "planned"


def test_basic_farmland_commodity_housing_under_a_transport_label_is_refused(world):
    """土地管理法 第三十五条: the exemption is for the key transport project itself; housing
    labelled `transport` does not occupy permanent basic farmland."""
    pid = world.survey(control_lines={"basic_farmland_m2": "2000"})
    project = {"category": "transport", "name": "渝湘高铁石柱段",
               "approval_ref": "国函〔2022〕88号"}
    assert refused(world, pid, "plan", planned_use="commodity_housing",
                   major_project=project) == {"BASIC_FARMLAND_USE_NOT_EXEMPT"}
    world.fire(pid, "plan", planned_use="transport", major_project=project)
    assert world.state_of(pid) == "planned"


def test_red_line_commodity_housing_under_a_linear_infrastructure_label_is_refused(world):
    """自然资发〔2022〕142号: inside the red line only the limited activity itself; housing
    labelled `linear_infrastructure` is development construction, prohibited."""
    pid = world.survey(control_lines={"red_line_m2": "300"})
    activity = {"category": "linear_infrastructure", "determination_ref": "渝规资红认〔2023〕5号"}
    assert refused(world, pid, "plan", planned_use="commodity_housing",
                   red_line_activity=activity) == {"RED_LINE_USE_NOT_EXEMPT"}
    world.fire(pid, "plan", planned_use="energy", red_line_activity=activity)
    assert world.state_of(pid) == "planned"


def test_land_outside_the_development_boundary_needs_a_village_plan(world):
    pid = world.survey(control_lines={"in_development_boundary": False})
    assert refused(world, pid, "plan") == {"OUTSIDE_DEVELOPMENT_BOUNDARY"}
    world.fire(pid, "plan", in_village_plan=True)
    assert world.state_of(pid) == "planned"


def test_several_violations_in_one_request_are_all_reported(world):
    pid = world.survey(control_lines={"red_line_m2": "100", "basic_farmland_m2": "100",
                                      "in_development_boundary": False})
    assert refused(world, pid, "plan", effective_date="2099-01-01") == {
        "RED_LINE_CONFLICT", "BASIC_FARMLAND_PROTECTED", "OUTSIDE_DEVELOPMENT_BOUNDARY",
        "EFFECTIVE_DATE_IN_FUTURE"}
