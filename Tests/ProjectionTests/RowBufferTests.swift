import GRDB
import Testing

@testable import Projections

@Suite("Rows a fold keeps in memory")
struct RowBufferTests {
    @Test("Packed keys are equal exactly when their texts are, order as their UTF-8 bytes, and give their texts back")
    func packedKeys() {
        var random = SystemRandomNumberGenerator()
        let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY-/".utf8) + Array("市县".utf8)
        var texts = ["", "9", "91370202100000040B", "913702021000000598", "enterprise/91370202100000040B"]
        for _ in 0..<400 {
            let length = Int.random(in: 0...23, using: &random)
            let bytes = (0..<length).map { _ in alphabet.randomElement(using: &random)! }
            texts.append(String(decoding: bytes, as: UTF8.self))
        }
        for text in texts {
            #expect(PackedKey(text)?.text == (text.utf8.count <= 23 ? text : nil), "\(text)")
        }
        for left in texts {
            for right in texts.prefix(60) {
                let a = PackedKey(left)
                let b = PackedKey(right)
                guard left.utf8.count <= 23, right.utf8.count <= 23 else {
                    #expect(left.utf8.count <= 23 || a == nil)
                    continue
                }
                #expect((a! == b!) == (left == right), "\(left) vs \(right)")
                #expect((a! < b!) == Array(left.utf8).lexicographicallyPrecedes(Array(right.utf8)), "\(left) vs \(right)")
            }
        }
    }

    @Test("The packed-key table finds what a dictionary finds, through growth, overwrites and clearing")
    func packedKeyTable() {
        var random = SystemRandomNumberGenerator()
        var table = PackedKeyTable()
        var reference: [String: Int] = [:]
        // The table keeps positions only; each position's key is the caller's.
        var keys: [PackedKey] = []
        #expect(table.position(of: PackedKey("91370202100000040B")!) { keys[$0] } == nil, "empty")
        for round in 0..<3 {
            for step in 0..<20_000 {
                // USCC-like keys sharing long prefixes, some repeated (moved to a new position), and the empty key.
                let text = step % 997 == 0 ? "" : "9137" + String(Int.random(in: 0..<30_000, using: &random), radix: 36)
                keys.append(PackedKey(text)!)
                table.insert(keys[step], at: step) { keys[$0] }
                reference[text] = step
                if step % 7 == 0 {
                    let probe = "9137" + String(Int.random(in: 0..<60_000, using: &random), radix: 36)
                    #expect(table.position(of: PackedKey(probe)!) { keys[$0] } == reference[probe])
                }
            }
            #expect(table.count == reference.count)
            #expect(reference.allSatisfy { table.position(of: PackedKey($0.key)!) { keys[$0] } == $0.value })
            table.removeAll(keepingCapacity: round == 0)
            reference.removeAll()
            keys.removeAll()
            #expect(
                table.count == 0 && table.position(of: PackedKey("")!) { keys[$0] } == nil
                    && table.position(of: PackedKey("9137a")!) { keys[$0] } == nil, "cleared in round \(round)")
        }
    }

    @Test("Building: rows are visited and written in key order, long keys included; live: only changed rows are written")
    func buildingAndLive() throws {
        let database = try DatabaseQueue()
        var written: [String] = []
        let buffer = RowBuffer<Int>(load: { key, _ in key.hasPrefix("stored") ? 1 : nil }, save: { key, _, _ in written.append(key) })
        let keys = ["913702021000000598", "enterprise/with/a/key/longer/than/23", "91370202100000040B", "A", "enterprise/a"]
        buffer.beginBuilding()
        try database.write { db in
            for (value, key) in keys.enumerated() { buffer.set(key, value) }
            #expect(try buffer.row("stored-elsewhere", in: db) == nil, "a build from zero loads nothing")
            #expect(try buffer.update("A", in: db) { $0 += 10 })
            buffer.updateAll { _, value in value *= 2 }
            #expect(try buffer.row("A", in: db) == 26)
            try buffer.finishBuilding(in: db)
        }
        #expect(written == keys.sorted())

        written = []
        try database.write { db in
            buffer.beginTransaction()
            #expect(try buffer.row("stored-1", in: db) == 1)
            #expect(try buffer.update("stored-2", in: db) { $0 += 1 })
            #expect(try !buffer.update("missing", in: db) { $0 += 1 })
            buffer.set("new", 5)
            try buffer.finishTransaction(in: db)
        }
        #expect(written == ["new", "stored-2"], "rows only read are not written back")
    }

    @Test("Building: updateAll hands each row's key with its stream's number, which finds the same key's row in another buffer")
    func updateAllKeepsStreamNumbers() throws {
        let database = try DatabaseQueue()
        let first = RowBuffer<Int>(load: { _, _ in nil }, save: { _, _, _ in })
        let second = RowBuffer<String>(load: { _, _ in nil }, save: { _, _, _ in })
        first.beginBuilding()
        second.beginBuilding()
        let ids = ["91370202100000040B", "913702021000000598", "plan/2024"]
        for (number, id) in ids.enumerated() {
            let key = RowKey(id, stream: id.hasPrefix("plan") ? -1 : Int32(number))
            first.set(key, number)
            second.set(key, "row of \(id)")
        }
        try database.write { db in
            var seen: [String] = []
            try first.updateAll { key, value in
                #expect(key.stream == (key.text.hasPrefix("plan") ? -1 : Int32(ids.firstIndex(of: key.text)!)))
                let found = try second.row(key, in: db)
                #expect(found == "row of \(key.text)")
                seen.append(key.text)
                value += 100
            }
            #expect(seen == ids)
            #expect(try first.row(RowKey(ids[1], stream: 1), in: db) == 101)
            #expect(try first.row(ids[2], in: db) == 102)
        }
    }
}
