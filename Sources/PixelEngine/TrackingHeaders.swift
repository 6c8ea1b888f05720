// TrackingHeaders: the sender's declarations in the top-level header (DESIGN "How a tracker's
// purpose is declared"): `Tracking-Purposes` (comma separated; several fields are joined) and
// `Tracking-Campaign`. Guarantees: only the top-level header is read (an attached message's
// declarations never apply); every `Tracking-*` field name is reported so the output drops them all.
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
        let c = root.header("Tracking-Campaign")?.value.trimmingCharacters(in: .whitespacesAndNewlines)
        campaign = (c?.isEmpty ?? true) ? nil : c
        var seen: [String] = []
        for h in root.headers where Self.hasTrackingPrefix(h.name) {
            if !seen.contains(where: { h.hasName($0) }) { seen.append(h.name) }
        }
        names = seen
        messageID = root.header("Message-ID")?.value.trimmingCharacters(in: .whitespacesAndNewlines)
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
}
