"""The preview's checker thread: it runs the newest job and drops the ones a newer job overtook."""

from __future__ import annotations

import threading
import time

from soc_bulletin.site.latest import LatestWorker


def test_jobs_overtaken_before_their_turn_are_dropped() -> None:
    started, release = threading.Event(), threading.Event()
    done: list[int] = []
    finished = threading.Event()

    def work(item: int) -> None:
        if item == 1:
            started.set()
            assert release.wait(10)
        done.append(item)
        if item == 4:
            finished.set()

    worker = LatestWorker(work, name="test-worker")
    try:
        worker.submit(1)
        assert started.wait(10)
        for item in (2, 3, 4):  # while 1 runs: only the newest waits
            worker.submit(item)
        release.set()
        assert finished.wait(10)
    finally:
        worker.close()
    assert done == [1, 4]


def test_a_failing_job_does_not_end_the_worker() -> None:
    raised, done = threading.Event(), threading.Event()

    def work(item: int) -> None:
        if item == 1:
            raised.set()
            raise RuntimeError("a bug")
        done.set()

    worker = LatestWorker(work, name="test-worker")
    try:
        worker.submit(1)
        assert raised.wait(10)
        worker.submit(2)
        assert done.wait(10)
    finally:
        worker.close()


def test_close_waits_for_the_running_job_and_drops_the_waiting_one() -> None:
    started, release = threading.Event(), threading.Event()
    ran: list[int] = []

    def work(item: int) -> None:
        if item == 1:
            started.set()
            assert release.wait(10)
        ran.append(item)

    worker = LatestWorker(work, name="test-worker")
    worker.submit(1)
    assert started.wait(10)
    worker.submit(2)  # waits behind 1
    closing = threading.Thread(target=worker.close)
    closing.start()
    for _ in range(10_000):  # until close() has marked the worker closed (then job 1 is released)
        if worker._closed:
            break
        time.sleep(0.001)
    release.set()
    closing.join(10)
    assert not closing.is_alive() and not any(t.name == "test-worker" for t in threading.enumerate())
    assert ran == [1]
