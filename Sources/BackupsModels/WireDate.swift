import Foundation

/// Dates as the service writes them: ISO 8601 with milliseconds and an offset,
/// `2026-11-26T20:07:20.123+00:00`. Parsing also accepts `Z`, no fraction, and other offsets.
public enum WireDate {
    public static func format(_ date: Date) -> String {
        // To the nearest millisecond: a date made from whole milliseconds (ms / 1000) comes back
        // exactly, where rounding down would lose one to floating point.
        format(milliseconds: Int64((date.timeIntervalSince1970 * 1000).rounded()))
    }

    public static func format(milliseconds totalMillis: Int64) -> String {
        let millis = Int(((totalMillis % 1000) + 1000) % 1000)
        let seconds = (totalMillis - Int64(millis)) / 1000
        let (y, mo, d, h, mi, s) = civil(seconds)
        // Written digit by digit: String(format:) goes through Foundation's formatter, which
        // cost the emulator a tenth of its time per answer.
        return String(unsafeUninitializedCapacity: 32) { out in
            var i = 0
            func put(_ value: Int, _ width: Int) {
                var v = value
                var k = width - 1
                while k >= 0 {
                    out[i + k] = UInt8(48 + v % 10)
                    v /= 10
                    k -= 1
                }
                i += width
            }
            func put(_ c: Character) {
                out[i] = c.asciiValue!
                i += 1
            }
            if y < 0 || y > 9999 {
                // Outside four digits: the year as it is, sign included (never on the wire).
                for c in String(y).utf8 { out[i] = c; i += 1 }
            } else {
                put(y, 4)
            }
            put("-"); put(mo, 2); put("-"); put(d, 2); put("T"); put(h, 2); put(":"); put(mi, 2); put(":"); put(s, 2)
            put("."); put(millis, 3); put("+"); put(0, 2); put(":"); put(0, 2)
            return i
        }
    }

    public static func parse(_ text: String) -> Date? {
        let b = Array(text.utf8)
        func num(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= b.count else { return nil }
            var v = 0
            for i in from..<from + count {
                guard b[i] >= 48 && b[i] <= 57 else { return nil }
                v = v * 10 + Int(b[i] - 48)
            }
            return v
        }
        guard b.count >= 19, let y = num(0, 4), b[4] == 45, let mo = num(5, 2), b[7] == 45, let d = num(8, 2),
            b[10] == 84 || b[10] == 32, let h = num(11, 2), b[13] == 58, let mi = num(14, 2), b[16] == 58,
            let s = num(17, 2), (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 61
        else { return nil }
        var i = 19
        var fraction = 0.0
        if i < b.count, b[i] == 46 {
            i += 1
            var scale = 0.1
            let start = i
            while i < b.count, b[i] >= 48 && b[i] <= 57 {
                fraction += Double(b[i] - 48) * scale
                scale /= 10
                i += 1
            }
            if i == start { return nil }
        }
        var offset = 0
        if i < b.count {
            if b[i] == 90 {
                i += 1
            } else if b[i] == 43 || b[i] == 45 {
                let sign = b[i] == 43 ? 1 : -1
                guard let oh = num(i + 1, 2) else { return nil }
                var om = 0
                if i + 3 < b.count, b[i + 3] == 58 {
                    guard let m = num(i + 4, 2) else { return nil }
                    om = m
                    i += 6
                } else if let m = num(i + 3, 2) {
                    om = m
                    i += 5
                } else {
                    i += 3
                }
                offset = sign * (oh * 3600 + om * 60)
            } else {
                return nil
            }
        }
        guard i == b.count else { return nil }
        let days = daysFromCivil(y, mo, d)
        let seconds = Double(days * 86400 + h * 3600 + mi * 60 + s - offset) + fraction
        return Date(timeIntervalSince1970: seconds)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    public static func daysFromCivil(_ y: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y - 1 : y
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// (year, month, day) of a day number since 1970-01-01.
    public static func civilFromDays(_ z: Int) -> (Int, Int, Int) {
        let z = z + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp + (mp < 10 ? 3 : -9)
        return (m <= 2 ? y + 1 : y, m, d)
    }

    static func civil(_ seconds: Int64) -> (Int, Int, Int, Int, Int, Int) {
        var days = Int(seconds / 86400)
        var rem = Int(seconds % 86400)
        if rem < 0 {
            rem += 86400
            days -= 1
        }
        let (y, m, d) = civilFromDays(days)
        return (y, m, d, rem / 3600, rem % 3600 / 60, rem % 60)
    }
}

extension JSONDecoder.DateDecodingStrategy {
    /// Appwrite's date format.
    public static let appwrite = JSONDecoder.DateDecodingStrategy.custom { decoder in
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let date = WireDate.parse(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an ISO 8601 date: \(text)")
        }
        return date
    }
}

extension JSONEncoder.DateEncodingStrategy {
    public static let appwrite = JSONEncoder.DateEncodingStrategy.custom { date, encoder in
        var container = encoder.singleValueContainer()
        try container.encode(WireDate.format(date))
    }
}
