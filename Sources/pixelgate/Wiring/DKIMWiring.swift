// DKIMWiring: DKIM as the last step of planning. `DKIMPlanner` wraps the chosen planner: after
// the inner `plan`, each variant is handed to PixelDKIM's MessageSigner over its chunks (an
// `.original` range is read in place from the inbound buffer, `.bytes` as they are; nothing is
// joined). An unchanged variant (exactly `[.original(0..<count)]`) keeps its signatures
// untouched; on a changed one each existing DKIM-Signature's bh= is checked and a broken one is
// removed (`dkim_broken = remove`) or kept (`keep`), logged either way as
// `event=dkim action=removed|kept d= s=`. Then the variant is signed once per `[[dkim]]` entry
// covering its From domain; the fields are prepended as a `.bytes` chunk (the relay adds only its
// Received header above them and dot-stuffs afterwards, so the signed bytes are the sent bytes),
// and `dkim=signed:<d>/<s>[,...]` or `dkim=none` goes on the variant's log fields.
// Contract: keys are loaded by `loadSigner` when the planner is built (serve start, SIGHUP,
// filter, check-config); a bad key is a CLIError naming the file, so `serve` refuses to start.
import Foundation
import Logging
import PixelDKIM
import PixelRelay

enum DKIMWiring {
    /// Loads every configured key. Throws a CLIError naming the entry and the file.
    static func loadSigner(_ cfg: PixelgateConfig) throws -> MessageSigner {
        var entries: [SigningEntry] = []
        for (i, e) in cfg.dkim.entries.enumerated() {
            do {
                let key = try SigningKey(path: try e.keyPath(), algorithm: e.algorithm, minimumRSABits: cfg.dkim.minRSABits)
                let signer = Signer(domain: e.domain, selector: e.selector, key: key, expire: e.expire, headers: cfg.dkim.headers)
                entries.append(SigningEntry(signer: signer, matchSubdomains: e.matchSubdomains))
            } catch let err as DKIMKeyError {
                throw CLIError("pixelgate: \(cfg.source): dkim[\(i)] (\(e.domain)/\(e.selector)): \(err.description)")
            } catch let err as ConfigError {
                throw CLIError("pixelgate: \(cfg.source): dkim[\(i)] (\(e.domain)/\(e.selector)): \(err.description)")
            }
        }
        return MessageSigner(entries: entries, brokenPolicy: cfg.dkim.broken)
    }

    /// `inner` with DKIM as its last step.
    static func wrap(_ inner: any VariantPlanner, _ cfg: PixelgateConfig) throws -> any VariantPlanner {
        DKIMPlanner(inner: inner, signer: try loadSigner(cfg))
    }

    /// One `name._domainkey.domain IN TXT "..."` line per entry (check-config), in zone-file
    /// syntax: a record longer than 255 characters (any RSA key of 2048 bits or more) is written as
    /// several quoted strings of at most 255, which DNS joins back together.
    static func dnsRecords(_ signer: MessageSigner) throws -> [String] {
        var out: [String] = []
        for e in signer.entries {
            let s = e.signer
            do {
                var rest = Substring(try s.key.dnsRecord())
                var strings: [String] = []
                while !rest.isEmpty {
                    strings.append("\"\(rest.prefix(255))\"")
                    rest = rest.dropFirst(255)
                }
                out.append("\(s.selector)._domainkey.\(s.domain) IN TXT \(strings.joined(separator: " "))")
            } catch {
                throw CLIError("pixelgate: \(error.description)")
            }
        }
        return out
    }
}

struct DKIMPlanner: VariantPlanner {
    let inner: any VariantPlanner
    let signer: MessageSigner
    var logger = Logger(label: "pixelgate.dkim")

    func prepare(recipient: String, session: String) -> any Sendable {
        inner.prepare(recipient: recipient, session: session)
    }

    func finished(recipients: [PlannedRecipient], outcomes: [RecipientOutcome], context: MessageContext) {
        inner.finished(recipients: recipients, outcomes: outcomes, context: context)
    }

    func plan(message: UnsafeRawBufferPointer, recipients: [PlannedRecipient], context: MessageContext) throws(PlanFailure) -> [PlannedVariant] {
        let variants = try inner.plan(message: message, recipients: recipients, context: context)
        let now = Int(Date().timeIntervalSince1970)
        return variants.map { sign($0, message: message, time: now, context: context) }
    }

    func sign(_ variant: PlannedVariant, message: UnsafeRawBufferPointer, time: Int, context: MessageContext) -> PlannedVariant {
        let chunks = variant.chunks
        let changed = chunks != [.original(0..<message.count)]
        var out = variant
        if signer.entries.isEmpty && (!changed || !ExistingSignature.mayBePresent(in: message)) {  // nothing to judge, nothing to sign
            out.logFields.append(("dkim", "none"))
            return out
        }
        let outcome = signer.process(chunkCount: chunks.count, changed: changed, time: time) { i, body in
            switch chunks[i] {
            case .original(let r): body(UnsafeRawBufferPointer(rebasing: message[r]))
            case .bytes(let b): b.withUnsafeBytes { body($0) }
            }
        }
        for v in outcome.verdicts where v.action == .removed || v.action == .kept {
            var meta: Logger.Metadata = ["session": .string(context.session), "variant": .string(variant.label),
                                         "action": .string(v.action.rawValue), "d": .string(v.domain), "s": .string(v.selector),
                                         "reason": .string(v.reason ?? "")]
            if let q = context.queueID { meta["queue_id"] = .string(q) }
            logger.notice("dkim", metadata: meta)
        }
        if let why = outcome.skipped {
            var meta: Logger.Metadata = ["session": .string(context.session), "variant": .string(variant.label),
                                         "action": "unsigned", "reason": .string(why)]
            if let q = context.queueID { meta["queue_id"] = .string(q) }
            logger.warning("dkim", metadata: meta)
        }
        if let rewritten = outcome.rewrittenHeaderBlock {
            out.chunks = [.bytes(outcome.signatures + rewritten)] + Self.body(chunks, from: outcome.bodyStart)
        } else if !outcome.signatures.isEmpty {
            out.chunks = [.bytes(outcome.signatures)] + chunks
        }
        out.logFields.append(("dkim", outcome.signedBy.isEmpty ? "none" : "signed:" + outcome.signedBy.joined(separator: ",")))
        return out
    }

    /// The chunks from `start` (chunk index, offset) on; the first one trimmed.
    static func body(_ chunks: [BodyChunk], from start: (chunk: Int, offset: Int)?) -> [BodyChunk] {
        guard let start else { return [] }
        var out: [BodyChunk] = []
        for i in start.chunk..<chunks.count {
            let skip = i == start.chunk ? start.offset : 0
            switch chunks[i] {
            case .original(let r):
                let t = (r.lowerBound + skip)..<r.upperBound
                if !t.isEmpty { out.append(.original(t)) }
            case .bytes(let b):
                if skip < b.count { out.append(.bytes(Array(b[skip...]))) }
            }
        }
        return out
    }
}
