// TestVariantPlanner: TEST ONLY. Active when PIXELGATE_TEST_VARIANTS=per-recipient is set for
// `serve`: every recipient gets its own variant, the message prefixed with the header
// `X-Test-Variant: <recipient address>`. It exists so the e2e suite can exercise the fan-out,
// partial failures and the delivery journal before the tracker engine lands. Never for production.
// `PIXELGATE_TEST_VARIANTS=pass-through` (BENCH ONLY) selects the relay's `PassThroughPlanner`
// instead, so `bench/run` can measure the relay layer without the engine; trackers are not filtered.
// Both log a warning at startup (RelayWiring.selectPlanner).
import PixelRelay

struct TestVariantPlanner: VariantPlanner {
    static let environmentVariable = "PIXELGATE_TEST_VARIANTS"
    static let environmentValue = "per-recipient"
    /// `PIXELGATE_TEST_VARIANTS=pass-through`: the relay's own `PassThroughPlanner` (no engine, no
    /// consent lookup, no delivery records), so `bench/run` can measure the relay layer alone.
    static let passThroughValue = "pass-through"

    func prepare(recipient: String, session: String) -> any Sendable { () }

    func plan(message: UnsafeRawBufferPointer, recipients: [PlannedRecipient], context: MessageContext) throws(PlanFailure) -> [PlannedVariant] {
        recipients.enumerated().map { i, r in
            let header = "X-Test-Variant: " + r.address.filter { $0 != "\r" && $0 != "\n" } + "\r\n"
            return PlannedVariant(recipients: [i], chunks: [.bytes(Array(header.utf8)), .original(0..<message.count)], label: "t\(i + 1)")
        }
    }

    func finished(recipients: [PlannedRecipient], outcomes: [RecipientOutcome], context: MessageContext) {}
}
