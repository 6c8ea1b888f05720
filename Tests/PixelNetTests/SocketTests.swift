// Loopback listener/connect, deadlines, connect failures, address parsing and CIDR matching.
import Foundation
import Testing
@testable import PixelNet

@Suite struct SocketTests {
    init() { NetTestSupport.ignoreSigpipe }

    @Test func loopbackRoundTripIPv4() throws {
        let l = try Listener.bind(host: "127.0.0.1", port: 0)
        #expect(l.address.port > 0)
        let port = l.address.port
        let server = Background { () throws -> [UInt8] in
            guard let s = try l.accept(deadline: .after(seconds: 5)) else { throw NetError.timeout }
            let got = try s.read(max: 100, deadline: .after(seconds: 5))
            try s.write(Array("pong".utf8), deadline: .after(seconds: 5))
            return got
        }
        let c = try TCPStream.connect(host: "127.0.0.1", port: port, timeout: 5)
        try c.write(Array("ping".utf8), deadline: .after(seconds: 5))
        let reply = try c.read(max: 100, deadline: .after(seconds: 5))
        #expect(String(decoding: reply, as: UTF8.self) == "pong")
        #expect(try server.wait() == Array("ping".utf8))
        #expect(c.peer.host == "127.0.0.1")
    }

    @Test func loopbackIPv6() throws {
        guard let l = try? Listener.bind(host: "::1", port: 0) else { return }  // no IPv6 on this host
        let port = l.address.port
        #expect(l.address.isIPv6)
        let server = Background { () throws -> String in
            guard let s = try l.accept(deadline: .after(seconds: 5)) else { throw NetError.timeout }
            return s.peer.host
        }
        let c = try TCPStream.connect(host: "::1", port: port, timeout: 5)
        #expect(try server.wait() == "::1")
        c.close()
    }

    @Test func readDeadlineFires() throws {
        let l = try Listener.bind(host: "127.0.0.1", port: 0)
        let c = try TCPStream.connect(host: "127.0.0.1", port: l.address.port, timeout: 5)
        let s = try #require(try l.accept(deadline: .after(seconds: 5)))
        let start = Deadline.now()
        #expect(throws: NetError.timeout) { _ = try s.read(max: 10, deadline: .after(seconds: 0.3)) }
        let ms = start.elapsedMillis
        #expect(ms >= 250 && ms < 3000)
        c.close()
        #expect(try s.read(max: 10, deadline: .after(seconds: 2)).isEmpty)  // EOF after peer close
    }

    @Test func acceptReturnsNilAtDeadline() throws {
        let l = try Listener.bind(host: "127.0.0.1", port: 0)
        #expect(try l.accept(deadline: .after(seconds: 0.1)) == nil)
    }

    @Test func connectToClosedPortFails() throws {
        let l = try Listener.bind(host: "127.0.0.1", port: 0)
        let port = l.address.port
        _ = consume l  // closes the listener
        #expect(throws: NetError.self) { _ = try TCPStream.connect(host: "127.0.0.1", port: port, timeout: 2) }
    }

    @Test func connectTimesOutWhenPeerNeverAnswers() throws {
        // A listener that never accepts, with a full backlog, drops further SYNs: connect must time out.
        let l = try Listener.bind(host: "127.0.0.1", port: 0, backlog: 0)
        var held: [TCPStream] = []
        var failure: NetError?
        let start = Deadline.now()
        for _ in 0..<8 {
            do throws(NetError) {
                held.append(try TCPStream.connect(host: "127.0.0.1", port: l.address.port, timeout: 0.4))
            } catch {
                failure = error
                break
            }
        }
        #expect(failure == .connect("127.0.0.1:\(l.address.port): timed out"))
        #expect(start.elapsedMillis < 6000)
        held.removeAll()
    }

    @Test func unknownHostFailsToResolve() {
        #expect(throws: NetError.self) { _ = try TCPStream.connect(host: "no-such-host.invalid", port: 25, timeout: 1) }
    }

    @Test func parsesHostPort() {
        #expect(SocketAddress.parseHostPort("127.0.0.1:25")! == ("127.0.0.1", 25))
        #expect(SocketAddress.parseHostPort("[::1]:10025")! == ("::1", 10025))
        #expect(SocketAddress.parseHostPort("::1:25") == nil)
        #expect(SocketAddress.parseHostPort("host:99999") == nil)
        #expect(SocketAddress.parseHostPort("host") == nil)
    }

    @Test func cidrMatching() throws {
        let n = try #require(IPNetwork("127.0.0.0/8"))
        #expect(n.contains("127.1.2.3"))
        #expect(!n.contains("128.0.0.1"))
        #expect(n.contains("::ffff:127.0.0.9"))
        let v6 = try #require(IPNetwork("::1/128"))
        #expect(v6.contains("::1"))
        #expect(!v6.contains("::2"))
        let odd = try #require(IPNetwork("10.0.0.0/12"))
        #expect(odd.contains("10.15.255.255"))
        #expect(!odd.contains("10.16.0.0"))
        #expect(IPNetwork("10.0.0.0/33") == nil)
        #expect(IPNetwork("hello") == nil)
        #expect(!n.contains("garbage"))
        let list = try IPNetworkList.parse(["127.0.0.0/8", "::1"]).get()
        #expect(list.contains("::1") && list.contains("127.0.0.1") && !list.contains("192.168.1.1"))
        if case .success = IPNetworkList.parse(["1.2.3.4/x"]) { Issue.record("bad CIDR accepted") }
    }
}
