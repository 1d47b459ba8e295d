"""The one worker protocol (``forms.packages.parallel``), with real worker processes: every
item once, the caller sharing the work, the state delivered to the workers, failures and
small inputs handled here."""

from __future__ import annotations

import os

import pytest

from forms.packages import parallel


def _tagged(items: list[int]) -> list[tuple[int, int, object, object] | None]:
    """A worker's task: each item squared, with the worker's pid and state."""
    state = parallel.worker_state()
    return [(i, i * i, os.getpid(), (state.trust, state.criteria)) for i in items]


def _skips_odd(items: list[int]) -> list[int | None]:
    return [None if i % 2 else -i for i in items]


def _fails(items: list[int]) -> list[int | None]:
    raise ValueError("a worker's task failing (simulated)")


def test_every_item_once_shared_with_a_worker_and_the_state_delivered():
    items = list(range(200))
    got = list(
        parallel.share(
            items,
            _tagged,
            trust={"registry": 1},
            criteria={"h": "set"},
            workers=1,
            chunk=8,
            minimum=10,
        )  # fmt: skip
    )
    assert sorted(i for i, _r in got) == items  # each index exactly once
    from_workers = [(i, r) for i, r in got if r is not None]
    assert from_workers, "the worker verified none"
    for i, (item, square, pid, state) in from_workers:
        assert item == items[i] and square == item * item
        assert pid != os.getpid() and state == ({"registry": 1}, {"h": "set"})


def test_in_input_order_collects_results_in_order_and_does_the_rest_here():
    items = list(range(120))
    done_here = []

    def finish(item: int, result: int | None) -> int:
        if result is None:
            done_here.append(item)
            return -item
        return result

    out = parallel.in_input_order(items, _skips_odd, finish, trust=None, criteria=None,
                                  workers=1, chunk=4, minimum=10)  # fmt: skip
    assert out == [-i for i in items]
    # odd items the worker left to the caller, and the caller's own share
    assert {i for i in items if i % 2} <= set(done_here)


@pytest.mark.parametrize(("workers", "count"), [(0, 500), (2, 9)])
def test_no_process_started_without_workers_or_below_the_minimum(workers, count):
    got = list(parallel.share(list(range(count)), _tagged, trust=None, criteria=None,
                              workers=workers, minimum=10))  # fmt: skip
    assert got == [(i, None) for i in range(count)]


def test_a_failing_task_costs_time_not_items():
    got = list(parallel.share(list(range(64)), _fails, trust=None, criteria=None,
                              workers=1, chunk=8, minimum=10))  # fmt: skip
    assert sorted(got) == [(i, None) for i in range(64)]


def test_worker_state_outside_a_worker_is_refused_then_set_for_this_process(monkeypatch):
    monkeypatch.setattr(parallel, "_state", [])
    with pytest.raises(RuntimeError):
        parallel.worker_state()
    parallel.set_worker_state("trust", {"h": 1})
    assert parallel.worker_state() == parallel.WorkerState("trust", {"h": 1})
