from __future__ import annotations

import pytest

from ui.runner import Runner


@pytest.fixture
def runner(qapp) -> Runner:  # type: ignore[no-untyped-def]
    return Runner(synchronous=True)
