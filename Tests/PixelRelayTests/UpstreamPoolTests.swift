// The upstream pool over loopback against FakeUpstreamServer: clean sessions lend their upstream
// session to the next client; XFORWARD never leaks between leases; stale, expired, over-used and
// dirty sessions are never reused; closeIdle empties the pool for good.
import Foundation
import Testing
import PixelNet
import PixelSMTP
@testable import PixelRelay

@Suite(.serialized) struct UpstreamPoolTests {
    init() { _ = RelayTestSupport.ignoreSigpipe }

    private func settings(_ up: FakeUpstreamServer, size: Int = 4, idle: Double = 30, maxReuse: Int = 100) -> RelaySettings {
        var s = RelayTestSupport.settings(upstreamPort: up.port)
        s.upstream.pool.size = size
        s.upstream.pool.idleTimeout = idle
        s.upstream.pool.maxReuse = maxReuse
        return s
    }

    private func pool(_ server: RelayServer) -> PooledUpstreamConnector {
        server.currentEnvironment.connector as! PooledUpstreamConnector
    }

    /// One whole client session: EHLO, optional XFORWARD, one message, QUIT. Returns the DATA reply.
    @discardableResult
    private func session(_ port: Int, xforward: String? = nil, subject: String = "hi") throws -> SMTPReply {
        let c = try TestClient(port: port)
        defer { c.close() }
        #expect(try c.read().code == 220)
        #expect(try c.cmd("EHLO client.test").code == 250)
        if let xforward { #expect(try c.cmd(xforward).code == 250) }
        #expect(try c.cmd("MAIL FROM:<a@example.org>").code == 250)
        #expect(try c.cmd("RCPT TO:<b@example.net>").code == 250)
        #expect(try c.cmd("DATA").code == 354)
        try c.send("Subject: \(subject)\r\n\r\nbody\r\n.\r\n")
        let d = try c.read()
        #expect(try c.cmd("QUIT").code == 221)
        return d
    }

    /// The session thread hands its upstream back after the client's QUIT: wait for it.
    private func waitIdle(_ p: PooledUpstreamConnector, _ n: Int) {
        let end = Deadline.after(seconds: 5)
        while p.idleCount != n && !end.hasPassed { usleep(5_000) }
    }

    @Test func consecutiveSessionsShareOneUpstreamSessionWithoutLeakingXforward() throws {
        let up = try FakeUpstreamServer()
        defer { up.stop() }
        let server = try RelayTestSupport.server(settings(up), pooled: true)
        defer { server.stop() }
        let port = server.addresses[0].port
        #expect(try session(port, xforward: "XFORWARD NAME=mx.one IDENT=AAA111", subject: "one").code == 250)
        waitIdle(pool(server), 1)
        #expect(pool(server).idleCount == 1)
        #expect(try session(port, subject: "two").code == 250)
        waitIdle(pool(server), 1)
        #expect(try session(port, subject: "three").code == 250)
        let txs = up.transactions
        #expect(txs.count == 3)
        #expect(up.connections == 1)
        #expect(txs[0].xforward.joined().contains("IDENT=AAA111"))
        #expect(!txs[1].xforward.joined().contains("AAA111"))
        #expect(!txs[1].xforward.joined().contains("mx.one"))
        #expect(String(decoding: txs[2].body, as: UTF8.self).contains("Subject: three"))
    }

    @Test func upstreamThatDroppedIdleSessionsIsReconnectedTransparently() throws {
        let up = try FakeUpstreamServer()
        defer { up.stop() }
        let server = try RelayTestSupport.server(settings(up), pooled: true)
        defer { server.stop() }
        let port = server.addresses[0].port
        #expect(try session(port).code == 250)
        waitIdle(pool(server), 1)
        up.dropConnections()  // upstream restarted or timed the idle session out
        usleep(50_000)
        #expect(try session(port, subject: "after drop").code == 250)
        #expect(up.connections == 2)
        #expect(up.transactions.count == 2)
    }

    @Test func sessionEndingMidTransactionIsNotPooled() throws {
        let up = try FakeUpstreamServer()
        defer { up.stop() }
        let server = try RelayTestSupport.server(settings(up), pooled: true)
        defer { server.stop() }
        let port = server.addresses[0].port
        let c = try TestClient(port: port)
        #expect(try c.read().code == 220)
        #expect(try c.cmd("EHLO client.test").code == 250)
        #expect(try c.cmd("MAIL FROM:<a@example.org>").code == 250)
        #expect(try c.cmd("RCPT TO:<b@example.net>").code == 250)
        c.close()  // gone with a transaction open upstream
        usleep(300_000)
        #expect(pool(server).idleCount == 0)
        #expect(try session(port).code == 250)
        #expect(up.connections == 2)
        #expect(up.transactions.count == 1)
    }

    @Test func maxReuseAndIdleTimeoutRetireSessions() throws {
        let up = try FakeUpstreamServer()
        defer { up.stop() }
        let server = try RelayTestSupport.server(settings(up, maxReuse: 2), pooled: true)
        defer { server.stop() }
        let port = server.addresses[0].port
        for i in 0..<3 {
            #expect(try session(port, subject: "m\(i)").code == 250)
            usleep(50_000)
        }
        #expect(up.connections == 2)  // the first upstream session carried 2 transactions, then closed

        let up2 = try FakeUpstreamServer()
        defer { up2.stop() }
        let server2 = try RelayTestSupport.server(settings(up2, idle: 0.2), pooled: true)
        defer { server2.stop() }
        #expect(try session(server2.addresses[0].port).code == 250)
        waitIdle(pool(server2), 1)
        usleep(400_000)
        #expect(pool(server2).reap() + pool(server2).idleCount <= 1)
        #expect(try session(server2.addresses[0].port).code == 250)
        #expect(up2.connections == 2)
    }

    @Test func closeIdleEmptiesThePoolForGood() throws {
        let up = try FakeUpstreamServer()
        defer { up.stop() }
        let server = try RelayTestSupport.server(settings(up), pooled: true)
        defer { server.stop() }
        let port = server.addresses[0].port
        #expect(try session(port).code == 250)
        waitIdle(pool(server), 1)
        pool(server).closeIdle()
        #expect(pool(server).idleCount == 0)
        #expect(try session(port).code == 250)
        usleep(200_000)
        #expect(pool(server).idleCount == 0)
        #expect(up.connections == 2)
    }

    @Test func poolNeverHoldsMoreThanItsSize() throws {
        let up = try FakeUpstreamServer()
        defer { up.stop() }
        let server = try RelayTestSupport.server(settings(up, size: 2), pooled: true)
        defer { server.stop() }
        let port = server.addresses[0].port
        // Four clients at once: four upstream sessions; only two are kept afterwards.
        let clients = try (0..<4).map { _ in try TestClient(port: port) }
        for c in clients {
            #expect(try c.read().code == 220)
            #expect(try c.cmd("EHLO client.test").code == 250)
            #expect(try c.cmd("MAIL FROM:<a@example.org>").code == 250)
        }
        for c in clients {
            #expect(try c.cmd("RSET").code == 250)
            #expect(try c.cmd("QUIT").code == 221)
            c.close()
        }
        usleep(300_000)
        #expect(up.connections == 4)
        #expect(pool(server).idleCount == 2)
    }
}
