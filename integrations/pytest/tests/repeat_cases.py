"""Sample tests for LEAKWATCH_REPEAT in the plugin's own tests (pytest_plugin_test.cpp).

Every fixture set-up and teardown and every test run is logged, one line each, to the file named
by LEAKWATCH_SAMPLE_LOG (a per-test temporary file), so the test there can check which of them
ran once and which once per repetition. Not collected by name (no test_ prefix).
"""

import os

import pytest

_runs = 0


def _log(event):
    path = os.environ.get("LEAKWATCH_SAMPLE_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as log:
            log.write(event + "\n")


@pytest.fixture(scope="module")
def server():
    _log("module setup")
    yield
    _log("module teardown")


@pytest.fixture
def connection():
    _log("function setup")
    yield
    _log("function teardown")


def test_first(server, connection):
    _log("test_first")


def test_fails_in_second_run(server):
    """Fails in its second run only: its runs share this process (and the module's globals)."""
    global _runs
    _runs += 1
    _log("test_fails_in_second_run {}".format(_runs))
    assert _runs != 2, "planted failure in the second run"


def test_last(server, connection):
    _log("test_last")
