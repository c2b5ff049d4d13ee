import Foundation

/// A standard 5-field cron expression (minute hour day-of-month month day-of-week): numbers,
/// `*`, ranges `a-b`, steps `*/n` and `a-b/n`, lists, month and weekday names, and the macros
/// `@yearly @annually @monthly @weekly @daily @midnight @hourly`. All times are UTC.
///
/// One grammar for the client's validation, the emulator's schedules and the Lua `cron` module.
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    public let source: String
    public let minutes: Set<Int>
    public let hours: Set<Int>
    public let daysOfMonth: Set<Int>
    public let months: Set<Int>
    public let daysOfWeek: Set<Int>  // 0 = Sunday
    let domRestricted: Bool
    let dowRestricted: Bool

    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    public var description: String { source }

    static let macros: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
        "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]
    static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    static let dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

    public init(_ text: String) throws(ParseError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        source = trimmed
        let expanded = CronExpression.macros[trimmed.lowercased()] ?? trimmed
        let fields = expanded.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else {
            throw ParseError(description: "expected 5 fields (minute hour day-of-month month day-of-week), got \(fields.count)")
        }
        minutes = try CronExpression.field(fields[0], name: "minute", 0...59, names: nil)
        hours = try CronExpression.field(fields[1], name: "hour", 0...23, names: nil)
        daysOfMonth = try CronExpression.field(fields[2], name: "day-of-month", 1...31, names: nil)
        months = try CronExpression.field(fields[3], name: "month", 1...12, names: CronExpression.monthNames, nameBase: 1)
        var dow = try CronExpression.field(fields[4], name: "day-of-week", 0...7, names: CronExpression.dayNames)
        if dow.remove(7) != nil { dow.insert(0) }
        daysOfWeek = dow
        domRestricted = fields[2] != "*" && fields[2] != "?"
        dowRestricted = fields[4] != "*" && fields[4] != "?"
    }

    public static func isValid(_ text: String) -> Bool { (try? CronExpression(text)) != nil }

    private static func value(_ text: Substring, name: String, _ range: ClosedRange<Int>, names: [String]?, nameBase: Int)
        throws(ParseError) -> Int
    {
        if let n = Int(text) {
            guard range.contains(n) else {
                throw ParseError(description: "\(name) \(n) is out of range \(range.lowerBound)-\(range.upperBound)")
            }
            return n
        }
        if let names, let i = names.firstIndex(of: text.uppercased()) { return i + nameBase }
        throw ParseError(description: "invalid \(name) '\(text)'")
    }

    private static func field(_ text: String, name: String, _ range: ClosedRange<Int>, names: [String]?, nameBase: Int = 0)
        throws(ParseError) -> Set<Int>
    {
        var result = Set<Int>()
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else { throw ParseError(description: "empty item in \(name) '\(text)'") }
            let parts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { throw ParseError(description: "invalid step in \(name) '\(item)'") }
            var step = 1
            if parts.count == 2 {
                guard let s = Int(parts[1]), s > 0 else { throw ParseError(description: "invalid step in \(name) '\(item)'") }
                guard s <= range.upperBound else {
                    throw ParseError(description: "step \(s) is too large for \(name)")
                }
                step = s
            }
            let base = parts[0]
            var low: Int
            var high: Int
            if base == "*" || (base == "?" && (name == "day-of-month" || name == "day-of-week")) {
                low = range.lowerBound
                high = range.upperBound
                if name == "day-of-week" { high = 6 }
            } else if let dash = base.firstIndex(of: "-") {
                low = try value(base[..<dash], name: name, range, names: names, nameBase: nameBase)
                high = try value(base[base.index(after: dash)...], name: name, range, names: names, nameBase: nameBase)
                guard low <= high else {
                    throw ParseError(description: "\(name) range \(base) is reversed")
                }
            } else {
                low = try value(base, name: name, range, names: names, nameBase: nameBase)
                high = parts.count == 2 ? range.upperBound : low
            }
            var v = low
            while v <= high {
                result.insert(v)
                v += step
            }
        }
        return result
    }

    func matchesDay(year: Int, month: Int, day: Int) -> Bool {
        guard months.contains(month) else { return false }
        let weekday = ((WireDate.daysFromCivil(year, month, day) % 7) + 11) % 7  // 1970-01-01 was a Thursday
        let domOK = daysOfMonth.contains(day)
        let dowOK = daysOfWeek.contains(weekday)
        if domRestricted && dowRestricted { return domOK || dowOK }
        return domOK && dowOK
    }

    /// The first time strictly after `date` that matches, or nil if none within 8 years.
    public func next(after date: Date) -> Date? {
        let start = Int64((date.timeIntervalSince1970 / 60).rounded(.down)) + 1  // next whole minute
        var dayNumber = Int(start >= 0 ? start / 1440 : (start - 1439) / 1440)
        var minuteOfDay = Int(start - Int64(dayNumber) * 1440)
        let sortedHours = hours.sorted()
        let sortedMinutes = minutes.sorted()
        for _ in 0..<(366 * 8) {
            let (y, m, d) = WireDate.civilFromDays(dayNumber)
            if matchesDay(year: y, month: m, day: d) {
                for h in sortedHours where h >= minuteOfDay / 60 {
                    for mi in sortedMinutes where h * 60 + mi >= minuteOfDay {
                        return Date(timeIntervalSince1970: Double(dayNumber * 86400 + h * 3600 + mi * 60))
                    }
                }
            }
            dayNumber += 1
            minuteOfDay = 0
        }
        return nil
    }

    /// The next `count` run times after `date`.
    public func next(_ count: Int, after date: Date) -> [Date] {
        var out: [Date] = []
        var t = date
        while out.count < count, let n = next(after: t) {
            out.append(n)
            t = n
        }
        return out
    }
}
