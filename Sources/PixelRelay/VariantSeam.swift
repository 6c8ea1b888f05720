// VariantSeam: how the relay asks "what does each recipient get?" without knowing MIME, HTML or consent.
//
// Contract (DESIGN "Data path" steps 2, 5-8):
// - `prepare` is called at RCPT time, once upstream has accepted the recipient. It may start a
//   consent lookup in the background and must return at once; the relay keeps the returned value.
// - `plan` is called once the whole DATA has been read. It returns variants that cover every
//   recipient index exactly once. Each variant is the complete message (headers and body, without
//   the relay's own Received header) as chunks: runs of the original bytes or new bytes.
//   Throwing `PlanFailure` answers the client for every recipient (451/554) and relays nothing.
// - `finished` is called after upstream has answered every variant, for logs and delivery records.
// The default planner, `PassThroughPlanner`, sends the message unchanged to everyone in one variant.

/// A part of an outgoing variant: a run of the inbound message, or bytes made by the planner.
public enum BodyChunk: Sendable, Equatable {
    case original(Range<Int>)
    case bytes([UInt8])
}

/// One upstream transaction: these recipients get this message.
public struct PlannedVariant: Sendable {
    /// Indices into the `recipients` array given to `plan`.
    public var recipients: [Int]
    public var chunks: [BodyChunk]
    /// Short label for logs, e.g. "v1".
    public var label: String
    /// Extra key=value pairs for this variant's `relayed` log lines (e.g. `dkim=signed:d/s`), in order.
    public var logFields: [(String, String)]

    public init(recipients: [Int], chunks: [BodyChunk], label: String, logFields: [(String, String)] = []) {
        self.recipients = recipients
        self.chunks = chunks
        self.label = label
        self.logFields = logFields
    }
}

/// A recipient accepted upstream, with what `prepare` returned for it.
public struct PlannedRecipient: Sendable {
    public let address: String
    public let prepared: any Sendable

    public init(address: String, prepared: any Sendable) {
        self.address = address
        self.prepared = prepared
    }
}

/// What the relay knows about the message being planned.
public struct MessageContext: Sendable {
    public var session: String
    public var queueID: String?
    public var mailFrom: String

    public init(session: String, queueID: String?, mailFrom: String) {
        self.session = session
        self.queueID = queueID
        self.mailFrom = mailFrom
    }
}

/// Upstream's final word for one recipient of one variant.
public struct RecipientOutcome: Sendable {
    public var recipient: Int
    public var variant: String
    public var code: Int
    public var text: String

    public init(recipient: Int, variant: String, code: Int, text: String) {
        self.recipient = recipient
        self.variant = variant
        self.code = code
        self.text = text
    }
}

/// Why a whole message could not be planned.
public enum PlanFailure: Error, Sendable, Equatable {
    /// 451 4.3.0 (e.g. the consent store is down and `on_store_error = tempfail`).
    case tempfail(String)
    /// A permanent refusal with its own code (e.g. 554 5.6.0 for an unparseable message).
    case reject(code: Int, enhanced: String, text: String)
}

public protocol VariantPlanner: Sendable {
    func prepare(recipient: String, session: String) -> any Sendable
    func plan(message: UnsafeRawBufferPointer, recipients: [PlannedRecipient], context: MessageContext) throws(PlanFailure) -> [PlannedVariant]
    func finished(recipients: [PlannedRecipient], outcomes: [RecipientOutcome], context: MessageContext)
}

/// Everyone gets the message unchanged, in one transaction.
public struct PassThroughPlanner: VariantPlanner {
    public init() {}

    public func prepare(recipient: String, session: String) -> any Sendable { () }

    public func plan(message: UnsafeRawBufferPointer, recipients: [PlannedRecipient], context: MessageContext) throws(PlanFailure) -> [PlannedVariant] {
        [PlannedVariant(recipients: Array(recipients.indices), chunks: [.original(0..<message.count)], label: "v1")]
    }

    public func finished(recipients: [PlannedRecipient], outcomes: [RecipientOutcome], context: MessageContext) {}
}

/// Remembers which recipients of a message upstream already accepted, so that when the client
/// retries after a partial failure (451) those recipients are accepted and skipped.
public protocol DeliveryJournal: Sendable {
    func wasDelivered(messageKey: String, recipient: String) throws -> Bool
    func markDelivered(messageKey: String, recipients: [String]) throws
}
