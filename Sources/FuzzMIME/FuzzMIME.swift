// FuzzMIME: libFuzzer target (build command in README "Fuzzing"). Placeholder until its module lands.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    return 0
}

#if !FUZZING
@main struct FuzzMIMEMain {
    static func main() { print("build with -DFUZZING, see README \"Fuzzing\"") }
}
#endif
