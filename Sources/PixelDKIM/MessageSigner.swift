// MessageSigner: the whole DKIM step for one outgoing message given as a sequence of chunks —
// judge the signatures already on it, drop the broken ones (or keep them), and sign it with every
// key configured for its From domain.
// Contract: the chunks are visited twice at most (once for the header block, once for the body,
// each chunk once per pass), never joined; body hashes for every canonicalisation needed are
// computed in that single body pass. An unchanged message keeps every signature untouched. A
// changed one has each existing signature's bh= checked; a mismatch is `broken` and removed
// under `.remove`. Authentication-Results and ARC-* fields are never touched. Signing picks the
// entries whose domain equals the From domain, or is its parent when `matchSubdomains` is set.

public enum BrokenSignaturePolicy: String, Sendable, CaseIterable {
    case remove, keep
}

/// One configured signer with its domain-matching rule.
public struct SigningEntry: Sendable {
    public let signer: Signer
    public let matchSubdomains: Bool

    public init(signer: Signer, matchSubdomains: Bool) {
        self.signer = signer
        self.matchSubdomains = matchSubdomains
    }

    public func covers(_ fromDomain: String) -> Bool {
        fromDomain == signer.domain || (matchSubdomains && fromDomain.hasSuffix("." + signer.domain))
    }
}

/// What happened to one pre-existing signature.
public struct SignatureVerdict: Sendable, Equatable {
    public enum Action: String, Sendable { case untouched, intact, removed, kept }
    public let domain: String
    public let selector: String
    public let action: Action
    /// Why it was judged broken ("body hash mismatch", or why it could not be read).
    public let reason: String?

    public init(domain: String, selector: String, action: Action, reason: String?) {
        self.domain = domain
        self.selector = selector
        self.action = action
        self.reason = reason
    }
}

/// The result: what to put in front of the message, and how its header block changes.
public struct SigningOutcome: Sendable {
    /// The original header block including the empty line that ends it.
    public var headerBlock: [UInt8]
    /// Where the body starts: chunk index and offset in it (nil: no body, all header).
    public var bodyStart: (chunk: Int, offset: Int)?
    /// New DKIM-Signature fields to prepend (empty when nothing is signed).
    public var signatures: [UInt8]
    /// The header block without the removed signatures, when any was removed.
    public var rewrittenHeaderBlock: [UInt8]?
    public var verdicts: [SignatureVerdict]
    /// "d/s" of each new signature, in order.
    public var signedBy: [String]
    /// Why signing was skipped although entries exist (e.g. no From), for logs.
    public var skipped: String?
}

public struct MessageSigner: Sendable {
    public let entries: [SigningEntry]
    public let brokenPolicy: BrokenSignaturePolicy

    public init(entries: [SigningEntry], brokenPolicy: BrokenSignaturePolicy = .remove) {
        self.entries = entries
        self.brokenPolicy = brokenPolicy
    }

    /// `chunkCount` chunks; `visit(i, body)` must call `body` with chunk i's bytes.
    public func process(chunkCount: Int, changed: Bool, time: Int,
                        visit: (Int, (UnsafeRawBufferPointer) -> Void) -> Void) -> SigningOutcome {
        // Pass 1: the header block.
        var scanner = HeaderBlockScanner()
        var bodyStart: (chunk: Int, offset: Int)? = nil
        var i = 0
        while i < chunkCount && bodyStart == nil {
            visit(i) { buf in if let off = scanner.feed(buf) { bodyStart = (i, off) } }
            i += 1
        }
        let block = scanner.bytes
        let fields = HeaderFields.split(block)
        let existing = ExistingSignature.all(block: block, fields: fields)
        let fromDomain = fields.first { $0.isNamed("from") }.flatMap { HeaderFields.fromDomain(HeaderFields.value(block, $0)) }
        let signers = fromDomain.map { d in entries.filter { $0.covers(d) }.map(\.signer) } ?? []

        // Pass 2: the body, hashed once per needed requirement.
        var needed = Set<ExistingSignature.BodyRequirement>()
        if changed { for s in existing { if let r = s.requirement { needed.insert(r) } } }
        let signReq = ExistingSignature.BodyRequirement(canonicalization: .relaxed, hash: .sha256, limit: nil)
        if !signers.isEmpty { needed.insert(signReq) }
        var hashes: [ExistingSignature.BodyRequirement: [UInt8]] = [:]
        if !needed.isEmpty {
            let hashers = needed.map { ($0, BodyHasher($0.canonicalization, hash: $0.hash, limit: $0.limit)) }
            if let start = bodyStart {
                for c in start.chunk..<chunkCount {
                    visit(c) { buf in
                        let part = c == start.chunk ? UnsafeRawBufferPointer(rebasing: buf[start.offset...]) : buf
                        for (_, h) in hashers { h.update(part) }
                    }
                }
            }
            for (r, h) in hashers { hashes[r] = h.finish() }
        }

        // Judge existing signatures.
        var verdicts: [SignatureVerdict] = []
        var removed: [Range<Int>] = []
        for s in existing {
            guard changed else {
                verdicts.append(SignatureVerdict(domain: s.domain, selector: s.selector, action: .untouched, reason: nil))
                continue
            }
            if s.bodyMatches(hashes) {
                verdicts.append(SignatureVerdict(domain: s.domain, selector: s.selector, action: .intact, reason: nil))
                continue
            }
            let reason: String
            if case .unreadable(let why) = s.reading { reason = why } else { reason = "body hash mismatch" }
            let action: SignatureVerdict.Action = brokenPolicy == .remove ? .removed : .kept
            if action == .removed { removed.append(s.field.range) }
            verdicts.append(SignatureVerdict(domain: s.domain, selector: s.selector, action: action, reason: reason))
        }
        var rewritten: [UInt8]? = nil
        var signFields = fields
        var signBlock = block
        if !removed.isEmpty {
            var out: [UInt8] = []
            var at = 0
            for r in removed.sorted(by: { $0.lowerBound < $1.lowerBound }) {
                out += block[at..<r.lowerBound]
                at = r.upperBound
            }
            out += block[at...]
            rewritten = out
            signBlock = out
            signFields = HeaderFields.split(out)
        }

        // Sign.
        var signatures: [UInt8] = []
        var signedBy: [String] = []
        var skipped: String? = nil
        if let bh = hashes[signReq] {
            for signer in signers {
                do {
                    signatures += try signer.sign(block: signBlock, fields: signFields, bodyHash: bh, time: time)
                    signedBy.append("\(signer.domain)/\(signer.selector)")
                } catch {
                    skipped = error.description
                }
            }
        }
        return SigningOutcome(headerBlock: block, bodyStart: bodyStart, signatures: signatures, rewrittenHeaderBlock: rewritten,
                              verdicts: verdicts, signedBy: signedBy, skipped: skipped)
    }

    /// Convenience for a message held in one buffer.
    public func process(message: [UInt8], changed: Bool, time: Int) -> SigningOutcome {
        message.withUnsafeBytes { buf in
            process(chunkCount: 1, changed: changed, time: time) { _, body in body(buf) }
        }
    }
}
