// pixelgate-bench: benchmarks, run by bench/run in a release build; not timed tests.
//   pixelgate-bench html FILE...      scan + rewrite MB/s per file and in total (HTMLBench.swift)
//   pixelgate-bench mime FILE.eml...  whole engine MB/s per message (MIMEBench.swift)
//   pixelgate-bench store ...         lookups/s for SQLite and PostgreSQL (StoreBench.swift)
import Foundation

let args = Array(CommandLine.arguments.dropFirst())
switch args.first {
case "html": HTMLBench.run(Array(args.dropFirst()))
case "mime": MIMEBench.run(Array(args.dropFirst()))
case "store": StoreBench.run(Array(args.dropFirst()))
default:
    FileHandle.standardError.write(Data("usage: pixelgate-bench html FILE... | mime FILE.eml... | store [options]\n".utf8))
    exit(2)
}
