/// The demo province's proportions: how enterprises spread over cities and industries, the
/// industrial chains, and the words Chinese company names are made of. Plausible, not official.
enum ProvinceData {
    /// City code → share of the province's enterprises above designated size.
    static let cityWeights: [(code: String, short: String, weight: Double)] = [
        ("370100", "济南", 9), ("370200", "青岛", 15), ("370300", "淄博", 9), ("370400", "枣庄", 4),
        ("370500", "东营", 4), ("370600", "烟台", 10), ("370700", "潍坊", 12), ("370800", "济宁", 7),
        ("370900", "泰安", 4), ("371000", "威海", 5), ("371100", "日照", 3), ("371300", "临沂", 8),
        ("371400", "德州", 5), ("371500", "聊城", 5), ("371600", "滨州", 4), ("371700", "菏泽", 6),
    ]

    /// GB/T 4754-2017 classes (小类) common in the province — manufacturing, mining and
    /// utilities — with a weight, the name's trade word and the industrial chain they belong to.
    static let classes: [(code: String, weight: Double, trade: String, chain: String)] = [
        ("C1331", 3, "粮油", "现代食品"), ("C1351", 2, "食品", "现代食品"), ("C1391", 2, "生物科技", "现代食品"),
        ("C1411", 2, "食品", "现代食品"), ("C1524", 1, "酒业", "现代食品"),
        ("C1711", 4, "纺织", "纺织服装"), ("C1713", 2, "印染", "纺织服装"), ("C1810", 3, "服饰", "纺织服装"),
        ("C2221", 2, "纸业", "新材料"), ("C2614", 4, "化工", "绿色化工"), ("C2621", 2, "化肥", "绿色化工"),
        ("C2710", 3, "制药", "医养健康"), ("C2911", 3, "轮胎", "新材料"), ("C2922", 3, "塑胶", "新材料"),
        ("C3011", 2, "水泥", "新材料"), ("C3021", 3, "建材", "新材料"), ("C3120", 2, "钢铁", "新材料"),
        ("C3216", 2, "铝业", "新材料"), ("C3311", 3, "钢构", "高端装备"), ("C3441", 3, "泵业", "高端装备"),
        ("C3484", 5, "精密机械", "高端装备"), ("C3511", 3, "矿山机械", "高端装备"), ("C3611", 1, "汽车", "新能源汽车"),
        ("C3670", 5, "汽车零部件", "新能源汽车"), ("C3831", 2, "电缆", "高端装备"), ("C3841", 2, "新能源", "新能源汽车"),
        ("C3982", 3, "电子", "新一代信息技术"), ("C3989", 2, "电子科技", "新一代信息技术"),
        // Mining (section B) and electricity, heat, gas and water (D): about 2% and 3% of 规上工业.
        ("B0610", 1, "煤业", "能源原材料"), ("B1011", 0.6, "石材", "新材料"),
        ("D4411", 1.2, "热电", "能源原材料"), ("D4430", 0.8, "热力", "能源原材料"), ("D4610", 0.5, "水务", "能源原材料"),
    ]

    static let brandCharacters = Array("华鑫泰恒瑞丰宏盛通达隆源金海德信汇力中昌新永兴科益嘉博诚东鲁齐远航晨阳光明正和顺祥润")

    static let providerWords = ["数智", "云联", "智造", "工业互联", "数科", "信息技术", "软件", "智能科技"]
    static let solutionTitles: [(title: String, domain: String)] = [
        ("智能排产与生产执行系统", "生产制造"), ("设备联网与预测性维护", "生产制造"), ("质量追溯与视觉检测", "生产制造"),
        ("云ERP与业财一体化", "经营管理"), ("供应链协同平台", "供应链管理"), ("仓储物流数字化", "供应链管理"),
        ("研发设计云（CAD/PLM）", "研发设计"), ("能耗在线监测", "经营管理"), ("协同办公与移动审批", "协同办公"),
    ]
    static let commissioners = Array("王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗")
    /// Given names of the digital commissioners (数字专员).
    static let givenNames = [
        "建国", "丽", "伟", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "秀英", "华", "平", "刚", "桂英", "晓东", "海燕", "志强", "雪",
    ]
}
