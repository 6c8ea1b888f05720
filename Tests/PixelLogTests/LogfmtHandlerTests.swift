// LogfmtHandler: the line a logger call writes (through a pipe, as the relay's stderr), key order,
// explicit metadata over the handler's, quoting; and the same text as the plain reference
// algorithm (merge, sort by String, quote) over random metadata.
import Foundation
import Logging
import Testing
@testable import PixelLog

@Suite struct LogfmtHandlerTests {
    /// Runs `body` with a logger writing into a pipe; returns what it wrote.
    private func written(level: Logger.Level = .info, _ body: (inout Logger) -> Void) -> String {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]) }
        var logger = Logger(label: "test") { label in LogfmtHandler(label: label, level: level, fd: fds[1]) }
        body(&logger)
        close(fds[1])
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(fds[0], &buf, buf.count)
            if n <= 0 { break }
            out += buf[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }

    @Test func sessionAndQueueIDLeadThenLevelThenSortedKeys() {
        let text = written { log in
            log[metadataKey: "session"] = "s1"
            log[metadataKey: "queue_id"] = "ABC"
            log[metadataKey: "zeta"] = "z"
            log.info("rcpt", metadata: ["to": "a@b.example", "status": "accepted", "alpha": "x y"])
        }
        #expect(text == "event=rcpt session=s1 queue_id=ABC level=info alpha=\"x y\" status=accepted to=a@b.example zeta=z\n")
    }

    @Test func explicitMetadataWinsOverTheHandlersForTheSameKey() {
        let text = written { log in
            log[metadataKey: "session"] = "s1"
            log[metadataKey: "what"] = "handler"
            log.warning("error", metadata: ["what": "explicit", "session": "s2"])
        }
        #expect(text == "event=error session=s2 level=warning what=explicit\n")
    }

    @Test func keysSortByTheirBytesAndEachAppearsOnce() {
        let text = written { log in
            log[metadataKey: "b"] = "1"
            log[metadataKey: "B"] = "2"
            log.info("x", metadata: ["b": "3", "a_b": "4", "ab": "5", "a": "6"])
        }
        #expect(text == "event=x level=info B=2 a=6 a_b=4 ab=5 b=3\n")
    }

    @Test func valuesAreQuotedWhenTheyMustBe() {
        let text = written { log in
            log.info("q", metadata: ["e": "", "s": "a b", "q": "say \"hi\"", "eq": "a=b", "bs": "c:\\x",
                                     "nl": "l1\r\nl2\tx", "ctl": "\u{01}\u{7F}", "u": "héllo", "n": .stringConvertible(42),
                                     "arr": .array(["a", "b"])])
        }
        #expect(text == "event=q level=info arr=a,b bs=\"c:\\\\x\" ctl=\"\\x01\\x7f\" e=\"\" eq=\"a=b\" n=42 nl=\"l1\\r\\nl2\\tx\" q=\"say \\\"hi\\\"\" s=\"a b\" u=héllo\n")
    }

    @Test func belowTheLevelNothingIsWritten() {
        let text = written(level: .warning) { log in log.info("quiet", metadata: ["a": "b"]) }
        #expect(text == "")
    }

    /// The reference: merge (explicit wins), sort keys with String `<`, quote each value.
    private func reference(event: String, level: Logger.Level, base: Logger.Metadata, explicit: Logger.Metadata) -> String {
        var all = base
        all.merge(explicit) { _, new in new }
        var line = "event=" + LogfmtHandler.quote(event)
        if case .string(let v)? = all["session"] { line += " session=" + LogfmtHandler.quote(v) }
        if case .string(let v)? = all["queue_id"] { line += " queue_id=" + LogfmtHandler.quote(v) }
        line += " level=" + level.rawValue
        for (k, v) in all.sorted(by: { $0.key < $1.key }) where k != "session" && k != "queue_id" {
            guard case .string(let s) = v else { continue }
            line += " \(k)=" + LogfmtHandler.quote(s)
        }
        return line + "\n"
    }

    @Test func sameTextAsTheReferenceOnRandomMetadata() {
        var rng = SystemRandomNumberGenerator()
        let keys = ["session", "queue_id", "to", "from", "status", "reply", "a", "B", "size", "delay_ms", "x_y", "rcpt"]
        let values = ["", "ok", "a b", "250 2.0.0 Ok", "x=y", "\"q\"", "é", "\\", "l\nm", "<>"]
        for _ in 0..<300 {
            var base: Logger.Metadata = [:]
            var explicit: Logger.Metadata = [:]
            for k in keys {
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: base[k] = .string(values.randomElement(using: &rng)!)
                case 1: explicit[k] = .string(values.randomElement(using: &rng)!)
                case 2: base[k] = .string(values.randomElement(using: &rng)!); explicit[k] = .string(values.randomElement(using: &rng)!)
                default: break
                }
            }
            var bytes: [UInt8] = []
            LogfmtHandler.appendLine(event: "ev t", level: .notice, base: base, explicit: explicit, into: &bytes)
            #expect(String(decoding: bytes, as: UTF8.self) == reference(event: "ev t", level: .notice, base: base, explicit: explicit))
        }
    }
}
