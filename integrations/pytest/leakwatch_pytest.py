"""leakwatch_pytest — per-case leak checks by ``leakwatch run`` for pytest suites.

Under ``leakwatch run`` (a module with ``framework: pytest``) the runner passes
``LEAKWATCH_CONTROL_FD``, an inherited SOCK_SEQPACKET socket. This plugin tells the runner where
every test begins and ends, so that it can snapshot the server (and this process) around each
test; when the runner answers that a test leaked, the test is reported as an error at teardown
in pytest's own output and exit status::

    _______________ ERROR at teardown of test_spawns_helper _______________
    leakwatch: case leaked (checked by leakwatch run): server: pidfd +1

It is one file, standard library and pytest only (tested with Debian 12's python3-pytest 7.2),
and a package, ``leakwatch-pytest`` (pyproject.toml beside it). Installed, pytest loads it by
itself through its ``pytest11`` entry point, with nothing on the command line (offline, with
setuptools and wheel installed: add ``--no-build-isolation --no-index``)::

    python3 -m pip install <leakwatch>/integrations/pytest
    python3 -m pytest tests/

Without installing it, load it by name with this directory on the module path::

    PYTHONPATH=<leakwatch>/integrations/pytest python3 -m pytest -p leakwatch_pytest tests/

or list ``leakwatch_pytest`` in ``pytest_plugins`` of a conftest.py. Both work with the package
installed too (the entry point is named ``leakwatch_pytest``, as the module, so pytest registers
it once). Without LEAKWATCH_CONTROL_FD (and without LEAKWATCH_SELECT and LEAKWATCH_REPEAT,
below) the plugin does nothing, so it can stay installed and loaded when the suite runs on its
own; ``-p no:leakwatch_pytest`` leaves it out.

What it sends (docs/control-protocol.md has the whole protocol):

* ``hello 1 <pid> pytest`` when pytest is configured;
* ``plan <nodeid>`` for each test that will run, once collection (and deselection) is done; no
  answer comes;
* ``case-begin <nodeid>`` before the test's setup (fixtures included), and waits for the answer:
  the runner's "before" snapshot is taken by then;
* ``case-end <nodeid> <passed|failed|skipped>`` after its teardown; the answer is ``ok`` or
  ``leak <summary>``;
* ``bye`` when pytest finishes.

Node ids are pytest's own (``tests/test_api.py::TestLogin::test_ok[param]``, relative to the
rootdir); spaces, ``%`` and bytes outside printable ASCII are %-escaped on the wire.

With ``LEAKWATCH_CONTROL_ANSWERS=none`` (set by a runner whose per-test checks are off) the
plugin reports every test and waits for no answer.

A runner that does not answer within ``LEAKWATCH_CONTROL_TIMEOUT`` (a duration such as ``500ms``
or ``2m``; default 60 s), or that has gone away, costs one warning on stderr; the tests then run
on without checks. The runner's verdicts hold for tests that run one at a time: do not combine
the plugin with pytest-xdist (its workers are left out quietly). A fixture of module or session
scope is set up in the first test that uses it and torn down in the last, so resources it holds
in the server count against the first test: give the server check slack for them, or open them
outside the tests.

Two more variables choose what runs; they work with or without the runner (``LEAKWATCH_CONTROL_FD``)
and are how ``leakwatch run`` retries failed tests and repeats them to hunt leaks:

* ``LEAKWATCH_SELECT``: node ids separated by newlines (``"\\n"``), exactly as pytest spells them
  and as case-begin carries them before escaping (``sample.py::test_param[a b]``). Only those tests
  run; the others are deselected (counted as "deselected" in pytest's summary, as with ``-k``).
  Empty lines are ignored; unset or empty selects everything. The selection applies after the
  command's own ``-k``, ``-m`` and ``--deselect``; a listed id that is not among the tests this
  run would run fails the session before any test runs (exit status 4)::

      ERROR: LEAKWATCH_SELECT names a test that this run did not collect: sample.py::test_gone

* ``LEAKWATCH_REPEAT``: runs each test that many times in a row (a whole number >= 1, default 1;
  unset or empty is 1; anything else fails the session, exit status 4, with
  ``ERROR: LEAKWATCH_REPEAT="x" is not a whole number >= 1``). Each run is a test of its own for
  the runner (its case-begin and case-end, with the same node id) and for pytest's counts and
  reports; function-scope fixtures are set up and torn down in each run, fixtures of wider scope
  stay up from the first run to the last, so one-time set-up is paid in the first run only. A
  failure in any run fails the session; ``-x`` / ``--maxfail`` stop the repetitions too.
"""

from __future__ import annotations

import errno
import math
import os
import re
import socket
import sys
from typing import Dict, List, Optional

import pytest
from _pytest.runner import runtestprotocol

CONTROL_FD_VARIABLE = "LEAKWATCH_CONTROL_FD"
CONTROL_TIMEOUT_VARIABLE = "LEAKWATCH_CONTROL_TIMEOUT"
# "none": the runner checks nothing per test and answers nothing; send and carry on.
CONTROL_ANSWERS_VARIABLE = "LEAKWATCH_CONTROL_ANSWERS"
SELECT_VARIABLE = "LEAKWATCH_SELECT"
REPEAT_VARIABLE = "LEAKWATCH_REPEAT"
DEFAULT_TIMEOUT = 60.0  # seconds
PROTOCOL_VERSION = 1
MAX_PACKET = 64 * 1024
LEAK_MESSAGE = "leakwatch: case leaked (checked by leakwatch run): "

_DURATION = re.compile(r"(\d+\.?\d*|\.\d+)(ns|us|ms|s|m|h)")
_SCALE = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def escape_id(case_id: str) -> str:
    """A case id as one token on the wire: "a b" -> "a%20b" (UTF-8 bytes are escaped)."""
    out = []
    for byte in case_id.encode("utf-8", "surrogateescape"):
        if byte <= 0x20 or byte >= 0x7F or byte == 0x25:
            out.append("%{:02X}".format(byte))
        else:
            out.append(chr(byte))
    return "".join(out)


def parse_duration(text: str) -> float:
    """Seconds in a duration written as leakwatch writes them ("200ms", "1.5s", "2m")."""
    match = _DURATION.fullmatch(text)
    if not match:
        raise ValueError(
            'invalid duration "{}" (write e.g. 500ms, 1s, 2m)'.format(text))
    return float(match.group(1)) * _SCALE[match.group(2)]


def _spoken(seconds: float) -> str:
    """How a warning states a timeout: "60 s", "200 ms" (as the C++ client does)."""
    ms = math.ceil(seconds * 1000 - 1e-6)
    return "{} s".format(ms // 1000) if ms % 1000 == 0 else "{} ms".format(ms)


def _warn(text: str) -> None:
    # The real stderr: these lines are about the run, not about the test being captured.
    stream = sys.__stderr__ or sys.stderr
    stream.write("leakwatch: " + text + "\n")
    stream.flush()


class Reply:
    """The runner's answer to a case message; answered is False when it timed out or is gone."""

    def __init__(self, answered: bool = False, leak: bool = False, summary: str = ""):
        self.answered = answered
        self.leak = leak
        self.summary = summary


class ControlClient:
    """The test process's end of the control channel (see the C++ ControlClient).

    Every wait is bounded by the timeout, and every failure leaves the client disconnected after
    one warning: the runner observes the tests and must never hang or fail them.
    """

    def __init__(self, sock: socket.socket, timeout: float, answers: bool = True):
        self._sock: Optional[socket.socket] = sock
        self.timeout = timeout
        self.answers = answers
        sock.settimeout(timeout)

    @classmethod
    def from_environment(cls, framework: str = "pytest") -> Optional["ControlClient"]:
        value = os.environ.get(CONTROL_FD_VARIABLE)
        if value is None:
            return None

        def ignore(why: str) -> None:
            _warn("ignoring {}={}: {}".format(CONTROL_FD_VARIABLE, value, why))

        if not value.isascii() or not value.isdigit():
            ignore("not a file descriptor number")
            return None
        fd = int(value)
        try:
            sock = socket.socket(fileno=fd)
        except OSError as error:
            if error.errno == errno.EBADF:
                ignore("fd {} is not open".format(fd))
            elif error.errno == errno.ENOTSOCK:
                ignore("fd {} is not a socket".format(fd))
            else:
                ignore("fd {}: {}".format(fd, error.strerror))
            return None
        if sock.type != socket.SOCK_SEQPACKET or sock.family != socket.AF_UNIX:
            sock.detach()  # not ours to close
            ignore("fd {} is not a SOCK_SEQPACKET Unix socket".format(fd))
            return None
        # Programs the tests start must not hold the channel open after we exit.
        os.set_inheritable(fd, False)

        timeout = DEFAULT_TIMEOUT
        text = os.environ.get(CONTROL_TIMEOUT_VARIABLE)
        if text:
            try:
                timeout = parse_duration(text)
            except ValueError as error:
                _warn("ignoring {}: {}; waiting at most {} for the runner".format(
                    CONTROL_TIMEOUT_VARIABLE, error, _spoken(DEFAULT_TIMEOUT)))
        client = cls(sock, timeout, os.environ.get(CONTROL_ANSWERS_VARIABLE) != "none")
        client._send("hello {} {} {}".format(PROTOCOL_VERSION, os.getpid(),
                                             escape_id(framework)), "hello")
        return client

    @property
    def connected(self) -> bool:
        return self._sock is not None

    def plan(self, case_id: str) -> None:
        """Tells the runner a test this run means to run; no answer comes."""
        self._send("plan " + escape_id(case_id), "plan " + case_id)

    def case_begin(self, case_id: str) -> Reply:
        return self._exchange("case-begin " + escape_id(case_id), "case-begin " + case_id)

    def case_end(self, case_id: str, outcome: str) -> Reply:
        assert outcome in ("passed", "failed", "skipped")
        return self._exchange("case-end {} {}".format(escape_id(case_id), outcome),
                              "case-end " + case_id)

    def bye(self) -> None:
        """Says bye without waiting and closes the channel."""
        if self._sock is None:
            return
        try:
            self._sock.setblocking(False)
            self._sock.send(b"bye", socket.MSG_NOSIGNAL)
        except OSError:
            pass  # the runner learns the same from the EOF
        self._close()

    def _close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def _disconnect(self, why: str) -> None:
        self._close()
        _warn(why + "; carrying on without it")

    def _send(self, packet: str, what: str) -> bool:
        if self._sock is None:
            return False
        try:
            # MSG_NOSIGNAL: a vanished runner gives EPIPE, never SIGPIPE.
            self._sock.send(packet.encode("ascii"), socket.MSG_NOSIGNAL)
            return True
        except socket.timeout:
            self._disconnect("the runner did not take {} within {}".format(
                what, _spoken(self.timeout)))
        except OSError as error:
            self._disconnect("cannot send {} to the runner: {}".format(what, error.strerror))
        return False

    def _exchange(self, packet: str, what: str) -> Reply:
        if not self._send(packet, what) or not self.answers:
            return Reply()
        assert self._sock is not None
        try:
            # Python retries the wait after a signal with the time left (PEP 475).
            data = self._sock.recv(MAX_PACKET + 1)
        except socket.timeout:
            self._disconnect("the runner did not answer {} within {}".format(
                what, _spoken(self.timeout)))
            return Reply()
        except OSError as error:
            self._disconnect("reading the runner's answer to {}: {}".format(what, error.strerror))
            return Reply()
        if not data:
            self._disconnect(
                "the runner closed the control channel before answering {}".format(what))
            return Reply()
        if len(data) > MAX_PACKET:
            self._disconnect("the runner's answer to {} is longer than {} bytes".format(
                what, MAX_PACKET))
            return Reply()
        if data == b"ok":
            return Reply(answered=True)
        if data == b"leak" or data.startswith(b"leak "):
            return Reply(answered=True, leak=True,
                         summary=data[5:].decode("utf-8", "replace"))
        shown = data[:80].decode("ascii", "backslashreplace")
        self._disconnect('the runner answered {} with "{}", not ok or leak'.format(what, shown))
        return Reply()


class _LeakRepr:
    """A leak shown as pytest shows a failure: in the report and on the short summary line."""

    def __init__(self, message: str):
        self.message = message
        # The short summary ("ERROR nodeid - <message>") reads longrepr.reprcrash.message.
        self.reprcrash = self

    def toterminal(self, out) -> None:
        out.line(self.message)

    def __str__(self) -> str:
        return self.message


def _outcome(reports: List[pytest.TestReport]) -> str:
    """passed, failed or skipped, from the reports of a test's setup, call and teardown."""
    if any(report.failed for report in reports):
        return "failed"
    if any(report.skipped for report in reports):
        return "skipped"
    return "passed"


class LeakwatchPlugin:
    """The hooks, registered only when there is a runner to talk to."""

    def __init__(self, client: ControlClient):
        self.client = client
        self.reports: Dict[str, List[pytest.TestReport]] = {}
        self.checked = 0
        self.leaked = 0

    # A wrapper around every plugin's filtering (-k, -m, LEAKWATCH_SELECT): what is left is what
    # runs, so that the runner can report the tests a crash keeps from running. Nothing is sent
    # when the filtering failed (the session ends before any test).
    @pytest.hookimpl(hookwrapper=True)
    def pytest_collection_modifyitems(self, items: List[pytest.Item]):
        outcome = yield
        if outcome.excinfo is not None:
            return
        for nodeid in dict.fromkeys(item.nodeid for item in items):
            self.client.plan(nodeid)

    # tryfirst: the outermost wrapper, so the runner's snapshot comes before anything the other
    # plugins' setup wrappers do for the test, and our warnings are not captured with its output.
    @pytest.hookimpl(hookwrapper=True, tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item):
        self.reports[item.nodeid] = []
        # The answer carries nothing yet; what matters is that it came (the snapshot is taken).
        self.client.case_begin(item.nodeid)
        yield

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        outcome = yield
        report: pytest.TestReport = outcome.get_result()
        reports = self.reports.setdefault(item.nodeid, [])
        reports.append(report)
        if call.when != "teardown":
            return
        # The test's fixtures are torn down: everything it opened should be closed by now.
        del self.reports[item.nodeid]
        reply = self.client.case_end(item.nodeid, _outcome(reports))
        if reply.answered:
            self.checked += 1
        if not reply.leak:
            return
        self.leaked += 1
        message = LEAK_MESSAGE + reply.summary
        if report.failed:
            # Teardown already failed: keep its traceback, add ours below it.
            report.sections.append(("leakwatch", message))
        else:
            # Reported like a failing teardown: the test is an error in the summary, in JUnit
            # XML and in the exit status; its call report (already printed) stays as it was.
            report.outcome = "failed"
            report.longrepr = _LeakRepr(message)

    def pytest_terminal_summary(self, terminalreporter) -> None:
        terminalreporter.write_line("leakwatch: {} cases checked by leakwatch run, {} leaked".format(
            self.checked, self.leaked))


def parse_selection(text: str) -> List[str]:
    """The node ids in LEAKWATCH_SELECT, in order, without duplicates or empty lines."""
    return list(dict.fromkeys(line for line in text.split("\n") if line))


def parse_repeat(text: str) -> int:
    """The number of runs in LEAKWATCH_REPEAT: "" -> 1, "3" -> 3; raises ValueError otherwise."""
    if not text:
        return 1
    if not text.isascii() or not text.isdigit() or int(text) < 1:
        raise ValueError(text)
    return int(text)


class RunChoice:
    """LEAKWATCH_SELECT and LEAKWATCH_REPEAT, registered only when one of them is set."""

    def __init__(self, selection: List[str], repeat: int):
        self.selection = selection
        self.repeat = repeat

    # trylast: after -k, -m and --deselect have had their say, so that a listed test they leave
    # out is an error too (the runner must not count a test that did not run as passed).
    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config: pytest.Config,
                                      items: List[pytest.Item]) -> None:
        if not self.selection:
            return
        wanted = set(self.selection)
        present = {item.nodeid for item in items}
        missing = [nodeid for nodeid in self.selection if nodeid not in present]
        if missing:
            raise pytest.UsageError(*[
                "{} names a test that this run did not collect: {}".format(SELECT_VARIABLE, nodeid)
                for nodeid in missing
            ])
        selected = [item for item in items if item.nodeid in wanted]
        deselected = [item for item in items if item.nodeid not in wanted]
        if deselected:
            config.hook.pytest_deselected(items=deselected)
            items[:] = selected

    # tryfirst: runs the test's whole protocol (setup, call, teardown, with their reports) once
    # per repetition in place of pytest's own pytest_runtest_protocol.
    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: Optional[pytest.Item]):
        if self.repeat == 1:
            return None
        session = item.session
        for run in range(1, self.repeat + 1):
            if run > 1:
                # Captured output and log sections pile up on the item: each run shows its own.
                sections = getattr(item, "_report_sections", None)
                if isinstance(sections, list):
                    sections.clear()
            # Between the runs only the item itself is torn down (its function-scope fixtures):
            # the nodes it descends from, and the fixtures they hold, stay set up. pytest's
            # teardown_exact(nextitem) keeps the nodes nextitem descends from; passing the item
            # itself would keep the item too (and skip its next setup), so the parent it is.
            following = nextitem if run == self.repeat else item.parent
            item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
            runtestprotocol(item, log=True, nextitem=following)  # type: ignore[arg-type]
            item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
            if session.shouldfail or session.shouldstop:
                break  # -x, --maxfail: the session tears down what is still set up at its end
        return True


_PLUGIN_NAME = "leakwatch-control"
_CHOICE_PLUGIN_NAME = "leakwatch-select"


def _run_choice() -> Optional[RunChoice]:
    """The choice made by LEAKWATCH_SELECT and LEAKWATCH_REPEAT; raises pytest.UsageError."""
    text = os.environ.get(REPEAT_VARIABLE, "")
    try:
        repeat = parse_repeat(text)
    except ValueError:
        raise pytest.UsageError('{}="{}" is not a whole number >= 1'.format(
            REPEAT_VARIABLE, text)) from None
    selection = parse_selection(os.environ.get(SELECT_VARIABLE, ""))
    if not selection and repeat == 1:
        return None
    return RunChoice(selection, repeat)


def pytest_configure(config: pytest.Config) -> None:
    # First: a bad LEAKWATCH_REPEAT fails the session before anything is said to the runner.
    choice = _run_choice()
    if choice is not None:
        config.pluginmanager.register(choice, _CHOICE_PLUGIN_NAME)
    if CONTROL_FD_VARIABLE not in os.environ:
        return
    if hasattr(config, "workerinput"):
        return  # a pytest-xdist worker: the channel (close-on-exec) stayed with the controller
    client = ControlClient.from_environment("pytest")
    if client is not None:
        config.pluginmanager.register(LeakwatchPlugin(client), _PLUGIN_NAME)


def pytest_unconfigure(config: pytest.Config) -> None:
    plugin = config.pluginmanager.get_plugin(_PLUGIN_NAME)
    if plugin is not None:
        plugin.client.bye()
        config.pluginmanager.unregister(plugin, _PLUGIN_NAME)
    choice = config.pluginmanager.get_plugin(_CHOICE_PLUGIN_NAME)
    if choice is not None:
        config.pluginmanager.unregister(choice, _CHOICE_PLUGIN_NAME)
