// MemoryBudget: grants never exceed the capacity, waiters time out with nil, a release lets the
// next waiter in (in arrival order), and a message bigger than the budget gets it all, alone.
// Also the relay end to end: a message over spool_memory_limit is relayed intact through the budget.
import Foundation
import Testing
import PixelNet
@testable import PixelRelay

@Suite struct MemoryBudgetTests {
    @Test func grantsStayWithinCapacity() {
        let b = MemoryBudget(capacity: 100)
        #expect(b.reserve(60, deadline: .after(seconds: 1)) == 60)
        #expect(b.reserve(50, deadline: .after(seconds: 0.05)) == nil)  // 110 > 100: times out
        #expect(b.inUse == 60)
        #expect(b.reserve(40, deadline: .after(seconds: 1)) == 40)
        b.release(60)
        b.release(40)
        #expect(b.inUse == 0)
        #expect(b.reserve(1_000, deadline: .after(seconds: 1)) == 100)  // capped at the whole budget
        #expect(b.reserve(1, deadline: .after(seconds: 0.05)) == nil)
        b.release(100)
        #expect(b.inUse == 0)
    }

    @Test func releaseWakesTheWaiterInOrder() {
        let b = MemoryBudget(capacity: 100)
        #expect(b.reserve(100, deadline: .after(seconds: 1)) == 100)
        let order = OrderLog()
        let done = DispatchGroup()
        for i in 0..<3 {
            done.enter()
            Thread {
                if let g = b.reserve(60, deadline: .after(seconds: 5)) {
                    order.add(i)
                    usleep(20_000)
                    b.release(g)
                }
                done.leave()
            }.start()
            usleep(30_000)  // arrival order 0, 1, 2
        }
        b.release(100)
        #expect(done.wait(timeout: .now() + 10) == .success)
        #expect(order.items == [0, 1, 2])
        #expect(b.inUse == 0)
    }

    @Test func largeMessageIsRelayedIntactThroughTheBudget() throws {
        _ = RelayTestSupport.ignoreSigpipe
        let up = try FakeUpstreamServer()
        defer { up.stop() }
        var s = RelayTestSupport.settings(upstreamPort: up.port)
        s.spoolMemoryLimit = 16 * 1024
        s.largeMessageMemory = 64 * 1024
        let server = try RelayTestSupport.server(s)
        defer { server.stop() }
        let line = String(repeating: "x", count: 70) + "\r\n"
        let body = "Subject: big\r\n\r\n" + String(repeating: line, count: 3_000)  // ~216 KB: on disk, over the budget
        let c = try TestClient(port: server.addresses[0].port)
        #expect(try c.read().code == 220)
        #expect(try c.cmd("EHLO client.test").code == 250)
        #expect(try c.cmd("MAIL FROM:<a@example.org>").code == 250)
        #expect(try c.cmd("RCPT TO:<b@example.net>").code == 250)
        #expect(try c.cmd("DATA").code == 354)
        try c.send(body + ".\r\n")
        #expect(try c.read(timeout: 20).code == 250)
        #expect(try c.cmd("QUIT").code == 221)
        let txs = up.transactions
        try #require(txs.count == 1)
        #expect(String(decoding: txs[0].body, as: UTF8.self).hasSuffix(body))
        #expect(server.currentEnvironment.largeMessages.inUse == 0)
    }
}

private final class OrderLog: @unchecked Sendable {
    private let lock = NSLock()
    private var _items: [Int] = []
    func add(_ i: Int) { lock.lock(); _items.append(i); lock.unlock() }
    var items: [Int] { lock.lock(); defer { lock.unlock() }; return _items }
}
