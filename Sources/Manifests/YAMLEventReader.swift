import CYaml

/// libyaml's event parser (yaml.h: `yaml_parser_parse`) over a file's bytes: the parser Yams composes its
/// nodes from (Yams 5.0.1 Parser.swift), so both read the same events. One event at a time; reading the
/// next frees the last. Parser and event live behind pointers, so reading a field of the event neither
/// copies it nor checks exclusive access to a stored property.
final class YAMLEventReader {
    private let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
    /// The event last read; valid until the next `next()`. Zeroed (YAML_NO_EVENT) when there is none:
    /// `yaml_parser_parse` clears it first and `yaml_event_delete` clears it last (parser.c, api.c), and
    /// deleting a cleared event frees nothing.
    let event = UnsafeMutablePointer<yaml_event_t>.allocate(capacity: 1)

    /// `bytes` must outlive the reader.
    init(_ bytes: UnsafeRawBufferPointer) {
        event.initialize(to: yaml_event_t())
        yaml_parser_initialize(parser)
        // Yams hands libyaml a Swift String's UTF-8 (Parser.init, Encoding.utf8), so no other encoding.
        // Naming it also skips the byte order mark sniffing (reader.c, yaml_parser_determine_encoding).
        yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
        // libyaml refuses a null input pointer, even for no bytes. A string input is read by memcpy in
        // 16 KiB chunks (api.c, yaml_string_read_handler), the cheapest input libyaml has.
        let empty: StaticString = ""
        yaml_parser_set_input_string(parser, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? empty.utf8Start, bytes.count)
    }

    deinit {
        yaml_event_delete(event)
        yaml_parser_delete(parser)
        event.deallocate()
        parser.deallocate()
    }

    /// The next event's type; nil on a syntax or encoding error.
    func next() -> yaml_event_type_t? {
        yaml_event_delete(event)
        return yaml_parser_parse(parser, event) == 1 ? event.pointee.type : nil
    }
}
