// TrackingHeaders: the sender's declarations in the top-level header (DESIGN "How a tracker's
// purpose is declared"): `Tracking-Purposes` (comma separated; several fields are joined) and
// `Tracking-Campaign`. Guarantees: only the top-level header is read (an attached message's
// declarations never apply); every `Tracking-*` field name is reported so the output drops them all.
import Foundation
import PixelMIME
import PixelPolicy

struct TrackingHeaders {
    var purposes: [DeclaredPurpose]?
    var campaign: String?
    var names: [String]
    var messageID: String?

    init(_ root: MIMEPart) {
        let purposeFields = root.headers(named: "Tracking-Purposes")
        purposes = purposeFields.isEmpty ? nil : PurposeList.parseHeader(purposeFields.map(\.value).joined(separator: ","))
        let c = root.header("Tracking-Campaign").map { Self.trimmed($0.value) }
        campaign = (c?.isEmpty ?? true) ? nil : c
        var seen: [String] = []
        for h in root.headers where Self.hasTrackingPrefix(h.name) {
            if !seen.contains(where: { h.hasName($0) }) { seen.append(h.name) }
        }
        names = seen
        messageID = root.header("Message-ID").map { Self.trimmed($0.value) }
    }

    /// ASCII case-insensitive `tracking-` prefix, on the UTF-8 bytes (no lowercased copy per field).
    static func hasTrackingPrefix(_ name: String) -> Bool {
        let prefix: [UInt8] = Array("tracking-".utf8)
        var it = name.utf8.makeIterator()
        for p in prefix {
            guard let b = it.next() else { return false }
            let lower = (b >= 0x41 && b <= 0x5A) ? b | 0x20 : b
            if lower != p { return false }
        }
        return true
    }

    /// `trimmingCharacters(in: .whitespacesAndNewlines)` without Foundation in the usual case: ASCII
    /// whitespace is trimmed on the bytes; when what is left starts or ends with a non-ASCII byte
    /// (possibly Unicode whitespace or a combining mark) Foundation decides, so the result is the same.
    static func trimmed(_ s: String) -> String {
        let u = s.utf8
        var lo = u.startIndex, hi = u.endIndex
        func ws(_ b: UInt8) -> Bool { b == 0x20 || (b >= 0x09 && b <= 0x0D) }
        while lo < hi, ws(u[lo]) { lo = u.index(after: lo) }
        while hi > lo, ws(u[u.index(before: hi)]) { hi = u.index(before: hi) }
        if lo == hi { return "" }
        guard u[lo] < 0x80, u[u.index(before: hi)] < 0x80 else { return s.trimmingCharacters(in: .whitespacesAndNewlines) }
        if lo == u.startIndex && hi == u.endIndex { return s }
        return String(decoding: u[lo..<hi], as: UTF8.self)
    }
}
