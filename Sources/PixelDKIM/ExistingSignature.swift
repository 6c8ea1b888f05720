// ExistingSignature: a DKIM-Signature already on a message, read far enough to tell whether a
// body rewrite broke it (its bh= against the new body, per its own c= and a=, and l= if any).
// Contract: only the body hash is checked — the header part needs DNS and is the receiver's job.
// A signature that cannot be read (no bh=, unknown algorithm or canonicalisation) is `unreadable`
// with the reason: it cannot be verified by anyone, so callers treat it as broken.
import Foundation

public struct ExistingSignature: Sendable, Equatable {
    /// What a body must hash to, and how.
    public struct BodyRequirement: Sendable, Hashable {
        public var canonicalization: Canonicalization
        public var hash: DKIMHash
        public var limit: Int?
    }

    public enum Reading: Sendable, Equatable {
        case readable(BodyRequirement, bodyHash: [UInt8])
        case unreadable(String)
    }

    public let field: HeaderField
    public let domain: String
    public let selector: String
    public let reading: Reading

    public init(block: [UInt8], field: HeaderField) {
        self.field = field
        let value = HeaderFields.value(block, field)
        guard let tags = try? TagList.parse(value) else {
            domain = ""; selector = ""; reading = .unreadable("malformed tag list"); return
        }
        domain = tags.value("d") ?? ""
        selector = tags.value("s") ?? ""
        reading = Self.read(tags)
    }

    private static func read(_ tags: TagList) -> Reading {
        guard let bhText = tags.value("bh"), let bh = Data(base64Encoded: bhText) else { return .unreadable("no bh=") }
        let hash: DKIMHash
        switch tags.value("a")?.lowercased() {
        case "rsa-sha256", "ed25519-sha256": hash = .sha256
        case "rsa-sha1": hash = .sha1
        case let a: return .unreadable("unknown a=\(a ?? "")")
        }
        let body: Canonicalization
        let c = (tags.value("c") ?? "simple/simple").lowercased().split(separator: "/", omittingEmptySubsequences: false)
        switch c.count > 1 ? String(c[1]) : "simple" {
        case "simple": body = .simple
        case "relaxed": body = .relaxed
        case let other: return .unreadable("unknown body canonicalization \(other)")
        }
        var limit: Int? = nil
        if let l = tags.value("l") {
            guard let n = Int(l), n >= 0 else { return .unreadable("bad l=") }
            limit = n
        }
        return .readable(BodyRequirement(canonicalization: body, hash: hash, limit: limit), bodyHash: [UInt8](bh))
    }

    /// False only when the header block of `message` (up to its first empty line) certainly holds
    /// no DKIM-Signature field: no line of it starts with that name, in any case. Lets a signer with
    /// nothing to sign skip the header parse.
    public static func mayBePresent(in message: UnsafeRawBufferPointer) -> Bool {
        let name = Array("dkim-signature".utf8)
        let n = message.count
        var line = 0
        while line < n {
            let first = message[line]
            if first == 0x0A || (first == 0x0D && line + 1 < n && message[line + 1] == 0x0A) { return false }  // end of header
            if n - line >= name.count {
                var same = true
                for k in 0..<name.count where message[line + k] | 0x20 != name[k] {
                    same = false
                    break
                }
                if same { return true }
            }
            guard let base = message.baseAddress, let lf = memchr(base + line, 0x0A, n - line) else { return false }
            line = base.distance(to: UnsafeRawPointer(lf)) + 1
        }
        return false
    }

    /// All DKIM-Signature fields of a header block.
    public static func all(block: [UInt8], fields: [HeaderField]) -> [ExistingSignature] {
        fields.filter { $0.isNamed("dkim-signature") }.map { ExistingSignature(block: block, field: $0) }
    }

    /// True when `hashes` (by requirement) holds this signature's bh=.
    public func bodyMatches(_ hashes: [BodyRequirement: [UInt8]]) -> Bool {
        guard case .readable(let req, let bh) = reading, let got = hashes[req] else { return false }
        return got == bh
    }

    public var requirement: BodyRequirement? {
        if case .readable(let r, _) = reading { return r }
        return nil
    }
}
