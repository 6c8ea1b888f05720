// ResourcePool: at most `size` lazily opened resources (PostgreSQL connections, SQLite readers)
// shared by threads. The one waiting/opening/closing mechanism both backends' pools use.
// Contract:
// - `acquire` hands out an idle resource that `usable` accepts (an unusable one is dropped), else
//   opens a new one while fewer than `size` exist, else waits until `deadline`, then throws
//   `StoreError.unavailable(busy())`. Opening happens outside the lock; a failed open frees its slot.
// - `release(_:keep:)` returns a resource to the idle list, or drops it (`keep == false`, or the
//   pool is closed), and wakes one waiter.
// - `close()` drops the idle resources and makes every later `acquire` throw; resources in use are
//   dropped when released.
import Foundation

final class ResourcePool<Resource>: @unchecked Sendable {
    let size: Int
    private let closedMessage: String
    private let cond = NSCondition()
    private var idle: [Resource] = []
    private var open = 0
    private var closed = false

    init(size: Int, closedMessage: String) {
        self.size = max(1, size)
        self.closedMessage = closedMessage
    }

    /// A resource and whether it came from the idle list (true) or was just opened (false).
    func acquire(until deadline: Date, busy: () -> String, usable: (Resource) -> Bool = { _ in true },
                 open make: () throws -> Resource) throws -> (resource: Resource, reused: Bool) {
        cond.lock()
        while true {
            if closed { cond.unlock(); throw StoreError.unavailable(closedMessage) }
            if let r = idle.popLast() {
                if usable(r) { cond.unlock(); return (r, true) }
                open -= 1
                continue
            }
            if open < size {
                open += 1
                cond.unlock()
                do {
                    return (try make(), false)
                } catch {
                    cond.lock(); open -= 1; cond.signal(); cond.unlock()
                    throw error
                }
            }
            if !cond.wait(until: deadline) && Date() >= deadline {
                cond.unlock()
                throw StoreError.unavailable(busy())
            }
        }
    }

    func release(_ r: Resource, keep: Bool = true) {
        cond.lock()
        if keep && !closed { idle.append(r) } else { open -= 1 }
        cond.signal()
        cond.unlock()
    }

    func close() {
        cond.lock()
        closed = true
        open -= idle.count
        idle.removeAll()
        cond.broadcast()
        cond.unlock()
    }
}
