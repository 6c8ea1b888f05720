// JournalCheckTests: the message key and journal answer worked out beside the planner
// (JournalCheck): the key's definition, the journal asked per recipient, a failing journal read,
// and through the relay: a plan failure or a journal skip sends no body, and the session goes on.
import Foundation
import Testing
import PixelCrypto
import PixelNet
import PixelSMTP
@testable import PixelRelay

/// Fails the plan while `failing` is set (a store outage, say).
final class FailingPlanner: VariantPlanner, @unchecked Sendable {
    private let lock = NSLock()
    private var _failing = true
    var failing: Bool {
        get { lock.withLock { _failing } }
        set { lock.withLock { _failing = newValue } }
    }
    func prepare(recipient: String, session: String) -> any Sendable { () }
    func plan(message: UnsafeRawBufferPointer, recipients: [PlannedRecipient], context: MessageContext) throws(PlanFailure) -> [PlannedVariant] {
        if failing { throw .tempfail("store down") }
        return [PlannedVariant(recipients: Array(recipients.indices), chunks: [.original(0..<message.count)], label: "v1")]
    }
    func finished(recipients: [PlannedRecipient], outcomes: [RecipientOutcome], context: MessageContext) {}
}

final class BrokenJournal: DeliveryJournal, @unchecked Sendable {
    func wasDelivered(messageKey: String, recipient: String) throws -> Bool { throw StoreDown() }
    func markDelivered(messageKey: String, recipients: [String]) throws { throw StoreDown() }
    struct StoreDown: Error {}
}

@Suite(.serialized) struct JournalCheckTests {
    init() { _ = RelayTestSupport.ignoreSigpipe }

    let message = "From: a@example.org\r\nTo: b@example.net\r\nSubject: hi\r\n\r\nHello\r\n..leading dot\r\nbye\r\n"
    /// The message as the relay holds it (dot-unstuffed).
    var received: [UInt8] { Array(message.replacingOccurrences(of: "\r\n..", with: "\r\n.").utf8) }

    private func send(_ c: TestClient, to: String) throws -> SMTPReply {
        #expect(try c.cmd("MAIL FROM:<a@example.org>").code == 250)
        #expect(try c.cmd("RCPT TO:<\(to)>").code == 250)
        #expect(try c.cmd("DATA").code == 354)
        try c.send(message + ".\r\n")
        return try c.read()
    }

    @Test func keyIsSHA256OfSenderNulAndMessageAndJournalIsAskedPerRecipient() throws {
        let journal = MemoryJournal()
        let msg = received
        let key = Digest.hex(Digest.hash(.sha256, Array("a@example.org".utf8) + [0] + msg))
        try journal.markDelivered(messageKey: key, recipients: ["y@example.net"])
        let check = msg.withUnsafeBytes { buf in
            JournalCheck(message: buf, mailFrom: "a@example.org", recipients: ["x@example.net", "y@example.net"], journal: journal).finish()
        }
        #expect(check.messageKey == key)
        #expect(check.delivered == [false, true])
        #expect(check.errors.isEmpty)
        // Another sender makes another key.
        let other = msg.withUnsafeBytes { JournalAnswer.compute(message: $0, mailFrom: "b@example.org", recipients: [], journal: nil) }
        #expect(other.messageKey != key)
    }

    @Test func aFailingJournalReadMeansNotDeliveredAndIsReported() {
        let msg = received
        msg.withUnsafeBytes { buf in
            let check = JournalCheck(message: buf, mailFrom: "a@example.org", recipients: ["x@example.net"], journal: BrokenJournal())
            let a = check.finish()
            #expect(a.delivered == [false])
            #expect(a.errors.count == 1)
            #expect(check.finish().messageKey == a.messageKey)  // a second finish returns at once
        }
    }

    @Test func planFailureSendsNoBodyAndTheNextMessageGoesThrough() throws {
        let up = try FakeUpstreamServer()
        defer { up.stop() }
        let planner = FailingPlanner()
        let server = try RelayTestSupport.server(RelayTestSupport.settings(upstreamPort: up.port), planner: planner, pooled: true)
        defer { server.stop() }
        let c = try TestClient(port: server.addresses[0].port)
        _ = try c.read()
        #expect(try c.cmd("EHLO client.test").code == 250)
        let d = try send(c, to: "b@example.net")
        #expect(d.code == 451)
        #expect(up.transactions.isEmpty)
        planner.failing = false
        let d2 = try send(c, to: "b@example.net")
        #expect(d2.code == 250)
        #expect(up.transactions.count == 1)
        #expect(up.transactions.first?.body.count ?? 0 > 0)
        _ = try? c.cmd("QUIT")
    }

    @Test func journalSkipSendsNothingAndTheNextMessageGoesThrough() throws {
        let up = try FakeUpstreamServer()
        defer { up.stop() }
        let journal = MemoryJournal()
        let key = Digest.hex(Digest.hash(.sha256, Array("a@example.org".utf8) + [0] + received))
        try journal.markDelivered(messageKey: key, recipients: ["b@example.net"])
        let server = try RelayTestSupport.server(RelayTestSupport.settings(upstreamPort: up.port), journal: journal, pooled: true)
        defer { server.stop() }
        let c = try TestClient(port: server.addresses[0].port)
        _ = try c.read()
        #expect(try c.cmd("EHLO client.test").code == 250)
        let d = try send(c, to: "b@example.net")
        #expect(d.code == 250)
        #expect(d.text.contains("already delivered"))
        #expect(up.transactions.isEmpty)
        // A new message for someone else goes through.
        let d2 = try send(c, to: "c@example.net")
        #expect(d2.code == 250)
        #expect(up.transactions.map(\.rcpts) == [["c@example.net"]])
        _ = try? c.cmd("QUIT")
    }
}
