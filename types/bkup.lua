---@meta
-- LuaCATS annotations of what bkup's host provides to scripts, for lua-language-server
-- (VS Code's Lua extension, Neovim): `bkup --types DIR` writes this folder and a .luarc.json.
-- A test compares every function and field declared here with the running host's.

---@alias bkup.Query string  A query string, as Query.* makes it (the official SDKs' JSON form).
---@alias bkup.ISODate string  `2026-11-27T02:00:00.000+00:00`
---@alias bkup.Service "databases"|"buckets"|"functions"
---@alias bkup.ArchiveStatus "pending"|"processing"|"uploading"|"completed"|"failed"|"skipped"
---@alias bkup.RestorationStatus "pending"|"downloading"|"processing"|"completed"|"failed"

---A backup policy, with the wire names (`$id`...) and read aliases `id`, `createdAt`, `updatedAt`.
---@class bkup.BackupPolicy
---@field ["$id"] string
---@field id string alias of `$id`
---@field ["$createdAt"] bkup.ISODate
---@field createdAt bkup.ISODate alias of `$createdAt`
---@field ["$updatedAt"] bkup.ISODate
---@field updatedAt bkup.ISODate alias of `$updatedAt`
---@field name string
---@field services bkup.Service[]
---@field resources string[]
---@field resourceId? string
---@field resourceType? string
---@field retention integer days an archive is kept
---@field schedule string cron expression (Appwrite's grammar)
---@field type string
---@field enabled boolean

---An archive (a backup), with the wire names and the read aliases.
---@class bkup.BackupArchive
---@field ["$id"] string
---@field id string alias of `$id`
---@field ["$createdAt"] bkup.ISODate
---@field createdAt bkup.ISODate alias of `$createdAt`
---@field ["$updatedAt"] bkup.ISODate
---@field updatedAt bkup.ISODate alias of `$updatedAt`
---@field policyId string "" for a manual archive
---@field size? integer bytes, once completed
---@field status bkup.ArchiveStatus
---@field startedAt? bkup.ISODate
---@field migrationId string
---@field services bkup.Service[]
---@field resources string[]
---@field resourceId? string
---@field resourceType? string

---A restoration of an archive.
---@class bkup.BackupRestoration
---@field ["$id"] string
---@field id string alias of `$id`
---@field ["$createdAt"] bkup.ISODate
---@field createdAt bkup.ISODate alias of `$createdAt`
---@field ["$updatedAt"] bkup.ISODate
---@field updatedAt bkup.ISODate alias of `$updatedAt`
---@field archiveId string
---@field policyId string
---@field status bkup.RestorationStatus
---@field startedAt? bkup.ISODate
---@field migrationId string
---@field services bkup.Service[]
---@field resources string[]
---@field options table

---A database, bucket or function (`backups.resources.*`).
---@class bkup.Resource
---@field ["$id"] string
---@field id string alias of `$id`
---@field name string
---@field ["$createdAt"] bkup.ISODate
---@field ["$updatedAt"] bkup.ISODate
---@field enabled boolean

---What every failure raises. `tostring(err)` reads `type (code): message`.
---@class backups.Error
---@field code integer HTTP status; 0 for a failure on this side (network, arguments, limits)
---@field type string Appwrite's error type, e.g. `backup_policy_not_found`
---@field message string
---@field body? string the service's answer, when it was not Appwrite's error shape
---@field scope? string the scope an API key lacks
---@field mayHaveHappened boolean the request may have reached the service
---@field candidates string[] records that may be what an ambiguous create made
---@field attempts integer requests sent, retries included

---A page of a list.
---@class bkup.List<T>: { total: integer }

---@class bkup.ListOptions
---@field total? boolean false skips the count (`total` is then 0)

---@class bkup.WaitOptions
---@field timeout? number seconds (default 600)
---@field interval? number seconds between polls (default 2)
---@field progress? boolean a progress bar on a terminal (waitAll; default true)

---@class bkup.NewPolicy
---@field id? string default: a unique ID
---@field name? string
---@field services bkup.Service[]
---@field resourceId? string
---@field enabled? boolean
---@field retention integer
---@field schedule string

---@class bkup.PolicyChanges
---@field name? string
---@field retention? integer
---@field schedule? string
---@field enabled? boolean

---@class bkup.NewArchive
---@field services bkup.Service[]
---@field resourceId? string

---@class bkup.NewRestoration
---@field archiveId string
---@field services bkup.Service[]
---@field newResourceId? string restore into a new resource (in place when absent)
---@field newResourceName? string

---@class backups
backups = {}

---@class backups.policies
backups.policies = {}
---@param queries? bkup.Query[]
---@param opts? bkup.ListOptions
---@return { total: integer, policies: bkup.BackupPolicy[] }
function backups.policies.list(queries, opts) end
---Every policy, page after page (only the first page is counted).
---@param queries? bkup.Query[]
---@param opts? table
---@return fun(): bkup.BackupPolicy?
function backups.policies.each(queries, opts) end
---@param id string
---@return bkup.BackupPolicy
function backups.policies.get(id) end
---@param fields bkup.NewPolicy
---@return bkup.BackupPolicy
function backups.policies.create(fields) end
---@param id string
---@param changes bkup.PolicyChanges
---@return bkup.BackupPolicy
function backups.policies.update(id, changes) end
---@param id string
function backups.policies.delete(id) end

---@class backups.archives
backups.archives = {}
---@param queries? bkup.Query[]
---@param opts? bkup.ListOptions
---@return { total: integer, archives: bkup.BackupArchive[] }
function backups.archives.list(queries, opts) end
---@param queries? bkup.Query[]
---@param opts? table
---@return fun(): bkup.BackupArchive?
function backups.archives.each(queries, opts) end
---@param id string
---@return bkup.BackupArchive
function backups.archives.get(id) end
---@param fields bkup.NewArchive
---@return bkup.BackupArchive
function backups.archives.create(fields) end
---@param id string
function backups.archives.delete(id) end
---Polls until the archive is final (completed, failed or skipped).
---@param id string|bkup.BackupArchive
---@param opts? bkup.WaitOptions
---@return bkup.BackupArchive
function backups.archives.wait(id, opts) end
---Waits for many archives at once: results and errors by position, as task.map.
---@param items (string|bkup.BackupArchive)[]
---@param opts? bkup.WaitOptions
---@return table<integer, bkup.BackupArchive> results
---@return table<integer, backups.Error> errors
function backups.archives.waitAll(items, opts) end

---@class backups.restorations
backups.restorations = {}
---@param queries? bkup.Query[]
---@param opts? bkup.ListOptions
---@return { total: integer, restorations: bkup.BackupRestoration[] }
function backups.restorations.list(queries, opts) end
---@param queries? bkup.Query[]
---@param opts? table
---@return fun(): bkup.BackupRestoration?
function backups.restorations.each(queries, opts) end
---@param id string
---@return bkup.BackupRestoration
function backups.restorations.get(id) end
---@param fields bkup.NewRestoration
---@return bkup.BackupRestoration
function backups.restorations.create(fields) end
---@param id string|bkup.BackupRestoration
---@param opts? bkup.WaitOptions
---@return bkup.BackupRestoration
function backups.restorations.wait(id, opts) end
---@param items (string|bkup.BackupRestoration)[]
---@param opts? bkup.WaitOptions
---@return table<integer, bkup.BackupRestoration> results
---@return table<integer, backups.Error> errors
function backups.restorations.waitAll(items, opts) end

---The project's resources a policy can protect (read-only).
---@class backups.resources
backups.resources = {}
---@class backups.resources.databases
---@field service bkup.Service
backups.resources.databases = {}
---@param queries? bkup.Query[]
---@param opts? bkup.ListOptions
---@return { total: integer, databases: bkup.Resource[] }
function backups.resources.databases.list(queries, opts) end
---@param queries? bkup.Query[]
---@param opts? table
---@return fun(): bkup.Resource?
function backups.resources.databases.each(queries, opts) end
---@class backups.resources.buckets
---@field service bkup.Service
backups.resources.buckets = {}
---@param queries? bkup.Query[]
---@param opts? bkup.ListOptions
---@return { total: integer, buckets: bkup.Resource[] }
function backups.resources.buckets.list(queries, opts) end
---@param queries? bkup.Query[]
---@param opts? table
---@return fun(): bkup.Resource?
function backups.resources.buckets.each(queries, opts) end
---@class backups.resources.functions
---@field service bkup.Service
backups.resources.functions = {}
---@param queries? bkup.Query[]
---@param opts? bkup.ListOptions
---@return { total: integer, functions: bkup.Resource[] }
function backups.resources.functions.list(queries, opts) end
---@param queries? bkup.Query[]
---@param opts? table
---@return fun(): bkup.Resource?
function backups.resources.functions.each(queries, opts) end

---The emulator's controls (only against an emulator).
---@class backups.emulator
backups.emulator = {}
---@param counts { databases?: integer, buckets?: integer, functions?: integer, archives?: integer }
---@return table created IDs by kind
function backups.emulator.seed(counts) end
---Moves the emulator's clock forward; schedules fire and lifecycles advance.
---@param seconds number
---@return bkup.ISODate now
function backups.emulator.advance(seconds) end
---@return bkup.ISODate
function backups.emulator.now() end

---The words scripts share with the service.
---@class backups.vocabulary
---@field services bkup.Service[]
---@field resourceKinds string[]
---@field archive { all: bkup.ArchiveStatus[], inProgress: bkup.ArchiveStatus[], final: table<bkup.ArchiveStatus, true> }
---@field restoration { all: bkup.RestorationStatus[], inProgress: bkup.RestorationStatus[], final: table<bkup.RestorationStatus, true> }
backups.vocabulary = {}

---Where the script talks to (never the key).
---@class backups.config
---@field endpoint string
---@field project string
---@field emulator boolean
---@field dryRun boolean
backups.config = {}

---The service's clock: an emulator's virtual time when rehearsing, else this machine's.
---@return bkup.ISODate
function backups.now() end

---Makes a backups.Error (to raise with `error`).
---@param type string
---@param message string
---@param code? integer
---@return backups.Error
function backups.error(type, message, code) end

---@class bkup.RotateReport
---@field created table[]
---@field updated table[]
---@field replaced table[]
---@field deleted table[]
---@field unchanged table[]
---@field failed { resourceId: string, reason: string, error?: backups.Error }[]
---@field ok boolean
---@field dryRun boolean
local RotateReport = {}
---One line per change and failure, for people.
---@return string[]
function RotateReport:lines() end

---@class bkup.RotateSpec
---@field schedule string
---@field retention integer
---@field services? bkup.Service[]
---@field enabled? boolean
---@field id? string template with {resourceId} {resourceName} {kind} {service}
---@field name? string template

---Converges policies: one per resource, to `spec` (created, updated in place, or replaced).
---@param selector "databases"|"buckets"|"functions"|string[]|{ kind: string, ids?: string[], queries?: bkup.Query[] }
---@param spec bkup.RotateSpec
---@param opts? { prune?: boolean, adopt?: boolean, concurrency?: integer, onChange?: fun(change: table) }
---@return bkup.RotateReport
function backups.rotate(selector, spec, opts) end

---@class bkup.RetentionRules
---@field daily? integer
---@field weekly? integer
---@field monthly? integer
---@field yearly? integer
---@field keepFailed? boolean
---@field resources? string[]

---@class bkup.RetentionPlan
---@field rules bkup.RetentionRules
---@field keep bkup.BackupArchive[]
---@field delete bkup.BackupArchive[]
---@field resources { resourceId: string, keep: bkup.BackupArchive[], delete: bkup.BackupArchive[], entries: table[] }[]
local RetentionPlan = {}
---@return string[][]
function RetentionPlan:rows() end

---@class bkup.RetentionResult
---@field deleted bkup.BackupArchive[]
---@field gone bkup.BackupArchive[]
---@field failed { archive: bkup.BackupArchive, reason: string, error: backups.Error }[]
---@field kept integer
---@field ok boolean
---@field dryRun boolean

---Grandfather-father-son pruning: `backups.retention(rules)` plans and applies.
---@class backups.retention
---@overload fun(rules: bkup.RetentionRules): bkup.RetentionResult
backups.retention = {}
---@param rules bkup.RetentionRules
---@return bkup.RetentionPlan
function backups.retention.plan(rules) end
---@param plan bkup.RetentionPlan
---@param opts? { concurrency?: integer, progress?: boolean }
---@return bkup.RetentionResult
function backups.retention.apply(plan, opts) end

---@class bkup.Summary
---@field count integer
---@field byStatus table<string, integer>
---@field byResource table<string, { count: integer, completed: integer, failed: integer, size: integer, newest?: bkup.ISODate, sizes: integer[] }>
---@field size integer bytes of completed archives
---@field oldest? bkup.ISODate
---@field newest? bkup.ISODate

---@class bkup.CalendarOptions
---@field days? integer days shown, ending today (default 30)
---@field now? bkup.ISODate|number default: the service's clock
---@field policies? bkup.BackupPolicy[] days their schedules expected an archive are marked when none came
---@field color? boolean default: on a terminal, unless NO_COLOR is set
---@field resources? string[] rows to show, in order (default: every resource with an archive or a policy)

---Records as tables people read and formats machines read, summaries and pictures.
---@class backups.report
---@field columns table<string, string[]> default columns by record kind
backups.report = {}
---@param records table[]
---@param opts? { format?: "table"|"csv"|"jsonl", columns?: string[] }
function backups.report.print(records, opts) end
---@param records table[]
---@param opts? { format?: "table"|"csv"|"jsonl", columns?: string[] }
---@return string
function backups.report.render(records, opts) end
---@param archives bkup.BackupArchive[]
---@return bkup.Summary
function backups.report.summary(archives) end
---Enabled policies whose schedule stopped producing: the newest of their runs whose time is over
---was missed (backups.schedules' rule).
---@param policies bkup.BackupPolicy[]
---@param archives bkup.BackupArchive[]
---@param now? bkup.ISODate|number
---@return { policy: bkup.BackupPolicy, last?: bkup.ISODate, expected: bkup.ISODate }[]
function backups.report.stale(policies, archives, now) end
---One row per resource, one cell per day, by outcome: completed, failed, missed (a schedule
---expected an archive and none came), past retention (not judged), nothing; with a legend.
---@param archives bkup.BackupArchive[]
---@param opts? bkup.CalendarOptions
---@return string
function backups.report.calendar(archives, opts) end
---Sizes as a sparkline (▁▂▃▄▅▆▇█; plain digits when asked).
---@param values number[]
---@param opts? { plain?: boolean, width?: integer }
---@return string
function backups.report.sparkline(values, opts) end
---@param record table
---@return "policy"|"archive"|"restoration"|"resource"
function backups.report.kind(record) end
---@param bytes integer
---@return string
function backups.report.humanSize(bytes) end

---@class bkup.Audit
---@field findings { check: "unprotected"|"disabled"|"failed"|"missed", subject: string, detail: string }[]
---@field ok boolean
---@field counts { resources: integer, policies: integer, archives: integer }
---@field now bkup.ISODate
---@field archives bkup.BackupArchive[]
---@field policies bkup.BackupPolicy[]
local Audit = {}
---@return string[]
function Audit:lines() end

---What needs an operator's attention.
---@param opts? { kinds?: string[], since?: number, checks?: ("unprotected"|"disabled"|"failed"|"missed")[], now?: bkup.ISODate }
---@return bkup.Audit
function backups.audit(opts) end

---What an enabled policy's schedule expected, run by run, and what came of it: the one rule by
---which the audit, the calendar and whatever else judges schedules call a run missed.
backups.schedules = {}

---@class bkup.Run
---@field at number Unix seconds
---@field nextAt? number the next run
---@field state "covered"|"expired"|"missed"|"pending"

---The runs from `from` (at the earliest the policy's last change) to `now`, oldest first: covered
---(an archive of the policy came before the next run), expired (past retention: not judged),
---missed (none came, and the next run is due or an hour has passed), pending (none yet). A disabled
---policy has none.
---@param policy bkup.BackupPolicy
---@param archives bkup.BackupArchive[]
---@param now bkup.ISODate|number
---@param from? bkup.ISODate|number
---@return bkup.Run[]
function backups.schedules.runs(policy, archives, now, from) end
---Every enabled policy with missed runs, and those runs (ISO dates, oldest first; `at` the newest).
---@param policies bkup.BackupPolicy[]
---@param archives bkup.BackupArchive[]
---@param now bkup.ISODate|number
---@return { policy: bkup.BackupPolicy, runs: bkup.ISODate[], at: bkup.ISODate }[]
function backups.schedules.missed(policies, archives, now) end
---The time (Unix seconds) at or before which the policy's archives have been deleted at `now`.
---@param policy bkup.BackupPolicy
---@param now bkup.ISODate|number
---@return number
function backups.schedules.keptAfter(policy, now) end
---When the policy began to be judged: its last change (`$updatedAt`), else its creation (Unix seconds).
---@param policy bkup.BackupPolicy
---@return number
function backups.schedules.since(policy) end

---@class bkup.DoctorCheck
---@field name "configuration"|"endpoint"|"dns"|"tcp"|"tls"|"appwrite"|"project"|"key"|"scopes"|"clock"|"latency"
---@field status "pass"|"warn"|"fail"|"skip"
---@field detail string
---@field hint? string what to do (warn and fail)

---@class bkup.DoctorReport
---@field ok boolean no check failed
---@field endpoint string
---@field project string
---@field checks bkup.DoctorCheck[]
local DoctorReport = {}
---@return string[]
function DoctorReport:lines() end

---@class bkup.ConnectSettings
---@field endpoint? string
---@field project? string
---@field key? string
---@field keyFile? string
---@field keyEnv? string an environment variable holding the key
---@field selfSigned? boolean
---@field caFile? string
---@field concurrency? integer requests in flight to the endpoint at most, across its connections

---Another project or endpoint, with the whole API of `backups` (policies, archives,
---restorations, resources, rotate, retention, report, audit, doctor, now, config). Settings not
---given are this connection's; on the embedded emulator any project name is a project of its own.
---`concurrency` caps the requests in flight to the endpoint across every connection to it.
---@param settings bkup.ConnectSettings
---@return backups
function backups.connect(settings) end

---The connections of a fleet file (JSON, or Lua returning the same table), each with its `name`.
---@param path string
---@return (backups|{ name: string })[]
function backups.fleet(path) end

---Can this configuration work? The settings' origins, the URL, DNS, TCP, TLS, Appwrite, the
---project, the key and its scopes (read-only probes), the clock and the round trip.
---@return bkup.DoctorReport
function backups.doctor() end

---One step of a plan: what it sends and what must still hold for it to be sent.
---@class bkup.PlanStep
---@field step integer
---@field operation "create"|"update"|"delete"
---@field record "policy"|"archive"|"restoration"
---@field id? string the record's ID (none when the service chooses it)
---@field project string
---@field endpoint string
---@field request { method: string, path: string, body?: table }
---@field precondition { updatedAt?: string, absent?: boolean, noneMadeSince?: string }
---@field before? table the fields an update changes, as read
---@field summary string the line the dry run printed

---A dry run's plan, as `bkup --plan-out FILE` writes it.
---@class bkup.Plan
---@field bkupPlan integer the format version
---@field made { by: string, at?: string, script?: string, arguments: string[] }
---@field targets { endpoint: string, project: string, madeAt?: string }[]
---@field counts { creates: integer, updates: integer, deletes: integer }
---@field steps bkup.PlanStep[]
---@field checksum string

---In a dry run, the plan so far (nil when this is not a dry run).
---@return bkup.Plan?
function backups.plan() end

---Query strings, as the official SDKs write them.
---@class Query
Query = {}
---@param attribute string
---@param values any
---@return bkup.Query
function Query.equal(attribute, values) end
---A list of `equal` queries for many values, each within the service's limits.
---@param attribute string
---@param values any[]
---@return bkup.Query[]
function Query.equalAny(attribute, values) end
---@param attribute string
---@param value any
---@return bkup.Query
function Query.notEqual(attribute, value) end
---@param attribute string
---@param value any
---@return bkup.Query
function Query.lessThan(attribute, value) end
---@param attribute string
---@param value any
---@return bkup.Query
function Query.lessThanEqual(attribute, value) end
---@param attribute string
---@param value any
---@return bkup.Query
function Query.greaterThan(attribute, value) end
---@param attribute string
---@param value any
---@return bkup.Query
function Query.greaterThanEqual(attribute, value) end
---@param attribute string
---@param low any
---@param high any
---@return bkup.Query
function Query.between(attribute, low, high) end
---@param attribute string
---@return bkup.Query
function Query.isNull(attribute) end
---@param attribute string
---@return bkup.Query
function Query.isNotNull(attribute) end
---@param attribute string
---@param value string
---@return bkup.Query
function Query.startsWith(attribute, value) end
---@param attribute string
---@param value string
---@return bkup.Query
function Query.endsWith(attribute, value) end
---@param attribute string
---@param values any
---@return bkup.Query
function Query.contains(attribute, values) end
---@param attribute string
---@param value string
---@return bkup.Query
function Query.search(attribute, value) end
---@param attributes string[]
---@return bkup.Query
function Query.select(attributes) end
---@param attribute string
---@return bkup.Query
function Query.orderAsc(attribute) end
---@param attribute string
---@return bkup.Query
function Query.orderDesc(attribute) end
---@return bkup.Query
function Query.orderRandom() end
---@param n integer
---@return bkup.Query
function Query.limit(n) end
---@param n integer
---@return bkup.Query
function Query.offset(n) end
---@param id string
---@return bkup.Query
function Query.cursorAfter(id) end
---@param id string
---@return bkup.Query
function Query.cursorBefore(id) end
---@param queries bkup.Query[]
---@return bkup.Query
Query["or"] = function(queries) end
---@param queries bkup.Query[]
---@return bkup.Query
Query["and"] = function(queries) end
---@param date bkup.ISODate
---@return bkup.Query
function Query.createdBefore(date) end
---@param date bkup.ISODate
---@return bkup.Query
function Query.createdAfter(date) end
---@param from bkup.ISODate
---@param to bkup.ISODate
---@return bkup.Query
function Query.createdBetween(from, to) end
---@param date bkup.ISODate
---@return bkup.Query
function Query.updatedBefore(date) end
---@param date bkup.ISODate
---@return bkup.Query
function Query.updatedAfter(date) end
---@param from bkup.ISODate
---@param to bkup.ISODate
---@return bkup.Query
function Query.updatedBetween(from, to) end

---IDs as Appwrite takes them.
---@class ID
ID = {}
---@return string "unique()": the service picks one
function ID.unique() end
---@param id string
---@return string
function ID.custom(id) end
---@param id string
---@return boolean ok
---@return string? why
function ID.valid(id) end

---A running task (`task.spawn`).
---@class task.Handle
---@field status "ready"|"running"|"waiting"|"done"|"failed"
local Handle = {}
---Waits for the task: its return values, or raises its error.
---@return any ...
function Handle:wait() end

---Cooperative tasks: HTTP calls of different tasks are in flight at once.
---@class task
task = {}
---@param fn fun(...): ...
---@param ... any
---@return task.Handle
function task.spawn(fn, ...) end
---Calls fn on every item, `concurrency` at a time: results and errors by position.
---@generic T, R
---@param list T[]
---@param fn fun(item: T, index: integer): R
---@param opts? { concurrency?: integer, progress?: boolean }
---@return table<integer, R> results
---@return table<integer, any> errors
function task.map(list, fn, opts) end
---@param seconds number
function task.sleep(seconds) end
---Monotonic seconds (for timeouts and rates).
---@return number
function task.now() end

---Appwrite's cron grammar (dragonmantank/cron-expression), in UTC.
---@class cron
cron = {}
---@param expression string
---@return boolean ok
---@return string? why
function cron.validate(expression) end
---@param expression string
---@return string e.g. "at 02:00 every day (UTC)"
function cron.describe(expression) end
---@param expression string
---@param n? integer default 1
---@param after? bkup.ISODate|number
---@return bkup.ISODate[]
function cron.next(expression, n, after) end
---@param expression string
---@param n? integer default 1
---@param before? bkup.ISODate|number
---@return bkup.ISODate[]
function cron.previous(expression, n, before) end
---@param expression string
---@return table fields
function cron.parse(expression) end

---@class json
---@field null lightuserdata JSON's null (nil cannot sit in a table)
json = {}
---@param value any
---@param opts? { pretty?: boolean, sort_keys?: boolean }
---@return string
function json.encode(value, opts) end
---@param text string
---@return any
function json.decode(text) end
---Marks a table as an array (so that an empty one encodes as []).
---@param t table
---@return table
function json.array(t) end
