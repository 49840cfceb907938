"""pytest cases for the end-to-end tests of `leakwatch run` (run under the leakwatch_pytest plugin).

  test_fails_once   fails while the file named by LW_FLAKY_FILE does not exist (and creates it)
  test_once_only    opens an eventfd the first time it runs in a process (a cache), never again
  test_every_run    leaks an eventfd each time it runs
"""

import os

_cache = []   # one-time initialisation, not a leak
_leaked = []  # the planted leak: kept open on purpose


def test_fails_once():
    marker = os.environ["LW_FLAKY_FILE"]
    if not os.path.exists(marker):
        open(marker, "w", encoding="utf-8").close()
        raise AssertionError("first attempt fails")


def test_once_only():
    if not _cache:
        _cache.append(os.eventfd(0))


def test_every_run():
    _leaked.append(os.eventfd(0))
