// HTTPConsentLookup: asks an existing consent platform, `GET {url}?address=ADDR`, with a short cache.
// Contract:
// - The address is normalised, then percent-encoded (only unreserved characters pass) and added
//   as the `address` query parameter (after any query the URL already has).
// - 200 with `{"purposes": [ids...], "expressed": bool?}` answers; unknown or exempt ids are
//   ignored; `expressed` defaults to "some purpose is granted". 404 means "no record" (no
//   consent, never expressed). Anything else, a body over `maxResponseSize`, bad JSON or no answer
//   within `timeout` throws `StoreError.unavailable` (the relay then follows on_store_error).
// - A hard bound: the caller is released after `timeout` even if URLSession is still busy.
// - Answers are cached per address for `cacheTTL` seconds (0 disables); the cache holds at most
//   `maxCacheEntries` and is emptied when full. The platform has no time axis: `at` is ignored.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PixelPolicy

public final class HTTPConsentLookup: ConsentLookup, @unchecked Sendable {
    public static let maxResponseSize = 64 * 1024
    public static let maxCacheEntries = 100_000

    let baseURL: String
    let timeout: Double
    let cacheTTL: Double
    let normalizer: AddressNormalizer
    private let session: URLSession
    private let lock = NSLock()
    private var cache: [String: (ConsentProfile, UInt64)] = [:]

    public init(url: String, options: StoreOptions) throws {
        guard let u = URL(string: url), let scheme = u.scheme?.lowercased(), scheme == "http" || scheme == "https", u.host != nil else {
            throw StoreError.unavailable("store url \"\(url)\" is not an http(s) URL")
        }
        baseURL = url
        timeout = options.timeout
        cacheTTL = options.cacheTTL
        normalizer = AddressNormalizer(caseInsensitiveLocalPart: options.caseInsensitiveLocalPart)
        let config = URLSessionConfiguration.ephemeral
        config.timeoutIntervalForRequest = options.timeout
        config.timeoutIntervalForResource = options.timeout
        config.urlCache = nil
        config.requestCachePolicy = .reloadIgnoringLocalCacheData
        config.httpMaximumConnectionsPerHost = max(1, options.poolSize)
        session = URLSession(configuration: config)
    }

    deinit { session.invalidateAndCancel() }

    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    func requestURL(for subject: String) -> URL? {
        let encoded = subject.addingPercentEncoding(withAllowedCharacters: Self.unreserved) ?? ""
        var base = baseURL
        var fragment = ""
        if let hash = base.firstIndex(of: "#") { fragment = String(base[hash...]); base = String(base[..<hash]) }
        let sep = base.contains("?") ? (base.hasSuffix("?") || base.hasSuffix("&") ? "" : "&") : "?"
        return URL(string: base + sep + "address=" + encoded + fragment)
    }

    public func profile(for address: String, at time: Date) throws -> ConsentProfile {
        let subject = try normalizer.normalize(address)
        let now = DispatchTime.now().uptimeNanoseconds
        if cacheTTL > 0 {
            lock.lock()
            if let (p, expires) = cache[subject], expires > now { lock.unlock(); return p }
            lock.unlock()
        }
        let profile = try fetch(subject)
        if cacheTTL > 0 {
            lock.lock()
            if cache.count >= Self.maxCacheEntries { cache.removeAll(keepingCapacity: true) }
            cache[subject] = (profile, now &+ UInt64(cacheTTL * 1e9))
            lock.unlock()
        }
        return profile
    }

    /// Forgets cached answers (all, or one address).
    public func invalidate(_ address: String? = nil) {
        lock.lock(); defer { lock.unlock() }
        if let address, let s = try? normalizer.normalize(address) { cache[s] = nil } else { cache.removeAll() }
    }

    private final class Outcome: @unchecked Sendable {
        var data: Data?
        var response: URLResponse?
        var error: (any Error)?
    }

    private func fetch(_ subject: String) throws -> ConsentProfile {
        guard let url = requestURL(for: subject) else { throw StoreError.unavailable("cannot build the lookup URL from \(baseURL)") }
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        let task = session.dataTask(with: request) { data, response, error in
            outcome.data = data
            outcome.response = response
            outcome.error = error
            done.signal()
        }
        task.resume()
        if done.wait(timeout: .now() + timeout) == .timedOut {
            task.cancel()
            throw StoreError.unavailable("consent platform did not answer within \(timeout)s")
        }
        if let error = outcome.error { throw StoreError.unavailable("consent platform: \(error.localizedDescription)") }
        guard let http = outcome.response as? HTTPURLResponse else { throw StoreError.unavailable("consent platform: no HTTP response") }
        if http.statusCode == 404 { return .none }
        guard http.statusCode == 200 else { throw StoreError.unavailable("consent platform answered HTTP \(http.statusCode)") }
        let body = outcome.data ?? Data()
        if body.count > Self.maxResponseSize { throw StoreError.unavailable("consent platform answer over \(Self.maxResponseSize) bytes") }
        return try Self.parse(body)
    }

    /// Parses `{"purposes": [...], "expressed": bool?}`.
    static func parse(_ body: Data) throws -> ConsentProfile {
        guard let obj = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
              let list = obj["purposes"] as? [Any] else {
            throw StoreError.unavailable("consent platform answer is not {\"purposes\": [...]}")
        }
        var granted = Set<Purpose>()
        for item in list {
            guard let id = item as? String else { throw StoreError.unavailable("consent platform: purposes must be strings") }
            if let p = Purpose(id: id), !p.isExempt { granted.insert(p) }
        }
        var expressed = !granted.isEmpty
        if let e = obj["expressed"] {
            guard let b = e as? Bool else { throw StoreError.unavailable("consent platform: \"expressed\" must be true or false") }
            expressed = b || !granted.isEmpty
        }
        return ConsentProfile(granted: granted, eventIDs: [], hasExpressedChoice: expressed)
    }
}
