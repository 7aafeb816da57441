/// Short reasons for decoding failures, for logs: "spec.hostNetwork: expected Bool" rather than
/// Swift's full DecodingError dump.
enum DecodingFailure {
    /// `depth`: coding-path entries above the object (a list's "items[3]"), left out of the field.
    static func summary(_ error: any Error, below depth: Int = 0) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        let (path, detail): ([any CodingKey], String)
        switch error {
        case .typeMismatch(let type, let context): (path, detail) = (context.codingPath, "expected \(type)")
        case .valueNotFound(let type, let context): (path, detail) = (context.codingPath, "expected \(type), found null")
        case .keyNotFound(let key, let context): (path, detail) = (context.codingPath + [key], "must be set")
        case .dataCorrupted(let context): (path, detail) = (context.codingPath, context.debugDescription)
        @unknown default: return "\(error)"
        }
        let field = path.dropFirst(depth).map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        guard !field.isEmpty else { return detail }
        return "\(field.hasPrefix(".") ? String(field.dropFirst()) : field): \(detail)"
    }
}
