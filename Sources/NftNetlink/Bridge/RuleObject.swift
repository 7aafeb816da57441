import CNftables
import Ruleset

enum RuleObject {
    /// A rule to append; with `rule` nil, only the chain (a flush of it); with `chain` nil too, every rule
    /// of the table (a dump filter).
    static func make(_ rule: Rule?, chain: String?, in table: TableIdentity, linearizer: RuleLinearizer) -> NftnlObject {
        let object = NftnlObject(.rule)
        object.attributes.set(NFTNL_RULE_TABLE, string: table.name)
        if let chain { object.attributes.set(NFTNL_RULE_CHAIN, string: chain) }
        object.attributes.set(NFTNL_RULE_FAMILY, u32: UInt32(table.nfproto))
        guard let rule else { return object }
        for expression in linearizer.expressions(rule) {
            nftnl_rule_add_expr(object.pointer, expression.nftnl().pointer)
        }
        if let comment = rule.comment {
            var data = UserData()
            data.append(UserDataType.comment, string: comment)
            object.attributes.set(NFTNL_RULE_USERDATA, data.bytes)
        }
        return object
    }

    static func chain(_ rule: NftnlAttributes) -> String { rule.string(NFTNL_RULE_CHAIN) ?? "" }

    static func decode(_ rule: NftnlAttributes, delinearizer: RuleDelinearizer) throws(WireDecodingError) -> Rule {
        var expressions: [Expression] = []
        let iterator = nftnl_expr_iter_create(rule.pointer)
        defer { nftnl_expr_iter_destroy(iterator) }
        while let expression = nftnl_expr_iter_next(iterator) {
            expressions.append(try Expression(nftnl: NftnlAttributes(pointer: expression, kind: .expression)))
        }
        let comment = rule.bytes(NFTNL_RULE_USERDATA).flatMap { UserData(bytes: $0).string(UserDataType.comment) }
        return try delinearizer.rule(expressions, comment: comment)
    }
}
