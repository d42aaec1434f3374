#!/usr/bin/env python3
"""API tests against a running server: starts `traffic demo` (live generated trips, no model, a
free port unless TRAFFIC_SERVE_TEST_PORT is set), then checks every endpoint's real responses
against api/openapi.json (a small JSON-schema checker below: no third-party package) and every
bad-input case of issue 13. Prints "N passed, M failed"; exits non-zero when anything failed.

usage: tests/serve_api_test.py [build/release/traffic]
"""
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRAFFIC = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build/release/traffic"))
PORT = int(os.environ.get("TRAFFIC_SERVE_TEST_PORT", "0"))
SPEC = json.load(open(os.path.join(ROOT, "api/openapi.json")))
passed = 0
failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
        print(f"serve_api_test: PASS: {what}")
    else:
        failed += 1
        print(f"serve_api_test: FAIL: {what}", file=sys.stderr)
    return cond


# ---- a small JSON-schema (OpenAPI 3.0 subset) checker ----
def resolve(schema):
    while "$ref" in schema:
        name = schema["$ref"].split("/")[-1]
        schema = SPEC["components"]["schemas"][name]
    return schema


def validate(value, schema, path="$"):
    """Returns a list of error strings (empty when valid)."""
    if value is None:
        return [] if schema.get("nullable") or resolve(schema).get("nullable") else [f"{path}: null not allowed"]
    schema = resolve(schema)
    errors = []
    for sub in schema.get("allOf", []):
        errors += validate(value, sub, path)
    t = schema.get("type")
    types = {"object": dict, "array": list, "string": str, "boolean": bool}
    if t in types and not isinstance(value, types[t]):
        return [f"{path}: expected {t}, got {type(value).__name__}"]
    if t == "integer" and (not isinstance(value, int) or isinstance(value, bool)):
        return [f"{path}: expected integer, got {value!r}"]
    if t == "number" and (not isinstance(value, (int, float)) or isinstance(value, bool)):
        return [f"{path}: expected number, got {value!r}"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} not in {schema['enum']}")
    if "pattern" in schema and isinstance(value, str) and not re.search(schema["pattern"], value):
        errors.append(f"{path}: {value!r} does not match {schema['pattern']}")
    if "minimum" in schema and value < schema["minimum"]:
        errors.append(f"{path}: {value} < {schema['minimum']}")
    if "maximum" in schema and value > schema["maximum"]:
        errors.append(f"{path}: {value} > {schema['maximum']}")
    if t == "object":
        for k in schema.get("required", []):
            if k not in value:
                errors.append(f"{path}: missing {k}")
        props = schema.get("properties", {})
        for k, v in value.items():
            if k in props:
                errors += validate(v, props[k], f"{path}.{k}")
            elif schema.get("additionalProperties") is False:
                errors.append(f"{path}: unexpected property {k}")
    if t == "array":
        if "minItems" in schema and len(value) < schema["minItems"]:
            errors.append(f"{path}: fewer than {schema['minItems']} items")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            errors.append(f"{path}: more than {schema['maxItems']} items")
        for i, item in enumerate(value[:200]):
            errors += validate(item, schema.get("items", {}), f"{path}[{i}]")
    return errors


def response_schema(path_template, status):
    op = SPEC["paths"][path_template]["get"]
    resp = op["responses"][str(status)]
    content = resp["content"]
    return next(iter(content.values()))["schema"]


# ---- HTTP helpers ----
def get(path, headers=None, timeout=10):
    c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=timeout)
    c.request("GET", path, headers=headers or {})
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, dict(r.getheaders()), body


def get_json(path):
    status, headers, body = get(path)
    try:
        return status, json.loads(body)
    except ValueError:
        return status, None


def raw(data, timeout=10):
    s = socket.create_connection(("127.0.0.1", PORT), timeout=timeout)
    s.sendall(data)
    out = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    except socket.timeout:
        pass
    s.close()
    return out


def status_of(resp):
    m = re.match(rb"HTTP/1\.[01] (\d{3})", resp)
    return int(m.group(1)) if m else -1


def conforms(path, template, status=200, what=None):
    code, body = get_json(path)
    errs = validate(body, response_schema(template, status)) if body is not None else ["not JSON"]
    check(code == status and not errs, f"{what or path}: {code}, schema {'ok' if not errs else errs[:3]}")
    return body


def start(args, name):
    log = tempfile.NamedTemporaryFile(prefix=f"serve_api_{name}_", suffix=".log", delete=False)
    p = subprocess.Popen([TRAFFIC] + args, stdout=subprocess.PIPE, stderr=log, text=True)
    url = None
    deadline = time.time() + 60
    while time.time() < deadline:
        line = p.stdout.readline()
        if not line:
            break
        m = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        if m:
            url = m.group(0)
            break
    return p, url, log.name


def wait_for(pred, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(0.3)
    return False


def main():
    global PORT
    data = tempfile.mkdtemp(prefix="serve_api_data_")
    web = tempfile.mkdtemp(prefix="serve_api_web_")
    os.makedirs(os.path.join(web, "assets"))
    open(os.path.join(web, "index.html"), "w").write("<html>dashboard</html>")
    open(os.path.join(web, "assets", "app.js"), "w").write("console.log('app')")
    secret = os.path.join(os.path.dirname(web), "serve_api_secret.txt")
    open(secret, "w").write("SECRET-DO-NOT-SERVE")
    demo, url, log = start(["demo", "--data-dir", data, "--port", str(PORT), "--model", "none", "--no-archive",
                            "--speedup", "600", "--trips-per-day", "100000", "--duration", "240",
                            "--web-dir", web, "--max-sse-clients", "40", "--sse-queue-events", "1024"], "demo")
    try:
        if not check(url is not None, f"traffic demo prints its URL ({log})"):
            return
        PORT = int(url.rsplit(":", 1)[1])
        check(wait_for(lambda: (get_json("/api/cells")[1] or {}).get("cells"), 90), "live cells appear")
        # ---- every endpoint against the contract ----
        health = conforms("/api/health", "/api/health")
        check(health and health["mode"] == "embedded" and health["status"] == "ok", "health: embedded, ok")
        cells = conforms("/api/cells", "/api/cells")
        cell_id = cells["cells"][0]["cell_id"]
        c0 = cells["cells"][0]
        r, col = c0["row"], c0["col"]
        check(abs(c0["square"][0][1] - (40.4774 + r * 0.01)) < 1e-9 and abs(c0["square"][0][0] - (-74.2591 + col * 0.01)) < 1e-9
              and abs(c0["centre"][1] - (40.4774 + (r + 0.5) * 0.01)) < 1e-9, "cell square and centre follow DESIGN.md Grid")
        check(any(c["zone"] for c in cells["cells"]), "cells carry zone names")
        conforms("/api/cells?level=High,Medium&min_trips=2&bbox=-74.3,40.4,-73.6,41.0", "/api/cells", what="/api/cells filtered")
        high = get_json("/api/cells?level=High")[1]
        check(all(c["congestion_level"] == "High" for c in high["cells"]), "level filter keeps only High")
        box = get_json("/api/cells?bbox=-73.99,40.74,-73.97,40.76")[1]
        check(all(-74.0 <= c["centre"][0] <= -73.96 and 40.73 <= c["centre"][1] <= 40.77 for c in box["cells"]), "bbox filter")
        detail = conforms(f"/api/cells/{cell_id}", "/api/cells/{cell_id}")
        check(detail and detail["history"] and detail["history"][-1]["window_end"] == detail["window_end"],
              "cell history ends with the latest window")
        conforms("/api/hotspots?n=5", "/api/hotspots")
        stats = conforms("/api/stats", "/api/stats")
        check(stats and stats["events"] > 0 and stats["workers"], "stats count events and name the worker")
        conforms("/api/history?step=300", "/api/history")
        code, body = get_json("/api/model")
        check(code == 404 and "no model" in body["error"], "/api/model: 404 without a model")
        code, spec = get_json("/api/openapi.json")
        check(code == 200 and spec == SPEC, "/api/openapi.json is api/openapi.json")
        code, headers, metrics = get("/metrics")
        text = metrics.decode()
        check(code == 200 and all(m in text for m in ["traffic_events_total", "traffic_windows_total", "traffic_late_total",
                                                       "traffic_dead_letters_total", "traffic_publish_latency_ms_bucket",
                                                       "traffic_sse_clients"]), "/metrics has the pipeline's metrics")
        check(all(re.match(r"^(#.*|[a-z_]+(\{[^}]*\})? [-+0-9.eInf]+)$", l) for l in text.strip().split("\n")),
              "/metrics lines are Prometheus text format")
        # ---- bad input ----
        code, body = get_json("/api/cells/99_99")
        check(code == 404 and "99_99" in body["error"], "unknown cell id: 404 naming it")
        code, body = get_json("/api/cells/not-a-cell")
        check(code == 404 and "not-a-cell" in body["error"] and "allowed" in body, "malformed cell id: 404 naming it")
        for q, param in [("/api/cells?level=Severe", "level"), ("/api/cells?min_trips=-3", "min_trips"),
                         ("/api/cells?bbox=1,2", "bbox"), ("/api/cells?colour=red", "colour"),
                         ("/api/hotspots?n=1000", "n"), ("/api/history?step=61", "step"),
                         (f"/api/cells/{cell_id}?from=yesterday", "from"), ("/api/history?from=2000-01-01T00:00:00Z", "from"),
                         ("/api/stats?x=1", "x")]:
            code, body = get_json(q)
            check(code == 400 and body and param in body["error"] and body.get("allowed"),
                  f"{q}: 400 naming '{param}' and what is allowed ({body})")
        # ---- static files and traversal ----
        code, _, body = get("/")
        check(code == 200 and body == b"<html>dashboard</html>", "/ serves web/dist/index.html")
        code, _, body = get("/cells/28_27")
        check(code == 200 and body == b"<html>dashboard</html>", "app routes fall back to index.html")
        for target in [b"/../serve_api_secret.txt", b"/%2e%2e/serve_api_secret.txt", b"/%2E%2E%2Fserve_api_secret.txt",
                       b"/assets/..%2f..%2fserve_api_secret.txt", b"/%252e%252e/serve_api_secret.txt",
                       b"/..%5cserve_api_secret.txt", b"/assets/%2e%2e/%2e%2e/serve_api_secret.txt"]:
            resp = raw(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            check(status_of(resp) in (400, 404) and b"SECRET" not in resp, f"traversal {target.decode()} refused ({status_of(resp)})")
        # ---- oversized requests ----
        resp = raw(b"GET /api/cells?x=" + b"a" * 10000 + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        check(status_of(resp) == 414, f"request line over 8 KiB: 414 ({status_of(resp)})")
        resp = raw(b"GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Big: " + b"b" * 10000 + b"\r\n\r\n")
        check(status_of(resp) == 400, f"header line over 8 KiB: 400 ({status_of(resp)})")
        many = b"".join(b"X-H%d: %s\r\n" % (i, b"c" * 200) for i in range(100))
        resp = raw(b"GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + many + b"\r\n")
        check(status_of(resp) == 431, f"headers over 16 KiB in total: 431 ({status_of(resp)})")
        resp = raw(b"POST /api/cells HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 1000000\r\n\r\n" + b"d" * 70000)
        check(status_of(resp) == 413, f"body over 64 KiB: 413 ({status_of(resp)})")
        check(get("/api/health")[0] == 200, "still serving after oversized requests")
        check("Access-Control-Allow-Origin" not in get("/api/health")[1], "no CORS header without --cors")
        # ---- SSE: events, resume, many clients, a slow one dropped ----
        sse_checks()
    finally:
        demo.terminate()
        try:
            demo.wait(timeout=30)
        except subprocess.TimeoutExpired:
            demo.kill()
        check(demo.returncode == 0, f"demo exits 0 on SIGTERM ({demo.returncode})")
    kafka_down()


def read_events(sock_file, n, timeout):
    """Reads n window events from an SSE response; returns [(id, data)]."""
    events, cur = [], {}
    deadline = time.time() + timeout
    while len(events) < n and time.time() < deadline:
        line = sock_file.readline()
        if not line:
            break
        line = line.decode().rstrip("\r\n")
        if line == "":
            if cur.get("event") == "window":
                events.append((int(cur["id"]), json.loads(cur["data"])))
            cur = {}
        elif ":" in line and not line.startswith(":"):
            k, v = line.split(":", 1)
            cur[k] = v.strip()
    return events


def sse_connect(headers=b""):
    s = socket.create_connection(("127.0.0.1", PORT), timeout=20)
    s.sendall(b"GET /api/stream HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n")
    f = s.makefile("rb")
    # Skip the status line and headers; the body is chunked: read chunk sizes away.
    return s, ChunkedReader(f)


class ChunkedReader:
    def __init__(self, f):
        self.f = f
        self.status = f.readline()
        while f.readline() not in (b"\r\n", b""):
            pass
        self.buf = b""

    def readline(self):
        while b"\n" not in self.buf:
            size_line = self.f.readline()
            if not size_line:
                return b""
            size = int(size_line.strip() or b"0", 16)
            if size == 0:
                return b""
            self.buf += self.f.read(size)
            self.f.readline()
        line, self.buf = self.buf.split(b"\n", 1)
        return line + b"\n"


def sse_checks():
    s, r = sse_connect()
    check(b"200" in r.status, "SSE connects")
    first = read_events(r, 5, 30)
    check(len(first) == 5 and all(validate(d, SPEC["components"]["schemas"]["CellNow"]) == [] for _, d in first),
          "SSE window events carry CellNow")
    ids = [i for i, _ in first]
    check(ids == sorted(ids) and len(set(ids)) == 5, "SSE ids increase")
    s.close()
    # Resume: the events after the last one seen, from the ring buffer, none repeated.
    last = ids[-1]
    s, r = sse_connect(b"Last-Event-ID: %d\r\n" % last)
    resumed = read_events(r, 5, 30)
    s.close()
    check([i for i, _ in resumed] == list(range(last + 1, last + 6)), f"Last-Event-ID resumes at {last + 1} ({[i for i, _ in resumed]})")
    code, body = get_json("/api/stream?last_event_id=abc")
    check(code == 400 and "Last-Event-ID" in body["error"], "bad Last-Event-ID: 400")

    # Many clients reading, one not reading at all: the slow one is dropped, the others keep up.
    stop = threading.Event()
    counts = [0] * 20
    def reader(k):
        try:
            s, r = sse_connect()
            while not stop.is_set():
                if r.readline() == b"":
                    break
                counts[k] += 1
            s.close()
        except OSError:
            pass
    threads = [threading.Thread(target=reader, args=(k,), daemon=True) for k in range(20)]
    for t in threads:
        t.start()
    slow = socket.socket()
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.connect(("127.0.0.1", PORT))
    slow.sendall(b"GET /api/stream HTTP/1.1\r\nHost: x\r\n\r\n")
    dropped = wait_for(lambda: "traffic_sse_dropped_total 1" in get("/metrics")[2].decode()
                       or re.search(r"traffic_sse_dropped_total [1-9]", get("/metrics")[2].decode()), 120)
    check(dropped, "a client that does not read is dropped")
    before = list(counts)
    time.sleep(3)
    alive = sum(1 for a, b in zip(before, counts) if b > a)
    check(alive >= 15, f"the reading clients keep receiving ({alive}/20)")
    check(get("/api/health")[0] == 200, "the server still answers")
    stop.set()
    slow.close()


def kafka_down():
    """traffic serve with no broker: keeps serving, /api/health says down with the error."""
    global PORT
    saved = PORT
    p, url, log = start(["serve", "--brokers", "127.0.0.1:1", "--port", "0", "--model", "none", "--duration", "60",
                         "--web-dir", "/nonexistent"], "kafka_down")
    try:
        if not check(url is not None, "traffic serve starts without a broker"):
            return
        PORT = int(url.rsplit(":", 1)[1])
        def down():
            code, h = get_json("/api/health")
            return code == 200 and h["status"] == "down" and h["mode"] == "kafka" and h["source"]["error"]
        check(wait_for(down, 30), "kafka down: /api/health status down with the error")
        h = get_json("/api/health")[1]
        check(validate(h, response_schema("/api/health", 200)) == [], f"kafka down: health conforms ({h['source']['error']})")
        check(get_json("/api/cells")[0] == 200, "kafka down: /api/cells still answers")
        code, _, body = get("/")
        check(code == 200 and b"npm run build" in body, "no web/dist: the placeholder names the build command")
    finally:
        p.terminate()
        p.wait(timeout=30)
        PORT = saved


if __name__ == "__main__":
    try:
        main()
    finally:
        print(f"{passed} passed, {failed} failed")
    sys.exit(0 if failed == 0 else 1)
