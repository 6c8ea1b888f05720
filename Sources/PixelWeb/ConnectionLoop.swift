// ConnectionLoop: one event-loop thread serving many plain-TCP keep-alive connections with poll(),
// so that N idle-then-busy clients do not cost N blocked threads and a context switch per request
// (docs/web.md "Connection model"). It runs only the easy, common case: a whole request is already
// in the bytes one recv() returned, and its whole answer goes out in one non-blocking send().
// Anything else — a request split across reads, a body still coming, a malformed or oversize
// request, a client slow to take its answer — is handed to a session thread (`handOff`), which
// continues with the same RequestReader (and its buffered bytes) under the usual blocking
// read_timeout / limits code, so every limit and error answer stays the one RequestReader gives.
// Guarantees: a connection belongs to exactly one owner at a time (this loop or its session
// thread); it leaves the loop by `closed` (peer closed, answer with Connection: close, idle for
// read_timeout before its first request or keepalive_timeout after an answer, or stop) or by
// `handOff`; idle deadlines are checked at least every `sweepInterval`.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import PixelNet

final class ConnectionLoop: @unchecked Sendable {
    /// One connection owned by the loop (then by its session thread after a hand-off).
    final class Connection: @unchecked Sendable {
        let tcp: TCPStream
        let fd: Int32
        let peer: String
        let reader: RequestReader
        /// Monotonic instant (Deadline) after which an idle connection is closed.
        var idleUntil: Deadline

        init(tcp: TCPStream, limits: RequestLimits) {
            self.tcp = tcp
            self.fd = tcp.rawDescriptor
            self.peer = tcp.peer.host
            self.reader = RequestReader(stream: tcp, limits: limits)
            self.idleUntil = .after(seconds: limits.readTimeout)
        }
    }

    /// What the loop needs from the server: answer one request (bytes, keep alive?), take over a
    /// connection on a session thread (with the unsent rest of an answer), and forget a closed one.
    struct Handlers: Sendable {
        let answer: @Sendable (WebRequest, String) -> (bytes: [UInt8], keepAlive: Bool)
        let handOff: @Sendable (Connection, _ unsent: [UInt8], _ keepAlive: Bool) -> Void
        let closed: @Sendable (TCPStream) -> Void
    }

    static let sweepInterval: Double = 0.25

    private let limits: RequestLimits
    private let handlers: Handlers
    private let lock = NSLock()
    private var incoming: [Connection] = []
    private var stopped = false
    private let wakeRead: Int32
    private let wakeWrite: Int32

    init(limits: RequestLimits, handlers: Handlers) throws(WebError) {
        self.limits = limits
        self.handlers = handlers
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw .listen("pipe: \(String(cString: strerror(errno)))") }
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        wakeRead = fds[0]
        wakeWrite = fds[1]
    }

    deinit {
        close(wakeRead)
        close(wakeWrite)
    }

    /// Gives the loop a new client (from the accept thread).
    func add(_ tcp: TCPStream) {
        let accepted = lock.withLock { () -> Bool in
            if stopped { return false }
            incoming.append(Connection(tcp: tcp, limits: limits))
            return true
        }
        if !accepted { tcp.close(); handlers.closed(tcp); return }
        wake()
    }

    /// Ends the loop; its connections are closed.
    func stop() {
        lock.withLock { stopped = true }
        wake()
    }

    private func wake() {
        var b: UInt8 = 1
        _ = write(wakeWrite, &b, 1)
    }

    /// The loop; returns after `stop()`.
    func run() {
        var conns: [Connection] = []
        var fds: [pollfd] = []
        var scratch = [UInt8](repeating: 0, count: 16384)
        var nextSweep = Deadline.after(seconds: Self.sweepInterval)
        while true {
            let (isStopped, added) = lock.withLock { () -> (Bool, [Connection]) in
                defer { incoming.removeAll(keepingCapacity: true) }
                return (stopped, incoming)
            }
            conns += added
            if isStopped {
                for c in conns { finish(c) }
                return
            }
            fds.removeAll(keepingCapacity: true)
            fds.append(pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0))
            for c in conns { fds.append(pollfd(fd: c.fd, events: Int16(POLLIN), revents: 0)) }
            let wait = max(0, min(Int32(Self.sweepInterval * 1000), nextSweep.remainingMillis))
            let n = poll(&fds, nfds_t(fds.count), wait)
            if n < 0 && errno != EINTR { usleep(10_000) }
            if n > 0 {
                if fds[0].revents != 0 { drainWake() }
                var kept: [Connection] = []
                kept.reserveCapacity(conns.count)
                for (i, c) in conns.enumerated() {
                    if fds[i + 1].revents == 0 || serve(c, scratch: &scratch) { kept.append(c) }
                }
                conns = kept
            }
            if nextSweep.hasPassed {
                let now = Deadline.now()
                conns = conns.filter { c in
                    if c.idleUntil > now { return true }
                    finish(c)
                    return false
                }
                nextSweep = .after(seconds: Self.sweepInterval)
            }
        }
    }

    private func drainWake() {
        var buf = [UInt8](repeating: 0, count: 64)
        while read(wakeRead, &buf, buf.count) > 0 {}
    }

    private func finish(_ c: Connection) {
        c.tcp.close()
        handlers.closed(c.tcp)
    }

    /// Reads once and answers every whole request buffered; false when the connection left the loop.
    private func serve(_ c: Connection, scratch: inout [UInt8]) -> Bool {
        let n = scratch.withUnsafeMutableBytes { recv(c.fd, $0.baseAddress, $0.count, 0) }
        if n == 0 { finish(c); return false }
        if n < 0 {
            let e = errno
            if e == EAGAIN || e == EWOULDBLOCK || e == EINTR { return true }
            finish(c)
            return false
        }
        scratch.withUnsafeBytes { c.reader.absorb(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        while true {
            switch c.reader.nextBuffered(peerIP: c.peer) {
            case .empty:
                c.idleUntil = .after(seconds: limits.keepaliveTimeout)
                return true
            case .needsThread:
                handlers.handOff(c, [], true)
                return false
            case .request(let request):
                let (bytes, keep) = handlers.answer(request, c.peer)
                let sent = Self.sendNow(c.fd, bytes)
                guard let sent else { finish(c); return false }
                if sent < bytes.count {
                    handlers.handOff(c, Array(bytes[sent...]), keep)
                    return false
                }
                if !keep { finish(c); return false }
            }
        }
    }

    /// Sends what the socket takes without waiting; nil when the connection failed.
    private static func sendNow(_ fd: Int32, _ bytes: [UInt8]) -> Int? {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + off, $0.count - off, Int32(MSG_NOSIGNAL)) }
            if n > 0 { off += n; continue }
            let e = errno
            if n < 0 && e == EINTR { continue }
            if n < 0 && (e == EAGAIN || e == EWOULDBLOCK) { return off }
            return nil
        }
        return off
    }
}
