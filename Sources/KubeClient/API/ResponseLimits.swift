/// Bounds on what one response may make the agent hold or wait for, so that a broken or hostile
/// server cannot grow memory without limit or pin a watch forever.
public struct ResponseLimits: Sendable, Equatable {
    /// Bytes of one watch line (one event). etcd refuses objects over about 1.5 MiB
    /// (--max-request-bytes), and an event is one object in a small envelope: 16 MiB leaves more
    /// than ten times that, for escaping and for servers configured with a larger etcd limit.
    public var line: Int
    /// Bytes of one LIST page. A page holds at most the reflector's page size (500) objects; at
    /// 100 KiB an object, several times a typical pod, that is 50 MiB. A page over the limit makes
    /// the reflector ask for half as many objects per page, down to one, so 64 MiB never blocks a
    /// list of objects etcd accepts.
    public var page: Int
    /// From the first byte of a watch line to its newline. The API server writes each event at once;
    /// libcurl's low-speed check cannot catch a line trickled one byte a second, this does.
    public var lineTime: Duration

    public init(line: Int = 16 << 20, page: Int = 64 << 20, lineTime: Duration = .seconds(30)) {
        self.line = line
        self.page = page
        self.lineTime = lineTime
    }
}
