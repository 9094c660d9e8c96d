"""WSGI test app for faultline's uwsgi-nginx target (python3, stdlib only).

Why it exists: the checkers need a backend whose behaviour is known exactly. Each endpoint takes a
requested amount of time or data, so a request's expected outcome under harakiri, nginx timeouts and
recycling follows from its parameters; every response names the worker pid and the request id, and
side effects are counted in an append-only file that survives worker and master kills, so duplicates
and losses can be counted after the run.

Endpoints:
  GET  /sleep?ms=N               takes N ms, answers "slept N"
  GET  /stream?chunks=C&gap_ms=G streams C chunks, G ms apart (nginx's read timeout is per read)
  POST /body                     reads the whole body, answers its length
  POST /effect                   appends the request id to the effects file (once; twice when the
                                 FL_EFFECT_TWICE=1 broken variant is on), answers "done"
  GET  /effects                  JSON {effects: {rid: count}, started: {rid: [pid, t_ms]}, pid}
  GET  /health                   "ok"

Every request carrying X-Request-Id is journalled (rid, pid, wall-clock start in ms) when a worker
starts it, so a request that never got a response (killed by harakiri) still names its worker.
"""
import json
import os
import time
from urllib.parse import parse_qs

EFFECTS_FILE = os.environ.get("FL_EFFECTS_FILE", "effects.log")
JOURNAL_FILE = os.environ.get("FL_JOURNAL_FILE", "journal.log")
EFFECT_TWICE = os.environ.get("FL_EFFECT_TWICE") == "1"
MAX_SLEEP_MS = 120_000
MAX_CHUNKS = 1000


def append_line(path, line):
    """One write(2) on an O_APPEND descriptor: the line is whole even if the worker dies next."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


def read_lines(path):
    try:
        with open(path, encoding="utf-8") as f:
            return [line.split() for line in f if line.strip()]
    except FileNotFoundError:
        return []


def int_param(query, name, default, upper):
    try:
        value = int(query.get(name, [default])[0])
    except ValueError:
        value = default
    return max(0, min(value, upper))


def effects_report():
    effects = {}
    for fields in read_lines(EFFECTS_FILE):
        effects[fields[0]] = effects.get(fields[0], 0) + 1
    started = {}
    for fields in read_lines(JOURNAL_FILE):
        if len(fields) == 3:
            started[fields[0]] = [int(fields[1]), int(fields[2])]
    return json.dumps({"effects": effects, "started": started, "pid": os.getpid()}).encode()


def sleep_endpoint(query):
    ms = int_param(query, "ms", 0, MAX_SLEEP_MS)
    time.sleep(ms / 1000)
    return [("slept %d\n" % ms).encode()]


def stream_endpoint(query):
    chunks = int_param(query, "chunks", 3, MAX_CHUNKS)
    gap = int_param(query, "gap_ms", 100, MAX_SLEEP_MS)

    def body():
        for i in range(chunks):
            if i:
                time.sleep(gap / 1000)
            yield ("chunk %d\n" % i).encode()

    return body()


def body_endpoint(environ):
    remaining = int(environ.get("CONTENT_LENGTH") or 0)
    stream = environ["wsgi.input"]
    total = 0
    while remaining > 0:
        data = stream.read(min(remaining, 65536))
        if not data:
            break
        total += len(data)
        remaining -= len(data)
    return [("%d\n" % total).encode()]


def effect_endpoint(rid):
    append_line(EFFECTS_FILE, rid)
    if EFFECT_TWICE:
        append_line(EFFECTS_FILE, rid)
    return [b"done\n"]


def application(environ, start_response):
    rid = environ.get("HTTP_X_REQUEST_ID", "-").replace(" ", "_")[:64] or "-"
    if rid != "-":
        append_line(JOURNAL_FILE, "%s %d %d" % (rid, os.getpid(), int(time.time() * 1000)))
    path = environ.get("PATH_INFO", "/")
    method = environ.get("REQUEST_METHOD", "GET")
    query = parse_qs(environ.get("QUERY_STRING", ""))
    status, ctype = "200 OK", "text/plain"
    if path == "/sleep":
        body = sleep_endpoint(query)
    elif path == "/stream":
        body = stream_endpoint(query)
    elif path == "/body" and method == "POST":
        body = body_endpoint(environ)
    elif path == "/effect" and method == "POST" and rid != "-":
        body = effect_endpoint(rid)
    elif path == "/effects":
        body, ctype = [effects_report()], "application/json"
    elif path == "/health":
        body = [b"ok\n"]
    else:
        status, body = "404 Not Found", [b"no such endpoint\n"]
    start_response(status, [
        ("Content-Type", ctype),
        ("X-Worker-Pid", str(os.getpid())),
        ("X-Request-Id", rid),
    ])
    return body
