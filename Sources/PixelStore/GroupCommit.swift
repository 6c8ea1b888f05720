// GroupCommit: lets concurrent writers share one transaction (and so one fsync). Each caller's
// items join the batch being filled; whoever finds no write in progress becomes the leader, writes
// every queued item in one call, and wakes the others. Contract: `submit` returns only after its
// items were written (or throws the error of the write that carried them); items are written in
// submission order; at most one write runs at a time; a single caller with no contention pays no
// wait (it leads its own batch at once).
import Foundation

final class GroupCommit<Item>: @unchecked Sendable {
    private let cond = NSCondition()
    private var queued: [Item] = []
    /// The batch now being filled; earlier ids are written or being written.
    private var filling = 0
    private var writing = false
    /// Outcome per finished batch, kept until each of its callers has read it.
    private var outcomes: [Int: (error: Error?, waiting: Int)] = [:]
    private var members: [Int: Int] = [:]

    /// Writes `items` in a batch shared with concurrent callers; `write` runs on the leader's thread.
    func submit(_ items: [Item], write: ([Item]) throws -> Void) throws {
        cond.lock()
        defer { cond.unlock() }
        queued.append(contentsOf: items)
        let mine = filling
        members[mine, default: 0] += 1
        while true {
            if let o = outcomes[mine] {
                if o.waiting <= 1 { outcomes[mine] = nil } else { outcomes[mine] = (o.error, o.waiting - 1) }
                if let e = o.error { throw e }
                return
            }
            if !writing {
                writing = true
                let batch = queued, id = filling
                queued = []
                filling += 1
                let n = members.removeValue(forKey: id) ?? 0
                cond.unlock()
                var failure: Error?
                do { try write(batch) } catch { failure = error }
                cond.lock()
                outcomes[id] = (failure, n)
                writing = false
                cond.broadcast()
                continue
            }
            cond.wait()
        }
    }
}
