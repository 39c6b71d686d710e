"""规: the three control lines (三条控制线), at planning."""

from __future__ import annotations

from tests.integration.rules.helpers import refused


def test_red_line_refuses_planning_without_an_allowed_activity(world):
    pid = world.survey(control_lines={"red_line_m2": "300"})
    assert refused(world, pid, "plan") == {"RED_LINE_CONFLICT"}
    assert refused(world, pid, "plan", red_line_activity={
        "category": "shopping_mall", "determination_ref": "x"}) == {"RED_LINE_CONFLICT"}
    world.fire(pid, "plan", red_line_activity={"category": "linear_infrastructure",
                                               "determination_ref": "渝规资红认〔2023〕5号"})
    assert world.state_of(pid) == "planned"


def test_basic_farmland_is_planned_only_for_a_listed_major_project(world):
    pid = world.survey(control_lines={"basic_farmland_m2": "2000"})
    assert refused(world, pid, "plan") == {"BASIC_FARMLAND_PROTECTED"}
    world.fire(pid, "plan", major_project={"category": "transport", "name": "渝湘高铁石柱段",
                                           "approval_ref": "国函〔2022〕88号"})
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
