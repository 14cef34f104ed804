import Dashboard
import Domain
import Foundation
import Projections

/// The report's sections beyond coverage: downgrades, the scoreboard, programme figures and
/// projects per city, benchmarks and incentives, and the supervision-incentive ranking.
extension AuditReport {
    /// `table`'s columns `keys` as an HTML table; `link` gives a cell's target, if any, and
    /// `title` the command that prints the same figures offline.
    func htmlTable(
        _ table: QueryTable, keys: [String], id: String, title: String, rows: [[QueryTable.Value]]? = nil,
        link: (String, [QueryTable.Value]) -> String? = { _, _ in nil }, cellClass: (String, [QueryTable.Value]) -> String? = { _, _ in nil }
    ) -> String {
        let columns = keys.compactMap { key in table.columns.first { $0.key == key } }
        var html = "<table id=\"\(id)\"><thead><tr>" + columns.map { "<th>\($0.title.escapedForHTML)</th>" }.joined() + "</tr></thead><tbody>\n"
        for row in rows ?? table.rows {
            html += "<tr>"
            for column in columns {
                let text = (table.value(column.key, in: row)?.display ?? "").escapedForHTML
                let cell = cellClass(column.key, row).map { "<td class=\"\($0)\"" } ?? "<td"
                if let target = link(column.key, row), !text.isEmpty {
                    html += "\(cell)><a href=\"\(target.escapedForHTML)\" title=\"\(title.escapedForHTML)\">\(text)</a></td>"
                } else {
                    html += "\(cell) title=\"\(title.escapedForHTML)\">\(text.isEmpty ? "—" : text)</td>"
                }
            }
            html += "</tr>\n"
        }
        return html + "</tbody></table>"
    }

    func movesTable(_ table: QueryTable) -> String {
        htmlTable(
            table, keys: ["region", "upgrades", "downgrades", "leftCoverage", "leftDeep"], id: "stage-moves",
            title: "gongfu query stage-moves --year \(year)",
            link: { key, row in
                key == "region" ? nil : "/v1/coverage/moves?year=\(year)&region=\(table.value("region", in: row)?.display ?? "")"
            })
    }

    func targetsTable(_ table: QueryTable) -> String {
        let statusClass = { (key: String, row: [QueryTable.Value]) -> String? in
            guard key == "status" else { return nil }
            return switch table.value("status", in: row)?.display {
            case "达标", "已达标": "good"
            case "落后", "未达标": "bad"
            default: nil
            }
        }
        return htmlTable(
            table, keys: ["title", "period", "unit", "actual", "goal", "dueYear", "expected", "share", "status", "basis"], id: "targets",
            title: "gongfu query targets --year \(year) --date \(date)",
            link: { key, row in
                guard key == "actual" else { return nil }
                switch table.value("target", in: row)?.display {
                case "coverage", "coverageGain": return explainLink(nil, "coverage").replacingOccurrences(of: "&amp;", with: "&")
                case "deep", "deepGain": return explainLink(nil, "deep").replacingOccurrences(of: "&amp;", with: "&")
                default: return "/v1/targets?year=\(year)&date=\(date)"
                }
            }, cellClass: statusClass)
            + "<p class=\"note\">状态：目标年度已过为“达标/未达标”；否则实际达到目标为“已达标”，达到按进度应达值（由基数或上一目标匀速推进）为“进度正常”，不足为“落后”。计数规则见 CSV 的 rule 列与 <code>scoreboard.json</code>。</p>"
    }

    func cityTargetsTable(_ table: QueryTable) -> String {
        let rates = table.rows.filter { ["coverage", "deep", "coverageGain", "deepGain"].contains(table.value("target", in: $0)?.display ?? "") }
        return htmlTable(
            table, keys: ["name", "title", "actual", "goal", "expected", "status"], id: "targets-by-city",
            title: "gongfu query targets --year \(year) --by city", rows: rates,
            link: { key, row in
                guard key == "actual", let code = table.value("code", in: row)?.display else { return nil }
                let figure = (table.value("target", in: row)?.display ?? "").hasPrefix("deep") ? "deep" : "coverage"
                return explainLink(code, figure).replacingOccurrences(of: "&amp;", with: "&")
            })
    }

    func programmeTable(_ table: QueryTable) -> String {
        // One row per city, one column per metric.
        let metrics = ProgrammeReadModel.metrics.filter {
            [
                "enterprisesServed", "leftPendingLibrary", "returnedToPendingLibrary", "diagnosisVisits", "trainingsAttended", "trialsStarted",
                "projectsFiled",
            ]
            .contains($0.metric)
        }
        var values: [String: [String: String]] = [:]
        for row in table.rows {
            let city = table.value("city", in: row)?.display ?? ""
            values[city, default: [:]][table.value("metric", in: row)?.display ?? ""] = table.value("value", in: row)?.display
        }
        let reference = ReferenceData.standard.placeName
        var html =
            "<table id=\"programme-by-city\"><thead><tr><th>市</th>" + metrics.map { "<th>\($0.title)</th>" }.joined() + "</tr></thead><tbody>\n"
        for city in values.keys.sorted() {
            html += "<tr><td>\(reference(city).escapedForHTML)</td>"
            for metric in metrics {
                html +=
                    "<td><a href=\"/v1/metrics/programme?year=\(year)&amp;region=\(city)\" title=\"gongfu query programme --year \(year) --city \(city)\">\(values[city]?[metric.metric] ?? "0")</a></td>"
            }
            html += "</tr>\n"
        }
        return html + "</tbody></table>"
    }

    func projectsTable(_ table: QueryTable) -> String {
        var totals: [String: [Int]] = [:]
        for row in table.rows {
            let city = table.value("code", in: row)?.display ?? ""
            let counts = ["filed", "completed", "cancelled", "inProgress", "benchmarkCandidates"].map {
                Int(table.value($0, in: row)?.display ?? "") ?? 0
            }
            totals[city] = zip(totals[city] ?? [0, 0, 0, 0, 0], counts).map(+)
        }
        var html =
            "<table id=\"project-progress\"><thead><tr><th>市</th><th>当年备案</th><th>当年完成</th><th>当年取消</th><th>年末在建</th><th>标杆候选</th></tr></thead><tbody>\n"
        for city in totals.keys.sorted() {
            html += "<tr><td>\(ReferenceData.standard.placeName(city).escapedForHTML)</td>"
            for (index, status) in ["", "completed", "cancelled", "inProgress", "completed"].enumerated() {
                let query = "year=\(year)&amp;region=\(city)" + (status.isEmpty ? "" : "&amp;status=\(status)")
                html +=
                    "<td><a href=\"/v1/projects?\(query)\" title=\"gongfu query project-progress --year \(year)\">\(totals[city]![index])</a></td>"
            }
            html += "</tr>\n"
        }
        html += "</tbody></table>\n<p class=\"note\">按转型领域的细分见 project-progress.csv。</p>"
        return html
    }

    func needsTable(_ table: QueryTable) -> String {
        htmlTable(
            table, keys: ["title", "group", "enterprises", "mentions", "l0", "l1", "l2", "l3", "l4", "l5"], id: "needs",
            title: "gongfu query needs --year \(year)",
            link: { key, row in
                key == "enterprises" ? "/v1/needs?year=\(year)&by=city" : nil
            })
            + "<p class=\"note\">来自现场诊断与评估记录的类别（<code>needs.json</code>）；按企业当日所处阶段计。分市见 needs-by-city.csv，分行业见 <code>gongfu query needs --by industry</code>。</p>"
    }

    func recognitionTables(_ benchmarks: QueryTable, _ incentives: QueryTable) -> String {
        var awards: [String: Int] = [:]
        for row in benchmarks.rows where (benchmarks.value("revokedOn", in: row)?.display ?? "").isEmpty {
            let key = ["kind", "level", "city"].map { benchmarks.value($0, in: row)?.display ?? "" }.joined(separator: "|")
            awards[key, default: 0] += 1
        }
        var html =
            "<h3>标杆认定（按类别、级别、市；已撤销的不计）</h3>\n<table id=\"benchmarks-summary\"><thead><tr><th>类别</th><th>级别</th><th>市</th><th>数量</th></tr></thead><tbody>\n"
        for (key, count) in awards.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            html +=
                "<tr><td>\(parts[0].escapedForHTML)</td><td>\(parts[1] == "national" ? "国家级" : "省级")</td><td>\(ReferenceData.standard.placeName(parts[2]).escapedForHTML)</td><td><a href=\"/v1/benchmarks?year=\(year)&amp;status=\(parts[0].addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")\">\(count)</a></td></tr>\n"
        }
        html += "</tbody></table>\n"
        var grants: [String: (count: Int, fen: Int)] = [:]
        for row in incentives.rows {
            let key = ["policy", "city"].map { incentives.value($0, in: row)?.display ?? "" }.joined(separator: "|")
            grants[key, default: (0, 0)].count += 1
            grants[key]!.fen += Int(incentives.value("amountFen", in: row)?.display ?? "") ?? 0
        }
        html +=
            "<h3>奖补兑现（按政策、市）</h3>\n<table id=\"incentives-summary\"><thead><tr><th>政策</th><th>市</th><th>笔数</th><th>金额(万元)</th></tr></thead><tbody>\n"
        for (key, grant) in grants.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            html +=
                "<tr><td>\(parts[0].escapedForHTML)</td><td>\(ReferenceData.standard.placeName(parts[1]).escapedForHTML)</td><td><a href=\"/v1/incentives?year=\(year)&amp;region=\(parts[1])\">\(grant.count)</a></td><td>\(String(format: "%.2f", Double(grant.fen) / 1_000_000))</td></tr>\n"
        }
        return html + "</tbody></table>"
    }

    func rankingTable(_ table: QueryTable) -> String {
        htmlTable(
            table,
            keys: [
                "rank", "name", "coverageRate", "coverageGain", "netCoverageRate", "netCoverageGain", "netRank", "rankMoved", "flaggedEnterprises",
            ],
            id: "ranking", title: "gongfu query incentive-ranking --year \(year)",
            link: { key, row in
                switch key {
                case "coverageRate", "coverageGain", "netCoverageRate": table.value("explain", in: row)?.display
                case "flaggedEnterprises": "/v1/audit/findings?year=\(year)&region=\(table.value("city", in: row)?.display ?? "")"
                default: nil
                }
            },
            cellClass: { key, row in key == "rankMoved" && table.value("rankMoved", in: row)?.display == "本市存疑事件" ? "bad" : nil })
            + "<p class=\"note\">“剔除存疑后”将督查规则（阶段跳升无诊断、升级无评估、评估关闭后补录）标记的定级事件逐一撤回后重算；存疑事件序号见 ranking.csv 的 flaggedEvents 列，逐企业核查见各数字的链接。</p>"
    }
}
