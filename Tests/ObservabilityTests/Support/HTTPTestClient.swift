import Foundation
import Glibc

/// A plain HTTP/1.1 GET over a blocking socket to 127.0.0.1: no proxy settings or caches in the way.
struct HTTPReply {
    var status: Int
    var headers: [String: String]
    var body: String
}

struct SocketError: Error, CustomStringConvertible {
    let call: String
    let code: Int32
    var description: String { "\(call): \(String(cString: strerror(code)))" }
}

func httpGet(port: Int, path: String) async throws -> HTTPReply {
    try await offPool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw SocketError(call: "socket", code: errno) }
        defer { close(descriptor) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw SocketError(call: "connect", code: errno) }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n".utf8)
        guard write(descriptor, request, request.count) == request.count else { throw SocketError(call: "write", code: errno) }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = read(descriptor, &buffer, buffer.count)
            guard count >= 0 else { throw SocketError(call: "read", code: errno) }
            if count == 0 { break }
            response += buffer[..<count]
        }
        return try parse(String(decoding: response, as: UTF8.self))
    }
}

private func parse(_ text: String) throws -> HTTPReply {
    guard let split = text.range(of: "\r\n\r\n") else { throw SocketError(call: "parse", code: EPROTO) }
    let lines = text[..<split.lowerBound].components(separatedBy: "\r\n")
    guard let status = lines.first?.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else {
        throw SocketError(call: "parse", code: EPROTO)
    }
    var headers: [String: String] = [:]
    for line in lines.dropFirst() {
        guard let colon = line.firstIndex(of: ":") else { continue }
        headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    var body = String(text[split.upperBound...])
    if headers["transfer-encoding"] == "chunked" { body = dechunk(body) }
    return HTTPReply(status: status, headers: headers, body: body)
}

private func dechunk(_ text: String) -> String {
    var rest = Substring(text)
    var body = ""
    while let end = rest.range(of: "\r\n"), let size = Int(rest[..<end.lowerBound], radix: 16), size > 0 {
        let start = end.upperBound
        let stop = rest.utf8.index(start, offsetBy: size)
        body += rest[start..<stop]
        rest = rest[stop...].dropFirst(2)
    }
    return body
}
