// Analysis: the result of analysing one message once (DESIGN "Data path" step 4), shared by every
// recipient's decision and every variant's rendering. Guarantees: trackers are listed in document
// order (leaf, then position); each tracker knows its leaf, its resource (with exact byte ranges in
// the decoded leaf), its evidence and its attributed purposes; parts not listed in `htmlLeaves` or
// `textLeaves` are never decoded again nor re-encoded.
import PixelHTML
import PixelMIME
import PixelPolicy

/// One text/html or text/x-amp-html leaf (not inside message/rfc822), decoded and scanned.
public struct ScannedLeaf: Sendable {
    /// Index in `MIMEMessage.leaves()`.
    public var leafIndex: Int
    public var part: MIMEPart
    /// The body with its transfer encoding undone (charset untouched).
    public var decoded: [UInt8]
    public var scan: HTMLScan
    /// Lower-cased charset parameter (us-ascii when absent).
    public var charset: String
    public var isAMP: Bool
}

/// One body text/plain leaf (not an attachment, not inside message/rfc822): where a text footer
/// goes. Decoded only when a footer is actually added (most variants need none).
public struct TextLeaf: Sendable {
    public var leafIndex: Int
    public var part: MIMEPart
    public var charset: String
}

/// A resource judged a tracker.
public struct Tracker: Sendable {
    /// Index into `Analysis.htmlLeaves`.
    public var htmlLeaf: Int
    /// Index into that leaf's `scan.resources`.
    public var resourceIndex: Int
    public var resource: Resource
    public var evidence: [Evidence]
    public var attribution: PurposeAttribution
    /// What the policy needs: purposes and a refused exemption claim, if any.
    public var policy: PolicyTracker

    public var vector: Vector { resource.vector }
    public var url: String { resource.url }
    /// Purpose ids as logged and listed (unknown ids verbatim).
    public var purposeIDs: [String] { attribution.purposes.map(\.description) }
}

/// A resource judged content (kept for every recipient), for `scan`.
public struct ContentResource: Sendable {
    public var htmlLeaf: Int
    public var resource: Resource
}

public struct Analysis: Sendable {
    public var message: MIMEMessage
    public var htmlLeaves: [ScannedLeaf]
    public var textLeaves: [TextLeaf]
    public var trackers: [Tracker]
    public var content: [ContentResource]
    /// The `Tracking-Campaign` value, trimmed (nil when absent or empty).
    public var campaign: String?
    /// The parsed `Tracking-Purposes` header (nil when absent).
    public var headerPurposes: [DeclaredPurpose]?
    /// Top-level `Tracking-*` header names found (removed on output).
    public var trackingHeaderNames: [String]
    public var messageID: String?
    /// Notes for the log: refused exemption claims, lenient-parse defects.
    public var notes: [String]

    public var policyTrackers: [PolicyTracker] { trackers.map(\.policy) }
}
