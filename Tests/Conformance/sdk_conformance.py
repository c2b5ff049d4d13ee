"""The official Appwrite Python SDK against `bkup serve`: every Backups method and parameter,
success and error paths, the resource lists, paging by cursor, restorations in place and into
a new ID, scoped keys. Any exception the SDK raises that the check did not expect is a failure.

Usage: sdk_conformance.py ENDPOINT PROJECT KEY READONLY_KEY OTHER_PROJECT
Prints one line per check ("ok ..." or "FAIL ..."), then a JSON line of the SDK's own query
strings for the Swift side to compare, and exits 1 if any check failed.
"""
import json
import sys
import traceback
import urllib.request

from appwrite.client import Client
from appwrite.enums.backup_services import BackupServices
from appwrite.exception import AppwriteException
from appwrite.id import ID
from appwrite.query import Query
from appwrite.services.backups import Backups
from appwrite.services.databases import Databases
from appwrite.services.functions import Functions
from appwrite.services.storage import Storage
from appwrite.services.tables_db import TablesDB

endpoint, project, key, readonly_key, other_project = sys.argv[1:6]
failures = []


def client(key=key, project=project):
    return Client().set_endpoint(endpoint).set_project(project).set_key(key)


def check(name, fn):
    try:
        fn()
        print("ok", name, flush=True)
    except Exception as e:  # noqa: BLE001 - every failure is reported, whatever its kind
        failures.append(name)
        print("FAIL", name, repr(e), flush=True)
        traceback.print_exc(file=sys.stdout)


def expect_error(fn, code, type_, text=None):
    try:
        fn()
    except AppwriteException as e:
        assert e.code == code, f"code {e.code} != {code}: {e.message}"
        assert e.type == type_, f"type {e.type} != {type_}: {e.message}"
        if text is not None:
            assert text in e.message, f"{text!r} not in {e.message!r}"
        return e
    raise AssertionError(f"no error; expected {code} {type_}")


def control(path, body=None, method="POST"):
    request = urllib.request.Request(
        endpoint + "/emulator/" + path, method=method, data=json.dumps(body or {}).encode(),
        headers={"X-Appwrite-Project": project, "X-Appwrite-Key": key, "content-type": "application/json"})
    with urllib.request.urlopen(request) as r:
        body = r.read()
        return json.loads(body) if body else None


backups = Backups(client())
control("seed", {"databases": 3, "buckets": 1, "functions": 1})


def policies():
    p = backups.create_policy(policy_id="nightly-1", services=[BackupServices.DATABASES], retention=30,
                              schedule="0 2 * * *", name="Nightly", resource_id="db-0001", enabled=False)
    assert p.id == "nightly-1" and p.name == "Nightly" and p.retention == 30 and p.enabled is False
    assert p.resourceid == "db-0001" and p.resourcetype == "database" and p.resources == ["db-0001"]
    assert p.services == ["databases"] and p.type == "full" and p.createdat and p.updatedat
    unique = backups.create_policy(policy_id=ID.unique(), services=[BackupServices.DATABASES, BackupServices.STORAGE],
                                   retention=7, schedule="@daily")
    assert len(unique.id) == 20 and unique.resourceid is None and unique.name == "" and unique.enabled is True
    got = backups.get_policy(policy_id="nightly-1")
    assert got.schedule == "0 2 * * *"
    updated = backups.update_policy(policy_id="nightly-1", name="Renamed", retention=14, schedule="30 3 * * *", enabled=True)
    assert (updated.name, updated.retention, updated.schedule, updated.enabled) == ("Renamed", 14, "30 3 * * *", True)
    partial = backups.update_policy(policy_id="nightly-1", retention=15)
    assert partial.name == "Renamed" and partial.retention == 15
    listed = backups.list_policies()
    assert listed.total == 2 and len(listed.policies) == 2
    filtered = backups.list_policies(queries=[Query.equal("retention", 15), Query.order_desc("$createdAt"), Query.limit(5)])
    assert [p.id for p in filtered.policies] == ["nightly-1"] and filtered.total == 1
    uncounted = backups.list_policies(queries=[Query.limit(1)], total=False)
    assert uncounted.total == 0 and len(uncounted.policies) == 1
    counted = backups.list_policies(total=True)
    assert counted.total == 2
    deleted = backups.delete_policy(policy_id=unique.id)
    assert not deleted, deleted
    expect_error(lambda: backups.get_policy(policy_id=unique.id), 404, "backup_policy_not_found")


def policy_errors():
    expect_error(lambda: backups.create_policy(policy_id="nightly-1", services=[BackupServices.DATABASES], retention=1,
                                               schedule="@daily"), 409, "backup_policy_already_exists")
    expect_error(lambda: backups.create_policy(policy_id="_bad", services=[BackupServices.DATABASES], retention=1,
                                               schedule="@daily"), 400, "general_argument_invalid", "policyId")
    expect_error(lambda: backups.create_policy(policy_id="p", services=[BackupServices.DATABASES], retention=1,
                                               schedule="61 * * * *"), 400, "general_argument_invalid", "schedule")
    expect_error(lambda: backups.create_policy(policy_id="p", services=[BackupServices.DATABASES], retention=1,
                                               schedule="@daily", resource_id="nope"), 404, "database_not_found")
    expect_error(lambda: backups.create_policy(policy_id="p", services=[BackupServices.STORAGE], retention=1,
                                               schedule="@daily", resource_id="nope"), 404, "storage_bucket_not_found")
    expect_error(lambda: backups.create_policy(policy_id="p", services=[BackupServices.FUNCTIONS], retention=1,
                                               schedule="@daily", resource_id="nope"), 404, "function_not_found")
    # A path ID that is not a valid ID is a 400 like a body parameter, not a 404.
    expect_error(lambda: backups.get_policy(policy_id="_bad"), 400, "general_argument_invalid", "policyId")
    expect_error(lambda: backups.get_policy(policy_id="x" * 37), 400, "general_argument_invalid")
    expect_error(lambda: backups.update_policy(policy_id="missing", retention=3), 404, "backup_policy_not_found")
    expect_error(lambda: backups.delete_policy(policy_id="missing"), 404, "backup_policy_not_found")
    expect_error(lambda: backups.list_policies(queries=['{"method":"equal","attribute":"nope","values":[1]}']),
                 400, "general_query_invalid")
    expect_error(lambda: backups.list_policies(queries=[Query.cursor_after("missing")]), 400, "general_cursor_not_found")


def cron_extensions():
    # Appwrite validates schedules with dragonmantank/cron-expression: L, W, #, ? and macros.
    for i, schedule in enumerate(["0 0 L * *", "0 3 * * 5#3", "0 0 15W * *", "0 0 * * 5L", "0 0 ? * MON",
                                  "@weekly", "@annually", "@midnight", "@hourly", "0 0 LW * *"]):
        p = backups.create_policy(policy_id=f"cron-{i}", services=[BackupServices.DATABASES], retention=1, schedule=schedule)
        assert p.schedule == schedule
        backups.delete_policy(policy_id=p.id)


def paging():
    ids = [f"page-{i:02d}" for i in range(7)]
    for i in ids:
        backups.create_policy(policy_id=i, services=[BackupServices.DATABASES], retention=1, schedule="@daily")
    seen, cursor = [], None
    while True:
        queries = [Query.starts_with("$id", "page-"), Query.order_asc("$createdAt"), Query.limit(3)]
        if cursor:
            queries.append(Query.cursor_after(cursor))
        page = backups.list_policies(queries=queries)
        seen += [p.id for p in page.policies]
        if len(page.policies) < 3:
            break
        cursor = page.policies[-1].id
    assert seen == ids, seen
    back = backups.list_policies(queries=[Query.starts_with("$id", "page-"), Query.cursor_before("page-03"), Query.limit(2)])
    assert [p.id for p in back.policies] == ["page-01", "page-02"], [p.id for p in back.policies]
    either = backups.list_policies(queries=[Query.or_queries([Query.equal("$id", "page-01"), Query.equal("$id", "page-05")])])
    assert sorted(p.id for p in either.policies) == ["page-01", "page-05"]
    offset = backups.list_policies(queries=[Query.starts_with("$id", "page-"), Query.offset(5)])
    assert offset.total == 7 and len(offset.policies) == 2


def archives():
    a = backups.create_archive(services=[BackupServices.DATABASES], resource_id="db-0001")
    assert a.status == "pending" and a.policyid == "" and a.size is None and a.startedat is None
    assert a.resourceid == "db-0001" and a.resourcetype == "database" and a.migrationid
    whole = backups.create_archive(services=[BackupServices.DATABASES, BackupServices.STORAGE])
    assert whole.resourceid is None
    control("clock", {"advanceSeconds": 10})
    done = backups.get_archive(archive_id=a.id)
    assert done.status == "completed" and done.size and done.startedat
    listed = backups.list_archives(queries=[Query.equal("status", ["completed"]), Query.order_desc("$createdAt")])
    assert listed.total == 2
    manual = backups.list_archives(queries=[Query.is_null("policyId")], total=False)
    assert manual.total == 0 and len(manual.archives) == 2
    expect_error(lambda: backups.get_archive(archive_id="missing"), 404, "backup_archive_not_found")
    expect_error(lambda: backups.get_archive(archive_id="-bad"), 400, "general_argument_invalid", "archiveId")
    expect_error(lambda: backups.create_archive(services=[BackupServices.DATABASES], resource_id="nope"), 404, "database_not_found")
    assert not backups.delete_archive(archive_id=whole.id)
    expect_error(lambda: backups.delete_archive(archive_id=whole.id), 404, "backup_archive_not_found")
    return a.id


def restorations():
    archive = backups.create_archive(services=[BackupServices.DATABASES], resource_id="db-0002")
    expect_error(lambda: backups.create_restoration(archive_id=archive.id, services=[BackupServices.DATABASES]),
                 400, "general_argument_invalid", "completed")
    control("clock", {"advanceSeconds": 10})
    # In place: the destination is resolved at once and is the archived database itself.
    in_place = backups.create_restoration(archive_id=archive.id, services=[BackupServices.DATABASES])
    target = in_place.options["databases"]["database"][0]
    assert target["newId"] == "db-0002" and target["oldId"] == "db-0002", in_place.options
    assert in_place.status == "pending" and in_place.archiveid == archive.id and in_place.policyid == ""
    # Into a new database.
    copy = backups.create_restoration(archive_id=archive.id, services=[BackupServices.DATABASES],
                                      new_resource_id="db-copy", new_resource_name="Copy of two")
    assert copy.options["databases"]["database"][0] == {"oldId": "db-0002", "newId": "db-copy", "newName": "Copy of two"}
    control("clock", {"advanceSeconds": 10})
    finished = backups.get_restoration(restoration_id=copy.id)
    assert finished.status == "completed" and finished.startedat
    listed = backups.list_restorations(queries=[Query.equal("archiveId", archive.id)])
    assert listed.total == 2
    assert backups.list_restorations(total=False).total == 0
    expect_error(lambda: backups.get_restoration(restoration_id="missing"), 404, "backup_restoration_not_found")
    expect_error(lambda: backups.create_restoration(archive_id="missing", services=[BackupServices.DATABASES]),
                 404, "backup_archive_not_found")
    expect_error(lambda: backups.create_restoration(archive_id=archive.id, services=[BackupServices.DATABASES],
                                                    new_resource_id="db-copy"), 409, "database_already_exists")
    names = [d.name for d in TablesDB(client()).list(queries=[Query.equal("$id", "db-copy")]).databases]
    assert names == ["Copy of two"], names


def resources():
    legacy = Databases(client()).list()
    tables = TablesDB(client()).list(queries=[Query.limit(2)])
    assert legacy.total == tables.total and len(tables.databases) == 2
    assert TablesDB(client()).list(total=False).total == 0
    buckets = Storage(client()).list_buckets()
    assert buckets.total == 1 and buckets.buckets[0].id == "bucket-0001"
    functions = Functions(client()).list()
    assert functions.total == 1 and functions.functions[0].id == "fn-0001"


def scopes():
    readonly = Backups(client(key=readonly_key))
    assert readonly.list_policies().total >= 1
    readonly.get_policy(policy_id="nightly-1")
    e = expect_error(lambda: readonly.create_policy(policy_id="nope", services=[BackupServices.DATABASES], retention=1,
                                                    schedule="@daily"), 401, "general_unauthorized_scope",
                     'missing scopes (["policies.write"])')
    assert project in e.message
    expect_error(lambda: readonly.list_archives(), 401, "general_unauthorized_scope", "archives.read")
    expect_error(lambda: readonly.delete_policy(policy_id="nightly-1"), 401, "general_unauthorized_scope")
    expect_error(lambda: Storage(client(key=readonly_key)).list_buckets(), 401, "general_unauthorized_scope", "buckets.read")


def projects():
    expect_error(lambda: Backups(client(project="no-such-project")).list_policies(), 404, "project_not_found")
    expect_error(lambda: Backups(client(key="wrong-key")).list_policies(), 401, "general_unauthorized_scope")
    other = Backups(client(project=other_project))
    assert other.list_policies().total == 0, "projects are isolated"
    other.create_policy(policy_id="nightly-1", services=[BackupServices.DATABASES], retention=1, schedule="@daily")
    assert other.get_policy(policy_id="nightly-1").retention == 1
    assert backups.get_policy(policy_id="nightly-1").retention == 15


check("policies: create (every parameter), get, update, list with queries and total, delete", policies)
check("policies: 409, 400 for bad IDs in body and path, bad cron, 404 typed for missing resources, bad queries", policy_errors)
check("schedules: L, W, #, ? and every macro", cron_extensions)
check("paging by cursor after and before, or, offset", paging)
check("archives: create, get, list, delete, and their errors", archives)
check("restorations: in place and into a new database, resolved at creation", restorations)
check("resources: Databases.list, TablesDB.list, Storage.list_buckets, Functions.list", resources)
check("scoped keys: reads pass, writes and other collections answer the missing scope", scopes)
check("projects: unknown project, wrong key, isolated state", projects)

# The SDK's own query strings, for the Swift side to compare with bkup's Query module.
print("QUERIES " + json.dumps({
    "equal": Query.equal("status", "completed"), "equalList": Query.equal("resourceId", ["a", "b"]),
    "notEqual": Query.not_equal("enabled", False), "lessThan": Query.less_than("retention", 7),
    "lessThanEqual": Query.less_than_equal("size", 1.5), "greaterThan": Query.greater_than("$createdAt", "2026-01-01"),
    "greaterThanEqual": Query.greater_than_equal("retention", 30), "between": Query.between("retention", 1, 30),
    "isNull": Query.is_null("resourceId"), "isNotNull": Query.is_not_null("policyId"),
    "startsWith": Query.starts_with("$id", "nightly-"), "endsWith": Query.ends_with("name", "backup"),
    "contains": Query.contains("services", "databases"), "search": Query.search("name", "night"),
    "select": Query.select(["$id", "name"]), "orderAsc": Query.order_asc("$createdAt"),
    "orderDesc": Query.order_desc("retention"), "orderRandom": Query.order_random(),
    "limit": Query.limit(25), "offset": Query.offset(50), "cursorAfter": Query.cursor_after("abc"),
    "cursorBefore": Query.cursor_before("xyz"),
    "or": Query.or_queries([Query.equal("status", "failed"), Query.is_null("size")]),
    "and": Query.and_queries([Query.greater_than("retention", 1), Query.less_than("retention", 9)]),
    "createdBefore": Query.created_before("2026-11-01T00:00:00.000+00:00"),
    "createdAfter": Query.created_after("2026-11-01T00:00:00.000+00:00"),
    "createdBetween": Query.created_between("2026-01-01", "2026-12-31"),
    "updatedBefore": Query.updated_before("2026-11-01"), "updatedAfter": Query.updated_after("2026-11-01"),
    "updatedBetween": Query.updated_between("2026-01-01", "2026-12-31"),
}, sort_keys=True), flush=True)
sys.exit(1 if failures else 0)
