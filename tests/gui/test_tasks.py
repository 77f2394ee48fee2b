"""The task runner: results, errors as user text, cancel, progress, serial queues."""

from __future__ import annotations

import threading
import time

from keyvault_gui.tasks import ErrorText, TaskContext, TaskRunner, describe_error
from pytestqt.qtbot import QtBot

from keyvault.errors import WrongPassphraseError

from .conftest import wait_idle


def test_result_arrives_on_the_gui_thread(qtbot: QtBot, runner: TaskRunner) -> None:
    seen: list[tuple[object, bool]] = []
    gui_thread = threading.current_thread()

    def work(context: TaskContext) -> str:
        assert threading.current_thread() is not gui_thread
        return "done"

    runner.submit(
        "t", work, on_success=lambda r: seen.append((r, threading.current_thread() is gui_thread))
    )
    wait_idle(qtbot, runner)
    assert seen == [("done", True)]


def test_keyvault_error_becomes_its_user_text(qtbot: QtBot, runner: TaskRunner) -> None:
    errors: list[ErrorText] = []

    def work(context: TaskContext) -> None:
        raise WrongPassphraseError(hint="check caps lock")

    runner.submit("t", work, on_error=errors.append)
    wait_idle(qtbot, runner)
    assert errors == [ErrorText("incorrect passphrase", "check caps lock")]


def test_unexpected_error_shows_no_traceback_or_text(qtbot: QtBot, runner: TaskRunner) -> None:
    errors: list[ErrorText] = []

    def work(context: TaskContext) -> None:
        raise KeyError("some internal detail")

    runner.submit("t", work, on_error=errors.append)
    wait_idle(qtbot, runner)
    assert len(errors) == 1
    assert "KeyError" in errors[0].message
    assert "internal detail" not in errors[0].message
    assert "Traceback" not in errors[0].message


def test_describe_error_os_and_value_errors() -> None:
    assert describe_error(ValueError("dice rolls are the digits 1 to 6")).message == (
        "dice rolls are the digits 1 to 6"
    )
    # An OSError gets the core's typed words (as the CLI prints them) and its hint.
    text = describe_error(PermissionError(13, "Permission denied", "/x"))
    assert text.message == "permission denied: /x"
    assert text.hint == "choose a folder you may write to"


def test_cancel_stops_at_the_next_progress_report(qtbot: QtBot, runner: TaskRunner) -> None:
    started = threading.Event()
    cancelled: list[bool] = []
    succeeded: list[object] = []

    def work(context: TaskContext) -> int:
        started.set()
        for step in range(10_000):
            context.progress(step, 10_000, "loop")
            time.sleep(0.001)
        return 1

    handle = runner.submit(
        "long", work, on_success=succeeded.append, on_cancel=lambda: cancelled.append(True)
    )
    assert started.wait(10)
    handle.cancel()
    wait_idle(qtbot, runner)
    assert cancelled == [True]
    assert succeeded == []


def test_progress_is_throttled_but_the_last_report_arrives(
    qtbot: QtBot, runner: TaskRunner
) -> None:
    reports: list[tuple[str, int, int]] = []

    def work(context: TaskContext) -> None:
        callback = context.callback("dest")
        for done in range(0, 100_001, 10):
            callback(done, 100_000)

    runner.submit("p", work, on_progress=lambda *r: reports.append(r))
    wait_idle(qtbot, runner)
    assert reports[-1] == ("dest", 100_000, 100_000)
    assert len(reports) < 1000  # 10,001 callbacks did not become 10,001 signals


def test_tasks_on_one_queue_run_one_after_another(qtbot: QtBot, runner: TaskRunner) -> None:
    running = 0
    overlap: list[int] = []
    lock = threading.Lock()

    def work(context: TaskContext) -> None:
        nonlocal running
        with lock:
            running += 1
            overlap.append(running)
        time.sleep(0.02)
        with lock:
            running -= 1

    for number in range(4):
        runner.submit(f"q{number}", work, queue="dest:usb")
    wait_idle(qtbot, runner)
    assert overlap == [1, 1, 1, 1]


def test_submit_latest_delivers_only_the_newest(qtbot: QtBot, runner: TaskRunner) -> None:
    delivered: list[int] = []
    release = threading.Event()

    def slow(context: TaskContext) -> int:
        release.wait(10)
        return 1

    def fast(context: TaskContext) -> int:
        return 2

    runner.submit_latest("k", slow, delivered.append)
    runner.submit_latest("k", fast, delivered.append)
    qtbot.waitUntil(lambda: delivered == [2], timeout=10_000)
    release.set()
    wait_idle(qtbot, runner)
    assert delivered == [2]
