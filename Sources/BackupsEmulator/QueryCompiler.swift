import BackupsModels
import BkupJSON
import GRDB

/// A collection's table, its queryable attributes and how each maps to SQL.
struct Schema: Sendable {
    enum Kind: Sendable { case text, integer, bool, date, stringArray }
    struct Attribute: Sendable {
        let column: String
        let kind: Kind
        let nullable: Bool
        /// The expression used to order and to compare cursors (NULLs become a sentinel so
        /// that keyset comparisons stay total).
        var orderExpr: String {
            guard nullable else { return column }
            switch kind {
            case .text, .stringArray: return "IFNULL(\(column), '')"
            default: return "IFNULL(\(column), -9223372036854775807)"
            }
        }
    }

    let table: String
    let noun: String          // "Policy", "Archive"...
    let notFoundType: String
    let attributes: [String: Attribute]
    /// The kind of resource (resources share one table).
    let kind: String?

    /// The rows of `project` (and of this kind): the condition every statement carries.
    func scope(_ project: String) -> (sql: String, args: [DatabaseValueConvertible & Sendable]) {
        kind.map { ("project = ? AND kind = ?", [project, $0]) } ?? ("project = ?", [project])
    }

    static let common: [String: Attribute] = [
        "$id": .init(column: "id", kind: .text, nullable: false),
        "$createdAt": .init(column: "createdAt", kind: .date, nullable: false),
        "$updatedAt": .init(column: "updatedAt", kind: .date, nullable: false),
    ]

    static let policies = Schema(
        table: "policies", noun: "Policy", notFoundType: "backup_policy_not_found",
        attributes: common.merging([
            "name": .init(column: "name", kind: .text, nullable: false),
            "resourceId": .init(column: "resourceId", kind: .text, nullable: true),
            "resourceType": .init(column: "resourceType", kind: .text, nullable: true),
            "retention": .init(column: "retention", kind: .integer, nullable: false),
            "schedule": .init(column: "schedule", kind: .text, nullable: false),
            "enabled": .init(column: "enabled", kind: .bool, nullable: false),
            "services": .init(column: "services", kind: .stringArray, nullable: false),
            "type": .init(column: "type", kind: .text, nullable: false),
        ]) { a, _ in a }, kind: nil)

    static let archives = Schema(
        table: "archives", noun: "Archive", notFoundType: "backup_archive_not_found",
        attributes: common.merging([
            "status": .init(column: "status", kind: .text, nullable: false),
            "policyId": .init(column: "policyId", kind: .text, nullable: true),
            "resourceId": .init(column: "resourceId", kind: .text, nullable: true),
            "resourceType": .init(column: "resourceType", kind: .text, nullable: true),
            "size": .init(column: "size", kind: .integer, nullable: true),
            "startedAt": .init(column: "startedAt", kind: .date, nullable: true),
            "services": .init(column: "services", kind: .stringArray, nullable: false),
            "migrationId": .init(column: "migrationId", kind: .text, nullable: false),
        ]) { a, _ in a }, kind: nil)

    static let restorations = Schema(
        table: "restorations", noun: "Restoration", notFoundType: "backup_restoration_not_found",
        attributes: common.merging([
            "status": .init(column: "status", kind: .text, nullable: false),
            "archiveId": .init(column: "archiveId", kind: .text, nullable: false),
            "policyId": .init(column: "policyId", kind: .text, nullable: true),
            "startedAt": .init(column: "startedAt", kind: .date, nullable: true),
            "services": .init(column: "services", kind: .stringArray, nullable: false),
        ]) { a, _ in a }, kind: nil)

    static func resources(_ kind: ResourceKind) -> Schema {
        Schema(
            table: "resources", noun: kind.noun, notFoundType: kind.notFoundType,
            attributes: common.merging([
                "name": .init(column: "name", kind: .text, nullable: false),
                "type": .init(column: "type", kind: .text, nullable: true),
                "enabled": .init(column: "enabled", kind: .bool, nullable: false),
            ]) { a, _ in a }, kind: kind.rawValue)
    }
}

/// A compiled list request: WHERE, ORDER BY, LIMIT/OFFSET and cursor, all parameterised.
struct CompiledQuery {
    var filters: [String] = []
    var args: [DatabaseValueConvertible & Sendable] = []
    var order: [(expr: String, desc: Bool)] = []
    var random = false
    var limit = 25
    var offset = 0
    var cursor: (id: String, before: Bool)?
    var select: [String]?
    /// Count the matches (up to 5000); `total=false` skips it.
    var total = true
}

struct QueryError: Error {
    let type: String
    let message: String
}

enum QueryCompiler {

    static func compile(_ strings: [String], for c: Schema, project: String) throws -> CompiledQuery {
        var q = CompiledQuery()
        let scope = c.scope(project)
        q.filters.append(scope.sql)
        q.args.append(contentsOf: scope.args)
        guard strings.count <= Validation.maxQueries else {
            throw QueryError(type: "general_argument_invalid",
                             message: "Invalid `queries` param: Value must be an array of at most \(Validation.maxQueries) queries")
        }
        for text in strings {
            guard text.utf8.count <= Validation.maxQueryLength else {
                throw QueryError(type: "general_argument_invalid",
                                 message: "Invalid `queries` param: each query must be at most \(Validation.maxQueryLength) chars")
            }
            let query: Query
            do { query = try Query.parse(text) } catch {
                throw QueryError(type: "general_query_invalid", message: error.description)
            }
            switch query.method {
            case "limit":
                guard let v = query.values?.first, let n = try? Domains.queryLimit.read(v) else {
                    throw QueryError(type: "general_query_invalid", message: "Invalid query: limit must be \(Domains.queryLimit.expected)")
                }
                q.limit = Int(n)
            case "offset":
                guard let v = query.values?.first, let n = try? Domains.queryOffset.read(v) else {
                    throw QueryError(type: "general_query_invalid", message: "Invalid query: offset must be \(Domains.queryOffset.expected)")
                }
                q.offset = Int(n)
            case "cursorAfter", "cursorBefore":
                guard let id = query.values?.first?.stringValue else {
                    throw QueryError(type: "general_query_invalid", message: "Invalid query: \(query.method) needs a document ID")
                }
                q.cursor = (id, query.method == "cursorBefore")
            case "orderAsc", "orderDesc":
                let attr = try attribute(query.attribute ?? "", in: c)
                q.order.append((attr.orderExpr, query.method == "orderDesc"))
            case "orderRandom":
                q.random = true
            case "select":
                q.select = (query.values ?? []).compactMap(\.stringValue)
                for a in q.select! { _ = try attribute(a, in: c) }
            default:
                let (sql, args) = try condition(query, in: c)
                q.filters.append(sql)
                q.args.append(contentsOf: args)
            }
        }
        if q.random && q.cursor != nil {
            throw QueryError(type: "general_query_invalid", message: "Invalid query: cursors cannot be combined with orderRandom")
        }
        return q
    }

    static func attribute(_ name: String, in c: Schema) throws -> Schema.Attribute {
        guard let a = c.attributes[name] else {
            throw QueryError(type: "general_query_invalid",
                             message: "Invalid query: Attribute not found in schema: \(name.isEmpty ? "(none)" : name)")
        }
        return a
    }

    static func bind(_ v: JSONValue, _ a: Schema.Attribute, _ method: String) throws -> DatabaseValueConvertible & Sendable {
        switch (a.kind, v) {
        case (.date, .string(let s)):
            guard let d = WireDate.parse(s) else {
                throw QueryError(type: "general_query_invalid", message: "Invalid query: \(method) on a date needs an ISO 8601 date, got '\(s)'")
            }
            return Int64((d.timeIntervalSince1970 * 1000).rounded())
        case (.bool, .bool(let b)): return b
        case (.integer, .integer(let i)): return i
        case (.integer, .number(let d)): return d
        case (.text, .string(let s)), (.stringArray, .string(let s)): return s
        default:
            throw QueryError(type: "general_query_invalid",
                             message: "Invalid query: \(method) got a \(v.typeName) value for an attribute of another type")
        }
    }

    static func likeEscape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
    }

    static func condition(_ query: Query, in c: Schema) throws -> (String, [DatabaseValueConvertible & Sendable]) {
        if query.method == "or" || query.method == "and" {
            var parts: [String] = []
            var args: [DatabaseValueConvertible & Sendable] = []
            for sub in query.subqueries {
                let (s, a) = try condition(sub, in: c)
                parts.append("(\(s))")
                args.append(contentsOf: a)
            }
            return (parts.joined(separator: query.method == "or" ? " OR " : " AND "), args)
        }
        let a = try attribute(query.attribute ?? "", in: c)
        let values = query.values ?? []
        func one() throws -> DatabaseValueConvertible & Sendable {
            guard values.count == 1 else {
                throw QueryError(type: "general_query_invalid", message: "Invalid query: \(query.method) takes exactly one value")
            }
            return try bind(values[0], a, query.method)
        }
        let col = a.column
        switch query.method {
        case "equal", "notEqual":
            guard !values.isEmpty else {
                throw QueryError(type: "general_query_invalid", message: "Invalid query: \(query.method) needs at least one value")
            }
            let args = try values.map { try bind($0, a, query.method) }
            let marks = Array(repeating: "?", count: args.count).joined(separator: ",")
            if a.kind == .stringArray {
                let sql = "EXISTS (SELECT 1 FROM json_each(\(col)) WHERE value IN (\(marks)))"
                return (query.method == "equal" ? sql : "NOT " + sql, args)
            }
            return (query.method == "equal" ? "\(col) IN (\(marks))" : "(\(col) IS NULL OR \(col) NOT IN (\(marks)))", args)
        case "lessThan": return ("\(col) < ?", [try one()])
        case "lessThanEqual": return ("\(col) <= ?", [try one()])
        case "greaterThan": return ("\(col) > ?", [try one()])
        case "greaterThanEqual": return ("\(col) >= ?", [try one()])
        case "between":
            guard values.count == 2 else {
                throw QueryError(type: "general_query_invalid", message: "Invalid query: between takes two values")
            }
            return ("\(col) BETWEEN ? AND ?", [try bind(values[0], a, "between"), try bind(values[1], a, "between")])
        case "isNull": return ("\(col) IS NULL", [])
        case "isNotNull": return ("\(col) IS NOT NULL", [])
        case "startsWith", "endsWith", "search":
            guard case .string(let s)? = values.first, values.count == 1, a.kind == .text else {
                throw QueryError(type: "general_query_invalid", message: "Invalid query: \(query.method) takes one string on a text attribute")
            }
            let pattern = query.method == "startsWith" ? likeEscape(s) + "%" : query.method == "endsWith" ? "%" + likeEscape(s) : "%" + likeEscape(s) + "%"
            return ("\(col) LIKE ? ESCAPE '\\'", [pattern])
        case "contains":
            guard !values.isEmpty else {
                throw QueryError(type: "general_query_invalid", message: "Invalid query: contains needs at least one value")
            }
            let args = try values.map { try bind($0, a, "contains") }
            if a.kind == .stringArray {
                let marks = Array(repeating: "?", count: args.count).joined(separator: ",")
                return ("EXISTS (SELECT 1 FROM json_each(\(col)) WHERE value IN (\(marks)))", args)
            }
            guard a.kind == .text else {
                throw QueryError(type: "general_query_invalid", message: "Invalid query: contains needs a text or array attribute")
            }
            let parts = values.map { _ in "\(col) LIKE ? ESCAPE '\\'" }.joined(separator: " OR ")
            return (parts, values.map { "%" + likeEscape($0.stringValue ?? "") + "%" })
        default:
            throw QueryError(type: "general_query_invalid", message: "Invalid query method: \(query.method)")
        }
    }

    /// Appwrite counts up to 5000. A probe for the 5000th row (a skip along the index) tells
    /// "5000 or more" at about half the cost of counting them one by one; below that, the exact
    /// count is short.
    static let countLimit = 5000

    static func count(_ c: Schema, _ whereParts: [String], _ args: [DatabaseValueConvertible & Sendable], db: Database) throws -> Int {
        let from = " FROM \(c.table)" + (whereParts.isEmpty ? "" : " WHERE " + whereParts.map { "(\($0))" }.joined(separator: " AND "))
        let probe = try db.cachedStatement(sql: "SELECT 1" + from + " LIMIT 1 OFFSET \(countLimit - 1)")
        if try Bool.fetchOne(probe, arguments: StatementArguments(args)) == true { return countLimit }
        return try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*)" + from), arguments: StatementArguments(args)) ?? 0
    }

    /// Runs a list: the page of rows and the total (counted up to 5000).
    static func run(_ q: CompiledQuery, in c: Schema, project: String, db: Database) throws -> (total: Int, rows: [Row]) {
        var whereParts = q.filters
        var whereArgs = q.args
        let total = q.total ? try count(c, whereParts, whereArgs, db: db) : 0

        var order = q.order
        order.append(("seq", order.last?.desc ?? false))
        if let cursor = q.cursor {
            let scope = c.scope(project)
            let cursorSQL = "SELECT " + order.map(\.expr).joined(separator: ", ") + " FROM \(c.table) WHERE id = ? AND \(scope.sql)"
            guard let row = try Row.fetchOne(db.cachedStatement(sql: cursorSQL), arguments: StatementArguments([cursor.id] + scope.args)) else {
                throw QueryError(type: "general_cursor_not_found", message: "Cursor not found: \(c.noun.lowercased()) '\(cursor.id)' does not exist")
            }
            if order.allSatisfy({ $0.desc == order[0].desc }) {
                // One direction: a row-value comparison, which SQLite answers with an index seek,
                // so a page deep in the list costs what the first page costs.
                let forward = order[0].desc == cursor.before
                let columns = order.map(\.expr).joined(separator: ", ")
                let marks = Array(repeating: "?", count: order.count).joined(separator: ", ")
                whereParts.append("(\(columns)) \(forward ? ">" : "<") (\(marks))")
                whereArgs.append(contentsOf: order.indices.map { row[$0] as DatabaseValue })
            } else {
                // Mixed directions: (o1 > v1) OR (o1 = v1 AND o2 < v2) OR ...
                var ors: [String] = []
                var orArgs: [DatabaseValueConvertible & Sendable] = []
                for i in order.indices {
                    var ands: [String] = []
                    for j in 0..<i {
                        ands.append("\(order[j].expr) = ?")
                        orArgs.append(row[j] as DatabaseValue)
                    }
                    let forward = order[i].desc == cursor.before
                    ands.append("\(order[i].expr) \(forward ? ">" : "<") ?")
                    orArgs.append(row[i] as DatabaseValue)
                    ors.append("(" + ands.joined(separator: " AND ") + ")")
                }
                whereParts.append(ors.joined(separator: " OR "))
                whereArgs.append(contentsOf: orArgs)
            }
        }
        let reverse = q.cursor?.before ?? false
        let orderSQL = q.random ? "RANDOM()" : order.map { "\($0.expr) \(($0.desc != reverse) ? "DESC" : "ASC")" }.joined(separator: ", ")
        let sql = "SELECT * FROM \(c.table)"
            + (whereParts.isEmpty ? "" : " WHERE " + whereParts.map { "(\($0))" }.joined(separator: " AND "))
            + " ORDER BY " + orderSQL + " LIMIT ? OFFSET ?"
        var rows = try Row.fetchAll(db.cachedStatement(sql: sql), arguments: StatementArguments(whereArgs + [q.limit, q.offset]))
        if reverse { rows.reverse() }
        return (total, rows)
    }
}
