// GateHandler: `GET /o/{token}` (DESIGN "Gate, footer and tokens"). Consent is read from the store
// at the moment of the request: when it covers every purpose of the token (exempt purposes need
// none) the answer is 302 to the original URL, otherwise the 43-byte transparent GIF. A forged,
// altered, expired or wrong-kind token, a non-http(s) URL, or a store that cannot answer also get
// the GIF (fail closed: no tracking without proven consent). Always `Cache-Control: no-store`.
// Never writes anything.
import Foundation

enum GateHandler {
    /// GIF89a, 1×1, one transparent pixel: 43 bytes.
    static let gif: [UInt8] = [
        0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00,
        0xff, 0xff, 0xff, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00,
        0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b,
    ]

    static let gifResponse = WebResponse(status: .ok, headers: [("Content-Type", "image/gif"), ("Cache-Control", "no-store")], body: gif)

    static func handle(_ r: WebRequest, token: String, ctx: WebContext) -> WebResponse {
        guard case .valid(let p) = ctx.check(token, kind: .gate), let url = p.url, isWebURL(url) else {
            return answer(.invalid, ctx: ctx)
        }
        if p.purposes.allSatisfy({ $0.isExempt }) { return redirect(url, ctx: ctx) }
        do {
            let profile = try ctx.store.profile(for: p.recipient, at: ctx.now())
            if p.purposes.allSatisfy({ $0.isExempt || profile.granted.contains($0) }) { return redirect(url, ctx: ctx) }
        } catch {
            ctx.logger.warning("gate", metadata: ["status": "store_error", "error": .string("\(error)")])
        }
        return answer(.gif, ctx: ctx)
    }

    private static let httpPrefix = Array("http://".utf8)
    private static let httpsPrefix = Array("https://".utf8)

    /// An absolute http(s) URL (scheme case-insensitive) with no CR or LF, checked on bytes.
    static func isWebURL(_ u: String) -> Bool {
        if UTF8Bytes.hasLineBreak(u) { return false }
        let bytes = u.utf8
        func starts(with prefix: [UInt8]) -> Bool {
            var it = bytes.makeIterator()
            for p in prefix {
                guard let b = it.next(), (b >= 65 && b <= 90 ? b + 32 : b) == p else { return false }
            }
            return true
        }
        return starts(with: httpPrefix) || starts(with: httpsPrefix)
    }

    private static func redirect(_ url: String, ctx: WebContext) -> WebResponse {
        ctx.hooks.gateHit(.redirect)
        ctx.logger.debug("gate", metadata: ["outcome": "redirect"])
        return WebResponse(status: .found, headers: [("Location", url), ("Cache-Control", "no-store")])
    }

    private static func answer(_ outcome: GateOutcome, ctx: WebContext) -> WebResponse {
        ctx.hooks.gateHit(outcome)
        ctx.logger.debug("gate", metadata: ["outcome": .string(outcome.rawValue)])
        return gifResponse
    }
}
