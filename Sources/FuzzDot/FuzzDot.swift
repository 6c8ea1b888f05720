// FuzzDot: libFuzzer target for the dot codec. Placeholder until issue 6's fuzzing lands.
#if !FUZZING
print("fuzz-dot: build with -DFUZZING (see scripts/fuzz)")
#endif
