"""The REPL at mongosh's level (issue 32), read off the rendered screen of a colour terminal
(pyte, TERM=xterm-256color), with repl_screen.py's terminal: results a screenful at a time and
`it`, records as tables and fields, completion of the whole API, use(), help() of everything,
tracebacks without the REPL's frames, connections as their tostring, one `interrupted!`.

usage: repl_fits.py BKUP_BINARY STATE_DIR   -- prints 'ok NAME' or 'FAIL NAME: why' per scenario.
"""
import re
import time

import repl_screen as base
from repl_screen import PROMPT, Terminal

STATE = base.STATE


def typed(t, line, prompt=PROMPT, after=None):
    """Types a line and waits for the next prompt (`after`, when the line changes it)."""
    t.wait_for_prompt(prompt=prompt)
    t.send(line + "\r")
    time.sleep(0.2)
    t.wait_for_prompt(prompt=after or prompt, timeout=60)


def shown(t, pred, what):
    try:
        t.wait(lambda t: any(pred(line) for line in t.lines()))
    except AssertionError as e:
        raise AssertionError("no line with %s: %s" % (what, e))


def policies(t, n, prefix="p"):
    typed(t, "for i = 1, %d do backups.policies.create{id = string.format('%s-%%02d', i), name = 'nightly ' .. i, "
             "services = {'databases'}, retention = 7, schedule = '0 2 * * *'} end" % (n, prefix))


def traceback_is_the_users(t):
    typed(t, "local function inner() error('boom') end inner()")
    lines = t.lines()
    at = [i for i, line in enumerate(lines) if "boom" in line]
    if not at or not any("stack traceback:" in line for line in lines):
        raise AssertionError("no error and traceback: %r" % lines)
    if any("repl.lua" in line or "bkup.repl" in line for line in lines):
        raise AssertionError("the REPL's own frames are in the traceback: %r" % lines)
    frames = lines[lines.index("stack traceback:") + 1:t.screen.cursor.y]
    if not frames or "stdin:1:" not in frames[-1]:
        raise AssertionError("the last frame is not the line typed: %r" % frames)


def connection_reads_as_its_tostring(t):
    typed(t, "c = backups.connect{project = 'other'}")
    typed(t, "c")
    shown(t, lambda l: l.startswith("backups connection: http") and "project other" in l, "the connection's tostring")
    if any("function: 0x" in line for line in t.lines()):
        raise AssertionError("functions printed: %r" % t.lines())


def interrupted_once(t):
    # Spawned tasks asleep, spawned tasks with requests in flight, the main chunk waiting.
    for line in ["for i = 1, 3 do task.spawn(function() task.sleep(60) end) end; task.sleep(60)",
                 "for i = 1, 3 do task.spawn(function() while true do backups.policies.list() end end) end; "
                 "task.spawn(function() task.sleep(60) end):wait()"]:
        t.wait_for_prompt()
        t.send("\x0c")  # Ctrl-L: a clean screen, so that only this line's output is counted
        t.wait_for_prompt()
        t.send(line + "\r")
        time.sleep(1.5)
        t.send("\x03")
        t.wait_for_prompt(timeout=30)
        t.pump(1.0)
        n = sum(line.count("interrupted!") for line in t.lines())
        if n != 1:
            raise AssertionError("%d times interrupted! for %r:\n%s" % (n, line, "\n".join(t.lines())))
    typed(t, "'still here'")
    shown(t, lambda l: l == '"still here"', "the next result")


def long_result_pages(t):
    policies(t, 40)
    t.send("\x0c")
    typed(t, "backups.policies.list{Query.limit(40)}")
    lines = t.lines()
    note = [i for i, line in enumerate(lines) if line.startswith('Type "it" for more')]
    if not note:
        raise AssertionError("no 'Type \"it\" for more': %r" % lines)
    head = [line for line in lines if re.match(r"^id\s+name\s+resourceId\s+services\s+schedule\s+retention\s+enabled$", line)]
    if not head:
        raise AssertionError("no table header of policies: %r" % lines)
    if not any(line.startswith("p-01  nightly 1 ") for line in lines) or any("p-40" in line for line in lines):
        raise AssertionError("not the first screenful: %r" % lines)
    if not any(line.startswith(PROMPT + "backups.policies.list") for line in lines):
        raise AssertionError("the line typed scrolled away: the first page is taller than the screen")
    t.send("it\r")
    shown(t, lambda l: l == "40 policies of 40", "the count after the last row")
    shown(t, lambda l: l.startswith("p-40  nightly 40"), "the last row")
    t.wait_for_prompt()
    typed(t, "it")
    shown(t, lambda l: l.startswith("no more"), "no more")
    # Everything is still there for pretty() and json.encode().
    typed(t, "#json.decode(json.encode(_)).policies")
    shown(t, lambda l: l == "40", "40 policies in the JSON")
    typed(t, "pretty(backups.policies.list{Query.limit(40)})")
    shown(t, lambda l: l == "  total = 40", "pretty's total")


def cursor_pages(t):
    policies(t, 40, "c")
    t.send("\x0c")
    typed(t, "backups.policies.each()")
    lines = t.lines()
    if not any(line.startswith('Type "it" for more') for line in lines):
        raise AssertionError("no 'Type \"it\" for more' after a cursor's first page: %r" % lines)
    first = [line for line in lines if line.startswith("c-")]
    if len(first) != t.rows - 5 or first[0].split()[0] != "c-01":
        raise AssertionError("the first page is not a screenful of records: %r" % lines)
    t.send("\x0c")
    typed(t, "it")
    rest = [line for line in t.lines() if line.startswith("c-")]
    if len(rest) != 40 - len(first) or rest[-1].split()[0] != "c-40":
        raise AssertionError("it did not fetch the rest: %r" % t.lines())
    if any(line.startswith('Type "it"') for line in t.lines()):
        raise AssertionError("more offered after the last record")


def record_as_fields(t):
    typed(t, "backups.policies.create{id = 'p-one', name = 'one', services = {'databases'}, retention = 7, "
             "schedule = '0 2 * * *'}; p = backups.policies.get('p-one')")
    t.send("\x0c")
    typed(t, "p")
    lines = t.lines()
    rows = {line.split()[0]: line for line in lines if line and line.split()[0] in ("$id", "name", "schedule", "retention")}
    if len(rows) != 4:
        raise AssertionError("not a field a line: %r" % lines)
    columns = {k: v.index(v.split()[1]) for k, v in rows.items()}
    if len(set(columns.values())) != 1:
        raise AssertionError("values not aligned: %r" % rows)
    if '"p-one"' not in rows["$id"] or not lines.index(rows["$id"]) < lines.index(rows["name"]):
        raise AssertionError("$id is not first: %r" % lines)
    typed(t, "backups.policies.list{Query.equal('$id', {'p-one'})}")
    shown(t, lambda l: l.startswith("p-one  one"), "a one-row table")


def complete_to(t, typed_text, tab_after, expected):
    t.send(typed_text + "\t")
    t.wait_for_prompt(expected)
    t.send("\x15")  # Ctrl-U: an empty line again
    t.wait_for_prompt()


def completion_of_everything(t):
    t.wait_for_prompt()
    complete_to(t, "backups.rot", True, "backups.rotate")        # loaded lazily, not loaded yet
    complete_to(t, "backups.audi", True, "backups.audit")
    complete_to(t, "backups.config.proj", True, "backups.config.project")
    complete_to(t, "backups.archives.waitA", True, "backups.archives.waitAll")
    complete_to(t, "Query.greaterThanE", True, "Query.greaterThanEqual")
    complete_to(t, "ID.uni", True, "ID.unique")
    complete_to(t, "pri", True, "print")
    typed(t, "p = backups.policies.create{name = 'x', services = {'databases'}, retention = 7, schedule = '0 2 * * *'}")
    complete_to(t, "p.sched", True, "p.schedule")
    complete_to(t, "p.createdA", True, "p.createdAt")
    typed(t, "h = task.spawn(function() end); s = 'text'; c = backups.connect{project = 'other'}")
    complete_to(t, "h:wa", True, "h:wait")
    complete_to(t, "s:upp", True, "s:upper")
    complete_to(t, "c.reten", True, "c.retention")
    complete_to(t, "c.policies.upd", True, "c.policies.update")
    # Nothing was loaded or started by completing: the library is still unloaded.
    typed(t, "rawget(backups, 'rotate') == nil and package.loaded['backups.rotate'] == nil")
    shown(t, lambda l: l == "true", "the library still unloaded")


def use_switches_project(t):
    staging = "bkup[emulator/staging]> "
    typed(t, "use('staging')", after=staging)
    shown(t, lambda l: l.startswith("using backups connection: http") and "project staging" in l, "what use says")
    typed(t, "backups.config.project", prompt=staging)
    shown(t, lambda l: l == '"staging"', "the project of backups")
    typed(t, "backups.policies.create{id = 'only-here', services = {'databases'}, retention = 1, schedule = '0 2 * * *'}.id",
          prompt=staging)
    typed(t, "use()", prompt=staging)
    shown(t, lambda l: l.startswith("using backups connection") and "project staging" in l, "use() naming the current")
    typed(t, "c = backups.connect{project = 'qa'}; use(c)", prompt=staging, after="bkup[emulator/qa]> ")
    typed(t, "use(false)", prompt="bkup[emulator/qa]> ", after=PROMPT)
    typed(t, "pcall(backups.policies.get, 'only-here')")
    shown(t, lambda l: l.startswith("false") and "backup_policy_not_found (404)" in l, "the policy absent from the first project")
    # A key typed into use{} (or backups.connect{}) is not kept in the history.
    t.send("pcall(use, {project = 'keyed', key = 'typed-secret-1234'})\r")
    t.wait(lambda t: t.cursor_line().startswith("bkup[emulator") and t.cursor_line().endswith("]>"))
    with open(base.STATE + "/state/bkup/history", encoding="utf-8", errors="replace") as f:
        history = f.read()
    if "typed-secret-1234" in history or "use('staging')" not in history:
        raise AssertionError("the history: %r" % history)


def help_covers_everything(t):
    t.wait_for_prompt()
    typed(t, "help()")
    text = "\n".join(t.lines())
    for name in ["connect", "fleet", "plan", "doctor", "waitAll", "rotate", "audit", "report", "retention", "schedules",
                 "equalAny", "unique", "spawn", "encode", "describe", "it()", "use("]:
        if not re.search(r"(^|[\s.])%s" % re.escape(name), text):
            raise AssertionError("help() leaves out %s:\n%s" % (name, text))
    if max(len(line) for line in t.lines()) > t.columns:
        raise AssertionError("a line wider than the terminal")


def help_wraps_on_words(t):
    t.wait_for_prompt()
    typed(t, "help(backups.connect)")
    lines = [line for line in t.lines() if line and not line.startswith(PROMPT)]
    joined = " ".join(line.strip() for line in lines)
    sentence = "Settings not given are this connection's; on the embedded emulator any project name is a project of its own."
    if sentence not in joined:
        raise AssertionError("the text is broken inside words (or missing):\n%s" % "\n".join(lines))
    if max(len(line) for line in lines) > 60 or not any(len(line) > 45 for line in lines):
        raise AssertionError("not wrapped at 60 columns:\n%s" % "\n".join(lines))


def run(name, fn, size=(None, None)):
    base.STATE = STATE + "/" + name  # each scenario its own emulator data and history
    base.scenario(name, fn, size)


if __name__ == "__main__":
    run("traceback_is_the_users", traceback_is_the_users)
    run("connection_reads_as_its_tostring", connection_reads_as_its_tostring)
    run("interrupted_once", interrupted_once)
    run("long_result_pages", long_result_pages)
    run("cursor_pages", cursor_pages)
    run("record_as_fields", record_as_fields)
    run("completion_of_everything", completion_of_everything)
    run("use_switches_project", use_switches_project)
    run("help_covers_everything", help_covers_everything, (100, 120))
    run("help_wraps_on_words", help_wraps_on_words, (60, 40))
