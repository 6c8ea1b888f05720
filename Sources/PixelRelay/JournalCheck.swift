// JournalCheck: one message's key and the delivery journal's answer for each of its recipients,
// worked out on a background queue while the planner analyses the same message (both only read
// it). The key is SHA-256 over MAIL FROM, a NUL and the message, so a client's retry of the same
// message gets the same key. Contract: `finish()` returns only after the background work is done,
// and the caller calls it before the message buffer goes away (the buffer is read in place, not
// copied); `finish()` may be called more than once; a journal read that fails counts as "not
// delivered" and its error is in `errors`. With no journal, only the key is computed.
import Dispatch
import PixelCrypto

/// What the journal says about one message.
public struct JournalAnswer: Sendable {
    public var messageKey: String
    /// Per recipient, in RCPT order: an earlier attempt of this message was accepted upstream for it.
    public var delivered: [Bool]
    /// Journal read failures (the recipient is then sent again).
    public var errors: [String]

    public init(messageKey: String, delivered: [Bool], errors: [String] = []) {
        self.messageKey = messageKey
        self.delivered = delivered
        self.errors = errors
    }

    /// The key and answer computed on the calling thread.
    public static func compute(message: UnsafeRawBufferPointer, mailFrom: String, recipients: [String],
                               journal: (any DeliveryJournal)?) -> JournalAnswer {
        var hasher = SHA256Stream()
        hasher.update(Array(mailFrom.utf8) + [0])
        hasher.update(message)
        let key = Digest.hex(hasher.finish())
        var answer = JournalAnswer(messageKey: key, delivered: [Bool](repeating: false, count: recipients.count))
        guard let journal else { return answer }
        for (i, r) in recipients.enumerated() {
            do { answer.delivered[i] = try journal.wasDelivered(messageKey: key, recipient: r) } catch {
                answer.errors.append("\(error)")
            }
        }
        return answer
    }
}

final class JournalCheck: @unchecked Sendable {
    private static let queue = DispatchQueue(label: "pixelgate.journal-check", attributes: .concurrent)
    private let done = DispatchSemaphore(value: 0)
    /// Written once on the queue before `done` is signalled; read only after waiting on it.
    private var answer: JournalAnswer?

    /// Starts the work at once; `message` must stay valid until `finish()` has returned.
    init(message: UnsafeRawBufferPointer, mailFrom: String, recipients: [String], journal: (any DeliveryJournal)?) {
        let buffer = SendableBuffer(message)
        Self.queue.async { [self] in
            answer = JournalAnswer.compute(message: buffer.bytes, mailFrom: mailFrom, recipients: recipients, journal: journal)
            done.signal()
        }
    }

    /// Waits for the answer.
    func finish() -> JournalAnswer {
        done.wait()
        done.signal()  // later calls return at once
        return answer!
    }
}

/// A read-only view of a buffer that the owner keeps alive across the hand-over (see `finish`).
private struct SendableBuffer: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer
    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }
}
