// An ops tool embedding bkup: a host, its own Swift function, a Lua job, the job's printed
// lines and returned values. Needs APPWRITE_ENDPOINT, APPWRITE_PROJECT_ID, APPWRITE_API_KEY
// (try it against `bkup serve`).
import BkupKit

#if canImport(Glibc)
import Glibc
#endif

var config = HostConfiguration()
config.fillFromEnvironment()
guard config.endpoint != nil else {
    print("set APPWRITE_ENDPOINT, APPWRITE_PROJECT_ID and APPWRITE_API_KEY (e.g. for `bkup serve`)")
    exit(2)
}
let host = try BkupHost(configuration: config)
var lines: [String] = []
host.output = { lines.append($0) }                                  // collect what print writes
host.register("ticket") { call in call.push("OPS-\(try call.integer(1))") }   // our own function
do {
    let result = try host.run(string: """
        local n = ...
        local disabled = 0
        for p in backups.policies.each() do
          if not p.enabled then disabled = disabled + 1 end
        end
        print("disabled policies: " .. disabled)
        return ticket(tonumber(n)), disabled
        """, args: ["42"])
    print(lines.joined(separator: "\n"))
    print("result: \(result[0].stringValue ?? "?") \(result[1].intValue ?? -1)")
} catch {
    print("job failed: \(error)")
    exit(1)
}
