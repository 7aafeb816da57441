import CYaml

/// libyaml's event parser (yaml.h: `yaml_parser_parse`) over a file's bytes: the parser Yams composes its
/// nodes from (Yams 5.0.1 Parser.swift), so both read the same events. One event at a time; reading the
/// next frees the last.
final class YAMLEventReader {
    private var parser = yaml_parser_t()
    /// The event last read; valid until the next `next()`.
    private(set) var event = yaml_event_t()
    private var holdsEvent = false

    /// `bytes` must outlive the reader.
    init(_ bytes: UnsafeRawBufferPointer) {
        yaml_parser_initialize(&parser)
        // Yams hands libyaml a Swift String's UTF-8 (Parser.init, Encoding.utf8), so no other encoding.
        yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
        // libyaml refuses a null input pointer, even for no bytes.
        let empty: StaticString = ""
        yaml_parser_set_input_string(&parser, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? empty.utf8Start, bytes.count)
    }

    deinit {
        if holdsEvent { yaml_event_delete(&event) }
        yaml_parser_delete(&parser)
    }

    /// The next event's type; nil on a syntax or encoding error.
    func next() -> yaml_event_type_t? {
        if holdsEvent { yaml_event_delete(&event) }
        holdsEvent = yaml_parser_parse(&parser, &event) == 1
        return holdsEvent ? event.type : nil
    }
}
