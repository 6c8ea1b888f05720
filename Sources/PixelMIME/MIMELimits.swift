// MIMELimits: every bound the MIME parser enforces, as named settings with defaults.
// Guarantee: a message that stays inside these limits parses in one linear pass; one that
// exceeds any of them makes MIMEParser.parse throw the matching MIMEError (never a crash).

/// Limits applied while parsing one message. All sizes are in octets.
public struct MIMELimits: Sendable, Equatable {
    /// Deepest nesting of parts (root = depth 0). Deeper -> `MIMEError.depthExceeded`.
    public var maxDepth: Int
    /// Longest multipart boundary accepted (RFC 2046 says 70). Longer -> `.boundaryTooLong`.
    public var maxBoundaryLength: Int
    /// Largest header block of one part (excluding its blank line). Larger -> `.headerTooLarge`.
    public var maxHeaderSize: Int
    /// Most parts in the whole message, root and encapsulated messages included. More -> `.tooManyParts`.
    public var maxParts: Int
    /// Longest single line inside a header block. Longer -> `.lineTooLong`. Body lines are never
    /// limited (they are only searched for their end, in linear time).
    public var maxLineLength: Int

    public static let defaultMaxDepth = 32
    public static let defaultMaxBoundaryLength = 200
    public static let defaultMaxHeaderSize = 1 << 20
    public static let defaultMaxParts = 1000
    public static let defaultMaxLineLength = 1 << 20

    public init(maxDepth: Int = MIMELimits.defaultMaxDepth,
                maxBoundaryLength: Int = MIMELimits.defaultMaxBoundaryLength,
                maxHeaderSize: Int = MIMELimits.defaultMaxHeaderSize,
                maxParts: Int = MIMELimits.defaultMaxParts,
                maxLineLength: Int = MIMELimits.defaultMaxLineLength) {
        self.maxDepth = maxDepth
        self.maxBoundaryLength = maxBoundaryLength
        self.maxHeaderSize = maxHeaderSize
        self.maxParts = maxParts
        self.maxLineLength = maxLineLength
    }

    public static let `default` = MIMELimits()
}
