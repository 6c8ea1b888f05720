// TimeFormat: millisecond UTC timestamps <-> ISO 8601 text, for exports, imports and the CLI.
// Contract: `format` always writes "YYYY-MM-DDTHH:MM:SS.mmmZ". `parse` accepts a date
// ("2026-11-30", midnight UTC), or a date-time with "T" or a space, optional fraction (truncated
// to ms), and "Z" or a "+HH:MM"/"-HH:MM" offset; anything else is nil. Thread-safe (no formatter
// objects), years 1970...9999 only.
import Foundation

public enum TimeFormat {
    public static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }

    public static func format(millis: Int64) -> String {
        var secs = time_t(millis >= 0 ? millis / 1000 : (millis - 999) / 1000)
        let ms = Int(millis - Int64(secs) * 1000)
        var tm = tm()
        gmtime_r(&secs, &tm)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                      Int(tm.tm_year) + 1900, Int(tm.tm_mon) + 1, Int(tm.tm_mday),
                      Int(tm.tm_hour), Int(tm.tm_min), Int(tm.tm_sec), ms)
    }

    public static func format(_ date: Date) -> String { format(millis: millis(date)) }

    /// Parses ISO 8601 as described above into milliseconds since the epoch.
    public static func parseMillis(_ text: String) -> Int64? {
        let b = Array(text.trimmingCharacters(in: .whitespaces).utf8)
        var i = 0
        func num(_ width: Int) -> Int? {
            guard i + width <= b.count else { return nil }
            var v = 0
            for k in 0..<width {
                let c = b[i + k]
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            i += width
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = num(4), expect(45), let month = num(2), expect(45), let day = num(2) else { return nil }
        guard (1970...9999).contains(year), (1...12).contains(month), (1...31).contains(day) else { return nil }
        var hour = 0, minute = 0, second = 0, ms = 0, offset = 0
        if i < b.count {
            guard b[i] == 84 || b[i] == 116 || b[i] == 32 else { return nil }
            i += 1
            guard let h = num(2), expect(58), let m = num(2) else { return nil }
            hour = h; minute = m
            if expect(58) { guard let s = num(2) else { return nil }; second = s }
            if expect(46) || expect(44) {
                var digits = 0
                while i < b.count, b[i] >= 48, b[i] <= 57 {
                    if digits < 3 { ms = ms * 10 + Int(b[i] - 48) }
                    digits += 1; i += 1
                }
                guard digits > 0 else { return nil }
                if digits < 3 { for _ in digits..<3 { ms *= 10 } }
            }
            if expect(90) || expect(122) {
            } else if i < b.count, b[i] == 43 || b[i] == 45 {
                let sign = b[i] == 43 ? 1 : -1
                i += 1
                guard let oh = num(2) else { return nil }
                _ = expect(58)
                guard let om = num(2), oh < 24, om < 60 else { return nil }
                offset = sign * (oh * 3600 + om * 60)
            } else {
                return nil
            }
            guard hour < 24, minute < 60, second < 61 else { return nil }
        }
        guard i == b.count else { return nil }
        var tm = tm()
        tm.tm_year = Int32(year - 1900); tm.tm_mon = Int32(month - 1); tm.tm_mday = Int32(day)
        tm.tm_hour = Int32(hour); tm.tm_min = Int32(minute); tm.tm_sec = Int32(second)
        let secs = timegm(&tm)
        // timegm normalises 31 February to 3 March: refuse dates that do not exist.
        var check = tm
        var back = secs
        gmtime_r(&back, &check)
        guard Int(check.tm_mday) == day, Int(check.tm_mon) == month - 1 else { return nil }
        return (Int64(secs) - Int64(offset)) * 1000 + Int64(ms)
    }

    public static func parse(_ text: String) -> Date? {
        parseMillis(text).map { Date(timeIntervalSince1970: Double($0) / 1000) }
    }
}
