// pixelgate-bench: benchmarks (html, mime, store). Placeholder until the engine and store land.
print("usage: pixelgate-bench html|mime|store ...")
