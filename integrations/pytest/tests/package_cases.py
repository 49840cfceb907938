"""A plain pytest suite for the test of the installed package (pytest_package_test.cpp).

The test copies it into a fresh project directory as test_package.py and has `leakwatch run` run
it with the python of a venv that leakwatch-pytest is installed in: nothing here (and nothing on
the command line) names the plugin. Not collected by name here (no test_ prefix).

  test_clean                  asks the server for /health; leaves nothing behind
  test_leaks_an_eventfd       leaks an eventfd in this process (the test process)
  test_leaks_in_the_server    has the server leak an eventfd (demo-server's /leak/eventfd)
  test_clean_after_the_leaks  as test_clean: the leaks above are not blamed on it
"""

import os
import urllib.request

_leaked = []  # the planted leak in this process: kept open on purpose


def _get(path):
    port = os.environ["LEAKWATCH_SERVER_PORT"]
    request = urllib.request.Request("http://127.0.0.1:{}{}".format(port, path),
                                     headers={"Connection": "close"})
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
        return response.status


def test_clean():
    assert _get("/health") == 200


def test_leaks_an_eventfd():
    _leaked.append(os.eventfd(0))


def test_leaks_in_the_server():
    assert _get("/leak/eventfd") == 200


def test_clean_after_the_leaks():
    assert _get("/health") == 200
