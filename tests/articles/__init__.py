"""Short articles written for the tests in the style of Chinese government news.

They are this project's own text (no sentence comes from the source documents) and cover every
date form extraction reads, several regions, a plan beside an achievement, and place names that
are ambiguous (太谷 names a county before 2019 and a district after it).
"""

from __future__ import annotations

# A city health commission's news item, published 2024-06-20 by Jinzhong (140700).
JINZHONG_NEWS = """\
晋中市卫生健康委员会
2024年6月20日

　　本报讯　6月18日上午9时30分，晋中市召开全市紧密型县域医共体建设推进会议，总结去年工作，部署下一阶段任务。
　　会议指出，2023年以来，全市医共体建设取得明显成效。2023年10月，平遥县被国家卫生健康委确定为紧密型县域医共体建设试点县。
　　今年上半年，灵石县人民医院门诊人次同比增长12.5%。
　　二〇一七年十月，介休市组建成立介休市医疗集团。
　　５月上旬，寿阳县获得省级奖励资金300万元。
　　截至目前，榆次区已建成乡镇卫生院中医馆15个；力争到2025年底，全区实现中医馆全覆盖。
　　下一步，昔阳县将积极探索医防融合新模式，力争年底前创建成国家慢性病综合防控示范区。
　　2018年，太谷被列为国家慢性病综合防控示范区。2022年，太谷被确定为国家慢性病综合防控示范区复审单位。
　　年初，市医保局印发《晋中市按病种分值付费实施细则》（市医保发〔2024〕3号）。
　　2023年底，左权县在全省医改考核中被评为优秀等次。
　　2019—2021年，榆社县累计投入医疗卫生建设资金1.2亿元。
　　前年，祁县挂牌成立县医学检验中心。
　　近年来，和顺县持续加强基层医疗卫生服务能力建设。
"""
JINZHONG_NEWS_PUBLISHED = "2024-06-20"

# A county media centre's report, published 2025-03-10 by Qingxu (140121).
COUNTY_REPORT = """\
清徐县召开家庭医生签约服务工作会议

　　3月7日，全县家庭医生签约服务工作会议在县卫健局召开。
　　去年，全县组建家庭医生签约服务团队86个，重点人群签约率达到78%。
　　今年，县卫健局将继续推进签约服务提质扩面。
　　力争到2026年底，全县重点人群签约率达到85%。
"""
COUNTY_REPORT_PUBLISHED = "2025-03-10"

# A provincial commission's news item, published 2025-09-12 by Shanxi (140000): regions in roles
# other than subject — counties that spoke at a meeting held elsewhere, a province that designated
# a city, a body that awarded a county — beside a plain policy with one region.
PROVINCE_ROLES = """\
山西省卫生健康委员会
2025年9月12日

　　9月10日，全省公立医院高质量发展推进会在太原市召开，大同市、长治市和介休市作交流发言。
　　8月下旬，山西省卫健委将孝义市确定为紧密型县域医共体建设试点县。
　　8月，省医改领导小组对晋城市给予奖励资金500万元。
　　今年7月，忻州市印发《忻州市家庭医生签约服务提质方案》。
"""
PROVINCE_ROLES_PUBLISHED = "2025-09-12"
