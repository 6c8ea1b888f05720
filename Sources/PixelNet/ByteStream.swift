// ByteStream: a connected, bidirectional byte stream with a deadline on every operation.
// Contract: `read` returns 0 only at end of stream and waits no later than the deadline
// (`NetError.timeout`); `write` sends every byte or throws; `close` may be called more than once
// and from another thread (it wakes a blocked reader); the descriptor itself is released exactly
// once when the stream is freed. Implemented by TCPStream (plain) and TLSStream (OpenSSL).
// (Named ByteStream, not Stream, to avoid a clash with Foundation.Stream.)

public protocol ByteStream: AnyObject, Sendable {
    /// Reads up to `buffer.count` bytes; 0 means the peer closed.
    func read(into buffer: UnsafeMutableRawBufferPointer, deadline: Deadline) throws(NetError) -> Int
    /// Writes all of `bytes`.
    func write(_ bytes: UnsafeRawBufferPointer, deadline: Deadline) throws(NetError)
    /// Shuts the stream down; later reads and writes fail with `.closed`.
    func close()
    /// True once TLS is active on this stream.
    var isEncrypted: Bool { get }
    /// The remote address.
    var peer: SocketAddress { get }
}

extension ByteStream {
    /// Writes a byte array.
    public func write(_ bytes: [UInt8], deadline: Deadline) throws(NetError) {
        var failure: NetError?
        bytes.withUnsafeBytes { p in
            do throws(NetError) { try write(p, deadline: deadline) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Reads into a fresh array of at most `max` bytes; an empty result means end of stream.
    public func read(max: Int, deadline: Deadline) throws(NetError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: max)
        var failure: NetError?
        let n = out.withUnsafeMutableBytes { p -> Int in
            do throws(NetError) { return try read(into: p, deadline: deadline) } catch { failure = error; return 0 }
        }
        if let failure { throw failure }
        out.removeSubrange(n...)
        return out
    }

    /// Reads into the whole of `buffer`; returns the byte count (0 at end of stream).
    public func read(into buffer: inout [UInt8], deadline: Deadline) throws(NetError) -> Int {
        var failure: NetError?
        let n = buffer.withUnsafeMutableBytes { p -> Int in
            do throws(NetError) { return try read(into: p, deadline: deadline) } catch { failure = error; return 0 }
        }
        if let failure { throw failure }
        return n
    }
}

extension Array where Element == UInt8 {
    /// A read buffer of `count` bytes that is not zero-filled first: a stream read writes the bytes
    /// it returns, and callers only look at those (zeroing 64 KB per SMTP session showed in the
    /// profile, as did the page faults of touching it all).
    public static func readBuffer(count: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
    }
}
