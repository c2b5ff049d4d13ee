import BackupsModels
import BkupJSON

extension BackupsClient {
    /// Every record matching `queries`, page by page with `cursorAfter` on the last `$id`.
    /// Keeps the caller's filters and order; a caller's `limit` sets the page size; offsets and
    /// cursors of the caller are replaced (a cursor walk never skips or repeats).
    public func all(_ make: @escaping @Sendable ([String]) throws(BackupsError) -> BackupsRequest,
                    queries: [String] = [], pageSize: Int = 100) -> AsyncThrowingStream<JSONValue, any Error>
    {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    var size = pageSize
                    var base: [String] = []
                    for q in queries {
                        guard let parsed = try? Query.parse(q) else { base.append(q); continue }
                        switch parsed.method {
                        case "limit": size = Int(parsed.values?.first?.intValue ?? Int64(pageSize))
                        case "offset", "cursorAfter", "cursorBefore": continue
                        default: base.append(q)
                        }
                    }
                    var cursor: String?
                    while true {
                        var page = base + [Query.limit(size).description]
                        if let cursor { page.append(Query.cursorAfter(cursor).description) }
                        let request = try make(page)
                        let body = try await self.send(request)
                        let items = body[request.listKey ?? ""]?.arrayValue ?? []
                        for item in items { continuation.yield(item) }
                        guard items.count == size, let last = items.last?["$id"]?.stringValue else { break }
                        cursor = last
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
