// MessageSource: one outgoing variant as bytes: the relay's Received header, then the planner's
// chunks (runs of the spooled original or new bytes). Contract: `forEachBlock` yields the whole
// message in order, never copying runs of the original; chunk ranges outside the message are
// clamped (a planner bug must not crash the relay).
public struct MessageSource {
    public let received: [UInt8]
    public let chunks: [BodyChunk]
    public let original: UnsafeRawBufferPointer

    public init(received: [UInt8], chunks: [BodyChunk], original: UnsafeRawBufferPointer) {
        self.received = received
        self.chunks = chunks
        self.original = original
    }

    /// Calls `body` for each block of the message, in order.
    public func forEachBlock<E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> Void) throws(E) {
        var failure: E?
        received.withUnsafeBytes { p in
            do throws(E) { try body(p) } catch { failure = error }
        }
        if let failure { throw failure }
        for c in chunks {
            switch c {
            case .original(let r):
                let lo = max(0, min(r.lowerBound, original.count)), hi = max(lo, min(r.upperBound, original.count))
                if hi > lo { try body(UnsafeRawBufferPointer(rebasing: original[lo..<hi])) }
            case .bytes(let b):
                b.withUnsafeBytes { p in
                    do throws(E) { try body(p) } catch { failure = error }
                }
                if let failure { throw failure }
            }
        }
    }

    /// Bytes in the message (before dot-stuffing).
    public var size: Int {
        var n = received.count
        for c in chunks {
            switch c {
            case .original(let r): n += max(0, min(r.upperBound, original.count) - max(0, min(r.lowerBound, original.count)))
            case .bytes(let b): n += b.count
            }
        }
        return n
    }

    /// The whole message as one array (for tests and the dry-run upstream).
    public func flattened() -> [UInt8] {
        var out: [UInt8] = []
        forEachBlock { (p: UnsafeRawBufferPointer) in out.append(contentsOf: p) }
        return out
    }
}
