// LogfmtHandler: a swift-log handler that writes one logfmt line per event to stderr.
// Contract (DESIGN "Logs"): the message is the event name and is written first as `event=`,
// then `session=` and `queue_id=` when present, then `level=` and the other keys in sorted order.
// Each line goes out in one write(2) so that concurrent sessions never interleave. Lines are built
// as UTF-8 bytes in one buffer (no intermediate Strings).
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
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        Self.appendLine(event: message.description, level: level, base: metadata, explicit: explicit ?? [:], into: &bytes)
        bytes.withUnsafeBytes { p in
            _ = write(fd, p.baseAddress, p.count)
        }
    }

    /// The logfmt line for one event, ending in "\n".
    public static func format(event: String, level: Logger.Level, metadata: Logger.Metadata) -> String {
        var bytes: [UInt8] = []
        appendLine(event: event, level: level, base: metadata, explicit: [:], into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the logfmt line for one event (same text as `format` of `base` merged with
    /// `explicit`, explicit values winning) as UTF-8. This runs several times per relayed message,
    /// so it builds no merged dictionary and no intermediate Strings: the keys are gathered into
    /// one array and sorted (String `<`, which compares short ASCII keys in their inline bits).
    static func appendLine(event: String, level: Logger.Level, base: Logger.Metadata, explicit: Logger.Metadata,
                           into out: inout [UInt8]) {
        out.append(contentsOf: "event=".utf8)
        appendQuoted(event, &out)
        if let v = explicit["session"] ?? base["session"] { out.append(contentsOf: " session=".utf8); appendValue(v, &out) }
        if let v = explicit["queue_id"] ?? base["queue_id"] { out.append(contentsOf: " queue_id=".utf8); appendValue(v, &out) }
        out.append(contentsOf: " level=".utf8)
        out.append(contentsOf: level.rawValue.utf8)
        var pairs: [(key: String, value: Logger.Metadata.Value)] = []
        pairs.reserveCapacity(base.count + explicit.count)
        for (key, value) in explicit where !isLeadingKey(key) { pairs.append((key, value)) }
        for (key, value) in base where !isLeadingKey(key) && (explicit.isEmpty || explicit[key] == nil) {
            pairs.append((key, value))
        }
        pairs.sort { $0.key < $1.key }
        for (key, value) in pairs {
            out.append(0x20)
            out.append(contentsOf: key.utf8)
            out.append(0x3D)
            appendValue(value, &out)
        }
        out.append(0x0A)
    }

    /// `session` and `queue_id` lead the line (DESIGN "Logs"), so they are not among the sorted keys.
    @inline(__always)
    private static func isLeadingKey(_ key: String) -> Bool {
        let n = key.utf8.count
        return (n == 7 && key == "session") || (n == 8 && key == "queue_id")
    }

    private static func appendValue(_ value: Logger.Metadata.Value, _ out: inout [UInt8]) {
        switch value {
        case .string(let s): appendQuoted(s, &out)
        case .stringConvertible(let c): appendQuoted(c.description, &out)
        case .array, .dictionary: appendQuoted(render(value), &out)
        }
    }

    private static func render(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let s): return s
        case .stringConvertible(let c): return c.description
        case .array(let a): return a.map(render).joined(separator: ",")
        case .dictionary(let d): return d.keys.sorted().map { "\($0):\(render(d[$0]!))" }.joined(separator: ",")
        }
    }

    @inline(__always)
    private static func needsQuoting(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x22 || b == 0x3D || b == 0x5C || b < 0x20 || b == 0x7F
    }

    private static func appendQuoted(_ s: String, _ out: inout [UInt8]) {
        var s = s
        s.withUTF8 { appendQuoted($0, &out) }
    }

    private static func appendQuoted(_ utf8: UnsafeBufferPointer<UInt8>, _ out: inout [UInt8]) {
        if utf8.isEmpty { out.append(0x22); out.append(0x22); return }
        guard utf8.contains(where: needsQuoting) else {
            out.append(contentsOf: utf8)
            return
        }
        out.append(0x22)
        for b in utf8 {
            switch b {
            case 0x22: out.append(0x5C); out.append(0x22)
            case 0x5C: out.append(0x5C); out.append(0x5C)
            case 0x0A: out.append(0x5C); out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(0x5C); out.append(UInt8(ascii: "r"))
            case 0x09: out.append(0x5C); out.append(UInt8(ascii: "t"))
            case 0x00..<0x20, 0x7F:
                out.append(0x5C); out.append(UInt8(ascii: "x"))
                out.append(hexDigits[Int(b >> 4)]); out.append(hexDigits[Int(b & 0x0F)])
            default: out.append(b)
            }
        }
        out.append(0x22)
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Quotes a logfmt value when it has spaces, quotes, `=` or control characters.
    public static func quote(_ s: String) -> String {
        var out: [UInt8] = []
        appendQuoted(s, &out)
        return String(decoding: out, as: UTF8.self)
    }
}
