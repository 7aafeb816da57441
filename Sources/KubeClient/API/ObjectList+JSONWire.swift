import ClusterModel

extension ObjectList {
    /// A LIST page, `{"metadata":{"resourceVersion":…,"continue":…},"items":[…]}`, read in one pass by
    /// the fast path; nil when the reader declines anywhere in it (an item it cannot read included), and
    /// the caller decodes the page with JSONDecoder as before, for the same value or message.
    /// SPI for FuzzEnvelopeReader: Fuzz/ is a package of its own, which `package` access does not reach.
    @_spi(Fuzzing) public static func readJSON(_ body: UnsafeRawBufferPointer) -> ObjectList? {
        var reader = JSONWireReader(body)
        var metadata: (resourceVersion: String?, continueToken: String?)?
        var items: [DecodedObject<Object>]??
        do throws(JSONWireFallback) {
            try reader.readObject { reader, key throws(JSONWireFallback) in
                switch key {
                case "metadata": try metadata.setOnce(reader.readListMeta())
                case "items":
                    try items.setOnce(reader.consumeNull() ? nil : reader.readArray { reader throws(JSONWireFallback) in
                        DecodedObject.valid(try Object(reading: &reader))
                    })
                default: try reader.skipValue()
                }
            }
            try reader.readEnd()
        } catch {
            return nil
        }
        // `metadata` is required, as `init(from:)` decodes it.
        guard let metadata else { return nil }
        return ObjectList(items: (items ?? nil) ?? [], resourceVersion: metadata.resourceVersion, continueToken: metadata.continueToken)
    }
}

private extension JSONWireReader {
    /// ListMeta's two members, as `ObjectList.ListMeta`'s synthesized `init(from:)` reads them.
    mutating func readListMeta() throws(JSONWireFallback) -> (resourceVersion: String?, continueToken: String?) {
        var resourceVersion, continueToken: String??
        try readObject { reader, key throws(JSONWireFallback) in
            switch key {
            case "resourceVersion": try resourceVersion.setOnce(reader.readOptionalString())
            case "continue": try continueToken.setOnce(reader.readOptionalString())
            default: try reader.skipValue()
            }
        }
        return (resourceVersion ?? nil, continueToken ?? nil)
    }
}
