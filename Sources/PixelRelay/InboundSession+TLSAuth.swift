// InboundSession STARTTLS and AUTH.
// Contract: bytes pipelined after STARTTLS are discarded before the handshake (CVE-2011-0411);
// after TLS everything learnt before is forgotten (ServerSession.didStartTLS). AUTH PLAIN and LOGIN
// run only over TLS (ServerSession refuses otherwise), check `user:crypt-hash` credentials, and "*"
// cancels with 501 5.7.0. Brute force is slowed: failure N of a session waits
// min(limits.auth_failure_delay * 2^(N-1), limits.auth_failure_delay_max) before its 535 5.7.8, is
// logged (`event=auth status=failed client=IP attempt=N delay=S`) and counted as an error; failure
// number limits.max_auth_failures gets 421 4.7.0 instead and the session is closed.
import Foundation
import Logging
import PixelNet
import PixelSMTP

extension InboundSession {
    func startTLS() throws(SessionEnd) {
        guard let ctx = settings.tlsContext, let tcp else {
            reply(.tlsUnavailable)
            return
        }
        if framer.buffered > 0 {
            let dropped = framer.takeRemainder().count
            log.warning("reject", metadata: ["reason": "pipelined data after STARTTLS discarded", "bytes": "\(dropped)"])
        }
        reply(.readyToStartTLS)
        try flush()
        let tls: TLSStream
        do throws(NetError) {
            tls = try TLSStream.accept(over: tcp, context: ctx, deadline: .after(seconds: settings.limits.commandTimeout))
        } catch {
            log.warning("tls", metadata: ["status": "failed", "error": .string(error.description)])
            throw .io("TLS handshake failed")
        }
        stream = tls
        framer = LineFramer(maxLength: settings.limits.maxCommandLine)
        state.didStartTLS()
        clearTransaction()
        authUser = nil
        log.info("tls", metadata: ["status": "ok", "version": .string(tls.protocolVersion), "cipher": .string(tls.cipher),
                                   "client_cert": .string(tls.peerVerified ? "verified" : "none")])
    }

    func auth(mechanism: String, initial: String?) throws(SessionEnd) {
        guard let creds = settings.credentials else {
            reply(.badSequence("Error: authentication not enabled"))
            return
        }
        let user: String, password: String
        switch mechanism {
        case "PLAIN":
            guard let resp = try saslResponse(initial: initial, challenge: "") else { return }
            guard let p = SASL.decodePlain(resp), p.authzid.isEmpty || p.authzid == p.user else {
                reply(.syntax("Error: malformed PLAIN response"))
                try countError()
                return
            }
            user = p.user
            password = p.password
        case "LOGIN":
            guard let u64 = try saslResponse(initial: initial, challenge: SASL.loginUsernameChallenge) else { return }
            guard let u = SASL.decodeLogin(u64) else {
                reply(.syntax("Error: malformed LOGIN response"))
                try countError()
                return
            }
            guard let p64 = try saslResponse(initial: nil, challenge: SASL.loginPasswordChallenge) else { return }
            guard let p = SASL.decodeLogin(p64) else {
                reply(.syntax("Error: malformed LOGIN response"))
                try countError()
                return
            }
            user = u
            password = p
        default:
            reply(.unsupportedMechanism)
            return
        }
        if creds.verify(user: user, password: password) {
            state.didAuthenticate()
            authUser = user
            reply(.authSucceeded)
            log.info("auth", metadata: ["status": "ok", "mechanism": .string(mechanism), "user": .string(user)])
        } else {
            try authFailed(mechanism: mechanism, user: user)
        }
    }

    /// The pause before failure number `attempt` (1-based) of a session is answered.
    static func authFailureDelay(attempt: Int, limits: RelayLimits) -> Double {
        let doublings = min(max(attempt - 1, 0), 30)
        return min(limits.authFailureDelay * Double(1 << doublings), limits.authFailureDelayMax)
    }

    /// Logs, waits, and answers one failed AUTH; ends the session at `limits.max_auth_failures`.
    private func authFailed(mechanism: String, user: String) throws(SessionEnd) {
        authFailures += 1
        let limits = settings.limits
        let delay = Self.authFailureDelay(attempt: authFailures, limits: limits)
        let closing = authFailures >= limits.maxAuthFailures
        log.warning("auth", metadata: ["status": "failed", "mechanism": .string(mechanism), "user": .string(user),
                                       "client": .string(peer.host), "attempt": "\(authFailures)",
                                       "delay": .string(String(format: "%.3f", delay)),
                                       "action": .string(closing ? "close" : "retry")])
        if delay > 0 { usleep(useconds_t(min(delay, 3600) * 1_000_000)) }
        if closing {
            reply(SMTPReply(421, "4.7.0", "\(settings.hostname) Error: too many failed authentication attempts"))
            try flush()
            throw .io("too many failed AUTH attempts")
        }
        reply(.authFailed)
        try countError()
    }

    /// The client's SASL response: the initial response when given, else after a 334 challenge.
    /// nil when the client cancelled (already answered 501).
    private func saslResponse(initial: String?, challenge: String) throws(SessionEnd) -> String? {
        var resp: String
        if let initial {
            resp = initial == "=" ? "" : initial
        } else {
            reply(.authChallenge(challenge))
            guard let line = try nextLine(timeout: settings.limits.commandTimeout) else { throw .finished }
            guard case .line(let bytes) = line else {
                reply(.lineTooLong)
                try countError()
                return nil
            }
            resp = String(decoding: bytes, as: UTF8.self)
        }
        if SASL.isCancel(resp) {
            reply(SMTPReply(501, "5.7.0", "Authentication cancelled"))
            return nil
        }
        if resp == "=" { resp = "" }
        return resp
    }
}
