// LogfmtHandler: a swift-log handler that writes one logfmt line per event to stderr.
// Contract (DESIGN "Logs"): the message is the event name and is written first as `event=`,
// then `session=` and `queue_id=` when present, then `level=` and the other keys in sorted order.
// Each line goes out in one write(2) so that concurrent sessions never interleave.
import Foundation
import Logging

public struct LogfmtHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let fd: Int32
    private let label: String

    public init(label: String, level: Logger.Level = .info, fd: Int32 = 2) {
        self.label = label
        self.logLevel = level
        self.fd = fd
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Bootstraps swift-log with this handler, once per process.
    public static func bootstrap(level: Logger.Level) {
        LoggingSystem.bootstrap { label in LogfmtHandler(label: label, level: level) }
    }

    public func log(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?,
                    source: String, file: String, function: String, line: UInt) {
        var all = metadata
        if let explicit { all.merge(explicit) { _, new in new } }
        let text = Self.format(event: message.description, level: level, metadata: all)
        text.utf8CString.withUnsafeBufferPointer { p in
            _ = write(fd, p.baseAddress, p.count - 1)
        }
    }

    /// The logfmt line for one event, ending in "\n".
    public static func format(event: String, level: Logger.Level, metadata: Logger.Metadata) -> String {
        var out = "event=" + quote(event)
        for key in ["session", "queue_id"] {
            if let v = metadata[key] { out += " \(key)=" + quote(v.description) }
        }
        out += " level=\(level.rawValue)"
        for key in metadata.keys.sorted() where key != "session" && key != "queue_id" {
            out += " \(key)=" + quote(render(metadata[key]!))
        }
        return out + "\n"
    }

    private static func render(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let s): return s
        case .stringConvertible(let c): return c.description
        case .array(let a): return a.map(render).joined(separator: ",")
        case .dictionary(let d): return d.keys.sorted().map { "\($0):\(render(d[$0]!))" }.joined(separator: ",")
        }
    }

    /// Quotes a logfmt value when it has spaces, quotes, `=` or control characters.
    public static func quote(_ s: String) -> String {
        if s.isEmpty { return "\"\"" }
        let needs = s.unicodeScalars.contains { $0 == " " || $0 == "\"" || $0 == "=" || $0 == "\\" || $0.value < 0x20 || $0.value == 0x7f }
        guard needs else { return s }
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 || u.value == 0x7f { out += String(format: "\\x%02x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}
