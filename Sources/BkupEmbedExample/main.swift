// An ops tool embedding bkup in async Swift.
//
//   BkupEmbedExample                          one job: await host.run, a Swift function Lua calls
//   BkupEmbedExample serve [--port N] --jobs DIR
//       an HTTP service: POST /jobs/NAME runs DIR/NAME.lua (the body's lines are its arguments)
//       in a sandboxed host under limits, and streams back what it prints, then its result.
//       Lua calls `approve(ticket)`, an async Swift function (it would ask an approval API).
//       A client that hangs up cancels its job.
//
// Needs APPWRITE_ENDPOINT, APPWRITE_PROJECT_ID, APPWRITE_API_KEY (try it against `bkup serve`).
import BkupJSON
import BkupKit
import Foundation
import Hummingbird

var config = HostConfiguration()
config.fillFromEnvironment()
config.progress = false
guard config.endpoint != nil else {
    print("set APPWRITE_ENDPOINT, APPWRITE_PROJECT_ID and APPWRITE_API_KEY (e.g. for `bkup serve`)")
    exit(2)
}

/// What the approval API would answer; here, after a pause, every ticket but OPS-13. Lua sees
/// the refusal as a `backups.Error` (`err.type == "approval_refused"`, `err.code == 403`).
@Sendable func approve(_ args: LuaArguments) async throws -> String {
    let ticket = try args.string(1)
    try await Task.sleep(nanoseconds: 20_000_000)
    guard ticket != "OPS-13" else { throw BackupsError(code: 403, type: "approval_refused", message: "\(ticket) is refused") }
    return "approved \(ticket)"
}

/// One job: a script that calls a synchronous and an async Swift function, awaited.
func runOneJob(_ config: HostConfiguration) async -> Int32 {
    do {
        let host = try BkupHost(configuration: config)
        let lines = PrintedLines()
        host.output = lines.append                                               // what the script writes
        try host.register("ticket") { args in "OPS-\(try args.integer(1))" }    // a synchronous Swift function
        try host.register("approve", approve)                                    // an async one
        let result = try await host.run(string: """
            local n = ...
            local disabled = 0
            for p in backups.policies.each() do
              if not p.enabled then disabled = disabled + 1 end
            end
            print("disabled policies: " .. disabled)
            return approve(ticket(tonumber(n))), disabled
            """, args: ["42"])
        print(lines.text, terminator: "")
        print("result: \(result[0].stringValue ?? "?") \(result[1].intValue ?? -1)")
        return 0
    } catch {
        print("job failed: \(error)")
        return 1
    }
}

let arguments = CommandLine.arguments.dropFirst()
if arguments.first != "serve" { exit(await runOneJob(config)) }

var port = 8081
var jobs: String?
var rest = Array(arguments.dropFirst())
while !rest.isEmpty {
    let option = rest.removeFirst()
    guard let value = rest.first else { print("\(option) needs a value"); exit(2) }
    rest.removeFirst()
    switch option {
    case "--port": port = Int(value) ?? port
    case "--jobs": jobs = value
    default: print("unknown option \(option)"); exit(2)
    }
}
guard let jobs else { print("usage: BkupEmbedExample serve [--port N] --jobs DIR"); exit(2) }

// Jobs run sandboxed (no files, processes or environment) and under limits, whoever wrote them.
var jobConfig = config
jobConfig.sandbox = true
jobConfig.limits.timeout = 30
jobConfig.limits.maxMemory = 64 << 20
jobConfig.limits.maxTasks = 1000
let settings = jobConfig

let router = Router()
router.post("jobs/:name") { request, context -> Response in
    let name = try context.parameters.require("name")
    guard name.range(of: "^[A-Za-z0-9_-]+$", options: .regularExpression) != nil else {
        throw HTTPError(.badRequest, message: "a job's name is letters, digits, - and _")
    }
    let path = jobs + "/" + name + ".lua"
    guard FileManager.default.fileExists(atPath: path) else { throw HTTPError(.notFound, message: "no job named \(name)") }
    let body = try await request.body.collect(upTo: 64 << 10)
    let args = String(buffer: body).split(separator: "\n").map(String.init)

    let host = try BkupHost(configuration: settings)
    host.notice = { _ in }
    try host.register("approve", approve)
    let (lines, output) = AsyncStream.makeStream(of: String.self)
    host.output = { output.yield($0 + "\n") }
    let job = Task {
        do {
            let result = try await host.run(file: path, args: args)
            output.yield("result: " + ((try? JSONCodec.encode(.array(result))) ?? "?") + "\n")
        } catch is CancellationError {
            output.yield("cancelled\n")
        } catch {
            output.yield("error: \(error)\n")
        }
        host.close()
        output.finish()
    }
    output.onTermination = { reason in if case .cancelled = reason { job.cancel() } }  // the client hung up
    return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
                    body: ResponseBody(asyncSequence: lines.map { ByteBuffer(string: $0) }))
}

let app = Application(
    router: router,
    configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "bkup-embed-example"),
    onServerRunning: { channel in
        StandardStreams.write("jobs from \(jobs) at http://127.0.0.1:\(channel.localAddress?.port ?? 0)/jobs/NAME\n")
        StandardStreams.flush()
    })
try await app.runService()
