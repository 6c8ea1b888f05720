// ConsentJSON: the JSON form of consent events and profiles, for `export --format json`,
// `history --json` and `show --json`.
// Contract: keys in a fixed order; `at` ISO 8601 UTC with milliseconds; `evidence` is the exact
// stored JSON text as a string (it is what the hash covers); output is valid JSON for any content
// (every string is escaped, control characters as \u00XX).
import Foundation
import PixelPolicy

public enum ConsentJSON {
    public static func string(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 || u.value == 0x7F || u.value == 0x2028 || u.value == 0x2029 {
                    out += String(format: "\\u%04x", u.value)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    public static func event(_ e: ConsentEvent) -> String {
        "{\"id\":\(e.id),\"address\":\(string(e.subject)),\"purpose\":\(string(e.purpose.id)),\"action\":\(string(e.action.rawValue)),"
            + "\"at\":\(string(TimeFormat.format(millis: e.atMillis))),\"source\":\(string(e.source)),"
            + "\"evidence\":\(string(e.evidence)),\"prev_hash\":\(string(e.prevHash)),\"hash\":\(string(e.hash))}"
    }

    public static func profile(address: String, _ p: ConsentProfile) -> String {
        let granted = Purpose.consentable.map { ($0, p.granted.contains($0)) }
        let purposes = granted.map { "\(string($0.0.id)):\($0.1)" }.joined(separator: ",")
        return "{\"address\":\(string(address)),\"expressed\":\(p.hasExpressedChoice),\"purposes\":{\(purposes)},"
            + "\"granted\":[\(Purpose.consentable.filter { p.granted.contains($0) }.map { string($0.id) }.joined(separator: ","))],"
            + "\"event_ids\":[\(p.eventIDs.map(String.init).joined(separator: ","))]}"
    }
}
