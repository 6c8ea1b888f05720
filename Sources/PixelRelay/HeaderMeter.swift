// HeaderMeter: measures the header section of a message as it streams by (up to the first empty
// line), so `max_header_size` can be enforced without a second pass. Contract: chunk-split safe;
// `exceeded` turns true once the header section is longer than the limit, even if it never ends.
public struct HeaderMeter: Sendable {
    public let limit: Int
    public private(set) var headerBytes = 0
    public private(set) var finished = false
    private var tail: UInt32 = 0  // last four bytes

    public init(limit: Int) { self.limit = limit }

    public var exceeded: Bool { headerBytes > limit }

    public mutating func feed(_ p: UnsafeRawBufferPointer) {
        guard !finished else { return }
        for b in p {
            headerBytes += 1
            tail = (tail << 8) | UInt32(b)
            // The header section ends at CRLF CRLF, or right away when the message starts with CRLF.
            if tail == 0x0d0a_0d0a || (headerBytes == 2 && tail & 0xffff == 0x0d0a) {
                finished = true
                return
            }
            if headerBytes > limit {
                finished = true
                return
            }
        }
    }
}
