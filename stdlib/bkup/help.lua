-- help: the whole API, from the editor types (types/bkup.lua, through bkup.apitypes), so that
-- help() and lua-language-server name the same functions; with a paragraph more where the
-- types' one line does not say enough. Text is wrapped at the terminal's width.
--   help()                           every module and its functions
--   help(backups.policies.update)    that function's signature and description
--   help("backups.Error")            an entry by name (functions, modules, record classes)
--   help(backups.policies)           a module's functions
local apitypes = require("bkup.apitypes")
local M = {}

-- More than the types' line says, by the types' name (a test checks that each is declared):
-- how the call reads in practice, and a paragraph.
M.notes = {
  ["backups.policies.list"] = {
    "backups.policies.list(queries?, {total=true}) --> {total=n, policies={...}}",
    "One page of policies (25 unless a Query.limit says otherwise), filtered and ordered by the queries. {total=false} asks the service not to count (total is then 0): counting is the costly part of a deep list."},
  ["backups.policies.each"] = {
    "backups.policies.each(queries?) --> iterator",
    "Every policy matching the queries, fetched page by page with cursorAfter; keeps your filters and order. Only the first page is counted."},
  ["backups.policies.get"] = {
    "backups.policies.get(id) --> policy",
    "One policy by ID; raises backups.Error 404 if it does not exist."},
  ["backups.policies.create"] = {
    "backups.policies.create{id?, name?, services, resourceId?, enabled?, retention, schedule} --> policy",
    "Creates a backup policy. id defaults to ID.unique(); services is a list such as {\"databases\"}; retention is in days; schedule is a 5-field cron expression. Validated before anything is sent. In a dry run, prints '+ policy ...' and returns the policy that would be created."},
  ["backups.policies.update"] = {
    "backups.policies.update(id, {name?, retention?, schedule?, enabled?}) --> policy",
    "Changes the given fields of a policy; absent fields stay as they are. Services and resourceId cannot be changed in place. In a dry run, reads the policy, prints '~ policy id: field old -> new' and returns it with the change applied."},
  ["backups.policies.delete"] = {
    "backups.policies.delete(id) --> true",
    "Deletes a policy (its archives stay). In a dry run, checks it exists and prints '- policy id'."},
  ["backups.archives.list"] = {
    "backups.archives.list(queries?, {total=true}) --> {total=n, archives={...}}",
    "One page of archives; {total=false} skips the count."},
  ["backups.archives.each"] = {
    "backups.archives.each(queries?) --> iterator",
    "Every archive matching the queries, page by page."},
  ["backups.archives.get"] = {
    "backups.archives.get(id) --> archive",
    "One archive by ID."},
  ["backups.archives.create"] = {
    "backups.archives.create{services, resourceId?} --> archive",
    "Starts a backup now. The archive begins 'pending'; use backups.archives.wait to wait for a final status. Never repeated after an ambiguous failure: the error then says it may have been created."},
  ["backups.archives.delete"] = {
    "backups.archives.delete(id) --> true",
    "Deletes an archive."},
  ["backups.archives.wait"] = {
    "backups.archives.wait(id, {timeout=600, interval=2}) --> archive",
    "Polls until the archive is completed, failed or skipped; raises a 'timeout' backups.Error after timeout seconds."},
  ["backups.restorations.create"] = {
    "backups.restorations.create{archiveId, services, newResourceId?, newResourceName?} --> restoration",
    "Restores a completed archive, into a new database when newResourceId is given, else in place. The destination is resolved at once: options.databases.database[1] names it (newId, newName)."},
  ["backups.restorations.list"] = {
    "backups.restorations.list(queries?, {total=true}) --> {total=n, restorations={...}}",
    "One page of restorations; {total=false} skips the count."},
  ["backups.restorations.each"] = {
    "backups.restorations.each(queries?) --> iterator",
    "Every restoration, page by page."},
  ["backups.restorations.get"] = {
    "backups.restorations.get(id) --> restoration",
    "One restoration by ID."},
  ["backups.restorations.wait"] = {
    "backups.restorations.wait(id, {timeout=600, interval=2}) --> restoration",
    "Polls until completed or failed."},
  ["backups.resources.databases.each"] = {
    "backups.resources.databases.each(queries?) --> iterator",
    "Every database of the project (read-only)."},
  ["backups.resources.buckets.each"] = {
    "backups.resources.buckets.each(queries?) --> iterator",
    "Every storage bucket (read-only)."},
  ["backups.resources.functions.each"] = {
    "backups.resources.functions.each(queries?) --> iterator",
    "Every function (read-only)."},
  ["backups.emulator.seed"] = {
    "backups.emulator.seed{databases=, buckets=, functions=}",
    "Emulator only: creates example resources."},
  ["backups.emulator.advance"] = {
    "backups.emulator.advance(seconds) --> now",
    "Emulator only: moves the clock; due schedules and retention run in order."},
  ["backups.archives.waitAll"] = {
    "backups.archives.waitAll(ids or records, {timeout=600, interval=2, progress=true}) --> results, errors",
    "Waits for many archives at once: each round lists every unfinished one (50 per call) instead of one get each. results[i] is the final record of items[i]; errors[i] a 'timeout' or 'not_found' backups.Error. A progress bar on a terminal."},
  ["backups.restorations.waitAll"] = {
    "backups.restorations.waitAll(ids or records, opts) --> results, errors",
    "As backups.archives.waitAll, for restorations."},
  ["backups.rotate"] = {
    "backups.rotate(selector, spec, {prune?, adopt?, concurrency?, onChange?}) --> report",
    "Converges the policies of many resources to one spec {schedule, retention, services?, enabled?, id='bkup-{resourceId}', name='{resourceName} backup'}. Creates missing policies, updates drifted ones, replaces (create, verify, delete) those whose services or resource differ, and with prune deletes the resources' other policies. Idempotent; concurrent; honours the dry run. selector: 'databases', 'buckets', 'functions', a list of IDs, or {kind=, ids=|queries=}."},
  ["backups.retention.plan"] = {
    "backups.retention.plan{daily=, weekly=, monthly=, yearly=, keepFailed?, resources?} --> plan",
    "Grandfather-father-son: per resource, keeps the newest completed archive of each of the newest N days, ISO weeks, months and years, the newest completed archive, and anything in progress; the rest is to delete. Reads only. plan:rows() lists every archive with its action and reason."},
  ["backups.retention.apply"] = {
    "backups.retention.apply(plan, {concurrency?}) --> result",
    "Deletes what the plan deletes (planned only in a dry run); an archive already gone counts as done."},
  ["backups.report.print"] = {
    "backups.report.print(records, {format='table'|'csv'|'jsonl', columns=})",
    "Prints records as an aligned table (sizes and dates for people), CSV (RFC 4180) or JSON lines. Columns default by record kind."},
  ["backups.report.render"] = {
    "backups.report.render(records, opts) --> string",
    "As backups.report.print, returning the text."},
  ["backups.report.summary"] = {
    "backups.report.summary(archives) --> summary",
    "count, byStatus, byResource[id] = {count, completed, failed, size, newest}, size, oldest, newest; tostring() gives a few lines."},
  ["backups.report.stale"] = {
    "backups.report.stale(policies, archives, now?) --> {{policy=, last=, expected=}, ...}",
    "Enabled policies whose schedule stopped producing: the newest of their runs whose time is over was missed (backups.schedules' rule)."},
  ["backups.audit"] = {
    "backups.audit{kinds={'databases'}, since=604800, checks?, now?} --> audit",
    "Findings: unprotected resources, disabled policies, archives failed within since seconds, missed runs (backups.schedules: the rule the calendar draws ! by). audit.ok, audit:lines(), tostring(audit)."},
  ["backups.schedules.runs"] = {
    "backups.schedules.runs(policy, archives, now, from?) --> {{at=, nextAt=, state=}, ...}",
    "The runs of an enabled policy's schedule since its last change (or from), oldest first, each covered (an archive of the policy came before the next run), expired (older than its retention: deleted, not judged), missed (none came, and the next run is due or an hour has passed) or pending (none yet). The one rule the audit and the calendar share."},
  ["backups.schedules.missed"] = {
    "backups.schedules.missed(policies, archives, now) --> {{policy=, runs=, at=}, ...}",
    "Every enabled policy with missed runs (backups.schedules.runs), their ISO dates oldest first, and the newest as at."},
  ["backups.schedules.keptAfter"] = {
    "backups.schedules.keptAfter(policy, now) --> seconds",
    "The time at or before which the policy's archives have been deleted by its retention: runs before it are not judged."},
  ["backups.schedules.since"] = {
    "backups.schedules.since(policy) --> seconds",
    "When the policy's schedule began to be judged: its last change ($updatedAt), else its creation."},
  ["backups.connect"] = {
    "backups.connect{endpoint?, project?, key? | keyFile? | keyEnv?, selfSigned?, caFile?, concurrency?} --> connection",
    "Another project or endpoint with the whole API of backups (policies ... audit, doctor, now, config). Unset settings are this connection's; on the embedded emulator any project name is a project of its own. concurrency caps requests in flight to the endpoint across all its connections. tostring shows endpoint and project, never the key."},
  ["backups.fleet"] = {
    "backups.fleet(path) --> {connection, ...}",
    "The projects of a fleet file (JSON or Lua), as connections with a name. bkup --fleet FILE script.lua runs a script once per project."},
  ["backups.doctor"] = {
    "backups.doctor() --> report",
    "Checks the configuration against the service, step by step: settings and key file, URL, DNS, TCP, TLS, Appwrite, project, key, scopes (read-only probes), clock, latency. report.ok, report.checks, print(report). bkup doctor runs it."},
  ["backups.plan"] = {
    "backups.plan() --> plan | nil",
    "In a dry run, the plan so far as its file would hold it: bkupPlan (the format version), made, targets, counts {creates, updates, deletes} and steps (each with operation, record, id, request, precondition, summary). nil when not a dry run. bkup --plan-out FILE writes it; bkup apply FILE applies it."},
  ["backups.now"] = {
    "backups.now() --> ISO date",
    "The service's clock: an emulator's virtual time when rehearsing, else this machine's."},
  ["cron.describe"] = {
    "cron.describe(expr) --> string",
    "The schedule in words: 'at 02:00 on Monday through Friday (UTC)'."},
  ["cron.validate"] = {
    "cron.validate(expr) --> true | false, why",
    "Checks a cron expression with the grammar the service uses (dragonmantank/cron-expression): 5 fields, names, steps, ? in either day field, L (last day), 15W (nearest weekday), LW (last weekday), 5L (last Friday), 5#3 (third Friday), and @yearly @annually @monthly @weekly @daily @midnight @hourly."},
  ["backups.Error"] = {
    "err.code, err.type, err.message, err.scope?, err.mayHaveHappened, err.attempts, err.body",
    "What every failure raises. code is the HTTP status (0 for client-side errors); scope names the scope an API key lacks (general_unauthorized_scope, 401). tostring(err) reads 'type (code): message'."},
  ["Query.createdAfter"] = {
    "Query.createdAfter(date) / createdBefore / createdBetween / updatedAfter / updatedBefore / updatedBetween --> query",
    "The SDKs' shorthands for $createdAt and $updatedAt comparisons."},
  ["cron.next"] = {
    "cron.next(expr, n=1, after=now) --> {ISO dates}",
    "The next n run times after a time (ISO date or Unix seconds)."},
  ["cron.previous"] = {
    "cron.previous(expr, n=1, before=now) --> {ISO dates}",
    "The last n run times before a time, newest first."},
  ["task.spawn"] = {
    "task.spawn(fn, ...) --> handle",
    "Runs fn concurrently; handle:wait() returns its results or raises its error."},
  ["task.map"] = {
    "task.map(list, fn, {concurrency=16, progress=true}) --> results, errors",
    "Calls fn(item, i) for every item with up to concurrency calls in flight. One failure never stops the others: results[i] or errors[i] is set for each item. Shows a progress bar when stderr is a terminal."},
  ["task.sleep"] = {
    "task.sleep(seconds)",
    "Waits without blocking other tasks."},
  ["json.encode"] = {
    "json.encode(v, {pretty=, sort_keys=}) --> string",
    "JSON text of a value; records give their wire names only."},
  ["json.decode"] = {
    "json.decode(s) --> value",
    "Parses JSON; arrays keep their array-ness (json.array), null is json.null."},
  ["ID.unique"] = {
    "ID.unique() --> string",
    "A 20-character ID in Appwrite's format."},
}

-- What only the REPL defines (not part of the API a script sees).
M.repl = {
  { "it", "it()", 'The next screenful of the last result, when it ended with Type "it" for more (mongosh\'s it). A bare it works too.' },
  { "use", "use(project | connection | settings)",
    "Makes the REPL's backups another project: use('staging') as backups.connect{project='staging'} (this endpoint and key), use{endpoint=, project=, keyFile=} as backups.connect, use(c) a connection you hold. The prompt names it; use() says which is current and use(false) goes back." },
  { "pretty", "pretty(x)", "Prints x whole, however long or deep (a result is shown a screenful at a time, records as tables)." },
  { "help", "help(x?)", "This help: help() the modules, help(fn) or help('name') one entry." },
  { "exit", "exit(code?)", "Leaves the REPL (os.exit); so does Ctrl-D." },
}

--- Words of text in lines of at most `width` columns, the first after `first`, the rest after
--- `indent`; a word longer than a line stands alone on its own.
function M.wrap(text, width, first, indent)
  first, indent = first or "", indent or ""
  local lines, line = {}, first
  local fresh = true
  for word in text:gmatch("%S+") do
    local n = utf8.len(line) or #line
    if not fresh and n + 1 + (utf8.len(word) or #word) > width then
      lines[#lines + 1] = line
      line, fresh = indent, true
    end
    line = fresh and line .. word or line .. " " .. word
    fresh = false
  end
  lines[#lines + 1] = line
  return table.concat(lines, "\n")
end

local function width()
  local ok, terminal = pcall(require, "bkup.terminal")
  local w = ok and terminal.width() or 80
  return math.max(w, 20)
end

-- A name's live value, without starting anything: backups.config is left alone, the library
-- (backups.rotate ...) loads, as it would on first use.
local function resolve(path)
  if path:find(":") or path:match("^bkup%.") then return nil end
  local v = _G
  for part in path:gmatch("[^.]+") do
    if type(v) ~= "table" then return nil end
    local raw = rawget(v, part)
    if raw == nil and v == rawget(_G, "backups") and part ~= "config" then
      local ok, got = pcall(function() return v[part] end)
      raw = ok and got or nil
    end
    v = raw
  end
  return v
end

local byValue, forBackups
local function index()
  local backups = rawget(_G, "backups")
  if byValue and forBackups == backups then return byValue end
  byValue, forBackups = {}, backups
  local ix = apitypes.index()
  for _, name in ipairs(ix.order) do
    local e = ix.entries[name]
    if e.kind ~= "class" then
      local v = resolve(name)
      if (type(v) == "function" or type(v) == "table") and byValue[v] == nil then byValue[v] = e end
    end
  end
  return byValue
end

--- The signature of a function the types declare (pretty prints functions with it).
function M.signature(f)
  local e = index()[f]
  if not e or e.kind ~= "function" then return nil end
  local note = M.notes[e.name]
  return note and note[1] or apitypes.signature(e)
end

local function entryNamed(name)
  local e = apitypes.index().entries[name]
  if e then return e end
  for _, r in ipairs(M.repl) do
    if r[1] == name then return { name = r[1], kind = "repl", usage = r[2], doc = r[3] } end
  end
  return nil
end

--- The text help(x) prints; nil when there is no entry.
function M.text(f, w)
  w = w or width()
  local e
  if type(f) == "string" then e = entryNamed(f) else e = index()[f] end
  if not e then return nil end
  local ix = apitypes.index()
  local out = {}
  local function para(text)
    if text and text ~= "" then out[#out + 1] = M.wrap(text, w, "  ", "  ") end
  end
  if e.kind == "function" then
    local note = M.notes[e.name]
    out[1] = M.wrap(note and note[1] or apitypes.signature(e), w, "", "    ")
    para(e.doc)
    para(note and note[2])
    if note then out[#out + 1] = M.wrap(apitypes.signature(e), w, "  types: ", "    ") end
  elseif e.kind == "repl" then
    out[1] = e.usage
    para(e.doc)
  else
    local note = M.notes[e.name]
    out[1] = note and note[1] or e.name
    para(e.doc)
    para(note and note[2])
    for _, fld in ipairs(e.fields or {}) do
      out[#out + 1] = M.wrap(fld.name .. (fld.optional and "?" or "") .. ": " .. fld.type .. (fld.doc ~= "" and "  " .. fld.doc or ""),
        w, "  ", "      ")
    end
    local kids = {}
    for _, name in ipairs(ix.order) do
      local k = ix.entries[name]
      if k.kind == "function" and name:sub(1, #e.name + 1):match("^" .. e.name:gsub("%p", "%%%0") .. "[.:]$") then
        kids[#kids + 1] = name:sub(#e.name + 2)
      end
    end
    if #kids > 0 then out[#out + 1] = M.wrap(table.concat(kids, " "), w, "  functions: ", "    ") end
  end
  return table.concat(out, "\n")
end

-- Every table of the API with the functions directly in it: `backups` and its modules first,
-- then the other globals, in the types' order; and apart, the classes whose methods results have.
local function modules()
  local ix = apitypes.index()
  local list, methods, by = {}, {}, {}
  for _, name in ipairs(ix.order) do
    local e = ix.entries[name]
    if e.kind == "function" then
      local parent, sep, child = name:match("^(.*)([.:])([^.:]+)$")
      if parent and not by[parent] then
        by[parent] = {}
        table.insert(sep == ":" and methods or list, parent)
      end
      if parent then table.insert(by[parent], child) end
    end
  end
  local function rank(m)
    if m == "backups" then return 0 end
    return m:match("^backups%.") and 1 or 2
  end
  local position = {}
  for i, m in ipairs(list) do position[m] = i end
  table.sort(list, function(a, b)
    if rank(a) ~= rank(b) then return rank(a) < rank(b) end
    return position[a] < position[b]
  end)
  return list, methods, by
end

--- The overview help() prints.
function M.overview(w)
  w = w or width()
  local list, methods, by = modules()
  local pad = 0
  for _, m in ipairs(list) do pad = math.max(pad, #m) end
  pad = math.min(pad, w // 3)
  local out = { M.wrap("bkup: Lua 5.4 with Appwrite's Backups service. Every function, by module "
    .. "(help(backups.policies.update) or help(\"backups.Error\") says more of one):", w) }
  local function row(m, names)
    local head = "  " .. m .. string.rep(" ", math.max(pad - #m, 0)) .. "  "
    if #head > pad + 4 then head = "  " .. m .. " " end
    out[#out + 1] = M.wrap(names, w, head, string.rep(" ", pad + 4))
  end
  for _, m in ipairs(list) do row(m, table.concat(by[m], " ")) end
  local of = {}
  for _, m in ipairs(methods) do of[#of + 1] = m .. ":" .. table.concat(by[m], "/") .. "()" end
  out[#out + 1] = M.wrap("Methods of results: " .. table.concat(of, "  "), w, "", "  ")
  out[#out + 1] = M.wrap("Records: bkup.BackupPolicy bkup.BackupArchive bkup.BackupRestoration bkup.Resource "
    .. "backups.Error (help(\"bkup.BackupPolicy\") lists the fields). Also require(\"bkup.args\"), "
    .. "require(\"bkup.dates\"), require(\"bkup.pretty\").", w)
  local r = {}
  for i, e in ipairs(M.repl) do r[i] = e[2] end
  out[#out + 1] = M.wrap("In the REPL: " .. table.concat(r, "  ") .. ". Tab completes; Ctrl-C stops a line; Ctrl-D leaves.", w)
  return table.concat(out, "\n")
end

--- Where help() writes (the REPL shows it a screenful at a time).
function M.print(text) print(text) end

function M.help(f)
  if f == nil then
    M.print(M.overview())
    return
  end
  M.print(M.text(f) or ("no help for " .. tostring(f)))
end

--- The signature and description of a function or a name; nil when there is no entry.
function M.entry(f)
  local e = type(f) == "string" and entryNamed(f) or index()[f]
  if not e then return nil end
  local note = M.notes[e.name]
  local sig = note and note[1] or e.kind == "function" and apitypes.signature(e) or e.usage or e.name
  local doc = e.doc or ""
  if note then doc = (doc ~= "" and doc .. " " or "") .. note[2] end
  return sig, doc
end

return M
