import Foundation

/// One data series of a chart: a name, a colour and a value per category (nil: no data).
public struct ChartSeries: Sendable {
    public var key: String
    public var name: String
    public var color: String
    public var values: [Double?]
    /// Drawn dashed (plan targets).
    public var dashed: Bool

    public init(key: String, name: String, color: String, values: [Double?], dashed: Bool = false) {
        self.key = key
        self.name = name
        self.color = color
        self.values = values
        self.dashed = dashed
    }
}

/// Server-drawn SVG charts: no scripts, no external resources. Every mark carries its series,
/// category and value as `data-*` attributes, so the numbers can be checked in the DOM.
public enum Charts {
    static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }

    /// Grouped vertical bars, one group per category, with the value above each bar and an
    /// optional horizontal reference line (a target) per series.
    public static func bars(
        id: String, title: String, categories: [String], series: [ChartSeries],
        references: [(label: String, value: Double, color: String)] = [], maximum: Double = 100
    ) -> String {
        let width = max(640, 60 + categories.count * (series.count * 16 + 14))
        let height = 300
        let left = 44.0
        let bottom = 250.0
        let top = 20.0
        let plotHeight = bottom - top
        let groupWidth = (Double(width) - left - 10) / Double(max(categories.count, 1))
        let barWidth = min(28, (groupWidth - 8) / Double(max(series.count, 1)))
        func y(_ value: Double) -> Double { bottom - plotHeight * min(value, maximum) / maximum }
        var svg = """
            <svg id="\(id)" class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(width) \(height)" role="img" aria-label="\(title.escapedForHTML)">
            <title>\(title.escapedForHTML)</title>

            """
        for tick in stride(from: 0.0, through: maximum, by: maximum / 5) {
            svg += "<line x1=\"\(left)\" x2=\"\(width - 10)\" y1=\"\(y(tick))\" y2=\"\(y(tick))\" stroke=\"#e3e6ea\"/>"
            svg += "<text x=\"\(left - 6)\" y=\"\(y(tick) + 4)\" text-anchor=\"end\" class=\"axis\">\(format(tick))</text>\n"
        }
        for (index, category) in categories.enumerated() {
            let groupLeft = left + Double(index) * groupWidth + (groupWidth - barWidth * Double(series.count)) / 2
            for (number, one) in series.enumerated() {
                guard let value = one.values[index] else { continue }
                let x = groupLeft + Double(number) * barWidth
                svg += "<rect class=\"bar\" data-series=\"\(one.key)\" data-category=\"\(category.escapedForHTML)\" data-value=\"\(format(value))\" "
                svg += "x=\"\(x)\" y=\"\(y(value))\" width=\"\(barWidth - 2)\" height=\"\(bottom - y(value))\" fill=\"\(one.color)\">"
                svg += "<title>\(category.escapedForHTML) \(one.name.escapedForHTML) \(format(value))</title></rect>"
                svg += "<text x=\"\(x + (barWidth - 2) / 2)\" y=\"\(y(value) - 3)\" text-anchor=\"middle\" class=\"value\">\(format(value))</text>\n"
            }
            svg +=
                "<text x=\"\(left + (Double(index) + 0.5) * groupWidth)\" y=\"\(bottom + 16)\" text-anchor=\"middle\" class=\"category\">\(category.escapedForHTML)</text>\n"
        }
        for reference in references {
            svg +=
                "<line class=\"reference\" data-value=\"\(format(reference.value))\" x1=\"\(left)\" x2=\"\(width - 10)\" y1=\"\(y(reference.value))\" y2=\"\(y(reference.value))\" stroke=\"\(reference.color)\" stroke-dasharray=\"6 4\"/>"
            svg +=
                "<text x=\"\(width - 12)\" y=\"\(y(reference.value) - 4)\" text-anchor=\"end\" class=\"axis\">\(reference.label.escapedForHTML) \(format(reference.value))</text>\n"
        }
        svg += legend(series, x: left, y: Double(height) - 16)
        return svg + "</svg>"
    }

    /// Lines over categories (years), points labelled with their values; dashed series for targets.
    public static func lines(id: String, title: String, categories: [String], minimum: Double = 0, maximum: Double = 100, series: [ChartSeries])
        -> String
    {
        let width = 640
        let height = 300
        let left = 44.0
        let right = Double(width) - 30
        let bottom = 250.0
        let top = 20.0
        func x(_ index: Int) -> Double {
            categories.count < 2 ? (left + right) / 2 : left + (right - left) * Double(index) / Double(categories.count - 1)
        }
        func y(_ value: Double) -> Double { bottom - (bottom - top) * (min(max(value, minimum), maximum) - minimum) / (maximum - minimum) }
        var svg = """
            <svg id="\(id)" class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(width) \(height)" role="img" aria-label="\(title.escapedForHTML)">
            <title>\(title.escapedForHTML)</title>

            """
        for tick in stride(from: minimum, through: maximum, by: maximum - minimum <= 50 ? 5 : 10) {
            svg += "<line x1=\"\(left)\" x2=\"\(right)\" y1=\"\(y(tick))\" y2=\"\(y(tick))\" stroke=\"#e3e6ea\"/>"
            svg += "<text x=\"\(left - 6)\" y=\"\(y(tick) + 4)\" text-anchor=\"end\" class=\"axis\">\(format(tick))</text>\n"
        }
        for (index, category) in categories.enumerated() {
            svg += "<text x=\"\(x(index))\" y=\"\(bottom + 16)\" text-anchor=\"middle\" class=\"category\">\(category.escapedForHTML)</text>\n"
        }
        for one in series {
            let points = one.values.enumerated().compactMap { index, value in value.map { (index, $0) } }
            if points.count > 1 {
                let path = points.map { "\(x($0.0)),\(y($0.1))" }.joined(separator: " ")
                svg +=
                    "<polyline fill=\"none\" stroke=\"\(one.color)\" stroke-width=\"2.5\"\(one.dashed ? " stroke-dasharray=\"6 4\"" : "") points=\"\(path)\"/>\n"
            }
            for (index, value) in points {
                svg +=
                    "<circle class=\"point\" data-series=\"\(one.key)\" data-category=\"\(categories[index].escapedForHTML)\" data-value=\"\(format(value))\" "
                svg +=
                    "cx=\"\(x(index))\" cy=\"\(y(value))\" r=\"4\" fill=\"\(one.color)\"><title>\(categories[index].escapedForHTML) \(one.name.escapedForHTML) \(format(value))</title></circle>"
                svg += "<text x=\"\(x(index))\" y=\"\(y(value) - 8)\" text-anchor=\"middle\" class=\"value\">\(format(value))</text>\n"
            }
        }
        svg += legend(series, x: left, y: Double(height) - 16)
        return svg + "</svg>"
    }

    /// Horizontal bars, one per step, longest first: the pending library's funnel.
    public static func funnel(id: String, title: String, steps: [(key: String, label: String, count: Int)], total: Int) -> String {
        let width = 640
        let rowHeight = 34
        let height = 20 + rowHeight * (steps.count + 1)
        let left = 110.0
        let right = Double(width) - 70
        func barWidth(_ count: Int) -> Double { total == 0 ? 0 : (right - left) * Double(count) / Double(total) }
        var svg = """
            <svg id="\(id)" class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(width) \(height)" role="img" aria-label="\(title.escapedForHTML)">
            <title>\(title.escapedForHTML)</title>

            """
        let rows = [(key: "pending", label: "在库企业", count: total)] + steps
        for (index, step) in rows.enumerated() {
            let top = 10 + Double(index * rowHeight)
            let share = total == 0 ? 0 : Double(step.count) * 100 / Double(total)
            svg += "<text x=\"\(left - 8)\" y=\"\(top + 19)\" text-anchor=\"end\" class=\"category\">\(step.label.escapedForHTML)</text>"
            svg +=
                "<rect class=\"step\" data-step=\"\(step.key)\" data-value=\"\(step.count)\" x=\"\(left)\" y=\"\(top)\" width=\"\(barWidth(step.count))\" height=\"\(rowHeight - 8)\" fill=\"\(index == 0 ? "#8da2b5" : "#2f7ebc")\">"
            svg += "<title>\(step.label.escapedForHTML) \(step.count)</title></rect>"
            svg +=
                "<text x=\"\(left + barWidth(step.count) + 6)\" y=\"\(top + 19)\" class=\"value\">\(step.count)（\(format((share * 10).rounded() / 10))%）</text>\n"
        }
        return svg + "</svg>"
    }

    static func legend(_ series: [ChartSeries], x: Double, y: Double) -> String {
        var svg = ""
        var offset = x
        for one in series {
            svg += "<rect x=\"\(offset)\" y=\"\(y - 9)\" width=\"12\" height=\"10\" fill=\"\(one.color)\"/>"
            svg += "<text x=\"\(offset + 16)\" y=\"\(y)\" class=\"legend\">\(one.name.escapedForHTML)</text>"
            offset += 30 + Double(one.name.count) * 13
        }
        return svg + "\n"
    }
}
