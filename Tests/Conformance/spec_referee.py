#!/usr/bin/env python3
"""Appwrite's published OpenAPI definition as a referee of `bkup serve`, through schemathesis.

    spec_referee.py URL PROJECT KEY [--seed N] [--max-examples N] [--report DIR]

URL is the server's endpoint (http://127.0.0.1:PORT/v1). The spec is the vendored excerpt in
spec/backups-openapi3-2.4.0.json (see spec/README.md for its source and licence). What this
script adds to it, in a copy it hands schemathesis (the vendored file stays as published):

  - links, so that the stateful phase chains create -> get -> update -> delete for policies,
    create -> get -> delete for archives, and archive (listed) -> restore -> get for restorations;
  - the rules the spec states only in its descriptions: IDs ("Valid chars are a-z, A-Z, 0-9,
    period, hyphen, and underscore. Can't start with a special char. Max length is 36 chars.",
    plus `unique()`), names of at most 128 chars, at most 100 queries of at most 4096 chars;
  - the key as the one credential (the spec lists the project header as a security scheme too,
    but an unknown project is 404 project_not_found in Appwrite, not 401);
  - int32's bounds written out (`format: int32` alone does not make schemathesis try 2^31);
  - retention of at least one day: the spec gives no lower bound, the emulator refuses 0 and
    less (spec/README.md says why);
  - schedules from a few valid cron expressions (`enum`), so that creates get past the cron
    validation; the cron grammar itself is the cron fuzz target's work (tools/fuzz.sh).

Checks: no 5xx; every 2xx matches its schema and content type; data the (amended) schema
refuses is refused (negative_data_rejection); a request without the key is refused; a deleted
record is gone and a created one is there. Not checked: that every response code is documented
(the spec lists successes only, no errors) and that everything the schema allows is accepted
(the service validates more than the schema says, e.g. cron syntax).

Ends with the server still answering a plain list, and one summary line.
"""
import argparse
import copy
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC = os.path.join(HERE, "spec", "backups-openapi3-2.4.0.json")
ID_PATTERN = r"^(unique\(\)|[a-zA-Z0-9][a-zA-Z0-9._-]{0,35})$"
SCHEDULES = ["0 2 * * *", "*/15 * * * *", "@daily", "30 3 * * 1-5", "0 0 L * *"]
CHECKS = ",".join([
    "not_a_server_error", "response_schema_conformance", "content_type_conformance", "response_headers_conformance",
    "negative_data_rejection", "ignored_auth", "use_after_free", "ensure_resource_availability",
])


def request(url, project, key, method="GET", body=None):
    data = None if body is None else json.dumps(body).encode()
    r = urllib.request.Request(url, data=data, method=method, headers={
        "X-Appwrite-Project": project, "X-Appwrite-Key": key, "content-type": "application/json"})
    with urllib.request.urlopen(r, timeout=30) as answer:
        return answer.status, answer.read()


def link(operation, parameters=None, body=None):
    out = {"operationId": operation}
    if parameters:
        out["parameters"] = parameters
    if body:
        out["requestBody"] = body
    return out


def amended(spec):
    """The spec with the referee's additions (see the module's documentation)."""
    spec = copy.deepcopy(spec)
    paths = spec["paths"]

    def op(path, method):
        return paths[path][method]

    def body_schema(path, method):
        return op(path, method)["requestBody"]["content"]["application/json"]["schema"]["properties"]

    for path, methods in paths.items():
        for method, operation in methods.items():
            # The project names where a request goes; the key is the credential. Appwrite answers
            # an unknown project 404 project_not_found, not 401 (spec/README.md).
            operation["security"] = [{"Key": []}]
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    parameter["schema"]["pattern"] = r"^[a-zA-Z0-9][a-zA-Z0-9._-]{0,35}$"
                if parameter["name"] == "queries":
                    parameter["schema"]["maxItems"] = 100
                    parameter["schema"]["items"]["maxLength"] = 4096
    create = body_schema("/backups/policies", "post")
    create["policyId"]["pattern"] = ID_PATTERN
    create["name"]["maxLength"] = 128
    create["resourceId"]["pattern"] = r"^[a-zA-Z0-9][a-zA-Z0-9._-]{0,35}$"
    create["retention"]["minimum"] = 1
    create["retention"]["maximum"] = 2147483647
    create["schedule"]["enum"] = SCHEDULES
    update = body_schema("/backups/policies/{policyId}", "patch")
    update["name"]["maxLength"] = 128
    update["retention"]["minimum"] = 1
    update["retention"]["maximum"] = 2147483647
    update["schedule"]["enum"] = SCHEDULES
    body_schema("/backups/archives", "post")["resourceId"]["pattern"] = r"^[a-zA-Z0-9][a-zA-Z0-9._-]{0,35}$"
    restore = body_schema("/backups/restoration", "post")
    restore["archiveId"]["pattern"] = r"^[a-zA-Z0-9][a-zA-Z0-9._-]{0,35}$"
    # "" is the spec's default (in place); any other value is an ID.
    restore["newResourceId"]["pattern"] = r"^(|unique\(\)|[a-zA-Z0-9][a-zA-Z0-9._-]{0,35})$"
    restore["newResourceName"]["maxLength"] = 128

    policy_id = {"policyId": "$response.body#/$id"}
    op("/backups/policies", "post")["responses"]["201"]["links"] = {
        "GetPolicy": link("backupsGetPolicy", policy_id),
        "UpdatePolicy": link("backupsUpdatePolicy", policy_id),
        "DeletePolicy": link("backupsDeletePolicy", policy_id),
    }
    op("/backups/policies/{policyId}", "patch")["responses"]["200"]["links"] = {
        "GetPolicy": link("backupsGetPolicy", policy_id),
        "DeletePolicy": link("backupsDeletePolicy", policy_id),
    }
    first_policy = {"policyId": "$response.body#/policies/0/$id"}
    op("/backups/policies", "get")["responses"]["200"]["links"] = {
        "GetPolicy": link("backupsGetPolicy", first_policy),
        "UpdatePolicy": link("backupsUpdatePolicy", first_policy),
    }
    archive_id = {"archiveId": "$response.body#/$id"}
    op("/backups/archives", "post")["responses"]["201"]["links"] = {
        "GetArchive": link("backupsGetArchive", archive_id),
        "DeleteArchive": link("backupsDeleteArchive", archive_id),
    }
    # The listed archives include completed ones (seeded): those a restoration can start from.
    op("/backups/archives", "get")["responses"]["200"]["links"] = {
        "GetArchive": link("backupsGetArchive", {"archiveId": "$response.body#/archives/0/$id"}),
        "Restore": link("backupsCreateRestoration", body={"archiveId": "$response.body#/archives/0/$id", "services": ["databases"]}),
    }
    op("/backups/restoration", "post")["responses"]["201"]["links"] = {
        "GetRestoration": link("backupsGetRestoration", {"restorationId": "$response.body#/$id"}),
    }
    op("/backups/restorations", "get")["responses"]["200"]["links"] = {
        "GetRestoration": link("backupsGetRestoration", {"restorationId": "$response.body#/restorations/0/$id"}),
    }
    return spec


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("project")
    parser.add_argument("key")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--max-examples", type=int, default=100)
    parser.add_argument("--report", default=None)
    args = parser.parse_args()
    url = args.url.rstrip("/")

    status, _ = request(url + "/emulator/seed", args.project, args.key, "POST", {"databases": 3, "archives": 8})
    assert status == 201, status
    with open(SPEC) as f:
        spec = amended(json.load(f))
    operations = sum(len(methods) for methods in spec["paths"].values())
    report = os.path.abspath(args.report or tempfile.mkdtemp(prefix="spec-referee-"))
    os.makedirs(report, exist_ok=True)
    derived = os.path.join(report, "amended-spec.json")
    with open(derived, "w") as f:
        json.dump(spec, f, indent=2)
    schemathesis = os.path.join(os.path.dirname(sys.executable), "schemathesis")
    command = [
        schemathesis, "run", derived, "--url", url,
        "-H", "X-Appwrite-Project: " + args.project, "-H", "X-Appwrite-Key: " + args.key,
        "--checks", CHECKS, "--seed", str(args.seed), "--max-examples", str(args.max_examples),
        "--generation-with-security-parameters", "false", "--workers", "1", "--no-color",
        "--report", "junit", "--report-dir", report, "--request-timeout", "30",
        "--suppress-health-check", "all", "--warnings", "off",
        # No example database: each run makes the cases of its seed, none replayed from earlier runs.
        "--generation-database", "none",
    ]
    # In the report's folder: schemathesis keeps a cache (.schemathesis) where it runs.
    run = subprocess.run(command, capture_output=True, text=True, cwd=report,
                         env={**os.environ, "SCHEMATHESIS_TELEMETRY": "false"})
    sys.stdout.write(run.stdout)
    sys.stderr.write(run.stderr)

    status, body = request(url + "/backups/policies", args.project, args.key)
    alive = status == 200 and "total" in json.loads(body)
    cases = re.search(r"Test cases:\s*(.*)", run.stdout)
    tested = re.search(r"Tested:\s*(\d+)", run.stdout)
    links = re.search(r"API Links:\s*(.*)", run.stdout)
    print("spec referee: %s of %d operations tested; test cases: %s; links: %s; server %s after the run" % (
        tested.group(1) if tested else "?", operations, cases.group(1).strip() if cases else "?",
        links.group(1).strip() if links else "?",
        "alive" if alive else "NOT answering"))
    if run.returncode != 0 or not alive:
        print("spec referee: FAILED (report in %s)" % report)
        sys.exit(1)


if __name__ == "__main__":
    main()
