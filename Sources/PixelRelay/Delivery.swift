// Delivery: the fan-out of one message's variants upstream, the delivery journal, and the answer.
// Contract (DESIGN "Data path" step 7):
// - recipients the journal already holds for this message key (`JournalAnswer`, read while the
//   message was planned: JournalCheck) are accepted and skipped;
// - a single variant covering every recipient reuses the transaction opened at MAIL/RCPT time;
//   otherwise that transaction is reset and each variant is its own transaction (MAIL, its RCPTs,
//   DATA) on the same upstream session;
// - when some recipients failed (SMTP), those upstream accepted are marked in the journal, so the
//   client's retry skips them, and so are the ones a retry delivers; a first attempt that fully
//   succeeds, or an LMTP delivery, records nothing;
// - a connection failure makes every recipient not yet answered get the failure's 4xx;
// - `aggregate`: 250 when every recipient was accepted, the failure itself when all failed the same
//   way, else 451 4.3.0 (LMTP answers each recipient instead).
import Logging
import PixelLog
import PixelNet
import PixelSMTP

/// A recipient accepted upstream at RCPT time.
public struct InboundRecipient: Sendable {
    public var rcpt: RcptTo
    public var prepared: any Sendable

    public init(rcpt: RcptTo, prepared: any Sendable) {
        self.rcpt = rcpt
        self.prepared = prepared
    }
}

public struct DeliveryRequest {
    public var variants: [PlannedVariant]
    public var recipients: [InboundRecipient]
    public var mailFrom: MailFrom
    /// MAIL and every RCPT of `recipients` are still open upstream.
    public var openTransaction: Bool
    public var client: ClientInfo
    /// The message key and the journal's answer for each recipient.
    public var journalAnswer: JournalAnswer
    public var received: [UInt8]
    public var message: UnsafeRawBufferPointer
    /// When the inbound transaction started (MAIL), for `delay_ms`.
    public var started: Deadline
    /// Record delivered recipients when some others failed (SMTP: the client retries the whole
    /// message); false for LMTP, whose per-recipient replies make the client retry only failures.
    public var journalPartialFailures = true

    public init(variants: [PlannedVariant], recipients: [InboundRecipient], mailFrom: MailFrom, openTransaction: Bool,
                client: ClientInfo, journalAnswer: JournalAnswer, received: [UInt8], message: UnsafeRawBufferPointer, started: Deadline) {
        self.variants = variants
        self.recipients = recipients
        self.mailFrom = mailFrom
        self.openTransaction = openTransaction
        self.client = client
        self.journalAnswer = journalAnswer
        self.received = received
        self.message = message
        self.started = started
    }
}

public enum Delivery {
    /// Checks that the plan covers every recipient index exactly once.
    public static func validate(_ variants: [PlannedVariant], recipientCount: Int) -> Bool {
        var seen = [Bool](repeating: false, count: recipientCount)
        for v in variants {
            for i in v.recipients {
                guard i >= 0, i < recipientCount, !seen[i] else { return false }
                seen[i] = true
            }
        }
        return !seen.contains(false)
    }

    /// Sends every variant and returns one reply and one outcome per recipient, in RCPT order.
    public static func run(_ req: DeliveryRequest, upstream: any Upstream, journal: (any DeliveryJournal)?,
                           log: Logger, addresses: AddressLogMode) -> (replies: [SMTPReply], outcomes: [RecipientOutcome]) {
        let n = req.recipients.count
        var replies = [SMTPReply?](repeating: nil, count: n)
        var skippedByJournal = [Bool](repeating: false, count: n)
        var variantOf = [String](repeating: "", count: n)
        for v in req.variants { for i in v.recipients where i >= 0 && i < n { variantOf[i] = v.label } }

        // Journal: recipients already delivered by an earlier attempt of this very message.
        for e in req.journalAnswer.errors {
            log.warning("error", metadata: ["what": "journal read", "error": .string(e)])
        }
        var skipped: [Int] = []
        for i in 0..<n where i < req.journalAnswer.delivered.count && req.journalAnswer.delivered[i] {
            replies[i] = SMTPReply(250, "2.0.0", "Ok: already delivered")
            skippedByJournal[i] = true
            skipped.append(i)
        }
        if !skipped.isEmpty {
            log.info("relayed", metadata: ["to": .string(skipped.map { addresses.render(req.recipients[$0].rcpt.address) }.joined(separator: ",")),
                                           "rcpts": "\(skipped.count)", "status": "skipped", "reason": "journal",
                                           "variant": .string(Set(skipped.map { variantOf[$0] }).sorted().joined(separator: ",")),
                                           "delay_ms": "\(req.started.elapsedMillis)"])
        }
        let pending = req.variants.map { v in (v, v.recipients.filter { replies[$0] == nil }) }.filter { !$0.1.isEmpty }
        let reuse = req.openTransaction && pending.count == 1 && pending[0].1.count == n
        var failure: UpstreamFailure?
        var newlyDelivered: [Int] = []
        if req.openTransaction && !reuse && upstream.isAlive {
            do throws(UpstreamFailure) { try upstream.reset() } catch { failure = error }
        }
        for (variant, members) in pending {
            if let failure {
                for i in members { replies[i] = failure.reply }
                continue
            }
            let source = MessageSource(received: req.received, chunks: variant.chunks, original: req.message)
            let t0 = Deadline.now()
            do throws(UpstreamFailure) {
                if reuse {
                    let r = try upstream.data(source)
                    for i in members { replies[i] = r }
                } else {
                    let tx = try upstream.transaction(from: req.mailFrom, rcpts: members.map { req.recipients[$0].rcpt },
                                                      client: req.client, source: source)
                    for (k, i) in members.enumerated() { replies[i] = tx.outcome(k) }
                }
            } catch {
                failure = error
                for i in members { replies[i] = error.reply }
                log.error("error", metadata: ["what": "upstream", "variant": .string(variant.label), "error": .string(error.description)])
            }
            newlyDelivered += members.filter { replies[$0]?.isPositive == true }
            // One `relayed` line per variant (per distinct reply when upstream answered recipients differently).
            var groups: [(SMTPReply, [Int])] = []
            for i in members {
                let r = replies[i]!
                if let g = groups.firstIndex(where: { $0.0 == r }) { groups[g].1.append(i) } else { groups.append((r, [i])) }
            }
            for (r, group) in groups {
                var fields: Logger.Metadata = [
                    "to": .string(group.map { addresses.render(req.recipients[$0].rcpt.address) }.joined(separator: ",")),
                    "rcpts": "\(group.count)", "variant": .string(variant.label), "upstream": .string(upstream.label),
                    "status": .string(r.isPositive ? "sent" : (r.isTransient ? "deferred" : "bounced")),
                    "reply": .string(Self.describe(r)), "delay_ms": "\(req.started.elapsedMillis)",
                    "upstream_ms": "\(t0.elapsedMillis)", "size": "\(source.size)",
                ]
                for (k, v) in variant.logFields { fields[k] = .string(v) }
                log.info("relayed", metadata: fields)
            }
        }
        let final = replies.map { $0 ?? SMTPReply.tempfail("Not attempted") }
        // Only a partial failure makes the client retry this very message: journal what was delivered
        // (one fsync per message), and keep journaling the retries of a message already in the journal.
        // A first attempt that succeeds completely records nothing, so identical independent
        // submissions are not mistaken for retries.
        let isRetry = replies.indices.contains { skippedByJournal[$0] }
        if req.journalPartialFailures, let journal, !newlyDelivered.isEmpty, isRetry || !final.allSatisfy(\.isPositive) {
            do {
                try journal.markDelivered(messageKey: req.journalAnswer.messageKey, recipients: newlyDelivered.map { req.recipients[$0].rcpt.address })
            } catch {
                log.error("error", metadata: ["what": "journal write", "error": .string("\(error)")])
            }
        }
        let outcomes = (0..<n).map { i in
            RecipientOutcome(recipient: i, variant: variantOf[i], code: final[i].code, text: Self.describe(final[i]))
        }
        return (final, outcomes)
    }

    /// The single SMTP answer for a message.
    public static func aggregate(_ replies: [SMTPReply]) -> SMTPReply {
        guard let first = replies.first else { return SMTPReply(554, "5.5.1", "Error: no valid recipients") }
        if replies.allSatisfy(\.isPositive) {
            if replies.allSatisfy({ $0 == first }) && first.code == 250 { return first }
            return SMTPReply(250, "2.0.0", "Ok: delivered to \(replies.count) recipient\(replies.count == 1 ? "" : "s")")
        }
        if replies.allSatisfy({ $0.code == first.code && $0.enhanced == first.enhanced }) { return first }
        let ok = replies.filter(\.isPositive).count
        return SMTPReply(451, "4.3.0", "Partial delivery (\(ok) of \(replies.count) recipients), try again later; delivered recipients will be skipped")
    }

    static func describe(_ r: SMTPReply) -> String {
        "\(r.code)" + (r.enhanced.map { " " + $0 } ?? "") + " " + r.text
    }
}
