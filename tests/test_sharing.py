"""A pass takes every core only when it has the machine to itself, across the server's processes."""

from __future__ import annotations

import multiprocessing
import os
import signal
from pathlib import Path

import numpy as np
import pytest

from sightline.detection.images import load_image
from sightline.detection.options import DetectOptions
from sightline.detection.registry import ModelRegistry
from sightline.server.core_sharing import PassTracker


def _hold(lock_file: Path, what: str, started, release) -> None:
    tracker = PassTracker(lock_file)
    with tracker.running() if what == "pass" else tracker.busy():
        started.set()
        release.wait(30)


@pytest.fixture(params=["pass"])
def other_worker(request, tmp_path):
    """Another process running a pass (or busy with a request: parametrize with "busy") until
    `release` is set or it is killed."""
    context = multiprocessing.get_context("spawn")
    started, release = context.Event(), context.Event()
    process = context.Process(target=_hold, args=(tmp_path / "passes", request.param, started, release))
    process.start()
    assert started.wait(30), "the other process never started its pass"
    yield process, release
    if process.is_alive():  # setting the event would wait for a killed process to wake up
        release.set()
        process.join(10)
    if process.is_alive():
        process.kill()


def test_a_lone_pass_is_alone() -> None:
    tracker = PassTracker()
    with tracker.running() as alone:
        assert alone
    with tracker.running() as alone:
        assert alone


def test_a_pass_beside_a_busy_request_of_its_own_process_is_alone(tmp_path) -> None:
    # That request waits for the pass, or runs its pass on the same model lock afterwards.
    tracker = PassTracker(tmp_path / "passes")
    with tracker.busy(), tracker.running() as alone:
        assert alone


def test_a_pass_beside_another_in_the_same_process_is_not_alone() -> None:
    tracker = PassTracker()
    with tracker.running() as first, tracker.running() as second:
        assert first and not second
    with tracker.running() as alone:
        assert alone


@pytest.mark.parametrize("other_worker", ["pass", "busy"], indirect=True)
@pytest.mark.parametrize("ending", ["finished", "killed"])
def test_a_pass_sees_another_process_at_work_until_it_ends(tmp_path, other_worker, ending) -> None:
    # "busy": decoding a photo or between two passes of a request, not in a pass itself.
    process, release = other_worker
    tracker = PassTracker(tmp_path / "passes")
    with tracker.running() as alone:
        assert not alone
    if ending == "finished":
        release.set()
    else:  # the kernel drops a dead process's locks: nothing stale is left behind
        os.kill(process.pid, signal.SIGKILL)
    process.join(10)
    with tracker.running() as alone:
        assert alone


def test_a_pass_beside_another_runs_on_one_core_with_the_same_detections(
    models_dir, samples_dir, tmp_path, other_worker
) -> None:
    registry = ModelRegistry(models_dir, threads=2, passes=PassTracker(tmp_path / "passes"))
    forward = registry.get("nanodet").forward
    assert forward.session.get_session_options().intra_op_num_threads == 2
    assert forward.one_core_session.get_session_options().intra_op_num_threads == 1
    used = []
    for name in ("session", "one_core_session"):
        session = getattr(forward, name)
        original = session.run
        session.run = lambda *args, _name=name, _run=original: used.append(_name) or _run(*args)

    photo = load_image((samples_dir / "dog.jpg").read_bytes())
    beside = registry.get("nanodet").detect([photo], DetectOptions())[0]
    process, release = other_worker
    release.set()
    process.join(10)
    alone = registry.get("nanodet").detect([photo], DetectOptions())[0]

    assert used == ["one_core_session", "session"]
    assert list(beside.labels) == list(alone.labels) and len(alone.labels) > 0
    np.testing.assert_allclose(beside.boxes, alone.boxes, atol=1e-3)
    np.testing.assert_allclose(beside.scores, alone.scores, atol=1e-5)


def test_without_a_tracker_there_is_one_session(models_dir) -> None:
    forward = ModelRegistry(models_dir, threads=2).get("nanodet").forward
    assert forward.one_core_session is None
