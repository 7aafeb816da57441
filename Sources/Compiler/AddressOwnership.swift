import IPAddressing

/// Which pod slot owns each address. Several pods can claim one address at once (a finished pod's
/// IP handed to a new pod before the old object is gone); the caller decides which is newest.
/// Contested addresses are rare, so only they get a claimant list.
struct AddressOwnership {
    private var ownerByAddress: [IPAddress: Int] = [:]
    /// Claimants besides the owner, for contested addresses only.
    private var othersByAddress: [IPAddress: [Int]] = [:]

    func owner(of address: IPAddress) -> Int? { ownerByAddress[address] }

    /// Some address has claimants besides its owner. Without one, every pod owns all its addresses.
    var hasContestedAddresses: Bool { !othersByAddress.isEmpty }

    mutating func reserveCapacity(_ addresses: Int) { ownerByAddress.reserveCapacity(addresses) }

    /// Addresses with an owner.
    var count: Int { ownerByAddress.count }

    func claimants(of address: IPAddress) -> [Int] {
        guard let owner = ownerByAddress[address] else { return [] }
        return [owner] + (othersByAddress[address] ?? [])
    }

    /// Makes `slot` the owner of an address nobody holds, with one look-up: the common case. Returns
    /// the owner, changing nothing, when there is one.
    mutating func claimIfFree(_ address: IPAddress, by slot: Int) -> Int? {
        guard let current = ownerByAddress.updateValue(slot, forKey: address) else { return nil }
        ownerByAddress[address] = current
        return current
    }

    mutating func claim(_ address: IPAddress, by slot: Int, becomingOwner: Bool) {
        guard let current = ownerByAddress[address] else {
            ownerByAddress[address] = slot
            return
        }
        othersByAddress[address, default: []].append(becomingOwner ? current : slot)
        if becomingOwner { ownerByAddress[address] = slot }
    }

    /// `successor` takes over when `slot` owned the address; it must be one of the other claimants.
    mutating func release(_ address: IPAddress, by slot: Int, successor: Int?) {
        var others = othersByAddress[address] ?? []
        if ownerByAddress[address] == slot {
            ownerByAddress[address] = successor
            others.removeAll { $0 == successor }
        } else {
            others.removeAll { $0 == slot }
        }
        othersByAddress[address] = others.isEmpty ? nil : others
    }
}
