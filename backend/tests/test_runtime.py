import gc
import sys
import weakref

import pytest

from fraudops.core.runtime import tune_for_serving


class Node:
    """An object in a reference cycle: only the cyclic collector frees it."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def restore_interpreter():
    interval = sys.getswitchinterval()
    yield
    gc.unfreeze()
    sys.setswitchinterval(interval)


def test_start_up_objects_are_frozen_and_later_cycles_still_collected(restore_interpreter):
    gc.unfreeze()
    garbage_before = weakref.ref(Node())  # unreachable already: the start-up collection frees it
    alive_before = Node()

    tune_for_serving()

    assert garbage_before() is None
    assert gc.get_freeze_count() > 0
    assert gc.is_tracked(alive_before) and not any(alive_before is o for o in gc.get_objects())
    assert sys.getswitchinterval() == pytest.approx(0.0005)

    garbage_after = weakref.ref(Node())
    gc.collect()
    assert garbage_after() is None
