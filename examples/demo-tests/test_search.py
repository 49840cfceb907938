"""test_search.py — a pytest module against the demo server, checked per case through
integrations/pytest/leakwatch_pytest.py."""

import json
import os
import urllib.request


def get(path):
    port = os.environ["LEAKWATCH_SERVER_PORT"]
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}",
                                     headers={"Connection": "close"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, response.read().decode()


def test_health_is_ok():
    status, body = get("/health")
    assert status == 200
    assert json.loads(body)["status"] == "ok"


def test_work_leaves_nothing_behind():
    for _ in range(3):
        assert get("/work")[0] == 200
