// An in-memory ByteStream pair (a socketpair without sockets) for driving InboundSession in tests.
import Foundation
import PixelNet

final class MemoryPipe: @unchecked Sendable {
    private let cond = NSCondition()
    private var bytes: [UInt8] = []
    private var closed = false

    func write(_ b: UnsafeRawBufferPointer) throws(NetError) {
        cond.lock(); defer { cond.unlock() }
        if closed { throw .closed }
        bytes.append(contentsOf: b)
        cond.broadcast()
    }

    func read(into buf: UnsafeMutableRawBufferPointer, deadline: Deadline) throws(NetError) -> Int {
        cond.lock(); defer { cond.unlock() }
        while bytes.isEmpty && !closed {
            if deadline.hasPassed { throw .timeout }
            _ = cond.wait(until: Date().addingTimeInterval(Double(max(deadline.remainingMillis, 1)) / 1000))
        }
        if bytes.isEmpty { return 0 }
        let n = min(buf.count, bytes.count)
        bytes.withUnsafeBytes { buf.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        bytes.removeFirst(n)
        return n
    }

    func close() {
        cond.lock(); closed = true; cond.broadcast(); cond.unlock()
    }
}

final class MemoryStream: ByteStream, @unchecked Sendable {
    let inbound: MemoryPipe
    let outbound: MemoryPipe
    let peer: SocketAddress
    var isEncrypted: Bool { false }

    init(inbound: MemoryPipe, outbound: MemoryPipe, peer: SocketAddress) {
        self.inbound = inbound
        self.outbound = outbound
        self.peer = peer
    }

    /// Two connected ends: (server side, client side).
    static func pair(clientHost: String = "127.0.0.1") -> (MemoryStream, MemoryStream) {
        let a = MemoryPipe(), b = MemoryPipe()
        return (MemoryStream(inbound: a, outbound: b, peer: SocketAddress(host: clientHost, port: 40000, isIPv6: false)),
                MemoryStream(inbound: b, outbound: a, peer: SocketAddress(host: "127.0.0.1", port: 25, isIPv6: false)))
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, deadline: Deadline) throws(NetError) -> Int {
        try inbound.read(into: buffer, deadline: deadline)
    }

    func write(_ bytes: UnsafeRawBufferPointer, deadline: Deadline) throws(NetError) { try outbound.write(bytes) }

    func close() {
        inbound.close()
        outbound.close()
    }
}
