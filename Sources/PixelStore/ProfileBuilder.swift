// ProfileBuilder: turns consent_state rows into a ConsentProfile at an instant, the same way for
// every SQL backend.
// Contract: the current-state row of (subject, purpose) holds the latest event by time (ties: the
// higher id). A row whose `updatedAt` is not after the asked instant answers directly (the common,
// one-read case). A row changed after that instant is answered from the history instead
// (`pastEvent`: the latest event at or before the instant), so an old instant gets the old answer.
// Exempt or unknown purposes in the rows are ignored; no row means refusal.
import PixelPolicy

public struct StateRow: Sendable, Equatable {
    public var purpose: String
    public var granted: Bool
    public var eventID: Int64
    public var updatedAt: Int64

    public init(purpose: String, granted: Bool, eventID: Int64, updatedAt: Int64) {
        self.purpose = purpose; self.granted = granted; self.eventID = eventID; self.updatedAt = updatedAt
    }
}

enum ProfileBuilder {
    /// `pastEvent(purpose, atMillis)` returns (granted, eventID) of the latest event at or before the instant.
    static func build(rows: [StateRow], atMillis: Int64,
                      pastEvent: (String, Int64) throws -> (Bool, Int64)?) throws -> ConsentProfile {
        var granted = Set<Purpose>()
        var ids: [Int64] = []
        var expressed = false
        for row in rows {
            var isGranted = row.granted
            var eventID = row.eventID
            if row.updatedAt > atMillis {
                guard let (g, id) = try pastEvent(row.purpose, atMillis) else { continue }
                isGranted = g
                eventID = id
            }
            expressed = true
            if isGranted, let p = Purpose(id: row.purpose), !p.isExempt {
                granted.insert(p)
                ids.append(eventID)
            }
        }
        return ConsentProfile(granted: granted, eventIDs: ids.sorted(), hasExpressedChoice: expressed)
    }

    /// The final state per (subject, purpose) that a batch of chained events leaves, latest by time
    /// then id; the backend merges each with the stored row under the same rule.
    static func finalStates(_ events: [ConsentEvent]) -> [(subject: String, row: StateRow)] {
        var latest: [String: Int] = [:]
        var order: [String] = []
        for (i, e) in events.enumerated() {
            let key = e.subject + "\u{0}" + e.purpose.id
            if let j = latest[key] {
                let o = events[j]
                if e.atMillis > o.atMillis || (e.atMillis == o.atMillis && e.id > o.id) { latest[key] = i }
            } else {
                latest[key] = i
                order.append(key)
            }
        }
        return order.map { key in
            let e = events[latest[key]!]
            return (e.subject, StateRow(purpose: e.purpose.id, granted: e.action == .grant, eventID: e.id, updatedAt: e.atMillis))
        }
    }
}
