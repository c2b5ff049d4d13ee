#!/usr/bin/env bkup
-- doctor.lua: checks that bkup can work with the configured service, step by step: where the
-- settings came from and the key file's permissions, the endpoint's URL, DNS, TCP, TLS (the
-- certificate's subject and expiry), that Appwrite answers, the project, the key, its scopes for
-- each Backups collection (read-only probes: never a write), this machine's clock against the
-- server's, and the round trip. `bkup doctor` runs it.
--
--   bkup doctor                                   # the embedded emulator, or APPWRITE_*
--   bkup doctor --endpoint https://cloud.appwrite.io/v1 --project P --key-file key.txt --format json
--
-- Exit status: 0 when every check passes (warnings allowed), 1 otherwise.
local args = require("bkup.args")
local spec = {
  name = "scripts/doctor.lua",
  summary = "Check the endpoint, TLS, project, key and its scopes, the clock and the latency.",
  flags = {
    { "format", choices = { "table", "json" }, default = "table", help = "how to print the checklist" },
  },
}
local opts = args.cli({ ... }, spec)
if not opts then return end

local report = backups.doctor()
if opts.format == "json" then
  print(json.encode({ ok = report.ok, endpoint = report.endpoint, project = report.project, checks = report.checks },
    { sort_keys = true }))
else
  print(report)
end
if not report.ok then os.exit(1) end
