// The accept loop's session cap, refusal callback and draining; sd_notify datagrams.
import Foundation
import Testing
@testable import PixelNet

@Suite struct AcceptLoopTests {
    init() { NetTestSupport.ignoreSigpipe }

    /// A started loop on a fresh loopback listener (polling every 50 ms); stop it when done.
    private func startedLoop(_ counter: SessionCounter, session: @escaping @Sendable (TCPStream) -> Void,
                             refuse: @escaping @Sendable (TCPStream, Refusal) -> Void = { _, _ in }) throws -> AcceptLoop {
        let loop = AcceptLoop(listener: try Listener.bind(host: "127.0.0.1", port: 0), counter: counter,
                              session: session, refuse: refuse)
        loop.pollInterval = 0.05
        loop.start()
        return loop
    }

    /// Connects to `loop` and returns its first line.
    private func firstLine(from loop: AcceptLoop) throws -> String {
        let c = try TCPStream.connect(host: "127.0.0.1", port: loop.listener.address.port, timeout: 5)
        defer { c.close() }
        return String(decoding: try c.read(max: 64, deadline: .after(seconds: 5)), as: UTF8.self)
    }

    @Test func overCapClientsAreRefusedAndDrainRefusesAll() throws {
        let counter = SessionCounter(maxSessions: 1)
        let release = DispatchSemaphore(value: 0)
        let loop = try startedLoop(counter, session: { s in
            try? s.write(Array("220 hi\r\n".utf8), deadline: .after(seconds: 5))
            release.wait()
        }, refuse: { s, why in
            let line = why == .overCapacity ? "421 busy\r\n" : "421 draining\r\n"
            try? s.write(Array(line.utf8), deadline: .after(seconds: 1))
        })
        defer { loop.stop() }
        #expect(try firstLine(from: loop) == "220 hi\r\n")
        #expect(try firstLine(from: loop) == "421 busy\r\n")
        #expect(counter.active == 1)
        counter.drain()
        release.signal()
        #expect(counter.waitIdle(deadline: .after(seconds: 5)))
        #expect(try firstLine(from: loop) == "421 draining\r\n")
    }

    /// Leader/follower: the thread that accepted a client serves it and another thread accepts
    /// meanwhile, so a second client gets a session while the first one's is still running.
    @Test func aSecondClientIsServedWhileTheFirstSessionRuns() throws {
        let counter = SessionCounter(maxSessions: 4)
        let release = DispatchSemaphore(value: 0)
        let served = Counter()
        let loop = try startedLoop(counter) { s in
            let n = served.next()
            try? s.write(Array("220 session \(n)\r\n".utf8), deadline: .after(seconds: 5))
            release.wait()
        }
        defer { loop.stop() }
        #expect(try firstLine(from: loop) == "220 session 1\r\n")
        #expect(try firstLine(from: loop) == "220 session 2\r\n")
        #expect(counter.active == 2)
        release.signal(); release.signal()
        #expect(counter.waitIdle(deadline: .after(seconds: 5)))
    }

    /// One client after another: the two threads take turns leading and serving; no thread is
    /// created per client.
    @Test func sequentialClientsReuseTwoThreads() throws {
        let counter = SessionCounter(maxSessions: 4)
        let loop = try startedLoop(counter) { s in try? s.write(Array("220 hi\r\n".utf8), deadline: .after(seconds: 5)) }
        defer { loop.stop() }
        for _ in 0..<20 {
            #expect(try firstLine(from: loop) == "220 hi\r\n")
            #expect(counter.waitIdle(deadline: .after(seconds: 5)))
            usleep(2_000)  // the finished session's thread goes idle
        }
        #expect(loop.threadsCreated == 2)
    }

    /// `stop()` ends accepting even while every other thread is busy in a session.
    @Test func stopFinishesTheLoopWhileASessionRuns() throws {
        let counter = SessionCounter(maxSessions: 4)
        let release = DispatchSemaphore(value: 0)
        let loop = try startedLoop(counter) { s in
            try? s.write(Array("220 hi\r\n".utf8), deadline: .after(seconds: 5))
            release.wait()
        }
        #expect(try firstLine(from: loop) == "220 hi\r\n")
        #expect(!loop.hasFinished)
        loop.stop()
        let end = Date().addingTimeInterval(5)
        while !loop.hasFinished && Date() < end { usleep(5_000) }
        #expect(loop.hasFinished)
        #expect(counter.active == 1)
        release.signal()
        #expect(counter.waitIdle(deadline: .after(seconds: 5)))
    }

    @Test func notifyWithoutSocketIsNotConfigured() {
        #expect(SystemdNotify.send("READY=1", socketPath: "") == .notConfigured)
    }

    @Test func notifySendsDatagramToAbstractSocket() throws {
        let name = "pixelnet-test-\(getpid())-\(Int.random(in: 0..<1_000_000))"
        let s = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        #expect(s >= 0)
        defer { close(s) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = [UInt8(0)] + Array(name.utf8)
        withUnsafeMutableBytes(of: &addr.sun_path) { p in for (i, b) in bytes.enumerated() { p[i] = b } }
        let len = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s, $0, len) } }
        #expect(rc == 0)
        #expect(SystemdNotify.send("READY=1", socketPath: "@" + name) == .sent)
        var buf = [UInt8](repeating: 0, count: 64)
        let n = recv(s, &buf, 64, Int32(MSG_DONTWAIT))
        #expect(n == 7)
        #expect(String(decoding: buf.prefix(max(n, 0)), as: UTF8.self) == "READY=1")
    }
}

@Suite struct SessionThreadsTests {
    @Test func sequentialJobsReuseOneThreadAndConcurrentOnesGetTheirOwn() {
        let threads = SessionThreads(idleTimeout: 5)
        for _ in 0..<20 {
            let done = DispatchSemaphore(value: 0)
            threads.run { done.signal() }
            #expect(done.wait(timeout: .now() + 5) == .success)
            let end = Date().addingTimeInterval(2)
            while threads.idleThreads == 0 && Date() < end { usleep(1_000) }
        }
        #expect(threads.threadsCreated == 1)
        // Four jobs that block together need four threads.
        let gate = DispatchSemaphore(value: 0)
        let started = DispatchSemaphore(value: 0)
        for _ in 0..<4 { threads.run { started.signal(); gate.wait() } }
        for _ in 0..<4 { #expect(started.wait(timeout: .now() + 5) == .success) }
        #expect(threads.threadsCreated == 4)
        for _ in 0..<4 { gate.signal() }
    }

    /// With an idle timeout of 20 µs, hand-offs from four submitters race idle threads timing out:
    /// every job still runs exactly once, and no thread is left waiting forever.
    @Test func handOffRacingTheIdleTimeoutLosesNoJob() {
        let threads = SessionThreads(idleTimeout: 0.00002)
        final class Count: @unchecked Sendable { let lock = NSLock(); var n = 0 }
        let ran = Count()
        let group = DispatchGroup()
        let perSubmitter = 4000
        DispatchQueue.concurrentPerform(iterations: 4) { s in
            for i in 0..<perSubmitter {
                group.enter()
                threads.run { ran.lock.withLock { ran.n += 1 }; group.leave() }
                if (i + s) % 97 == 0 { usleep(50) }
            }
        }
        #expect(group.wait(timeout: .now() + 30) == .success)
        #expect(ran.lock.withLock { ran.n } == 4 * perSubmitter)
        usleep(100_000)
        #expect(threads.idleThreads == 0)
    }

    @Test func idleThreadsExitAfterTheTimeout() {
        let threads = SessionThreads(idleTimeout: 0.2)
        let done = DispatchSemaphore(value: 0)
        threads.run { done.signal() }
        #expect(done.wait(timeout: .now() + 5) == .success)
        usleep(600_000)
        #expect(threads.idleThreads == 0)
        let again = DispatchSemaphore(value: 0)
        threads.run { again.signal() }
        #expect(again.wait(timeout: .now() + 5) == .success)
        #expect(threads.threadsCreated == 2)
    }
}

@Suite struct SessionThreadsReleaseTests {
    final class Token: @unchecked Sendable {
        let freed: DispatchSemaphore
        init(_ s: DispatchSemaphore) { freed = s }
        deinit { freed.signal() }
    }

    @Test func finishedJobIsReleasedWhileItsThreadIdles() {
        let threads = SessionThreads(idleTimeout: 30)
        let freed = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        do {
            let token = Token(freed)
            threads.run { _ = token; done.signal() }
        }
        #expect(done.wait(timeout: .now() + 5) == .success)
        // The thread now waits for work (30 s); what the job captured must already be gone.
        #expect(freed.wait(timeout: .now() + 2) == .success)
    }
}

/// A thread-safe sequence number for tests.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func next() -> Int { lock.lock(); defer { lock.unlock() }; n += 1; return n }
}
