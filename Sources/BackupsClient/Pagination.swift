import BackupsModels
import BkupJSON

/// Walking every record of a list by cursor: the one routine behind `BackupsClient.all` and
/// Lua's `each`. The caller's filters and order are kept; a caller's `limit` sets the page
/// size; the caller's offsets and cursors are dropped, since a cursor walk never skips or
/// repeats a record.
public struct PageWalk: Sendable {
    public let base: [String]
    public let pageSize: Int

    public init(queries: [String], defaultPageSize: Int = 100) {
        var size = defaultPageSize
        var base: [String] = []
        for q in queries {
            guard let parsed = try? Query.parse(q) else {
                base.append(q)  // the service will say what is wrong with it
                continue
            }
            switch parsed.method {
            case "limit": size = Int(parsed.values?.first?.intValue ?? Int64(defaultPageSize))
            case "offset", "cursorAfter", "cursorBefore": continue
            default: base.append(q)
            }
        }
        self.base = base
        self.pageSize = max(1, size)
    }

    /// The queries for the page after `cursor` (the first page when nil).
    public func queries(after cursor: String?) -> [String] {
        var page = base + [Query.limit(pageSize).description]
        if let cursor { page.append(Query.cursorAfter(cursor).description) }
        return page
    }

    /// The cursor for the next page, or nil when `items` was the last page.
    public func cursor(after items: [JSONValue]) -> String? {
        guard items.count >= pageSize else { return nil }
        return items.last?["$id"]?.stringValue
    }
}

extension BackupsClient {
    /// Every record matching `queries`, page by page (see `PageWalk`).
    public func all(_ make: @escaping @Sendable ([String]) throws(BackupsError) -> BackupsRequest,
                    queries: [String] = [], pageSize: Int = 100) -> AsyncThrowingStream<JSONValue, any Error>
    {
        let walk = PageWalk(queries: queries, defaultPageSize: pageSize)
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    var cursor: String?
                    repeat {
                        let request = try make(walk.queries(after: cursor))
                        let items = try await self.send(request)[request.listKey ?? ""]?.arrayValue ?? []
                        for item in items { continuation.yield(item) }
                        cursor = walk.cursor(after: items)
                    } while cursor != nil
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
