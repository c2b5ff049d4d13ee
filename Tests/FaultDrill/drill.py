"""The fault drill: bkup's client through a misbehaving proxy in front of a real `bkup serve`.

The proxy (here, a process apart from both) answers 8% of requests 503, 5% 429 with
`Retry-After: 1`, 3% 502 with an HTML page, and for 5% forwards the request, lets the service
act, then drops the connection without answering. Through it, drill.lua creates, updates and
deletes policies and makes one archive per database. Afterwards the state is read directly from
the emulator: nothing may be lost, nothing duplicated, and no error reported for work that was
done. A fault is chosen from the seed, the request (method, path, body) and how many times that
same request came before, not from arrival order: a seed gives the same faults to the same
requests however the client's tasks interleave, so a run is reproducible on any machine.
`--crash` instead kills the server with -9 in the middle of 5,000 updates and restarts it
on its --data file: the run must finish without an error and every update must be there.
`--apply` makes a plan through the proxy (its reads meet the faults), applies it through the
proxy, then applies it again: every step applied once, nothing refused, no archive twice, and
the second apply sends nothing but reads.

    drill.py BKUP SEED [SEED...] [--clean] [--crash] [--apply]

Prints one JSON line per run: seed, faults injected, false failures, lost, duplicated, requests
per operation, seconds. Exits 1 if any run lost, duplicated or falsely failed anything.
"""
import hashlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import ctypes
import signal


def dies_with_drill():
    """Children get SIGKILL when the drill dies (a test's timeout kills the drill, not them)."""
    ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG

KEY = "drill-key-0123456789abcdef"
MIX = [("503", 0.08), ("429", 0.05), ("502", 0.03), ("drop", 0.05)]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def read_message(sock, buffer):
    """One HTTP/1.1 message (head + Content-Length body) from sock; (head, body, rest) or None."""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        buffer += chunk
    head, _, rest = buffer.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        rest += chunk
    return head, rest[:length], rest[length:]


def answer(status, reason, content_type, body, extra=b""):
    return (b"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n%s\r\n" % (
        status, reason, content_type, len(body), extra)) + body


class FaultProxy:
    def __init__(self, upstream_port, seed, faulty=True):
        self.upstream_port = upstream_port
        self.seed = seed
        self.seen = {}
        self.faulty = faulty
        self.lock = threading.Lock()
        self.counts = {"requests": 0, "503": 0, "429": 0, "502": 0, "drop": 0, "forwarded": 0}
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(256)
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            client, _ = self.server.accept()
            threading.Thread(target=self.serve, args=(client,), daemon=True).start()

    def roll(self, head, body):
        """A number in [0, 1) fixed by the seed, the request and its repetition."""
        line = head.split(b"\r\n", 1)[0]
        identity = hashlib.sha256(line + b"\0" + body).digest()
        attempt = self.seen.get(identity, 0)
        self.seen[identity] = attempt + 1
        digest = hashlib.sha256(b"%d:%d:" % (self.seed, attempt) + identity).digest()
        return int.from_bytes(digest[:8], "big") / 2.0 ** 64

    def fault(self, head, body):
        with self.lock:
            self.counts["requests"] += 1
            if not self.faulty:
                return None
            roll, edge = self.roll(head, body), 0.0
            for name, share in MIX:
                edge += share
                if roll < edge:
                    self.counts[name] += 1
                    return name
            return None

    def forward(self, head, body):
        upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=60)
        try:
            upstream.sendall(head + b"\r\n\r\n" + body)
            message = read_message(upstream, b"")
            if message is None:
                raise ConnectionError("upstream closed")
            return message[0] + b"\r\n\r\n" + message[1]
        finally:
            upstream.close()

    def serve(self, client):
        buffer = b""
        try:
            while True:
                message = read_message(client, buffer)
                if message is None:
                    return
                head, body, buffer = message
                fault = self.fault(head, body)
                if fault == "503":
                    client.sendall(answer(503, b"Service Unavailable", b"application/json",
                                          b'{"message":"Service unavailable","code":503,"type":"general_server_error","version":"1.9.5"}'))
                elif fault == "429":
                    client.sendall(answer(429, b"Too Many Requests", b"application/json",
                                          b'{"message":"Rate limit exceeded","code":429,"type":"general_rate_limit_exceeded","version":"1.9.5"}',
                                          b"Retry-After: 1\r\n"))
                elif fault == "502":
                    client.sendall(answer(502, b"Bad Gateway", b"text/html",
                                          b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"))
                else:
                    try:
                        response = self.forward(head, body)
                    except OSError:
                        client.sendall(answer(502, b"Bad Gateway", b"text/html", b"<html><body>502 Bad Gateway (upstream down)</body></html>"))
                        continue
                    with self.lock:
                        self.counts["forwarded"] += 1
                    if fault == "drop":
                        return  # the service acted; the answer is lost
                    client.sendall(response)
        except OSError:
            return
        finally:
            client.close()


class Serve:
    def __init__(self, bkup, port, data, seed_databases):
        self.args = [bkup, "serve", "--port", str(port), "--data", data, "--key", KEY, "--seed", str(seed_databases),
                     "--speed", "0.000001"]
        self.url = "http://127.0.0.1:%d/v1" % port
        self.start()

    def start(self):
        self.process = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, preexec_fn=dies_with_drill)
        line = self.process.stdout.readline()
        assert b"listening" in line, line

    def kill9(self):
        self.process.kill()
        self.process.wait()

    def stop(self):
        self.process.terminate()
        self.process.wait()

    def get(self, path):
        request = urllib.request.Request(self.url + path, headers={"X-Appwrite-Project": "bkup-local", "X-Appwrite-Key": KEY})
        with urllib.request.urlopen(request) as r:
            return json.loads(r.read())

    def all(self, collection, extra=()):
        items, cursor = [], None
        while True:
            queries = list(extra) + ['{"method":"limit","values":[1000]}']
            if cursor:
                queries.append(json.dumps({"method": "cursorAfter", "values": [cursor]}, separators=(",", ":")))
            query = "&".join("queries%%5B%%5D=%s" % urllib.request.quote(q, safe="") for q in queries)
            page = self.get("/backups/%s?%s" % (collection, query))[collection]
            items += page
            if len(page) < 1000:
                return items
            cursor = page[-1]["$id"]


def run_bkup(bkup, endpoint, args, env_extra=None, apply_first=False):
    keyfile = tempfile.NamedTemporaryFile("w", delete=False)
    keyfile.write(KEY)
    keyfile.close()
    env = dict(os.environ, NO_COLOR="1")
    for k in list(env):
        if k.startswith("APPWRITE_"):
            del env[k]
    env.update(env_extra or {})
    try:
        options = ["--endpoint", endpoint, "--project", "bkup-local", "--key-file", keyfile.name, "--concurrency", "16"]
        # A command (apply) comes first, then its options.
        argv = [bkup] + args[:1] + options + args[1:] if apply_first else [bkup] + options + args
        return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=900, preexec_fn=dies_with_drill)
    finally:
        os.unlink(keyfile.name)


def drill(bkup, seed, faulty=True, policies=120, databases=40):
    here = os.path.dirname(os.path.abspath(__file__))
    data = tempfile.mkdtemp(prefix="bkup-drill-")
    serve = Serve(bkup, free_port(), os.path.join(data, "state.sqlite"), databases)
    proxy = FaultProxy(int(serve.url.split(":")[2].split("/")[0]), seed, faulty)
    started = time.time()
    try:
        run = run_bkup(bkup, "http://127.0.0.1:%d/v1" % proxy.port, [os.path.join(here, "drill.lua"), str(policies)])
        seconds = time.time() - started
        report = json.loads(run.stdout.strip().splitlines()[-1]) if run.stdout.strip() else {"errors": [run.stderr[-500:]]}
        stored = {p["$id"]: p for p in serve.all("policies")}
        deleted = set(report.get("deleted", []))
        lost = [i for i in report.get("policies", []) if i not in deleted and stored.get(i, {}).get("retention") != 9]
        lost += [i for i in deleted if i in stored]
        archives = serve.all("archives")
        by_resource = {}
        for a in archives:
            by_resource.setdefault(a["resourceId"], []).append(a["$id"])
        duplicated = {r: ids for r, ids in by_resource.items() if len(ids) > 1}
        returned = report.get("archives", {})
        lost += [r for r in returned if r not in by_resource]
        mismatched = [r for r, i in returned.items() if i and by_resource.get(r) and i not in by_resource[r]]
        errors = report.get("errors", [])
        # A reported error for work that was done is a false failure.
        false_failures = [e for e in errors if not any(e.startswith(p) and x in e for p in ("create", "update", "delete", "archive")
                                                          for x in lost)]
        operations = policies * 2 + len(deleted) + databases
        return {"seed": seed, "faulty": faulty, "faults": {k: v for k, v in proxy.counts.items() if k in dict(MIX)},
                "errors": errors, "false_failures": len(false_failures), "lost": lost, "duplicated": duplicated,
                "mismatched": mismatched, "exit": run.returncode, "requests_per_operation": round(proxy.counts["requests"] / operations, 3),
                "seconds": round(seconds, 2), "stderr": run.stderr[-400:] if run.returncode else ""}
    finally:
        serve.stop()


def crash(bkup, updates=5000):
    """5,000 updates, the server killed -9 and restarted on its --data file in the middle."""
    data = tempfile.mkdtemp(prefix="bkup-crash-")
    port = free_port()
    serve = Serve(bkup, port, os.path.join(data, "state.sqlite"), 1)
    run = None
    try:
        setup = run_bkup(bkup, serve.url, ["-e", """
            local ids = {} for i = 1, %d do ids[i] = string.format("c-%%05d", i) end
            local _, e = task.map(ids, function(id) return backups.policies.create{id = id, services = {"databases"}, retention = 1,
                                                                                    schedule = "@daily"} end, {progress = false})
            if next(e) then error(tostring(select(2, next(e)))) end""" % updates])
        assert setup.returncode == 0, setup.stderr
        keyfile = tempfile.NamedTemporaryFile("w", delete=False)
        keyfile.write(KEY)
        keyfile.close()
        env = {k: v for k, v in os.environ.items() if not k.startswith("APPWRITE_")}
        script = """
            local ids = {} for i = 1, %d do ids[i] = string.format("c-%%05d", i) end
            local _, e = task.map(ids, function(id) return backups.policies.update(id, {retention = 30}) end, {progress = false})
            for i, err in pairs(e) do print("error", ids[i], tostring(err)) end
            if next(e) then os.exit(1) end""" % updates
        started = time.time()
        run = subprocess.Popen([bkup, "--endpoint", serve.url, "--project", "bkup-local", "--key-file", keyfile.name,
                                "--concurrency", "16", "-e", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                               preexec_fn=dies_with_drill)
        # Kill the server once a good part of the updates is in.
        while True:
            done = serve.get("/backups/policies?queries%5B%5D=" + urllib.request.quote(
                '{"method":"equal","attribute":"retention","values":[30]}', safe="") + "&queries%5B%5D=" + urllib.request.quote(
                '{"method":"limit","values":[1]}', safe=""))["total"]
            if done >= updates // 3 or run.poll() is not None:
                break
            time.sleep(0.05)
        serve.kill9()
        time.sleep(0.5)
        serve.start()
        out, err = run.communicate(timeout=900)
        os.unlink(keyfile.name)
        stored = serve.all("policies")
        missing = [p["$id"] for p in stored if p["retention"] != 30]
    finally:
        # Whatever went wrong, no server or client outlives the drill.
        if run is not None and run.poll() is None:
            run.kill()
        serve.stop()
    return {"crash": True, "killed_after": done, "exit": run.returncode, "errors": out.strip().splitlines()[:5] + err.strip().splitlines()[-3:],
            "policies": len(stored), "not_updated": len(missing), "seconds": round(time.time() - started, 2)}


APPLY_JOB = """
local n = ...
n = tonumber(n)
local ids = {}
for i = 1, n do ids[i] = string.format("a-%03d", i) end
-- A third updated, a third deleted, as many new ones created, and one archive per database.
task.map(ids, function(id, i)
  if i % 3 == 0 then backups.policies.update(id, {retention = 9})
  elseif i % 3 == 1 then backups.policies.delete(id)
  else backups.policies.create{id = "n" .. id, services = {"databases"}, retention = 2, schedule = "@daily"} end
end, {progress = false})
local dbs = {}
for db in backups.resources.databases.each() do dbs[#dbs + 1] = db["$id"] end
task.map(dbs, function(id) backups.archives.create{services = {"databases"}, resourceId = id} end, {progress = false})
"""


def apply_drill(bkup, seed, policies=90, databases=30):
    data = tempfile.mkdtemp(prefix="bkup-apply-drill-")
    serve = Serve(bkup, free_port(), os.path.join(data, "state.sqlite"), databases)
    proxy = FaultProxy(int(serve.url.split(":")[2].split("/")[0]), seed)
    endpoint = "http://127.0.0.1:%d/v1" % proxy.port
    plan = os.path.join(data, "plan.json")
    job = os.path.join(data, "job.lua")
    with open(job, "w") as f:
        f.write(APPLY_JOB)
    try:
        setup = run_bkup(bkup, serve.url, ["-e", """
            for i = 1, %d do backups.policies.create{id = string.format("a-%%03d", i), services = {"databases"}, retention = 1,
                                                      schedule = "@daily"} end""" % policies])
        assert setup.returncode == 0, setup.stderr
        made = run_bkup(bkup, endpoint, ["--plan-out", plan, job, str(policies)])
        before = dict(proxy.counts)
        first = run_bkup(bkup, endpoint, ["apply", "--yes", plan], apply_first=True)
        # What the first apply met, not the plan's reads.
        during = {k: v - before[k] for k, v in proxy.counts.items()}
        second = run_bkup(bkup, endpoint, ["apply", "--yes", plan], apply_first=True)
        stored = {p["$id"]: p for p in serve.all("policies")}
        archives = serve.all("archives")
        per_database = {}
        for a in archives:
            per_database[a["resourceId"]] = per_database.get(a["resourceId"], 0) + 1
        wrong = [i for i in range(1, policies + 1) if (
            (i % 3 == 0 and stored.get("a-%03d" % i, {}).get("retention") != 9) or
            (i % 3 == 1 and "a-%03d" % i in stored) or
            (i % 3 == 2 and stored.get("na-%03d" % i, {}).get("retention") != 2))]
        return {"seed": seed, "apply": True, "plan_exit": made.returncode, "plan_stderr": made.stderr[-300:] if made.returncode else "",
                "first_exit": first.returncode, "first": first.stdout.strip().splitlines()[-1:],
                "second_exit": second.returncode, "second": second.stdout.strip().splitlines()[-1:],
                "faults": {k: v for k, v in during.items() if k in dict(MIX)}, "apply_requests": during["requests"],
                "wrong": wrong, "archives": len(archives), "databases_with_archives": len(per_database),
                "duplicated": {r: c for r, c in per_database.items() if c > 1}}
    finally:
        serve.stop()


def main():
    bkup, rest = sys.argv[1], sys.argv[2:]
    failed = False
    if "--crash" in rest:
        result = crash(bkup)
        print(json.dumps(result), flush=True)
        failed = result["exit"] != 0 or result["not_updated"] != 0 or result["policies"] != 5000
    for seed in [int(s) for s in rest if not s.startswith("--") and "--apply" in rest]:
        result = apply_drill(bkup, seed)
        print(json.dumps(result), flush=True)
        failed |= bool(result["wrong"] or result["duplicated"] or result["first_exit"] or result["second_exit"] or result["plan_exit"])
    for seed in [int(s) for s in rest if not s.startswith("--") and "--apply" not in rest]:
        result = drill(bkup, seed, faulty="--clean" not in rest)
        print(json.dumps(result), flush=True)
        failed |= bool(result["lost"] or result["duplicated"] or result["mismatched"] or result["errors"] or result["exit"])
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
