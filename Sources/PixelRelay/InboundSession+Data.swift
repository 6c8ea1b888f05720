// InboundSession DATA: spool the body, plan the variants, fan them out, answer.
// Contract: 354 is sent only while upstream is alive; the body ends only at CRLF.CRLF (DotDecoder);
// size, line-length, bare-newline and header-size violations are answered after the terminator
// with their coded reply and nothing is relayed; a client that disconnects mid-DATA gets nothing
// relayed; the client is answered only after upstream answered every variant (SMTP: one reply,
// LMTP: one per recipient in RCPT order); the planner's `finished` (delivery records) runs right
// after that answer is flushed.
import Logging
import PixelCrypto
import PixelNet
import PixelSMTP

extension InboundSession {
    func data() throws(SessionEnd) {
        guard let up = upstream, up.isAlive else {
            let f = UpstreamFailure.disconnected("before DATA").reply
            answerAll(f)
            state.reset()
            clearTransaction()
            upstreamInTransaction = false
            return
        }
        guard let mailFrom = state.mailFrom else {
            reply(.badSequence("Error: need MAIL command"))
            return
        }
        state.didStartData()
        reply(.startData)
        try flush()

        let spool = Spool(memoryLimit: settings.spoolMemoryLimit, directory: settings.spoolDirectory)
        var decoder = DotDecoder(maxSize: settings.limits.maxMessageSize, maxLineLength: settings.limits.maxLineLength,
                                 bareNewline: settings.bareNewline)
        var meter = HeaderMeter(limit: settings.limits.maxHeaderSize)
        do throws(SessionEnd) {
            try readBody(&decoder) { block in
                meter.feed(block)
                if !meter.exceeded { spool.append(block) }
            }
        } catch {
            log.info("reject", metadata: ["command": "DATA", "reason": "client gone or timed out during DATA",
                                          "bytes": "\(decoder.size)"])
            throw error
        }
        messages += 1
        defer {
            state.didFinishData()
            clearTransaction()
        }
        if let failure = decoder.failure {
            answerAll(failure)
            logReject("DATA", failure, extra: ["size": "\(decoder.size)"])
            return
        }
        if meter.exceeded {
            let r = SMTPReply(552, "5.3.4", "Error: message header size exceeds limit")
            answerAll(r)
            logReject("DATA", r, extra: ["header_size": "\(meter.headerBytes)"])
            return
        }
        if let f = spool.failure {
            log.error("error", metadata: ["what": "spool", "error": .string("\(f)")])
            answerAll(.tempfail("Error: cannot store message"))
            return
        }
        // A message on disk is mapped whole for the planner and the transfer: take its share of
        // the large-message budget first (waiting, in order, while others are processed).
        var granted: Int?
        if spool.isOnDisk {
            granted = env.largeMessages.reserve(spool.count, deadline: .after(seconds: settings.limits.dataTimeout))
            if granted == nil {
                let r = SMTPReply(451, "4.3.2", "Server busy with large messages, try again later")
                answerAll(r)
                logReject("DATA", r, extra: ["reason": "large_message_memory", "size": "\(spool.count)"])
                return
            }
        }
        defer {
            spool.close()
            if let granted { env.largeMessages.release(granted) }
        }
        var record: (() -> Void)?
        do {
            try spool.withBytes { (message: UnsafeRawBufferPointer) in
                record = deliver(message: message, mailFrom: mailFrom, upstream: up)
            }
        } catch {
            log.error("error", metadata: ["what": "spool", "error": .string("\(error)")])
            answerAll(.tempfail("Error: cannot read spooled message"))
        }
        guard let record else { return }
        // Step 8 (log and record) follows the answer: the client is not kept waiting for the
        // delivery records' write to the store.
        var gone: SessionEnd?
        do throws(SessionEnd) { try flush() } catch { gone = error }
        record()
        if let gone { throw gone }
    }

    /// Feeds the framer's leftover bytes and then the stream into the decoder until CRLF.CRLF;
    /// bytes after the terminator go back to the framer (pipelined commands).
    private func readBody(_ decoder: inout DotDecoder, sink: (UnsafeRawBufferPointer) -> Void) throws(SessionEnd) {
        var pending = framer.takeRemainder()
        let timeout = settings.limits.dataTimeout
        while true {
            if !pending.isEmpty {
                let result = pending.withUnsafeBytes { decoder.feed($0, into: sink) }
                if case .end(let consumed) = result {
                    if consumed < pending.count { framer.append(pending[consumed...]) }
                    return
                }
            }
            let deadline = Deadline.after(seconds: timeout)
            let n = try readSome(until: deadline, final: deadline)
            pending = Array(readBuffer[0..<n])
        }
    }

    /// Plans and relays the message and queues the answer; returns the planner's `finished` call
    /// (delivery records), to run once the answer is flushed, or nil when nothing was relayed.
    private func deliver(message: UnsafeRawBufferPointer, mailFrom: MailFrom, upstream up: any Upstream) -> (() -> Void)? {
        // The message key and the journal's answer are worked out beside the planner.
        let check = JournalCheck(message: message, mailFrom: mailFrom.address,
                                 recipients: recipients.map(\.rcpt.address), journal: env.journal)
        defer { _ = check.finish() }
        var queueID = forwarded["IDENT"].flatMap { $0.hasPrefix("[") ? nil : $0 }
        if queueID == nil, let traced = TraceQueueID.postfixQueueID(in: message) {
            queueID = traced
            log[metadataKey: "queue_id"] = .string(traced)
        }
        let context = MessageContext(session: id, queueID: queueID, mailFrom: mailFrom.address)
        let planned = recipients.map { PlannedRecipient(address: $0.rcpt.address, prepared: $0.prepared) }
        let variants: [PlannedVariant]
        do throws(PlanFailure) {
            variants = try env.planner.plan(message: message, recipients: planned, context: context)
        } catch {
            let r: SMTPReply
            switch error {
            case .tempfail(let text): r = SMTPReply(451, "4.3.0", text)
            case .reject(let code, let enhanced, let text): r = SMTPReply(code, enhanced, text)
            }
            answerAll(r)
            logReject("DATA", r, extra: ["reason": "plan"])
            return nil
        }
        guard Delivery.validate(variants, recipientCount: recipients.count) else {
            log.error("error", metadata: ["what": "planner", "error": "variants do not cover every recipient exactly once"])
            answerAll(.tempfail("Error: internal planning error"))
            return nil
        }
        func known(_ k: String) -> String? { forwarded[k].flatMap { $0.hasPrefix("[") && $0.hasSuffix("]") ? nil : $0 } }
        let received = ReceivedHeader(
            helo: known("HELO") ?? state.heloName, clientName: known("NAME"),
            clientAddress: known("ADDR") ?? peer.host, byHost: settings.hostname,
            protocolName: protocolName, sessionID: id).encoded()
        var req = DeliveryRequest(variants: variants, recipients: recipients, mailFrom: mailFrom,
                                  openTransaction: upstreamInTransaction, client: clientInfo, journalAnswer: check.finish(),
                                  received: received, message: message, started: transactionStart)
        req.journalPartialFailures = mode == .smtp
        let (replies, outcomes) = Delivery.run(req, upstream: up, journal: env.journal, log: log,
                                               addresses: settings.addressLogMode)
        upstreamInTransaction = false
        if mode == .lmtp {
            for r in replies { reply(r) }
        } else {
            reply(Delivery.aggregate(replies))
        }
        log.debug("message", metadata: ["size": "\(message.count)", "key": .string(String(req.journalAnswer.messageKey.prefix(16))),
                                        "variants": "\(variants.count)", "recipients": "\(recipients.count)",
                                        "accepted": "\(replies.filter(\.isPositive).count)"])
        let planner = env.planner
        return { planner.finished(recipients: planned, outcomes: outcomes, context: context) }
    }

    /// One reply for SMTP; the same reply for each accepted recipient for LMTP.
    func answerAll(_ r: SMTPReply) {
        if mode == .lmtp {
            for _ in 0..<max(recipients.count, 1) { reply(r) }
        } else {
            reply(r)
        }
    }
}

