// ClientAddress: the client IP a request is attributed to (rate limits, evidence). X-Forwarded-For
// is believed only when the TCP peer is in `trusted_proxies`; then the address is the right-most
// entry that is not itself a trusted proxy (RFC 7239 practice), so a client cannot choose its own
// address by prepending entries. Guarantees: with no trusted proxy the peer address is always used.
import PixelNet

struct ClientAddress: Sendable {
    let trusted: IPNetworkList

    func resolve(peer: String, forwardedFor: String?) -> String {
        guard let xff = forwardedFor, !trusted.networks.isEmpty, trusted.contains(peer) else { return peer }
        let hops = xff.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in hops.reversed() {
            guard IPNetwork.parseAddress(hop) != nil else { return peer }
            if !trusted.contains(hop) { return hop }
        }
        return hops.first.flatMap { IPNetwork.parseAddress($0) != nil ? $0 : nil } ?? peer
    }
}
