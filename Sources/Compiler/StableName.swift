/// Object names derived from what an object means, not from when it was created, so the same cluster
/// always gives the same names and a change touches only the objects whose meaning changed.
enum StableName {
    /// 48 bits of FNV-1a: collisions stay negligible at hundreds of thousands of objects.
    static func hash(_ canonical: String) -> String {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in canonical.utf8 {
            value ^= UInt64(byte)
            value &*= 0x0000_0100_0000_01b3
        }
        let hex = String(value >> 16, radix: 16)
        return String(repeating: "0", count: 12 - hex.count) + hex
    }
}
