from __future__ import annotations

import pytest

from gbdsp.clock import ManualClock
from gbdsp.store.store import Store
from tests.security.world import World, build_world


@pytest.fixture
def world(store: Store, clock: ManualClock) -> World:
    return build_world(store, clock)
