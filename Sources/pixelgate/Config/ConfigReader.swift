// ConfigReader: typed, strict access to the TOML config file.
// Contract: every key is read through a SectionReader, which records it; after every section has
// read its keys, `unknownKeys()` names whatever was not consumed, so a typo is an error naming the
// key, never a silent default. Durations accept `300`, "300s", "5m", "1h"; sizes accept `1048576`,
// "512k", "10M", "1G". Each section's defaults live next to its reader (ConfigSections).
import Foundation
import TOMLKit

public struct ConfigError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

public final class ConfigReader {
    let root: TOMLTable
    let path: String
    private var consumed: Set<String> = []

    /// Parses TOML text; `path` is only used in messages.
    public init(text: String, path: String) throws(ConfigError) {
        do {
            root = try TOMLTable(string: text)
        } catch let e as TOMLParseError {
            throw ConfigError("\(path):\(e.source.begin.line):\(e.source.begin.column): \(e.description)")
        } catch {
            throw ConfigError("\(path): \(error)")
        }
        self.path = path
    }

    /// An empty config: every key takes its default.
    public init() {
        root = TOMLTable()
        path = "(defaults)"
    }

    public func section(_ name: String) throws(ConfigError) -> SectionReader {
        consumed.insert(name)
        guard let v = root[name] else { return SectionReader(name: name, table: nil, reader: self) }
        guard let t = v.table else { throw ConfigError("\(path): [\(name)] must be a table") }
        return SectionReader(name: name, table: t, reader: self)
    }

    /// A top-level array of tables (`[[name]]`): one reader per entry, named `name[i]` in
    /// messages. Absent means no entries; anything but an array of tables is an error.
    public func tableArray(_ name: String) throws(ConfigError) -> [SectionReader] {
        consumed.insert(name)
        guard let v = root[name] else { return [] }
        guard let a = v.array else { throw ConfigError("\(path): \(name) must be an array of tables ([[\(name)]])") }
        var out: [SectionReader] = []
        for (i, item) in a.enumerated() {
            guard let t = item.table else { throw ConfigError("\(path): \(name)[\(i)] must be a table ([[\(name)]])") }
            out.append(SectionReader(name: "\(name)[\(i)]", table: t, reader: self))
        }
        return out
    }

    func markConsumed(_ fullKey: String) { consumed.insert(fullKey) }

    /// Keys present in the file that no section read, e.g. "store.bakend".
    public func unknownKeys() -> [String] {
        var out: [String] = []
        for top in root.keys {
            guard consumed.contains(top) else { out.append(top); continue }
            if let t = root[top]?.table {
                for k in t.keys where !consumed.contains("\(top).\(k)") { out.append("\(top).\(k)") }
            } else if let a = root[top]?.array {
                for (i, item) in a.enumerated() {
                    guard let t = item.table else { continue }
                    for k in t.keys where !consumed.contains("\(top)[\(i)].\(k)") { out.append("\(top)[\(i)].\(k)") }
                }
            }
        }
        return out.sorted()
    }
}

/// Reads one `[section]`; each accessor takes the default used when the key is absent.
public struct SectionReader {
    public let name: String
    let table: TOMLTable?
    let reader: ConfigReader

    private func value(_ key: String) -> TOMLValueConvertible? {
        reader.markConsumed("\(name).\(key)")
        return table?[key]
    }

    private func bad(_ key: String, _ want: String) -> ConfigError {
        ConfigError("\(reader.path): \(name).\(key) must be \(want)")
    }

    public func string(_ key: String, default d: String) throws(ConfigError) -> String {
        guard let v = value(key) else { return d }
        guard let s = v.string else { throw bad(key, "a string") }
        return s
    }

    public func optionalString(_ key: String) throws(ConfigError) -> String? {
        guard let v = value(key) else { return nil }
        guard let s = v.string else { throw bad(key, "a string") }
        return s
    }

    public func bool(_ key: String, default d: Bool) throws(ConfigError) -> Bool {
        guard let v = value(key) else { return d }
        guard let b = v.bool else { throw bad(key, "true or false") }
        return b
    }

    public func int(_ key: String, default d: Int, range: ClosedRange<Int> = 0...Int.max) throws(ConfigError) -> Int {
        guard let v = value(key) else { return d }
        guard let i = v.int, range.contains(i) else { throw bad(key, "an integer in \(range.lowerBound)...\(range.upperBound)") }
        return i
    }

    public func strings(_ key: String, default d: [String]) throws(ConfigError) -> [String] {
        guard let v = value(key) else { return d }
        if let s = v.string { return [s] }
        guard let a = v.array else { throw bad(key, "a list of strings") }
        var out: [String] = []
        for e in a {
            guard let s = e.string else { throw bad(key, "a list of strings") }
            out.append(s)
        }
        return out
    }

    /// One of `choices`.
    public func choice(_ key: String, _ choices: [String], default d: String) throws(ConfigError) -> String {
        let s = try string(key, default: d)
        guard choices.contains(s) else { throw bad(key, "one of \(choices.joined(separator: "|")), not \"\(s)\"") }
        return s
    }

    /// Seconds. Accepts an integer or "300s", "5m", "1h", "500ms".
    public func duration(_ key: String, default d: Double) throws(ConfigError) -> Double {
        guard let v = value(key) else { return d }
        if let i = v.int, i >= 0 { return Double(i) }
        guard let s = v.string, let secs = Self.parseDuration(s) else { throw bad(key, "a duration such as 300, \"300s\", \"5m\"") }
        return secs
    }

    /// Bytes. Accepts an integer or "512k", "10M", "1G".
    public func size(_ key: String, default d: Int) throws(ConfigError) -> Int {
        guard let v = value(key) else { return d }
        if let i = v.int, i >= 0 { return i }
        guard let s = v.string, let n = Self.parseSize(s) else { throw bad(key, "a size such as 10485760 or \"10M\"") }
        return n
    }

    /// The raw sub-table (e.g. `[[engine.rules]]` arrays), marked as consumed.
    public func rawValue(_ key: String) -> TOMLValueConvertible? { value(key) }

    public static func parseDuration(_ s: String) -> Double? {
        let t = s.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
        for (u, mul) in units where t.hasSuffix(u) {
            if let n = Double(t.dropLast(u.count)), n >= 0 { return n * mul }
        }
        if let n = Double(t), n >= 0 { return n }
        return nil
    }

    public static func parseSize(_ s: String) -> Int? {
        let t = s.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Int)] = [("k", 1 << 10), ("m", 1 << 20), ("g", 1 << 30), ("b", 1)]
        for (u, mul) in units where t.hasSuffix(u) {
            if let n = Int(t.dropLast(u.count)), n >= 0 { return n * mul }
        }
        return Int(t).flatMap { $0 >= 0 ? $0 : nil }
    }
}
