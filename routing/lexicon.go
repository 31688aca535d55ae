package routing

// DefaultTerms returns the vocabulary of [DefaultLexicon]: Chinese (simplified, with a few traditional
// forms) and English complaint words grouped by keyword category, with sentiment weights (-2 strong
// complaint, -1 complaint, -0.5 topic word with a slight negative lean, positive for praise), and the
// negators. The slice is a fresh copy: extend it and build your own with [NewLexicon].
func DefaultTerms() []Term {
	var out []Term
	add := func(keyword string, weight float64, negatable bool, words ...string) {
		for _, w := range words {
			out = append(out, Term{Text: w, Keyword: keyword, Weight: weight, Negatable: negatable})
		}
	}
	// Anger and contempt.
	add(KeywordAnger, -2, false,
		"愤怒", "气死", "太差", "垃圾", "骗子", "坑人", "忍无可忍", "太过分", "恶心", "生气", "恼火", "欺骗", "最差", "无耻", "黑心",
		"angry", "furious", "outraged", "outrageous", "unacceptable", "terrible", "horrible", "worst", "scam*",
		"disgust*", "fed up", "pathetic", "awful", "rip-off", "ripoff", "livid", "appalling", "disgrace*")
	add(KeywordAnger, -1.5, false, "离谱", "差劲", "过分", "ridiculous", "frustrat*", "useless", "annoy*")
	// Disappointment: negative, but not anger.
	add("", -1, false, "失望", "无语", "糟糕", "不满", "不满意", "disappoint*", "unhappy", "dissatisfied", "poor", "bad")
	add("", -0.5, false, "!!", "！！")
	// Safety hazards. Not negatable: a report that mentions fire or smoke goes to safety even when
	// phrased with a negation ("I can't believe it caught fire").
	add(KeywordSafety, -1, false,
		"安全隐患", "不安全", "危险", "爆炸", "起火", "着火", "冒烟", "漏电", "触电", "自燃", "燃烧", "烧焦", "有毒", "短路", "过热", "发烫", "火花", "電擊", "爆炸了",
		"unsafe", "danger*", "hazard*", "explod*", "explosion", "fire", "caught fire", "smoke", "sparks", "sparking",
		"electric shock", "electrocut*", "overheat*", "burning smell", "short circuit", "toxic", "melted", "melting")
	// Injuries: negatable ("没有人受伤", "no one was hurt").
	add(KeywordInjury, -2, true,
		"受伤", "烫伤", "烧伤", "划伤", "割伤", "骨折", "住院", "送医", "过敏", "中毒", "流血", "出血", "伤口", "急诊", "受傷",
		"injur*", "hurt", "burned", "burnt", "bleeding", "hospital*", "emergency room", "poison*", "allergic reaction",
		"wound*", "fracture*", "stitches")
	add(KeywordInjury, -1, true, "就医", "看医生", "saw a doctor")
	// Medical devices: a topic, no sentiment of its own.
	add(KeywordMedical, 0, false,
		"医疗器械", "医疗设备", "血糖仪", "血压计", "呼吸机", "制氧机", "监护仪", "胰岛素泵", "输液泵", "助听器", "体温计", "雾化器", "医疗器材",
		"medical device", "glucose meter", "glucometer", "blood pressure monitor", "ventilator", "oxygen concentrator",
		"insulin pump", "infusion pump", "hearing aid", "thermometer", "nebuli*", "pacemaker", "cpap")
	// Legal threats and regulators.
	add(KeywordLegal, -1.5, false,
		"律师", "起诉", "法院", "诉讼", "消协", "消费者协会", "12315", "市场监管", "工商局", "维权", "报警", "仲裁", "法律途径",
		"lawyer*", "attorney*", "sue", "suing", "lawsuit*", "court", "legal action", "regulator*", "class action",
		"small claims", "consumer protection", "trading standards", "ombudsman")
	// Media exposure.
	add(KeywordMedia, -1, false,
		"媒体", "曝光", "微博", "记者", "抖音", "热搜", "小红书", "发帖", "朋友圈", "网上说", "公之于众",
		"media", "journalist*", "press", "reporter*", "twitter", "tweet*", "viral", "social media", "news",
		"expose", "reddit", "tiktok", "post online", "going public")
	// Urgency.
	add(KeywordUrgent, -0.5, false, "紧急", "马上", "立刻", "尽快", "十万火急", "急需", "急用",
		"urgent*", "immediately", "asap", "right away", "emergency")
	// Repeat complaints.
	add(KeywordRepeat, -1, false, "再次", "又一次", "多次", "第二次", "第三次", "反复", "还是没", "一直没", "又坏了",
		"again", "repeatedly", "second time", "third time", "still not", "still haven't", "multiple times", "once more")
	// Refunds and compensation: the topic stands under negation ("没有退款", "not refunded").
	add(KeywordRefund, -0.5, false, "退款", "退货", "退钱", "赔偿", "索赔", "退换", "补偿", "换货", "退費",
		"refund*", "money back", "compensation", "compensate", "reimburs*", "chargeback", "replacement")
	// Product quality.
	add(KeywordQuality, -1, false, "质量问题", "质量差", "坏了", "损坏", "故障", "破损", "裂开", "裂纹", "失灵", "不工作", "无法开机", "开不了机", "瑕疵", "次品", "品質",
		"defect*", "broken", "broke", "faulty", "malfunction*", "stopped working", "doesn't work", "does not work",
		"cracked", "damaged", "poor quality")
	// Delivery.
	add(KeywordDelivery, -0.5, false, "物流", "快递", "配送", "发货", "没收到", "未收到", "送货", "延迟", "迟迟",
		"delivery", "deliver*", "shipping", "shipment", "courier", "parcel", "late", "delay*", "never arrived", "not arrived")
	// Billing.
	add(KeywordBilling, -0.5, false, "扣费", "多收", "乱收费", "账单", "发票", "重复扣款", "收费",
		"charged", "overcharg*", "double charged", "billing", "invoice*", "fee", "fees")
	// Service.
	add(KeywordService, -1, false, "态度", "服务差", "不理人", "推诿", "踢皮球", "敷衍", "没人管", "没人接",
		"没有回复", "不回复", "不回电话",
		"rude", "attitude", "ignored", "unhelpful", "no one answered", "hung up", "nobody answered",
		"never answered", "never replied", "never called back", "no reply", "no response")
	// Praise.
	add("", 1, false, "感谢", "谢谢", "不错", "专业", "及时", "耐心", "thank*", "great", "helpful", "appreciate*", "happy", "kind")
	add("", 1.5, false, "满意", "好评", "很好", "satisfied", "excellent", "wonderful")
	add("", 2, false, "非常满意", "very satisfied")
	add("", 0.5, false, "good", "ok", "fine")
	// Negators.
	for _, w := range []string{"不", "没", "没有", "无", "未", "别", "非", "并非", "不是", "没人",
		"not", "no", "never", "without", "nobody", "don't", "didn't", "doesn't", "isn't", "wasn't", "won't", "can't",
		"cannot", "couldn't", "haven't", "hasn't", "weren't", "aren't", "nothing", "no one"} {
		out = append(out, Term{Text: w, Negator: true})
	}
	return out
}
