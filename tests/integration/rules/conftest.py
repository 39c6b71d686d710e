"""The fixture every rule test starts from: a seeded world on the test database."""

from __future__ import annotations

import pytest

from tests.factories import World


@pytest.fixture
def world(runtime):
    return World(runtime)
