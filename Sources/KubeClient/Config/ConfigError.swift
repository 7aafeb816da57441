/// Why no connection to the API server could be configured; names the file and field at fault.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
