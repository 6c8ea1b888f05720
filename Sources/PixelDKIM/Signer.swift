// Signer: makes one DKIM-Signature header field (RFC 6376, c=relaxed/relaxed, no l=) for a
// message given as its header block and its relaxed body hash.
// Contract: signs the RFC 6376 §5.4.1 recommended fields present in the message (plus the
// MIME fields, Message-ID and List-Unsubscribe-Post), each listed as often as it occurs, and
// From once more than it occurs (over-signing, so a From added later breaks the signature).
// t= is always set, x= = t + expire when configured. rsa-sha256 signs the header hash input
// with SHA-256/PKCS#1 v1.5; ed25519-sha256 signs the SHA-256 of it with Ed25519 (RFC 8463 §3).
// The field is folded to lines under 78 characters and ends in CRLF.
import Foundation
import PixelCrypto

public struct Signer: Sendable {
    /// RFC 6376 §5.4.1 plus the fields a body rewrite must not be separable from.
    public static let recommendedHeaders = [
        "from", "reply-to", "subject", "date", "to", "cc",
        "resent-date", "resent-from", "resent-to", "resent-cc",
        "in-reply-to", "references",
        "list-id", "list-help", "list-unsubscribe", "list-subscribe", "list-post", "list-owner", "list-archive",
        "list-unsubscribe-post", "message-id", "mime-version", "content-type", "content-transfer-encoding",
    ]

    public let domain: String
    public let selector: String
    public let key: SigningKey
    /// Seconds after t= for x=, or nil for no expiry.
    public let expire: Int?
    /// Lower-case field names to sign when present; "from" is always included.
    public let headers: [String]

    public init(domain: String, selector: String, key: SigningKey, expire: Int? = nil, headers: [String] = Signer.recommendedHeaders) {
        self.domain = domain.lowercased()
        self.selector = selector
        self.key = key
        self.expire = expire
        var h = headers.map { $0.lowercased() }
        if !h.contains("from") { h.insert("from", at: 0) }
        self.headers = h
    }

    /// The h= list for these fields: each configured name as often as it occurs, From once more.
    public func signedNames(_ fields: [HeaderField]) -> [String] {
        var out: [String] = []
        for name in headers {
            let n = fields.filter { $0.name.lowercased() == name }.count
            out += Array(repeating: name, count: name == "from" ? n + 1 : n)
        }
        return out
    }

    /// The DKIM-Signature field (with CRLF) for the header block and the relaxed SHA-256 body hash.
    public func sign(block: [UInt8], fields: [HeaderField], bodyHash: [UInt8], time: Int) throws(DKIMSignError) -> [UInt8] {
        guard fields.contains(where: { $0.isNamed("from") }) else { throw .noFromHeader }
        let names = signedNames(fields)
        var tags: [(String, String)] = [("v", "1"), ("a", key.algorithm.rawValue), ("c", "relaxed/relaxed"),
                                        ("d", domain), ("s", selector), ("t", String(time))]
        if let expire { tags.append(("x", String(time + expire))) }
        tags.append(("h", names.joined(separator: ":")))
        tags.append(("bh", Data(bodyHash).base64EncodedString()))
        let unsigned = Self.fold(tags: tags, signature: "")
        let input = SignatureInput.build(block: block, fields: fields, names: names, signatureField: unsigned, canonicalization: .relaxed)
        let tbs = key.algorithm == .ed25519SHA256 ? Digest.sha256(input) : input
        let sig = try key.rawSign(tbs)
        return Self.fold(tags: tags, signature: Data(sig).base64EncodedString())
    }

    /// "DKIM-Signature: " + tags folded at "; " (and h= at ':'), then b= on its own lines.
    static func fold(tags: [(String, String)], signature: String) -> [UInt8] {
        let width = 76
        var out = "DKIM-Signature:"
        var line = out.count
        func put(_ piece: String, separator: String) {
            if line + separator.count + piece.count > width {
                out += "\r\n\t"
                line = 8
            } else {
                out += separator
                line += separator.count
            }
            out += piece
            line += piece.count
        }
        for (name, value) in tags {
            let sep = " "
            if name == "h" {
                let parts = value.split(separator: ":").map(String.init)
                for (i, p) in parts.enumerated() {
                    let piece = (i == 0 ? "h=" : "") + p + (i == parts.count - 1 ? ";" : ":")
                    put(piece, separator: i == 0 ? sep : "")
                }
            } else {
                put("\(name)=\(value);", separator: sep)
            }
        }
        out += "\r\n\tb="
        var rest = Substring(signature)
        var first = true
        while !rest.isEmpty {
            let chunk = rest.prefix(first ? 70 : 74)
            out += first ? String(chunk) : "\r\n\t" + chunk
            rest = rest.dropFirst(chunk.count)
            first = false
        }
        out += "\r\n"
        return Array(out.utf8)
    }
}
