// DeliveryEncodingTests: the hand-built JSON of delivery records is byte-for-byte what JSONEncoder
// wrote before, and `record` reads it back.
import Foundation
import Testing
import PixelPolicy
@testable import PixelStore

@Suite struct DeliveryEncodingTests {
    static let strings = ["", "https://t.example/o/a?b=1&c=\"2\"", "back\\slash/é中🎉", "ctl\u{00}\u{1F}\t\n\r\u{08}\u{0C}\u{7F}"]

    @Test func trackerRecordsMatchJSONEncoder() {
        var lists: [[TrackerRecord]] = [[]]
        for s in Self.strings {
            lists.append([TrackerRecord(url: s, vector: "img", purposes: [])])
            lists.append([TrackerRecord(url: "u", vector: s, purposes: [s, "open_measurement"]),
                          TrackerRecord(url: s, vector: s, purposes: ["x"])])
        }
        for l in lists {
            #expect(DeliveryEncoding.json(l) == DeliveryEncoding.foundationJSON(l))
            let back = DeliveryEncoding.record(at: 0, messageID: nil, queueID: nil, recipient: "r", kept: DeliveryEncoding.json(l),
                                               removed: "[]", eventIDs: "[]", footer: "", reply: "")
            #expect(back.kept == l)
        }
    }

    @Test func eventIDsMatchJSONEncoder() {
        for ids: [Int64] in [[], [0], [1, -2, .max, .min]] {
            #expect(DeliveryEncoding.json(ids) == DeliveryEncoding.foundationJSON(ids))
        }
    }
}
