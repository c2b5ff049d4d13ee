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
        firstMatch(fromMinute: Int64((date.timeIntervalSince1970 / 60).rounded(.down)) + 1, forward: true)
    }

    /// The next `count` run times after `date`.
    public func next(_ count: Int, after date: Date) -> [Date] {
        series(count, from: date, next(after:))
    }

    /// The last time strictly before `date` that matches, or nil if none within 8 years.
    public func previous(before date: Date) -> Date? {
        firstMatch(fromMinute: Int64((date.timeIntervalSince1970 / 60).rounded(.up)) - 1, forward: false)
    }

    /// The last `count` run times before `date`, newest first.
    public func previous(_ count: Int, before date: Date) -> [Date] {
        series(count, from: date, previous(before:))
    }

    /// The first matching minute at or after (forward) or at or before `minute` (minutes since
    /// 1970), day by day.
    private func firstMatch(fromMinute minute: Int64, forward: Bool) -> Date? {
        var dayNumber = Int(minute >= 0 ? minute / 1440 : (minute - 1439) / 1440)
        var bound = Int(minute - Int64(dayNumber) * 1440)  // minute of the first day
        let hoursInOrder = forward ? hours.sorted() : hours.sorted(by: >)
        let minutesInOrder = forward ? minutes.sorted() : minutes.sorted(by: >)
        for _ in 0..<(366 * 8) {
            let (y, m, d) = WireDate.civilFromDays(dayNumber)
            if matchesDay(year: y, month: m, day: d) {
                for h in hoursInOrder where forward ? h >= bound / 60 : h <= bound / 60 {
                    for mi in minutesInOrder where forward ? h * 60 + mi >= bound : h * 60 + mi <= bound {
                        return Date(timeIntervalSince1970: Double(dayNumber * 86400 + h * 3600 + mi * 60))
                    }
                }
            }
            dayNumber += forward ? 1 : -1
            bound = forward ? 0 : 1439
        }
        return nil
    }

    private func series(_ count: Int, from date: Date, _ step: (Date) -> Date?) -> [Date] {
        var out: [Date] = []
        var t = date
        while out.count < count, let n = step(t) {
            out.append(n)
            t = n
        }
        return out
    }

    /// The schedule in words, for people reading a plan or an audit: "at 02:00 every day (UTC)".
    public var summary: String {
        let time = timeOfDayPhrase
        var parts: [String] = [time]
        if let days = dayPhrase, !(days == "every day" && time.hasPrefix("every")) { parts.append(days) }
        if months.count < 12 {
            parts.append("in " + Self.list(months.sorted().map { Self.monthFullNames[$0 - 1] }))
        }
        return parts.joined(separator: " ") + " (UTC)"
    }

    static let monthFullNames = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                                 "October", "November", "December"]
    static let dayFullNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]

    /// "a, b and c"
    static func list(_ items: [String]) -> String {
        guard items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " and " + items.last!
    }

    /// A set that is one arithmetic run from the bottom of its range: `*/n` (n > 1), or nil.
    static func step(_ values: Set<Int>, in range: ClosedRange<Int>) -> Int? {
        let sorted = values.sorted()
        guard sorted.count > 1, sorted.first == range.lowerBound else { return nil }
        let step = sorted[1] - sorted[0]
        guard step > 1 else { return nil }
        for (a, b) in zip(sorted, sorted.dropFirst()) where b - a != step { return nil }
        return sorted.last! + step > range.upperBound ? step : nil
    }

    /// Ranges of consecutive values: [1,2,3,5] -> "1-3, 5" style pieces.
    static func runs(_ values: [Int], _ name: (Int) -> String) -> [String] {
        var pieces: [String] = []
        var i = 0
        while i < values.count {
            var j = i
            while j + 1 < values.count && values[j + 1] == values[j] + 1 { j += 1 }
            pieces.append(j - i >= 2 ? "\(name(values[i])) through \(name(values[j]))" : name(values[i]))
            if j - i == 1 { pieces.append(name(values[j])) }
            i = j + 1
        }
        return pieces
    }

    static func ordinal(_ n: Int) -> String {
        let suffix = (11...13).contains(n % 100) ? "th" : [1: "st", 2: "nd", 3: "rd"][n % 10] ?? "th"
        return "\(n)\(suffix)"
    }

    private var timeOfDayPhrase: String {
        let allMinutes = minutes.count == 60, allHours = hours.count == 24
        if allMinutes && allHours { return "every minute" }
        if allHours {
            if let n = Self.step(minutes, in: 0...59) { return "every \(n) minutes" }
            return "at minute " + Self.list(minutes.sorted().map(String.init)) + " of every hour"
        }
        if minutes.count * hours.count <= 6 {
            var times: [String] = []
            for h in hours.sorted() { for m in minutes.sorted() { times.append(String(format: "%02d:%02d", h, m)) } }
            return "at " + Self.list(times)
        }
        let minutePart = allMinutes ? "every minute"
            : Self.step(minutes, in: 0...59).map { "every \($0) minutes" } ?? "at minute " + Self.list(minutes.sorted().map(String.init))
        let hourPart = Self.step(hours, in: 0...23).map { "during every \(Self.ordinal($0)) hour" }
            ?? "past hour " + Self.list(Self.runs(hours.sorted()) { String(format: "%02d", $0) })
        return minutePart + " " + hourPart
    }

    private var dayPhrase: String? {
        let dom = domRestricted ? "on day " + Self.list(Self.runs(daysOfMonth.sorted(), String.init)) + " of the month" : nil
        let dow = dowRestricted ? "on " + Self.list(Self.runs(daysOfWeek.sorted()) { Self.dayFullNames[$0] }) : nil
        switch (dom, dow) {
        case (nil, nil): return "every day"
        case (let d?, nil): return d
        case (nil, let w?): return w
        case (let d?, let w?): return d + " or " + w
        }
    }
}
