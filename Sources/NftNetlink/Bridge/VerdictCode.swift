import CNftables
import Ruleset

/// Verdicts as the kernel encodes them: a code, plus the target chain for jump and goto.
extension Verdict {
    var code: Int32 {
        switch self {
        case .accept: return NF_ACCEPT
        case .drop: return NF_DROP
        case .return: return NFT_RETURN.rawValue
        case .jump: return NFT_JUMP.rawValue
        case .goto: return NFT_GOTO.rawValue
        }
    }

    init(code: Int32, chain: String?) throws(WireDecodingError) {
        switch (code, chain) {
        case (NF_ACCEPT, nil): self = .accept
        case (NF_DROP, nil): self = .drop
        case (NFT_RETURN.rawValue, nil): self = .return
        case (NFT_JUMP.rawValue, let chain?): self = .jump(chain)
        case (NFT_GOTO.rawValue, let chain?): self = .goto(chain)
        default: throw .unexpected("verdict code \(code)")
        }
    }
}
