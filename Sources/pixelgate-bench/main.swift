// pixelgate-bench: benchmarks, run by bench/run in a release build; not timed tests.
//   pixelgate-bench html FILE...      scan + rewrite MB/s per file and in total (HTMLBench.swift)
//   pixelgate-bench mime FILE.eml...  whole engine MB/s per message (MIMEBench.swift)
//   pixelgate-bench store ...         lookups/s for SQLite and PostgreSQL (StoreBench.swift)
//   pixelgate-bench dkim [--size N]   DKIM signatures/s, RSA-2048 and Ed25519, 50 KB (DKIMBench.swift)
//   pixelgate-bench dot [FILE...]     DATA dot codec ns/byte, encode and decode (DotBench.swift)
import Foundation

let args = Array(CommandLine.arguments.dropFirst())
switch args.first {
case "html": HTMLBench.run(Array(args.dropFirst()))
case "mime": MIMEBench.run(Array(args.dropFirst()))
case "store": StoreBench.run(Array(args.dropFirst()))
case "dkim": DKIMBench.run(Array(args.dropFirst()))
case "dot": DotBench.run(Array(args.dropFirst()))
default:
    FileHandle.standardError.write(Data("usage: pixelgate-bench html FILE... | mime FILE.eml... | store [options] | dkim [--size BYTES] | dot [FILE...] [--size BYTES]\n".utf8))
    exit(2)
}
