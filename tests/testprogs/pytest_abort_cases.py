"""pytest cases for the end-to-end tests of `leakwatch run`: the second test aborts the process.

  test_before   passes
  test_aborts   kills the test process with SIGABRT in the middle of the test
  test_after    never runs
"""

import os


def test_before():
    pass


def test_aborts():
    os.abort()


def test_after():
    pass
