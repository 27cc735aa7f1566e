"""The decode budget: holders in arrival order, one over the budget alone, and a waiter that gives up never
blocks the others.

Admission is decided when a ticket is requested or released, so order is checked without threads; the two
threaded tests synchronise on events and on the budget's own condition (no sleeps, no timing).
"""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType

import pytest

from engine.data.images.decode_budget import PixelBudget, Ticket

WAIT_S = 10  # only reached when the budget is broken


def test_an_image_over_the_budget_is_admitted_alone() -> None:
    budget = PixelBudget(100)
    huge = budget.request(250)
    assert huge.admitted and budget.in_use == 250, "larger than the whole budget, yet never refused"
    small = budget.request(10)
    assert not small.admitted, "nothing decodes beside an image over the budget"
    huge.release()
    assert small.admitted and budget.in_use == 10


def test_tickets_are_served_in_arrival_order() -> None:
    budget = PixelBudget(100)
    first, large, small = budget.request(60), budget.request(60), budget.request(10)
    assert first.admitted and not large.admitted
    assert not small.admitted, "a small image that would fit waits behind the large one that came first"
    first.release()
    assert large.admitted and small.admitted and budget.in_use == 70 and budget.waiting == 0
    large.release()
    small.release()
    small.release()  # twice: nothing more is given back
    assert budget.in_use == 0


def test_a_waiter_that_gives_up_lets_the_next_one_in_at_once() -> None:
    budget = PixelBudget(100)
    first, gives_up, behind = budget.request(60), budget.request(100), budget.request(10)
    assert not gives_up.admitted and not behind.admitted
    gives_up.release()  # e.g. the scan was stopped while it waited
    assert behind.admitted and budget.in_use == 70, "the place of a ticket that left is not kept"
    assert not gives_up.wait(0) and budget.waiting == 0
    first.release()
    assert not gives_up.admitted and budget.in_use == 10, "a released ticket is never admitted later"


def _wait_for_waiting(budget: PixelBudget, count: int) -> None:
    with budget.condition:
        assert budget.condition.wait_for(lambda: budget.waiting == count, WAIT_S)


def test_a_thread_waiting_in_hold_decodes_when_the_pixels_are_given_back() -> None:
    budget = PixelBudget(100)
    first = budget.request(80)
    inside, leave = threading.Event(), threading.Event()

    def decode() -> None:
        with budget.hold(50):
            inside.set()
            leave.wait(WAIT_S)

    thread = threading.Thread(target=decode, daemon=True)
    thread.start()
    _wait_for_waiting(budget, 1)
    assert not inside.is_set(), "80 + 50 pixels do not fit in 100"
    first.release()
    assert inside.wait(WAIT_S) and budget.in_use == 50
    leave.set()
    thread.join(WAIT_S)
    assert not thread.is_alive() and budget.in_use == 0


class Interrupted(Exception):
    """What the test's signal handler raises, standing in for Ctrl+C (KeyboardInterrupt) in a waiting hold."""


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise Interrupted


@pytest.mark.skipif(sys.platform == "win32", reason="signals to a thread (pthread_kill) are POSIX only")
def test_a_hold_interrupted_while_waiting_leaves_the_queue() -> None:
    budget = PixelBudget(100)
    first = budget.request(100)
    behind: list[Ticket] = []

    def interrupt_the_waiter() -> None:
        _wait_for_waiting(budget, 1)  # the main thread is queued in hold(): a ticket now stands behind it
        behind.append(budget.request(10))
        main = threading.main_thread().ident
        assert main is not None
        signal.pthread_kill(main, signal.SIGUSR1)

    previous = signal.signal(signal.SIGUSR1, _interrupt)
    sender = threading.Thread(target=interrupt_the_waiter, daemon=True)
    sender.start()
    try:
        with pytest.raises(Interrupted), budget.hold(100):
            pytest.fail("admitted while the budget was full")
    finally:
        signal.signal(signal.SIGUSR1, previous)
        sender.join(WAIT_S)
    assert budget.waiting == 1, "the interrupted hold left the queue; only the ticket behind it waits"
    first.release()
    (ticket,) = behind
    assert ticket.admitted and budget.in_use == 10, "the next file is not kept waiting for ever"
