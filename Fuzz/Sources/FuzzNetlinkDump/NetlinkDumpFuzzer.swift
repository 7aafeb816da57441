@testable import NftNetlink
import Ruleset

/// The kernel's replies to a read-back of table inet netpol-agent (see `DumpReplay`), decoded into the
/// model and rendered.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNetlinkDump(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: data, count: size))
    if let ruleset = try? DumpReplay.readTable(TableIdentity(name: "netpol-agent"), from: bytes) {
        _ = NftTextRenderer.render(ruleset)
    }
    return 0
}
