import BackupsModels
import Foundation
import LuaRuntime

/// The `cron` module: the grammar the client validates and the emulator schedules by.
///
///     cron.validate("0 2 * * *")        --> true        (or false, "hour 25 is out of range 0-23")
///     cron.describe("0 2 * * 1-5")      --> "at 02:00 on Monday through Friday (UTC)"
///     cron.next("0 2 * * *", 3, t)      --> three ISO dates after t (default: now)
///     cron.previous("0 2 * * *", 2, t)  --> the last two run times before t, newest first
///     cron.parse("*/15 * * * *")        --> {source=, minute={0,15,30,45}, hour={0..23}, ...}
///
/// Times are Appwrite ISO dates or Unix seconds; results are ISO dates (UTC).
enum CronModule {
    static func open(_ state: LuaState) {
        func expression(_ call: LuaCall) throws -> CronExpression {
            let text = try call.string(1)
            do { return try CronExpression(text) } catch {
                throw LuaArgumentError(index: 1, "invalid cron expression '\(text)': \(error.description)")
            }
        }
        func count(_ call: LuaCall) throws -> Int {
            call.isNoneOrNil(2) ? 1 : Int(try call.integer(2, in: CronModule.count))
        }
        func pushDates(_ call: LuaCall, _ dates: [Date]) -> LuaReturn {
            call.push(.array(dates.map { .string(WireDate.format($0)) }))
        }
        state.pushModule([
            "validate": { (call: LuaCall) throws -> LuaReturn in
                let text = try call.string(1)
                do {
                    _ = try CronExpression(text)
                    return call.push(true)
                } catch {
                    call.push(false)
                    call.stack.push(.string(String(describing: error)))
                    return .values(2)
                }
            },
            "parse": { (call: LuaCall) throws -> LuaReturn in
                let e = try expression(call)
                func field(_ s: Set<Int>) -> JSONValue { .array(s.sorted().map { .integer(Int64($0)) }) }
                return call.push(.object([
                    "source": .string(e.source), "minute": field(e.minutes), "hour": field(e.hours),
                    "dayOfMonth": field(e.daysOfMonth), "month": field(e.months), "dayOfWeek": field(e.daysOfWeek),
                ]))
            },
            "describe": { (call: LuaCall) throws -> LuaReturn in call.push(try expression(call).summary) },
            "next": { (call: LuaCall) throws -> LuaReturn in
                let e = try expression(call)
                return pushDates(call, e.next(try count(call), after: try time(call, 3)))
            },
            "previous": { (call: LuaCall) throws -> LuaReturn in
                let e = try expression(call)
                return pushDates(call, e.previous(try count(call), before: try time(call, 3)))
            },
        ])
        state.registerModule("cron")
    }

    /// Run times asked for at once.
    static let count = NumberDomain<Int64>.integers(0...10_000, "a count from 0 to 10000")
    /// Unix seconds of the years 0001 to 9999, the dates a wire date can say.
    static let unixSeconds = NumberDomain<Double>.reals(-62_135_596_800...253_402_300_799, "Unix seconds of the years 1 to 9999")

    /// A time argument: an ISO date, Unix seconds, or nothing (now).
    static func time(_ call: LuaCall, _ i: Int32) throws -> Date {
        switch call.type(i) {
        case .none, .nil: return Date()
        case .number:
            return Date(timeIntervalSince1970: try call.number(i, in: CronModule.unixSeconds))
        case .string:
            let text = try call.string(i)
            guard let date = WireDate.parse(text) else {
                throw LuaArgumentError(index: i, "ISO 8601 date expected, got '\(text)'")
            }
            return date
        default: throw call.typeError(i, "ISO date or seconds")
        }
    }
}
