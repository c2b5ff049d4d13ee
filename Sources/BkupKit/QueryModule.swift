import BackupsClient
import BackupsModels
import LuaRuntime

/// The `Query` and `ID` modules: the same strings the official SDKs produce.
enum QueryModule {
    static func open(_ state: LuaState) {
        func attr(_ call: LuaCall) throws -> String { try call.string(1) }
        func value(_ call: LuaCall, _ i: Int32) throws -> JSONValue {
            if call.count < i { throw call.typeError(i, "value") }
            let v = try call.value(i)
            // A query's JSON has no NaN or infinity (they would turn into null on the wire).
            if case .number(let d) = v, !d.isFinite { throw LuaArgumentError(index: i, "finite number expected, got \(d)") }
            return v
        }
        func ret(_ call: LuaCall, _ q: Query) -> LuaReturn { call.push(q.description) }
        func compare(_ make: @escaping (String, JSONValue) -> Query) -> LuaFunction {
            { call in ret(call, make(try attr(call), try value(call, 2))) }
        }
        func text(_ make: @escaping (String, String) -> Query) -> LuaFunction {
            { call in ret(call, make(try attr(call), try call.string(2))) }
        }
        func nested(_ method: String) -> LuaFunction {
            { call in
                try call.checkTable(1)
                guard case .array(let items) = try call.value(1), items.count >= 2 else {
                    throw LuaArgumentError(index: 1, "list of at least two queries expected")
                }
                var parsed: [Query] = []
                for (n, item) in items.enumerated() {
                    guard case .string(let s) = item else {
                        throw LuaArgumentError(index: 1, "query #\(n + 1): string expected, got \(item.typeName)")
                    }
                    do { parsed.append(try Query.parse(s)) } catch {
                        throw LuaArgumentError(index: 1, "query #\(n + 1): \(error)")
                    }
                }
                return ret(call, method == "or" ? Query.or(parsed) : Query.and(parsed))
            }
        }
        func count(_ make: @escaping (Int) -> Query, _ domain: NumberDomain<Int64>) -> LuaFunction {
            { call in ret(call, make(Int(try call.integer(1, in: domain)))) }
        }
        state.pushModule([
            "equal": compare(Query.equal), "notEqual": compare(Query.notEqual),
            "lessThan": compare(Query.lessThan), "lessThanEqual": compare(Query.lessThanEqual),
            "greaterThan": compare(Query.greaterThan), "greaterThanEqual": compare(Query.greaterThanEqual),
            "contains": compare(Query.contains),
            "between": { call in ret(call, Query.between(try attr(call), try value(call, 2), try value(call, 3))) },
            "isNull": { call in ret(call, Query.isNull(try attr(call))) },
            "isNotNull": { call in ret(call, Query.isNotNull(try attr(call))) },
            "startsWith": text(Query.startsWith), "endsWith": text(Query.endsWith), "search": text(Query.search),
            "select": { call in
                try call.checkTable(1)
                guard case .array(let items) = try call.value(1) else { throw LuaArgumentError(index: 1, "list of attribute names expected") }
                return ret(call, Query.select(items.compactMap(\.stringValue)))
            },
            "orderAsc": { call in ret(call, Query.orderAsc(try attr(call))) },
            "orderDesc": { call in ret(call, Query.orderDesc(try attr(call))) },
            "orderRandom": { call in ret(call, Query.orderRandom()) },
            "limit": count(Query.limit, Domains.queryLimit), "offset": count(Query.offset, Domains.queryOffset),
            "cursorAfter": { call in ret(call, Query.cursorAfter(try call.string(1))) },
            "cursorBefore": { call in ret(call, Query.cursorBefore(try call.string(1))) },
            "or": nested("or"), "and": nested("and"),
            // The SDKs' shorthands over the system attributes.
            "createdBefore": { call in ret(call, Query.lessThan("$createdAt", try value(call, 1))) },
            "createdAfter": { call in ret(call, Query.greaterThan("$createdAt", try value(call, 1))) },
            "createdBetween": { call in ret(call, Query.between("$createdAt", try value(call, 1), try value(call, 2))) },
            "updatedBefore": { call in ret(call, Query.lessThan("$updatedAt", try value(call, 1))) },
            "updatedAfter": { call in ret(call, Query.greaterThan("$updatedAt", try value(call, 1))) },
            "updatedBetween": { call in ret(call, Query.between("$updatedAt", try value(call, 1), try value(call, 2))) },
            "equalAny": { call in
                // Query.equal over any number of values, as several queries that each stay well
                // inside the service's limits (100 values, 4,096 characters per query): one list
                // call each. Returns {query, ...}.
                let attribute = try attr(call)
                guard call.type(2) == .table, case .array(let values) = try call.value(2) else {
                    if call.type(2) == .table, case .object(let o) = try call.value(2), o.isEmpty { return call.push(.array([])) }
                    throw call.typeError(2, "list of values")
                }
                return call.push(.array(Query.equalAny(attribute, values).map { .string($0.description) }))
            },
        ])
        state.registerModule("Query")

        state.pushModule([
            "unique": { call in call.push(ID.unique()) },
            "custom": { call in
                let id = try call.string(1)
                guard ID.isValid(id) else {
                    throw BackupsError.argument("Invalid ID '\(id)': " + ID.rule)
                }
                return call.push(id)
            },
            "valid": { call in call.push(ID.isValid(try call.string(1))) },
        ])
        state.registerModule("ID")
    }
}
