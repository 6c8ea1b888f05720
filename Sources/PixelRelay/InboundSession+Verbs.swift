// InboundSession verbs: HELO/EHLO/LHLO, MAIL, RCPT, RSET and XFORWARD.
// Contract: MAIL takes an upstream session on first use (pooled or fresh) and forwards the
// command; the upstream verdict is relayed (an upstream 421 becomes 451 4.4.2, since this session stays open); RCPT is
// forwarded likewise and an accepted recipient is handed to the planner's `prepare`.
import Logging
import PixelNet
import PixelSMTP

extension InboundSession {
    func greet(_ name: String, extended: Bool) {
        state.didGreet(name: name, extended: extended)
        clearTransaction()
        if extended {
            reply(state.ehloReply(hostname: settings.hostname))
        } else {
            reply(SMTPReply(250, nil, settings.hostname))
        }
    }

    func clearTransaction() {
        recipients = []
        forwarded = [:]
        log[metadataKey: "queue_id"] = nil
    }

    func mail(_ m: MailFrom) {
        let r: SMTPReply
        do throws(UpstreamFailure) {
            var first: SMTPReply?
            do throws(UpstreamFailure) {
                first = try startUpstreamTransaction(m)
            } catch {
                // A reused upstream session (from this client or the pool) may have timed out while
                // idle: retry once on a fresh one.
                guard reusedUpstream else { throw error }
                first = nil
            }
            if let f = first, !(f.code == 421 && reusedUpstream) {
                r = f
            } else {
                upstream?.quit()
                upstream = nil
                r = try startUpstreamTransaction(m, fresh: true)
            }
        } catch {
            log.error("error", metadata: ["what": "upstream", "error": .string(error.description)])
            reply(error.reply)
            logReject("MAIL", error.reply, extra: ["from": render(m.address)])
            return
        }
        if r.isPositive {
            state.didAcceptMail(m)
            recipients = []
            upstreamInTransaction = true
            upstreamTransactions += 1
            transactionStart = .now()
            reply(.senderOK)
            var md: Logger.Metadata = ["from": render(m.address)]
            if let size = m.size { md["size"] = "\(size)" }
            log.info("mail", metadata: md)
        } else {
            let relayed = Self.relayable(r)
            reply(relayed)
            logReject("MAIL", relayed, extra: ["from": render(m.address), "upstream": "yes"])
        }
    }

    /// Opens (or reuses) upstream, resets a stale transaction and sends MAIL.
    private func startUpstreamTransaction(_ m: MailFrom, fresh: Bool = false) throws(UpstreamFailure) -> SMTPReply {
        let up = try openUpstream(fresh: fresh)
        if upstreamInTransaction {
            try up.reset()
            upstreamInTransaction = false
        }
        return try up.mail(m, client: clientInfo)
    }

    /// True when the current upstream session already carried a transaction.
    var reusedUpstream: Bool { upstreamTransactions > 0 }

    func rcpt(_ r: RcptTo) {
        guard let up = upstream, up.isAlive else {
            let f = UpstreamFailure.disconnected("before RCPT").reply
            reply(f)
            logReject("RCPT", f, extra: ["to": render(r.address)])
            return
        }
        let answer: SMTPReply
        do throws(UpstreamFailure) {
            answer = try up.rcpt(r)
        } catch {
            log.error("error", metadata: ["what": "upstream", "error": .string(error.description)])
            reply(error.reply)
            logReject("RCPT", error.reply, extra: ["to": render(r.address)])
            return
        }
        if answer.isPositive {
            state.didAcceptRcpt()
            let prepared = env.planner.prepare(recipient: r.address, session: id)
            recipients.append(InboundRecipient(rcpt: r, prepared: prepared))
            reply(.recipientOK)
            log.info("rcpt", metadata: ["to": render(r.address), "status": "accepted"])
        } else {
            let relayed = Self.relayable(answer)
            reply(relayed)
            logReject("RCPT", relayed, extra: ["to": render(r.address), "upstream": "yes"])
        }
    }

    func rset() {
        state.reset()
        clearTransaction()
        reply(.ok())
    }

    func xforward(_ attrs: [XForwardAttribute]) {
        for a in attrs {
            forwarded[a.name.rawValue] = a.value
            if a.name == .ident && !a.isUnavailable {
                log[metadataKey: "queue_id"] = .string(a.value)
            }
        }
        reply(.ok())
    }

    /// The current upstream session, else one from the connector (`fresh`: never a pooled one).
    func openUpstream(fresh: Bool = false) throws(UpstreamFailure) -> any Upstream {
        if let u = upstream, u.isAlive { return u }
        upstream?.quit()
        upstream = nil
        upstreamInTransaction = false
        let lease = fresh ? UpstreamLease(upstream: try env.connector.open(sessionID: id), priorTransactions: 0)
                          : try env.connector.checkout(sessionID: id)
        let u = lease.upstream
        upstream = u
        upstreamTransactions = lease.priorTransactions
        log.debug("upstream", metadata: ["upstream": .string(u.label)])
        return u
    }

    /// Upstream's refusal as this session relays it: a 421 (upstream is closing) becomes 451 4.4.2.
    static func relayable(_ r: SMTPReply) -> SMTPReply {
        if r.code == 421 { return SMTPReply(451, "4.4.2", "Upstream closing: " + r.text) }
        if r.code < 400 || r.code > 599 { return SMTPReply(451, "4.5.0", "Unexpected upstream reply \(r.code)") }
        return r
    }
}
