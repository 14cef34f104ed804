extension JSONValue {
    /// Indented JSON for files people read (schemas, reports): two spaces, keys sorted as in
    /// the canonical form, arrays of scalars on one line, a final newline.
    public var prettyText: String {
        var output: [UInt8] = []
        writePretty(self, indent: 0, into: &output)
        output.append(0x0A)
        return String(decoding: output, as: UTF8.self)
    }

    private func writePretty(_ value: JSONValue, indent: Int, into output: inout [UInt8]) {
        let padding = Array(repeating: UInt8(ascii: " "), count: indent + 2)
        switch value {
        case .array(let elements) where elements.contains(where: \.isContainer):
            output.append(contentsOf: "[\n".utf8)
            for (index, element) in elements.enumerated() {
                output.append(contentsOf: padding)
                writePretty(element, indent: indent + 2, into: &output)
                output.append(contentsOf: (index < elements.count - 1 ? ",\n" : "\n").utf8)
            }
            output.append(contentsOf: Array(repeating: UInt8(ascii: " "), count: indent))
            output.append(UInt8(ascii: "]"))
        case .object(let members) where !members.isEmpty:
            output.append(contentsOf: "{\n".utf8)
            let keys = members.keys.sorted { CanonicalJSON.precedes($0, $1) }
            for (index, key) in keys.enumerated() {
                output.append(contentsOf: padding)
                CanonicalJSON.writeString(key, into: &output)
                output.append(contentsOf: ": ".utf8)
                writePretty(members[key]!, indent: indent + 2, into: &output)
                output.append(contentsOf: (index < keys.count - 1 ? ",\n" : "\n").utf8)
            }
            output.append(contentsOf: Array(repeating: UInt8(ascii: " "), count: indent))
            output.append(UInt8(ascii: "}"))
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(contentsOf: ", ".utf8) }
                CanonicalJSON.write(element, into: &output)
            }
            output.append(UInt8(ascii: "]"))
        default:
            CanonicalJSON.write(value, into: &output)
        }
    }

    private var isContainer: Bool {
        switch self {
        case .array, .object: true
        default: false
        }
    }
}
