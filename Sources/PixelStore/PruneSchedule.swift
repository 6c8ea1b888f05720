// PruneSchedule: says when a store should prune again (delivery records past `retention`, journal
// rows past `journal_retention`). Contract: `isDue()` is true at most once per `interval` across
// threads, so pruning rides on writes without running on every one.
import Foundation

final class PruneSchedule: @unchecked Sendable {
    static let interval: Double = 600
    private let lock = NSLock()
    private var last = Date.distantPast

    func isDue(now: Date = Date()) -> Bool {
        lock.lock(); defer { lock.unlock() }
        guard now.timeIntervalSince(last) >= Self.interval else { return false }
        last = now
        return true
    }
}
