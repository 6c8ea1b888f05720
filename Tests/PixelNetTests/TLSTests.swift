// TLS handshakes between a TLSStream server and client over loopback with a generated certificate.
import Foundation
import Testing
@testable import PixelNet

@Suite struct TLSTests {
    init() { NetTestSupport.ignoreSigpipe }

    /// Runs a server handshake + echo of one read, and returns the client's view.
    private func handshake(serverName: String, verify: Bool, caFromCert: Bool) throws -> (Result<String, NetError>, String) {
        let (cert, key, _) = try NetTestSupport.selfSigned(cn: "localhost")
        let sctx = try TLSContext.server(certFile: cert, keyFile: key)
        let cctx = try TLSContext.client(verify: verify, caFile: caFromCert ? cert : nil)
        let l = try Listener.bind(host: "127.0.0.1", port: 0)
        let server = Background { () throws -> String in
            guard let s = try l.accept(deadline: .after(seconds: 5)) else { throw NetError.timeout }
            let t = try TLSStream.accept(over: s, context: sctx, deadline: .after(seconds: 5))
            let got = try t.read(max: 100, deadline: .after(seconds: 5))
            try t.write(got, deadline: .after(seconds: 5))
            return t.protocolVersion
        }
        let tcp = try TCPStream.connect(host: "127.0.0.1", port: l.address.port, timeout: 5)
        let r: Result<String, NetError>
        do throws(NetError) {
            r = .success(try Self.clientRun(tcp, cctx, serverName))
        } catch {
            tcp.close()
            r = .failure(error)
        }
        let v = (try? server.wait()) ?? ""
        return (r, v)
    }

    private static func clientRun(_ tcp: TCPStream, _ cctx: TLSContext, _ serverName: String) throws(NetError) -> String {
        let t = try TLSStream.connect(over: tcp, context: cctx, serverName: serverName, deadline: .after(seconds: 5))
        try t.write(Array("hello".utf8), deadline: .after(seconds: 5))
        let echo = try t.read(max: 100, deadline: .after(seconds: 5))
        t.close()
        return String(decoding: echo, as: UTF8.self)
    }

    @Test func handshakeWithoutVerification() throws {
        let (r, version) = try handshake(serverName: "localhost", verify: false, caFromCert: false)
        #expect(try r.get() == "hello")
        #expect(version == "TLSv1.2" || version == "TLSv1.3")
    }

    @Test func verifiedHandshakeWithMatchingName() throws {
        let (r, _) = try handshake(serverName: "localhost", verify: true, caFromCert: true)
        #expect(try r.get() == "hello")
    }

    @Test func hostnameMismatchFailsUnderVerify() throws {
        let (r, _) = try handshake(serverName: "mx.example.org", verify: true, caFromCert: true)
        guard case .failure(let e) = r, case .tls(let msg) = e else { Issue.record("expected TLS failure, got \(r)"); return }
        #expect(msg.contains("verify"))
    }

    @Test func untrustedCertificateFailsUnderVerify() throws {
        let (r, _) = try handshake(serverName: "localhost", verify: true, caFromCert: false)
        guard case .failure(.tls) = r else { Issue.record("expected TLS failure, got \(r)"); return }
    }

    @Test func missingCertificateFileIsAConfigError() {
        #expect(throws: NetError.self) { _ = try TLSContext.server(certFile: "/nonexistent.pem", keyFile: "/nonexistent.key") }
    }

    @Test func clientCertificateRequiredUnderServerVerify() throws {
        let (cert, key, _) = try NetTestSupport.selfSigned(cn: "localhost")
        let sctx = try TLSContext.server(certFile: cert, keyFile: key, clientCAFile: cert)
        func attempt(_ cctx: TLSContext) throws -> Bool {
            let l = try Listener.bind(host: "127.0.0.1", port: 0)
            let server = Background { () throws -> Bool in
                guard let s = try l.accept(deadline: .after(seconds: 5)) else { throw NetError.timeout }
                let t = try TLSStream.accept(over: s, context: sctx, deadline: .after(seconds: 5))
                let ok = t.peerVerified
                try t.write(Array("ok".utf8), deadline: .after(seconds: 5))
                return ok
            }
            let tcp = try TCPStream.connect(host: "127.0.0.1", port: l.address.port, timeout: 5)
            let t = try? TLSStream.connect(over: tcp, context: cctx, serverName: "localhost", deadline: .after(seconds: 5))
            _ = try? t?.read(max: 10, deadline: .after(seconds: 5))  // TLS 1.3 reports a refused cert on the first read
            tcp.close()
            return (try? server.wait()) ?? false
        }
        #expect(try attempt(TLSContext.client(verify: false, certFile: cert, keyFile: key)))
        #expect(try !attempt(TLSContext.client(verify: false)))
    }
}
