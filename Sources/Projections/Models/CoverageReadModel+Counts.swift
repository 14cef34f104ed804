import Domain
import GRDB

/// The coverage fold's counts: per group and stage, moved per signature, recounted when a year
/// opens, frozen when it closes.
extension CoverageReadModel {
    /// A year opened (or its cutoff moved): every enterprise's contribution to it is counted
    /// again — in memory while building from zero, set-based in a live file (``recountYear``).
    func recountEveryone(_ year: Int, cutoff: String, in db: Database) throws {
        if enterprises.building {
            _ = try years(in: db)  // which years are closed, for the recount
            try enterprises.updateAll { key, row in
                try recount(&row, history: stages.history(key, in: db), years: [(year, cutoff)])
            }
        } else {
            try flushLive(in: db)
            try recountYear(year, cutoff: cutoff, in: db)
        }
    }

    /// A year closed: its figures as known now become its frozen ones (a year closed again
    /// starts from what is known, not from the earlier close).
    func freeze(_ year: Int, closedBefore: Bool, in db: Database) throws {
        if enterprises.building {
            if closedBefore { enterprises.updateAll { _, row in row.frozen[year] = nil } }
            for (key, count) in groupCounts(pendingCounts.filter { $0.key.year == year }) where count != 0 {
                try db.run("INSERT INTO stage_count VALUES ('frozen', ?, ?, ?, ?, ?)", year, key.dimension, key.code, key.stage, count)
            }
        } else {
            try flushLive(in: db)
            try db.run("DELETE FROM frozen_year WHERE year = ?", year)
            try db.run(
                """
                INSERT INTO stage_count SELECT 'frozen', year, dimension, code, stage, count
                FROM stage_count WHERE basis = 'known' AND year = ?
                """, year)
        }
    }

    /// Recomputes one year's known figures from scratch, set-based (when a year opens in a live
    /// file, every enterprise's contribution changes at once). Gives exactly what per-enterprise
    /// recounts give (a build from zero recounts each enterprise in memory instead): the stage on
    /// the cutoff is the latest finding by date then seq, as ``StageHistory/stage(on:)`` reads it.
    func recountYear(_ year: Int, cutoff: String, in db: Database) throws {
        // A closed year opened again: its figures as frozen stay as they were at the close.
        let closed = try isClosed(year, in: db)
        if closed {
            try db.run(
                """
                INSERT INTO frozen_year SELECT year, uscc, stage, stage_seq, city, county, division, sectors, chains FROM known_year k
                WHERE year = ? AND NOT EXISTS (SELECT 1 FROM frozen_year f WHERE f.year = k.year AND f.uscc = k.uscc)
                """, year)
        }
        try db.run("DELETE FROM known_year WHERE year = ?", year)
        try db.run("DELETE FROM stage_count WHERE basis = 'known' AND year = ?", year)
        try db.run(
            """
            INSERT INTO known_year (year, uscc, stage, stage_seq, city, county, division, sectors, chains)
            SELECT ?1, e.uscc, coalesce(s.stage, 0), s.seq, e.city, e.county, e.division, e.sectors, e.chains
            FROM enterprise e LEFT JOIN stage_change s ON s.seq = (
                SELECT seq FROM stage_change WHERE uscc = e.uscc AND on_date <= ?2 ORDER BY on_date DESC, seq DESC LIMIT 1)
            WHERE e.year_entered <= ?1 AND (e.year_left IS NULL OR e.year_left > ?1)
            """, year, cutoff)
        if closed {
            // Counted now but not at the close; then whatever agrees with what is known again.
            try db.run(
                """
                INSERT INTO frozen_year (year, uscc) SELECT year, uscc FROM known_year k
                WHERE year = ? AND NOT EXISTS (SELECT 1 FROM frozen_year f WHERE f.year = k.year AND f.uscc = k.uscc)
                """, year)
            try db.run(
                """
                DELETE FROM frozen_year WHERE year = ?1 AND (
                    (stage IS NULL AND NOT EXISTS (SELECT 1 FROM known_year k WHERE k.year = ?1 AND k.uscc = frozen_year.uscc))
                    OR EXISTS (SELECT 1 FROM known_year k WHERE k.year = ?1 AND k.uscc = frozen_year.uscc AND k.stage = frozen_year.stage
                               AND k.stage_seq IS frozen_year.stage_seq AND k.city = frozen_year.city AND k.county = frozen_year.county
                               AND k.division = frozen_year.division AND k.sectors = frozen_year.sectors AND k.chains = frozen_year.chains))
                """, year)
        }
        var counts: [GroupKey: Int] = [:]
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT city, county, division, sectors, chains, stage, count(*) FROM known_year
                WHERE year = ? GROUP BY city, county, division, sectors, chains, stage
                """, arguments: [year])
        while let row = try rows.next() {
            let groups = codes.groups(city: row[0], county: row[1], division: row[2], sectors: row[3], chains: row[4])
            for (dimension, code) in texts(of: groups) {
                counts[GroupKey(dimension: dimension, code: code, stage: row[5]), default: 0] += row[6] as Int
            }
        }
        for (key, count) in counts {
            try db.run("INSERT INTO stage_count VALUES ('known', ?, ?, ?, ?, ?)", year, key.dimension, key.code, key.stage, count)
        }
    }

    struct GroupKey: Hashable {
        var dimension: String
        var code: String
        var stage: Int
    }

    /// The groups an enterprise's contribution is counted in.
    func texts(of groups: Groups) -> [(String, String)] {
        let sectors = codes[groups.sectors]
        let chains = codes[groups.chains]
        var groups = [
            ("province", Self.province), ("city", codes[groups.city]), ("county", codes[groups.county]), ("industry", codes[groups.division]),
        ]
        for sector in sectors.split(separator: ",") { groups.append(("sector", String(sector))) }
        for chain in Self.chains(chains) { groups.append(("chain", chain)) }
        return groups
    }

    /// An industry code's division and sector groups, worked out once per code.
    func classification(of industry: String) -> (division: String, sectors: String) {
        if let known = classifications[industry] { return known }
        let classification = (
            reference.industry(for: industry)?.industryCode ?? industry,
            reference.sectorGroups(for: industry).map(\.id).joined(separator: ",")
        )
        classifications[industry] = classification
        return classification
    }

    /// Moves the known counts of `contribution`'s groups by `delta` (written by ``flushCounts(in:)``).
    /// Kept per signature — the stage and groups together — and spread over the groups when
    /// written: far fewer distinct signatures than moves.
    func count(_ contribution: Contribution, year: Int, delta: Int) {
        pendingCounts[Signature(year: year, stage: contribution.stage, groups: contribution.groups), default: 0] += delta
    }

    /// What a contribution is counted under: its year, stage and groups.
    struct Signature: Hashable {
        var year: Int
        var stage: Int
        var groups: Groups
    }

    /// Signature counts spread over the groups they are counted in.
    func groupCounts(_ signatures: [Signature: Int]) -> [CountKey: Int] {
        var counts: [CountKey: Int] = [:]
        for (signature, delta) in signatures where delta != 0 {
            for (dimension, code) in texts(of: signature.groups) {
                counts[CountKey(year: signature.year, dimension: dimension, code: code, stage: signature.stage), default: 0] += delta
            }
        }
        return counts
    }

    struct CountKey: Hashable {
        var year: Int
        var dimension: String
        var code: String
        var stage: Int
    }

    /// Writes the buffered count changes; a group whose count reaches 0 is removed.
    func flushCounts(in db: Database) throws {
        for (key, delta) in groupCounts(pendingCounts) where delta != 0 {
            try db.run(
                """
                INSERT INTO stage_count VALUES ('known', ?1, ?2, ?3, ?4, ?5)
                ON CONFLICT DO UPDATE SET count = count + ?5
                """, key.year, key.dimension, key.code, key.stage, delta)
            if delta < 0 {
                try db.run(
                    "DELETE FROM stage_count WHERE basis = 'known' AND year = ? AND dimension = ? AND code = ? AND stage = ? AND count = 0", key.year,
                    key.dimension, key.code, key.stage)
            }
        }
        pendingCounts.removeAll(keepingCapacity: true)
    }

    /// Chains stored as one text column: sorted, unique, separated by U+001F.
    static func chainsText(_ chains: [String]) -> String {
        Set(chains).sorted().joined(separator: "\u{1F}")
    }

    static func chains(_ text: String) -> [String] {
        text.isEmpty ? [] : text.split(separator: "\u{1F}").map(String.init)
    }
}
