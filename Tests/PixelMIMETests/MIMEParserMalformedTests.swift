// Malformed-input and limit tests for MIMEParser: every MIMELimits bound throws its MIMEError,
// deep nesting and a 50 MB line finish fast, stray 8-bit and bad base64 stay parseable.
import Foundation
import Testing
@testable import PixelMIME

@Suite struct MIMEParserMalformedTests {
    /// `levels` nested multiparts, each with its own boundary, never closed.
    static func nested(_ levels: Int) -> [UInt8] {
        var s = "Subject: deep\r\n"
        for i in 0..<levels {
            s += "Content-Type: multipart/mixed; boundary=\"b\(i)\"\r\n\r\n--b\(i)\r\n"
        }
        s += "Content-Type: text/plain\r\n\r\nbottom\r\n"
        return Array(s.utf8)
    }

    @Test func thousandDeepNestingThrowsDepthExceededFast() throws {
        let bytes = Self.nested(1000)
        let start = Date()
        #expect(throws: MIMEError.self) { try T.parse(bytes) }
        do {
            _ = try T.parse(bytes)
        } catch {
            guard case .depthExceeded(let limit, _) = error as? MIMEError else {
                Issue.record("expected depthExceeded, got \(error)")
                return
            }
            #expect(limit == MIMELimits.defaultMaxDepth)
        }
        #expect(Date().timeIntervalSince(start) < 1.0)
    }

    @Test func nestingWithinLimitParses() throws {
        let m = try T.parse(Self.nested(20))
        #expect(m.leaves().count == 1)
        #expect(m.leaves()[0].depth == 20)
        #expect(m.defects.count == 20) // every level lacks its close delimiter
    }

    @Test func thousandDeepEncapsulatedMessagesThrow() throws {
        let s = String(repeating: "Content-Type: message/rfc822\r\n\r\n", count: 1000) + "x\r\n"
        #expect(throws: MIMEError.depthExceeded(limit: 32, offset: 33 * 32)) { try T.parse(Array(s.utf8)) }
    }

    @Test func tooManyParts() throws {
        var s = "Content-Type: multipart/mixed; boundary=p\r\n\r\n"
        for _ in 0..<20 { s += "--p\r\n\r\nx\r\n" }
        s += "--p--\r\n"
        let bytes = Array(s.utf8)
        #expect(try T.parse(bytes).leaves().count == 20)
        #expect(throws: MIMEError.tooManyParts(limit: 10, offset: 0)) {
            do { _ = try T.parse(bytes, limits: MIMELimits(maxParts: 10)) } catch let e as MIMEError {
                if case .tooManyParts(let l, _) = e { throw MIMEError.tooManyParts(limit: l, offset: 0) }
                throw e
            }
        }
    }

    @Test func boundaryTooLong() throws {
        let b = String(repeating: "x", count: 201)
        let bytes = T.message(["Content-Type: multipart/mixed; boundary=\"\(b)\"", "", "--\(b)", "", "a", "--\(b)--"])
        #expect(throws: MIMEError.boundaryTooLong(length: 201, limit: 200, offset: 0)) { try T.parse(bytes) }
        #expect(try T.parse(bytes, limits: MIMELimits(maxBoundaryLength: 300)).leaves().count == 1)
    }

    @Test func headerTooLarge() throws {
        var lines = ["Subject: big"]
        for i in 0..<2000 { lines.append("X-Filler-\(i): " + String(repeating: "y", count: 600)) }
        lines += ["", "body"]
        let bytes = T.message(lines)
        #expect(throws: MIMEError.headerTooLarge(limit: 1 << 20, offset: 0)) { try T.parse(bytes) }
        #expect(try T.parse(bytes, limits: MIMELimits(maxHeaderSize: 4 << 20)).root.headers.count == 2001)
    }

    @Test func headerLineTooLong() throws {
        let bytes = T.message(["Subject: " + String(repeating: "z", count: 5000), "", "b"])
        #expect(throws: MIMEError.lineTooLong(limit: 1000, offset: 0)) { try T.parse(bytes, limits: MIMELimits(maxLineLength: 1000)) }
    }

    @Test func fiftyMegabyteSingleLineBody() throws {
        var bytes = Array("Content-Type: text/html\r\n\r\n".utf8)
        bytes += [UInt8](repeating: 97, count: 50 << 20)
        let start = Date()
        let m = try T.parse(bytes)
        #expect(m.root.bodyRange.count == 50 << 20)
        #expect(Date().timeIntervalSince(start) < 5)
    }

    @Test func fiftyMegabyteSingleLineWithoutHeaderEnd() throws {
        // One 50 MB line that looks like a header field: bounded by maxHeaderSize, not quadratic.
        var bytes = Array("X-Long: ".utf8)
        bytes += [UInt8](repeating: 98, count: 50 << 20)
        #expect(throws: MIMEError.self) { try T.parse(bytes) }
        // A 50 MB continuation line is a header line too.
        #expect(throws: MIMEError.lineTooLong(limit: 1 << 20, offset: 0)) { try T.parse([UInt8](repeating: 32, count: 50 << 20)) }
        // And one with no header syntax at all is a body.
        let plain = [UInt8](repeating: 97, count: 50 << 20)
        let m = try T.parse(plain)
        #expect(m.root.bodyRange == 0..<(50 << 20))
        #expect(!m.root.hasHeaderSeparator)
    }

    @Test func manyDashLinesStayLinear() throws {
        var s = "Content-Type: multipart/mixed; boundary=\"" + String(repeating: "-", count: 70) + "\"\r\n\r\n"
        s += String(repeating: String(repeating: "-", count: 60) + "\r\n", count: 100_000)
        let start = Date()
        let m = try T.parse(Array(s.utf8))
        #expect(m.root.children.isEmpty)
        #expect(Date().timeIntervalSince(start) < 5)
    }

    @Test func stray8BitInHeadersAndBody() throws {
        var bytes = Array("Subject: caf".utf8) + [0xE9] + Array("\r\nX-\u{00FF}: no\r\n\r\nbody ".utf8) + [0xFF, 0xFE, 0x00] + Array("\r\n".utf8)
        bytes += []
        let m = try T.parse(bytes)
        #expect(m.root.header("subject")?.value == "café") // not UTF-8: read as ISO-8859-1
        #expect(m.root.headers.count == 1) // the 8-bit field name ends the header block
        #expect(!m.defects.isEmpty)
    }

    @Test func badBase64LeafStillParses() throws {
        let bytes = T.message([
            "Content-Type: multipart/mixed; boundary=q", "",
            "--q", "Content-Type: image/png", "Content-Transfer-Encoding: base64", "", "iVBO!!RwØ0K*GgoA", "--q--",
        ])
        let m = try T.parse(bytes)
        let d = T.decoded(m.leaves()[0], bytes)
        #expect(!d.clean)
        #expect(!d.bytes.isEmpty)
    }
}
