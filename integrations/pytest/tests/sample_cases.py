"""Sample tests for the leakwatch pytest plugin's own tests (pytest_plugin_test.cpp).

The test there plays the runner: it checks the messages each of these sends and answers "leak"
for test_leaked_in_server. Not collected by name (no test_ prefix): it is passed explicitly.
"""

import os

import pytest


def test_passes():
    pass


def test_fails():
    assert 1 == 2, "planted failure"


@pytest.mark.skip(reason="planted skip")
def test_skipped():
    pass


def test_leaked_in_server():
    """The playing runner answers "leak server: pidfd +1" for this one."""


@pytest.mark.parametrize("word", ["a b", "100%"])
def test_param(word):
    assert word


def test_channel_is_close_on_exec():
    """Programs a test starts must not inherit the control channel."""
    value = os.environ.get("LEAKWATCH_CONTROL_FD")
    if value is None:
        pytest.skip("not under a runner")
    try:
        inheritable = os.get_inheritable(int(value))
    except OSError:
        pytest.skip("the plugin has left the runner and closed the channel")
    assert not inheritable


class TestGroup:
    def test_method(self):
        pass


@pytest.fixture
def breaks_in_teardown():
    yield
    raise RuntimeError("planted teardown error")


def test_teardown_error(breaks_in_teardown):
    pass
