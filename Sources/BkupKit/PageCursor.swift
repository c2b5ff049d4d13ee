import BackupsClient
import LuaRuntime

/// `each(queries)` in Lua: an iterator over every matching record that asks for one page at a
/// time (`PageWalk`), yielding while a page is on its way. A walk longer than one page shows
/// progress (on a terminal only; see `ProgressBar`).
final class PageCursor {
    private let walk: PageWalk
    private let request: ([String]) throws(BackupsError) -> BackupsRequest
    private let key: String
    private let connection: ServiceConnection
    private let progress: Progress
    private var buffer: [JSONValue] = []
    private var index = 0
    private var cursor: String?
    private var started = false
    private var total: Int?
    private var seen = 0

    typealias Progress = (_ done: Int, _ total: Int, _ failures: Int, _ finished: Bool) -> Void

    init(queries: [String], key: String, connection: ServiceConnection, progress: @escaping Progress,
         request: @escaping ([String]) throws(BackupsError) -> BackupsRequest)
    {
        walk = PageWalk(queries: queries)
        self.key = key
        self.connection = connection
        self.progress = progress
        self.request = request
    }

    /// The next record, or nil at the end.
    func next(_ call: LuaCall) throws -> LuaReturn {
        if index < buffer.count { return .values(push(call.stack)) }
        guard !started || cursor != nil else {
            report(finished: true)
            return .none
        }
        // Counting is the costly part of a deep list: only the first page asks for the total
        // (for the progress bar).
        var page = try request(walk.queries(after: cursor))
        if started { page.total = false }
        started = true
        return try connection.send(call, page) { [self] stack, answer in
            buffer = answer[key]?.arrayValue ?? []
            index = 0
            if total == nil { total = answer["total"]?.intValue.map(Int.init) }
            cursor = walk.cursor(after: buffer)
            if buffer.isEmpty {
                report(finished: true)
                return 0
            }
            return push(stack)
        }
    }

    private func push(_ stack: LuaStack) -> Int32 {
        stack.pushRecord(buffer[index])
        index += 1
        seen += 1
        report(finished: false)
        return 1
    }

    private func report(finished: Bool) {
        guard let total, total > walk.pageSize else { return }
        progress(seen, max(seen, total), 0, finished)
    }
}
