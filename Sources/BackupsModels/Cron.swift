import Foundation

/// A 5-field cron expression (minute hour day-of-month month day-of-week) as Appwrite validates
/// schedules (dragonmantank/cron-expression): numbers, `*`, ranges `a-b`, steps `*/n` and
/// `a-b/n`, lists, month and weekday names, `?` for either day field, and the macros
/// `@yearly @annually @monthly @weekly @daily @midnight @hourly`; in the day-of-month field `L`
/// (the last day), `15W` (the weekday nearest the 15th, not crossing the month) and `LW` (the
/// last weekday); in the day-of-week field `5L` (the last Friday) and `5#3` (the third Friday).
/// When both day fields are restricted, a day matching either runs. All times are UTC.
///
/// One grammar for the client's validation, the emulator's schedules and the Lua `cron` module.
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    public let source: String
    public let minutes: Set<Int>
    public let hours: Set<Int>
    public let daysOfMonth: Set<Int>
    public let months: Set<Int>
    public let daysOfWeek: Set<Int>  // 0 = Sunday
    /// A day-of-month or day-of-week field that names one special day instead of a set.
    public let specialDay: SpecialDay?
    let domRestricted: Bool
    let dowRestricted: Bool

    public enum SpecialDay: Sendable, Hashable {
        /// `L`: the last day of the month.
        case lastDayOfMonth
        /// `LW`: the last weekday (Monday to Friday) of the month.
        case lastWeekdayOfMonth
        /// `15W`: the weekday nearest the given day, within its month.
        case nearestWeekday(Int)
        /// `5L`: the last given weekday (0 = Sunday) of the month.
        case lastWeekday(Int)
        /// `5#3`: the n-th given weekday of the month.
        case nthWeekday(Int, Int)

        var isDayOfMonth: Bool {
            switch self {
            case .lastDayOfMonth, .lastWeekdayOfMonth, .nearestWeekday: return true
            case .lastWeekday, .nthWeekday: return false
            }
        }
    }

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
        months = try CronExpression.field(fields[3], name: "month", 1...12, names: CronExpression.monthNames, nameBase: 1)
        let domSpecial = try CronExpression.specialDayOfMonth(fields[2])
        let dowSpecial = try CronExpression.specialDayOfWeek(fields[4])
        if domSpecial != nil && dowSpecial != nil {
            throw ParseError(description: "only one of day-of-month '\(fields[2])' and day-of-week '\(fields[4])' can name a special day")
        }
        specialDay = domSpecial ?? dowSpecial
        daysOfMonth = domSpecial != nil ? [] : try CronExpression.field(fields[2], name: "day-of-month", 1...31, names: nil)
        var dow = dowSpecial != nil ? [] : try CronExpression.field(fields[4], name: "day-of-week", 0...7, names: CronExpression.dayNames)
        if dow.remove(7) != nil { dow.insert(0) }
        daysOfWeek = dow
        domRestricted = fields[2] != "*" && fields[2] != "?"
        dowRestricted = fields[4] != "*" && fields[4] != "?"
    }

    /// `L`, `LW` or `15W`; nil for an ordinary field. `W` and `L` cannot be in a list.
    private static func specialDayOfMonth(_ text: String) throws(ParseError) -> SpecialDay? {
        let upper = text.uppercased()
        guard upper.contains("W") || upper.contains("L") else { return nil }
        guard !upper.contains(",") else { throw ParseError(description: "day-of-month '\(text)': W and L cannot be in a list") }
        if upper == "L" { return .lastDayOfMonth }
        if upper == "LW" { return .lastWeekdayOfMonth }
        if upper.hasSuffix("W"), let day = Int(upper.dropLast()) {
            guard (1...31).contains(day) else { throw ParseError(description: "day-of-month \(day) is out of range 1-31") }
            return .nearestWeekday(day)
        }
        throw ParseError(description: "invalid day-of-month '\(text)' (L, LW and nW are the special days)")
    }

    /// `5L`, `FRIL` or `5#3`; nil for an ordinary field.
    private static func specialDayOfWeek(_ text: String) throws(ParseError) -> SpecialDay? {
        let upper = text.uppercased()
        func weekday(_ s: Substring) throws(ParseError) -> Int {
            let day: Int
            if let n = Int(s) {
                guard (0...7).contains(n) else { throw ParseError(description: "day-of-week \(n) is out of range 0-7") }
                day = n
            } else if let i = dayNames.firstIndex(of: String(s)) {
                day = i
            } else {
                throw ParseError(description: "invalid day-of-week '\(s)'")
            }
            return day % 7
        }
        if let hash = upper.firstIndex(of: "#") {
            guard !upper.contains(",") else { throw ParseError(description: "day-of-week '\(text)': # cannot be in a list") }
            let w = try weekday(upper[..<hash])
            guard let n = Int(upper[upper.index(after: hash)...]), (1...5).contains(n) else {
                throw ParseError(description: "day-of-week '\(text)': there are never more than 5 or less than 1 of a given weekday in a month")
            }
            return .nthWeekday(w, n)
        }
        if upper.count > 1, upper.hasSuffix("L"), !upper.contains(",") {
            return .lastWeekday(try weekday(upper.dropLast()))
        }
        return nil
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
        let weekday = Self.weekday(year, month, day)
        var domOK = daysOfMonth.contains(day)
        var dowOK = daysOfWeek.contains(weekday)
        if let specialDay {
            let ok = Self.isSpecialDay(specialDay, year: year, month: month, day: day, weekday: weekday)
            if specialDay.isDayOfMonth { domOK = ok } else { dowOK = ok }
        }
        if domRestricted && dowRestricted { return domOK || dowOK }
        return (domOK || !domRestricted) && (dowOK || !dowRestricted)
    }

    /// 0 = Sunday. (1970-01-01 was a Thursday.)
    static func weekday(_ year: Int, _ month: Int, _ day: Int) -> Int {
        ((WireDate.daysFromCivil(year, month, day) % 7) + 11) % 7
    }

    static func daysInMonth(_ year: Int, _ month: Int) -> Int {
        let next = month == 12 ? WireDate.daysFromCivil(year + 1, 1, 1) : WireDate.daysFromCivil(year, month + 1, 1)
        return next - WireDate.daysFromCivil(year, month, 1)
    }

    static func isSpecialDay(_ special: SpecialDay, year: Int, month: Int, day: Int, weekday: Int) -> Bool {
        let last = daysInMonth(year, month)
        switch special {
        case .lastDayOfMonth:
            return day == last
        case .lastWeekdayOfMonth:
            var d = last
            while (1...5).contains(Self.weekday(year, month, d)) == false { d -= 1 }
            return day == d
        case .nearestWeekday(let target):
            // As dragonmantank's getNearestWeekday: the day itself if a weekday, else the
            // nearest of target-1, +1, -2, +2 inside the month.
            guard target <= last else { return false }
            if (1...5).contains(Self.weekday(year, month, target)) { return day == target }
            for delta in [-1, 1, -2, 2] {
                let d = target + delta
                if (1...last).contains(d), (1...5).contains(Self.weekday(year, month, d)) { return day == d }
            }
            return false
        case .lastWeekday(let w):
            return weekday == w && day + 7 > last
        case .nthWeekday(let w, let n):
            return weekday == w && (day - 1) / 7 + 1 == n
        }
    }

    /// The instants a schedule knows: the years 1 to 9999 (what a wire date can say). Asked
    /// about a date outside them, or one that is not a number, it has no run time (rather than
    /// an overflow), and it has none past them either.
    static let searchable = -62_135_596_800.0...253_402_300_799.999

    /// The first time strictly after `date` that matches, or nil if none within 8 years.
    public func next(after date: Date) -> Date? {
        guard Self.searchable.contains(date.timeIntervalSince1970) else { return nil }
        return firstMatch(fromMinute: Int64((date.timeIntervalSince1970 / 60).rounded(.down)) + 1, forward: true)
            .flatMap { Self.searchable.contains($0.timeIntervalSince1970) ? $0 : nil }
    }

    /// The next `count` run times after `date`.
    public func next(_ count: Int, after date: Date) -> [Date] {
        series(count, from: date, next(after:))
    }

    /// The last time strictly before `date` that matches, or nil if none within 8 years.
    public func previous(before date: Date) -> Date? {
        guard Self.searchable.contains(date.timeIntervalSince1970) else { return nil }
        return firstMatch(fromMinute: Int64((date.timeIntervalSince1970 / 60).rounded(.up)) - 1, forward: false)
            .flatMap { Self.searchable.contains($0.timeIntervalSince1970) ? $0 : nil }
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

    private var specialPhrase: String? {
        switch specialDay {
        case nil: return nil
        case .lastDayOfMonth: return "on the last day of the month"
        case .lastWeekdayOfMonth: return "on the last weekday of the month"
        case .nearestWeekday(let d): return "on the weekday nearest day \(d) of the month"
        case .lastWeekday(let w): return "on the last \(Self.dayFullNames[w]) of the month"
        case .nthWeekday(let w, let n):
            return "on the \(["first", "second", "third", "fourth", "fifth"][n - 1]) \(Self.dayFullNames[w]) of the month"
        }
    }

    private var dayPhrase: String? {
        var dom = domRestricted ? "on day " + Self.list(Self.runs(daysOfMonth.sorted(), String.init)) + " of the month" : nil
        var dow = dowRestricted ? "on " + Self.list(Self.runs(daysOfWeek.sorted()) { Self.dayFullNames[$0] }) : nil
        if let special = specialDay {
            if special.isDayOfMonth { dom = specialPhrase } else { dow = specialPhrase }
        }
        switch (dom, dow) {
        case (nil, nil): return "every day"
        case (let d?, nil): return d
        case (nil, let w?): return w
        case (let d?, let w?): return d + " or " + w
        }
    }
}
