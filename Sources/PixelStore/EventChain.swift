// EventChain: validation of consent-event inputs and the hash chain over consent_events.
// Contract:
// - `validate` turns inputs into `PendingEvent`s or throws the first problem (StoreError), so a
//   backend stores all of a batch or nothing: normalised subject, consentable purpose, source
//   1...200 printable characters, evidence JSON that parses and fits `maxEvidenceSize` bytes,
//   time at millisecond precision within 1970...9999 and at most a day ahead of now.
// - The hash of an event is SHA-256 (lower-case hex) over its canonical encoding:
//     "pixelgate-consent-v1\n" then, for each field in the order
//     id | subject | purpose | action | at | source | evidence | prev_hash,
//     the decimal UTF-8 byte length, ":", the field's UTF-8 bytes, "\n".
//   `at` is the decimal number of milliseconds since the epoch (UTC); `id` is decimal.
//   Length prefixes make the encoding unambiguous whatever the fields contain.
// - The first event's prev_hash is 64 "0"; every other event's prev_hash is its predecessor's hash
//   (by id, ids are 1, 2, 3, ... without gaps). `ChainWalker` checks exactly this.
import Foundation
import PixelCrypto
import PixelPolicy

/// A validated event not yet placed in the chain.
public struct PendingEvent: Sendable, Equatable {
    public var subject: String
    public var purpose: Purpose
    public var action: ConsentAction
    public var atMillis: Int64
    public var source: String
    public var evidence: String
}

public enum EventChain {
    public static let genesisHash = String(repeating: "0", count: 64)
    public static let maxSourceLength = 200
    /// How far in the future an event's time may be (clock skew between instances, time zones).
    public static let maxFutureMillis: Int64 = 86_400_000

    /// Batches at least this large are validated on all cores, in chunks of this size.
    static let parallelChunk = 4096

    public static func validate(_ inputs: [ConsentEventInput], normalizer: AddressNormalizer, maxEvidenceSize: Int,
                                now: Date = Date()) throws(StoreError) -> [PendingEvent] {
        let nowMillis = TimeFormat.millis(now)
        if inputs.count < 2 * parallelChunk {
            var out: [PendingEvent] = []
            out.reserveCapacity(inputs.count)
            for input in inputs {
                out.append(try validate(input, normalizer: normalizer, maxEvidenceSize: maxEvidenceSize, nowMillis: nowMillis))
            }
            return out
        }
        // Large batches (imports): chunks in parallel; the error reported is still the first by position.
        let chunks = (inputs.count + parallelChunk - 1) / parallelChunk
        let results = ChunkResults(count: chunks)
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            let range = (c * parallelChunk)..<min(inputs.count, (c + 1) * parallelChunk)
            var part: [PendingEvent] = []
            part.reserveCapacity(range.count)
            do throws(StoreError) {
                for i in range {
                    part.append(try validate(inputs[i], normalizer: normalizer, maxEvidenceSize: maxEvidenceSize, nowMillis: nowMillis))
                }
                results.set(c, .success(part))
            } catch {
                results.set(c, .failure(error))
            }
        }
        var out: [PendingEvent] = []
        out.reserveCapacity(inputs.count)
        for r in results.all {
            switch r {
            case .success(let part): out += part
            case .failure(let e): throw e
            case nil: throw .invalidEvent("internal: a validation chunk did not run")
            }
        }
        return out
    }

    /// Per-chunk results written from concurrentPerform workers.
    private final class ChunkResults: @unchecked Sendable {
        private let lock = NSLock()
        private var slots: [Result<[PendingEvent], StoreError>?]
        init(count: Int) { slots = Array(repeating: nil, count: count) }
        func set(_ i: Int, _ r: Result<[PendingEvent], StoreError>) { lock.lock(); slots[i] = r; lock.unlock() }
        var all: [Result<[PendingEvent], StoreError>?] { lock.lock(); defer { lock.unlock() }; return slots }
    }

    public static func validate(_ input: ConsentEventInput, normalizer: AddressNormalizer, maxEvidenceSize: Int,
                                nowMillis: Int64) throws(StoreError) -> PendingEvent {
        let subject = try normalizer.normalize(input.address)
        guard let purpose = Purpose(id: input.purpose) else { throw .invalidPurpose(input.purpose) }
        if purpose.isExempt { throw .exemptPurpose(purpose.id) }
        let source = trimmedSpaces(input.source)
        if source.isEmpty { throw .invalidEvent("empty source") }
        if source.count > maxSourceLength { throw .invalidEvent("source is over \(maxSourceLength) characters") }
        if source.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw .invalidEvent("source contains a control character")
        }
        try validateEvidence(input.evidence, limit: maxEvidenceSize)
        let at = input.at.map(TimeFormat.millis) ?? nowMillis
        guard at >= 0, at < 253_402_300_800_000 else { throw .invalidEvent("time out of range 1970...9999") }
        if at > nowMillis + maxFutureMillis {
            throw .invalidEvent("time \(TimeFormat.format(millis: at)) is more than a day in the future")
        }
        return PendingEvent(subject: subject, purpose: purpose, action: input.action, atMillis: at,
                            source: source, evidence: input.evidence)
    }

    /// Evidence must be JSON (object, array or a single value) within `limit` bytes.
    public static func validateEvidence(_ evidence: String, limit: Int) throws(StoreError) {
        let size = evidence.utf8.count
        if size > limit { throw .evidenceTooLarge(size: size, limit: limit) }
        if evidence.utf8.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 10 || $0 == 13 }) { throw .invalidEvidence("empty") }
        do {
            _ = try JSONSerialization.jsonObject(with: Data(evidence.utf8), options: [.fragmentsAllowed])
        } catch {
            throw .invalidEvidence("it does not parse")
        }
    }

    /// `s` without leading and trailing spaces and tabs (no Foundation: this is on the import path).
    static func trimmedSpaces(_ s: String) -> String {
        let u = s.utf8
        guard let first = u.firstIndex(where: { $0 != 32 && $0 != 9 }) else { return "" }
        let last = u.lastIndex(where: { $0 != 32 && $0 != 9 })!
        if first == u.startIndex && last == u.index(before: u.endIndex) { return s }
        return String(s[first...last])
    }

    /// Places `pending` after the event (`lastID`, `lastHash`); ids follow on.
    public static func chain(_ pending: [PendingEvent], afterID lastID: Int64, hash lastHash: String) -> [ConsentEvent] {
        var id = lastID
        var prev = lastHash
        var out: [ConsentEvent] = []
        out.reserveCapacity(pending.count)
        for p in pending {
            id += 1
            let h = hash(id: id, subject: p.subject, purpose: p.purpose.id, action: p.action.rawValue,
                         atMillis: p.atMillis, source: p.source, evidence: p.evidence, prevHash: prev)
            out.append(ConsentEvent(id: id, subject: p.subject, purpose: p.purpose, action: p.action, atMillis: p.atMillis,
                                    source: p.source, evidence: p.evidence, prevHash: prev, hash: h))
            prev = h
        }
        return out
    }

    /// SHA-256 hex of the canonical encoding (see the file contract).
    public static func hash(id: Int64, subject: String, purpose: String, action: String, atMillis: Int64,
                            source: String, evidence: String, prevHash: String) -> String {
        var bytes = Array("pixelgate-consent-v1\n".utf8)
        for field in [String(id), subject, purpose, action, String(atMillis), source, evidence, prevHash] {
            let u = Array(field.utf8)
            bytes += Array(String(u.count).utf8)
            bytes.append(UInt8(ascii: ":"))
            bytes += u
            bytes.append(UInt8(ascii: "\n"))
        }
        return Digest.hex(Digest.sha256(bytes))
    }
}

/// One raw row of consent_events as read back for verification (purpose and action unparsed, so
/// that a tampered value is reported rather than rejected by a decoder).
public struct RawEventRow: Sendable {
    public var id: Int64
    public var subject: String
    public var purpose: String
    public var action: String
    public var atMillis: Int64
    public var source: String
    public var evidence: String
    public var prevHash: String
    public var hash: String

    public init(id: Int64, subject: String, purpose: String, action: String, atMillis: Int64, source: String,
                evidence: String, prevHash: String, hash: String) {
        self.id = id; self.subject = subject; self.purpose = purpose; self.action = action; self.atMillis = atMillis
        self.source = source; self.evidence = evidence; self.prevHash = prevHash; self.hash = hash
    }

    /// The typed event, or nil when purpose or action are not valid values.
    public var event: ConsentEvent? {
        guard let p = Purpose(id: purpose), let a = ConsentAction(rawValue: action) else { return nil }
        return ConsentEvent(id: id, subject: subject, purpose: p, action: a, atMillis: atMillis, source: source,
                            evidence: evidence, prevHash: prevHash, hash: hash)
    }
}

/// Walks rows in id order and stops at the first bad one.
public struct ChainWalker {
    private var expectedID: Int64 = 1
    private var prevHash = EventChain.genesisHash
    public private(set) var count = 0
    public private(set) var failure: (Int64, String)?

    public init() {}

    /// Feeds the next row (by id); returns false once the chain is broken.
    public mutating func feed(_ r: RawEventRow) -> Bool {
        guard failure == nil else { return false }
        if r.id != expectedID {
            failure = (r.id, r.id > expectedID ? "events \(expectedID)...\(r.id - 1) are missing" : "id out of order")
            return false
        }
        if r.prevHash != prevHash {
            failure = (r.id, "prev_hash does not match the hash of event \(r.id - 1)")
            return false
        }
        let h = EventChain.hash(id: r.id, subject: r.subject, purpose: r.purpose, action: r.action, atMillis: r.atMillis,
                                source: r.source, evidence: r.evidence, prevHash: r.prevHash)
        if h != r.hash {
            failure = (r.id, "content does not match its hash (the row was altered)")
            return false
        }
        if r.event == nil {
            failure = (r.id, "invalid purpose or action")
            return false
        }
        prevHash = r.hash
        expectedID += 1
        count += 1
        return true
    }

    public var result: ChainVerification {
        if let (id, why) = failure { return .broken(id, why) }
        return .ok(count)
    }
}
