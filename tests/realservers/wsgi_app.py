"""wsgi_app — the application leakwatch's tests serve with gunicorn, a real pre-fork server.

gunicorn (Debian's python3-gunicorn) forks its workers from its master; each worker runs this
app. The routes are those of demo-server that lw-run-cases' Workers.* cases use, so that the same
cases run against a server leakwatch did not write:

  /health        {"status":"ok"}
  /work          opens and closes a file and a TCP socket: nothing left behind
  /leak/socket   a TCP socket kept open for good, in the worker that served the request:
                 "leaked socket in pid N"
  /retire        the worker asks itself to stop (SIGTERM: gunicorn's graceful worker exit) after
                 answering; the master forks a replacement: "retiring pid N"
"""

import os
import signal
import socket

_leaked = []  # kept open on purpose: the planted leak


def app(environ, start_response):
    path = environ.get("PATH_INFO", "/")
    status = "200 OK"
    if path == "/health":
        body = '{"status":"ok"}'
    elif path == "/work":
        with open("/proc/self/status", encoding="utf-8") as status_file:
            status_file.read()
        socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()
        body = "ok"
    elif path == "/leak/socket":
        _leaked.append(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
        body = f"leaked socket in pid {os.getpid()}"
    elif path == "/retire":
        os.kill(os.getpid(), signal.SIGTERM)  # handled after this request: a graceful exit
        body = f"retiring pid {os.getpid()}"
    else:
        status, body = "404 Not Found", f"not found: {path}"
    data = body.encode()
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(data)))])
    return [data]
