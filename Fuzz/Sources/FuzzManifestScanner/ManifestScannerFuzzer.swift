import Foundation
import Manifests

/// The bytes of a JSON manifest, laid out by `JSONManifestScanner` as `agent --manifests` does before
/// decoding each object on its own. Where the scanner accepts the text, JSONDecoder must read the whole
/// document and every object found in it, every string and number included, and the objects must lie in
/// the document in order.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzManifestScanner(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    guard let layout = JSONManifestScanner.scan(bytes) else { return 0 }
    let whole = Data(bytes)
    guard (try? JSONDecoder().decode(AnyJSON.self, from: whole)) != nil else { fatalError("the scanner accepted what JSONDecoder refuses") }
    var end = 0
    for object in layout.objects {
        precondition(object.lowerBound >= end && object.upperBound <= size, "objects out of order or outside the document")
        end = object.upperBound
        guard (try? JSONDecoder().decode(AnyJSON.self, from: whole[object])) != nil else {
            fatalError("the scanner found an object JSONDecoder refuses")
        }
    }
    return 0
}

/// Any JSON value, read to the end: strings as String, numbers as Int (the scanner passes no others).
private struct AnyJSON: Decodable {
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: Decoder) throws {
        if let object = try? decoder.container(keyedBy: Key.self) {
            for key in object.allKeys { _ = try object.decode(AnyJSON.self, forKey: key) }
        } else if var array = try? decoder.unkeyedContainer() {
            while !array.isAtEnd { _ = try array.decode(AnyJSON.self) }
        } else {
            let value = try decoder.singleValueContainer()
            if value.decodeNil() || (try? value.decode(Bool.self)) != nil || (try? value.decode(Int.self)) != nil { return }
            _ = try value.decode(String.self)
        }
    }
}
