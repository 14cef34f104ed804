import Testing

@testable import Domain

@Suite struct USCCTests {
    /// Published codes of real enterprises (from their business licences).
    @Test(arguments: ["9144030071526726XG", "914403001922038216", "91110000802100433B", "91370200163562681G"])
    func acceptsRealCodes(code: String) throws {
        let uscc = try USCC(code)
        #expect(uscc.value == code)
    }

    @Test func partsAreNamed() throws {
        let uscc = try USCC("91370200163562681G")
        #expect(uscc.divisionCode == "370200")
        #expect(uscc.organisationCode == "163562681")
    }

    @Test func historicDivisionCodesStayValid() throws {
        // Issued by 莱芜 (371200) before it became part of 济南 in 2019.
        let first17 = "91371200" + "MA3C0XY" + "0"
        let body = String(first17.dropFirst(8).prefix(8))
        let organisationCheck = try #require(USCC.organisationCheckCharacter(for: body))
        let withOrganisationCheck = String(first17.prefix(16)) + String(organisationCheck)
        let check = try #require(USCC.checkCharacter(for: withOrganisationCheck))
        let uscc = try USCC(withOrganisationCheck + String(check))
        #expect(uscc.divisionCode == "371200")
    }

    @Test func everySingleCharacterChangeIsCaught() throws {
        let valid = Array("91370200163562681G")
        let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
        for position in valid.indices {
            for replacement in alphabet where replacement != valid[position] {
                var changed = valid
                changed[position] = replacement
                #expect(throws: USCCError.self, "\(String(changed)) (position \(position + 1))") { try USCC(String(changed)) }
            }
        }
    }

    @Test(arguments: [
        ("9137020016356268", USCCError.length(16)),
        ("91370200163562681O", USCCError.character(position: 18, character: "O")),
        ("9I370200163562681G", USCCError.character(position: 2, character: "I")),
        ("H1370200163562681G", USCCError.department("H")),
        ("9137A200163562681G", USCCError.division("37A200")),
        ("91370200163562682G", USCCError.organisationCheck(expected: "1", found: "2")),
        ("91370200163562681H", USCCError.check(expected: "G", found: "H")),
    ])
    func namesWhatIsWrong(code: String, error: USCCError) {
        #expect(throws: error) { try USCC(code) }
    }

    @Test func messagesSayWhereAndWhat() {
        #expect(USCCError.check(expected: "G", found: "H").description.contains("character 18"))
        #expect(USCCError.organisationCheck(expected: "1", found: "2").description.contains("GB 11714"))
        #expect(USCCError.character(position: 4, character: "S").description.contains("except I, O, S, V, Z"))
    }
}

@Suite struct ReferenceDataTests {
    let data = ReferenceData.standard

    @Test func theSixteenCitiesWithTheirCodes() {
        let expected = [
            "370100": "济南市", "370200": "青岛市", "370300": "淄博市", "370400": "枣庄市", "370500": "东营市", "370600": "烟台市",
            "370700": "潍坊市", "370800": "济宁市", "370900": "泰安市", "371000": "威海市", "371100": "日照市", "371300": "临沂市",
            "371400": "德州市", "371500": "聊城市", "371600": "滨州市", "371700": "菏泽市",
        ]
        #expect(data.cities.count == 16)
        #expect(Dictionary(uniqueKeysWithValues: data.cities.map { ($0.code, $0.name) }) == expected)
    }

    @Test func countiesBelongToTheirCity() {
        let counties = data.cities.flatMap(\.counties)
        #expect(counties.count == 136)
        #expect(Set(counties.map(\.code)).count == 136)
        for city in data.cities {
            for county in city.counties { #expect(county.code.prefix(4) == city.code.prefix(4), "\(county.name)") }
        }
        #expect(data.city(containing: "370211")?.name == "青岛市")
        #expect(data.city(containing: "370116")?.name == "济南市")
    }

    @Test func historicCodesAreKnownAndPointToTheirSuccessors() {
        #expect(data.isKnownDivision("371200"))
        #expect(data.historicDivisions.first { $0.code == "371200" }?.successor == "370100")
        for historic in data.historicDivisions {
            #expect(data.city(containing: historic.successor) != nil, "\(historic.name) → \(historic.successor)")
            #expect(data.city(containing: historic.code) == nil, "\(historic.name) is not current")
        }
        #expect(!data.isKnownDivision("379900"))
    }

    @Test func industrialDivisionsAndSectorGroups() {
        // 规上工业: mining (B 06–12), manufacturing (C 13–43), utilities (D 44–46).
        #expect(data.industries.map(\.code) == (6...46).map { String(format: "%02d", $0) })
        #expect(data.industries.map(\.section) == Array(repeating: "B", count: 7) + Array(repeating: "C", count: 31) + ["D", "D", "D"])
        #expect(data.industry(for: "C3484")?.name == "通用设备制造业")
        #expect(data.industry(for: "1711")?.name == "纺织业")
        #expect(data.industry(for: "B0610")?.name == "煤炭开采和洗选业")
        #expect(data.industry(for: "0610")?.industryCode == "B06")
        #expect(data.industry(for: "D4411")?.name == "电力、热力生产和供应业")
        #expect(data.industry(for: "C0610") == nil, "a mining division under the manufacturing letter")
        #expect(data.industry(for: "F5110") == nil && data.industry(for: "5110") == nil, "wholesale is not industry")
        #expect(data.sectorGroups(for: "C1711").map(\.name) == ["纺织"])
        #expect(data.sectorGroups(for: "C3011").map(\.name) == ["建材"])
        #expect(data.sectorGroups(for: "C1310").map(\.name) == ["轻工"])
        #expect(data.sectorGroups(for: "C3484").isEmpty)
        // Read byte by byte, the same as the rule read character by character: an optional
        // letter (the division's section), then two digits or more.
        func plain(_ code: String) -> ReferenceData.IndustryDivision? {
            let section = code.first.flatMap { $0.isLetter ? String($0) : nil }
            let digits = section == nil ? code : String(code.dropFirst())
            guard digits.count >= 2, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            guard let division = data.industries.first(where: { $0.code == String(digits.prefix(2)) }) else { return nil }
            return section == nil || section == division.section ? division : nil
        }
        let starts = ["", "B", "C", "D", "c", "Z", "中", "Ｃ", "-", " ", "0", "é"]
        let rests = ["", "3", "34", "3484", "06", "0610", "4411", "46", "47", "99", "00", "3a", "34 ", "٣٤", "１７"]
        for start in starts {
            for rest in rests { #expect(data.industry(for: start + rest) == plain(start + rest), "\(start + rest)") }
        }
        let grouped = data.sectorGroups.flatMap(\.divisions)
        #expect(grouped.allSatisfy { code in data.industries.contains { $0.code == code } })
    }
}

extension USCCTests {
    /// The in-place check against the step-by-step one, on valid codes and on codes with one
    /// or two characters changed to anything (letters, digits, lower case, non-ASCII).
    @Test func inPlaceCheckAgreesWithStepByStep() {
        var random = SystemRandomNumberGenerator()
        let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
        let others = alphabet + Array("IOSVZa-中 ")
        var samples = ["", "91370200163562681", "91370200163562681GG", "９1370200163562681G"]
        for _ in 0..<4000 {
            let department = String(Array("123456789ABCDEFGNY").randomElement(using: &random)!)
            let division = String((0..<6).map { _ in Character(String(Int.random(in: 0...9, using: &random))) })
            let rest = String((0..<9).map { _ in alphabet.randomElement(using: &random)! })
            let first16 = department + rest.prefix(1) + division + rest.dropFirst()
            let organisation = USCC.organisationCheckCharacter(for: String(first16.dropFirst(8))) ?? "0"
            let first17 = first16 + String(organisation)
            let code = first17 + String(USCC.checkCharacter(for: first17) ?? "0")
            samples.append(code)
            var changed = Array(code)
            for _ in 0..<Int.random(in: 1...2, using: &random) {
                changed[Int.random(in: 0..<18, using: &random)] = others.randomElement(using: &random)!
            }
            samples.append(String(changed))
        }
        for sample in samples {
            let stepByStep = (try? USCC(checking: sample)) != nil
            #expect(USCC.isValid(sample) == stepByStep, "\(sample)")
        }
        #expect(samples.filter(USCC.isValid).count >= 4000)
    }
}
