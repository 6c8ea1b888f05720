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
        for h in root.headers where h.name.lowercased().hasPrefix("tracking-") {
            if !seen.contains(where: { $0.lowercased() == h.name.lowercased() }) { seen.append(h.name) }
        }
        names = seen
        messageID = root.header("Message-ID")?.value.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
