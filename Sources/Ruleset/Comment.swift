/// nftables keeps comments as user data of at most 128 bytes including the terminating NUL
/// (NFTNL_UDATA_COMMENT_MAXLEN); longer ones are rejected. Clip on a character boundary.
public func nftComment(_ text: String) -> String {
    let limit = 127
    guard text.utf8.count > limit else { return text }
    var clipped = ""
    for character in text {
        if clipped.utf8.count + String(character).utf8.count + 3 > limit { break }
        clipped.append(character)
    }
    return clipped + "..."
}
