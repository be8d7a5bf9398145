"""Demo data of the petitions app: every council's list of fields (configurable afterwards), then
voter petitions in every state — for the Bắc Ninh province council, raised at the meetings of the
year-end 2026 round (sessions/demo.py), and a few for the Tiên Du commune council.

Every petition is created and moved through the real services (intake, merge, submission by the
group leader, classification, forwarding, answers, sending back, closing, a request for more time),
so the timeline, the counts and the clocks are what the app itself would have written. Dates are
those of the day the demo is loaded (a promised date is a few months ahead of it).

Runs after sessions/demo.py and is idempotent: a council that already has petitions of the demo
(for the province, any petition raised in the demo round; for the commune, any petition at all)
gets none added."""
import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from delegations.models import (
    Agency,
    AgencyLevel,
    Commune,
    CommuneKind,
    Council,
    DelegateGroup,
    Membership,
    Role,
)
from plans.models import ContactRound, RoundKind
from sessions.demo import YEAR_END_2026
from sessions.models import ContactSession

from . import services
from .models import AnswerOutcome, Petition, PetitionField, PetitionSource, PetitionStatus

DEFAULT_FIELDS = [
    ("Giao thông", "Ban Kinh tế - Ngân sách"), ("Nông nghiệp", "Ban Kinh tế - Ngân sách"),
    ("Y tế", "Ban Văn hóa - Xã hội"), ("Giáo dục", "Ban Văn hóa - Xã hội"),
    ("Đất đai", "Ban Kinh tế - Ngân sách"), ("Đô thị", "Ban Kinh tế - Ngân sách"),
    ("Đầu tư hạ tầng", "Ban Kinh tế - Ngân sách"), ("Môi trường", "Ban Kinh tế - Ngân sách"),
    ("Chính sách xã hội", "Ban Văn hóa - Xã hội"), ("An ninh trật tự", "Ban Pháp chế"),
]

PROVINCE = "HĐND tỉnh Bắc Ninh"
COMMUNE_COUNCIL = "HĐND xã Tiên Du"
COMMUNE_NAME = "Tiên Du"
COMMUNE_AGENCY = ("Ủy ban nhân dân xã Tiên Du", "UBND xã Tiên Du")

# Who answers: the agency the demo user `coquan` answers for (Sở Xây dựng in delegations/demo.py);
# the commune People's Committee of the meeting's commune.
RESPONDER = "responder"
COMMUNE_PC = "commune_pc"
COMMUNE_PREFIX = {CommuneKind.WARD: "phường", CommuneKind.COMMUNE: "xã", CommuneKind.SPECIAL_ZONE: "đặc khu"}

# What is done to each petition after intake (in this order: merge, submit, classify, forward,
# answer, review, ask for more time):
RECEIVED = "received"            # left as received, not classified
FIELD_ONLY = "field_only"        # a field set, no agency yet: still received
CLASSIFIED = "classified"        # classified, waiting to be forwarded
FORWARDED = "forwarded"          # forwarded, waiting for its answer
EXTENSION = "extension"          # forwarded; the agency asked for more time, the office has not decided
RESOLVED_CLOSED = "closed"       # answered "resolved", accepted and closed by the office
IN_PROGRESS = "in_progress"      # answered "being resolved" with a roadmap and a promised date
EXPLAINED = "explained"          # answered "explained", waiting for the office's review
SENT_BACK = "sent_back"          # answered, then sent back to the agency as unsatisfactory
MERGED = "merged"                # merged into the petition named in "into"

# {place} is the meeting's commune with its kind ("phường Kinh Bắc"). Voters: name, their village or
# quarter in the commune, phone. "group" and "meeting" pick the meeting: the group's first or second of the round.
PROVINCE_PETITIONS = [
    {
        "key": "duong-sut-lun", "group": 0, "meeting": 0, "field": "Giao thông", "agency": RESPONDER,
        "step": RESOLVED_CLOSED,
        "summary": "Sửa chữa tuyến đường nội thị bị sụt lún, nhiều ổ gà trước cổng trường tiểu học",
        "text": "Cử tri {place} phản ánh tuyến đường từ ngã tư khu phố đến cổng trường tiểu học bị sụt lún, "
                "nhiều ổ gà; mùa mưa nước đọng thành vũng, học sinh đi xe đạp thường xuyên bị ngã. "
                "Đề nghị sớm sửa chữa, thảm lại mặt đường và nạo vét rãnh thoát nước dọc tuyến.",
        "voters": [("Nguyễn Văn Khải", "3", "0912 345 678"),
                   ("Trần Thị Bích Liên", "5", "0983 217 640")],
        "answer": "Sở Xây dựng đã phối hợp với UBND {place} kiểm tra hiện trường. Đơn vị quản lý, bảo trì "
                  "đường bộ đã vá ổ gà, thảm bù lún mặt đường đoạn dài 450 m và nạo vét toàn bộ rãnh thoát "
                  "nước dọc tuyến; tuyến đường đã được đưa vào sử dụng bình thường.",
        "close_note": "Tổ đại biểu đã thông báo kết quả cho cử tri tại hội nghị; cử tri nhất trí.",
    },
    {
        "key": "thoat-nuoc", "group": 0, "meeting": 0, "field": "Đô thị", "agency": RESPONDER, "step": EXPLAINED,
        "summary": "Đầu tư hệ thống thoát nước khu dân cư thường xuyên bị ngập khi mưa lớn",
        "text": "Mỗi khi mưa lớn, nước tại khu dân cư phía sau chợ {place} không kịp thoát, ngập sâu 30–40 cm, "
                "tràn vào nhà dân. Đề nghị đầu tư cải tạo hệ thống cống thoát nước của khu dân cư.",
        "voters": [("Lê Thị Thanh Nga", "Chợ", "0904 512 386")],
        "answer": "Hệ thống thoát nước khu vực đã được đưa vào danh mục Dự án cải tạo hệ thống thoát nước đô thị "
                  "giai đoạn 2026–2030 do UBND {place} làm chủ đầu tư; việc triển khai phụ thuộc khả năng cân đối "
                  "vốn của địa phương. Trước mắt, Sở Xây dựng đề nghị UBND {place} tổ chức nạo vét cống, "
                  "rãnh trước mùa mưa để giảm ngập cục bộ.",
    },
    {
        "key": "den-tin-hieu", "group": 0, "meeting": 0, "field": "Giao thông", "agency": RESPONDER,
        "step": FORWARDED,
        "summary": "Lắp đèn tín hiệu giao thông, vạch sơn đi bộ tại nút giao đường tỉnh 295B vào khu dân cư",
        "text": "Đề nghị lắp đặt đèn tín hiệu giao thông và kẻ vạch sơn cho người đi bộ tại nút giao giữa "
                "đường tỉnh 295B và đường vào khu dân cư, nơi thường xuyên xảy ra va chạm giữa xe máy và ô tô.",
        "voters": [("Phạm Văn Thắng", "1", "0915 604 218")],
    },
    {
        "key": "den-tin-hieu-2", "group": 0, "meeting": 1, "field": None, "agency": None, "step": MERGED,
        "into": "den-tin-hieu",
        "summary": "Lắp đèn tín hiệu giao thông tại nút giao đường tỉnh 295B",
        "text": "Cử tri đề nghị sớm lắp đèn tín hiệu giao thông, kẻ vạch sơn cho người đi bộ tại nút giao "
                "đường tỉnh 295B với đường vào khu dân cư vì tại đây hay xảy ra va chạm, tai nạn giao thông.",
        "voters": [("Đỗ Thị Hạnh", "Đông", "0936 781 402"),
                   ("Ngô Quang Huy", "Đông", "0868 225 917")],
    },
    {
        "key": "phong-hoc-thpt", "group": 0, "meeting": 0, "field": "Giáo dục", "agency": "Sở Giáo dục và Đào tạo",
        "step": FORWARDED,
        "summary": "Xây thêm phòng học, phòng học bộ môn cho trường THPT trên địa bàn",
        "text": "Trường THPT trên địa bàn {place} thiếu phòng học bộ môn, nhiều lớp có sĩ số trên 45 học sinh. "
                "Đề nghị tỉnh đầu tư xây dựng thêm một dãy phòng học và phòng học bộ môn.",
        "voters": [("Vũ Đình Toàn", "7", "0977 430 815")],
    },
    {
        "key": "cho-tam", "group": 0, "meeting": 0, "field": "Đô thị", "agency": COMMUNE_PC, "step": FORWARDED,
        "summary": "Xử lý họp chợ tạm, lấn chiếm vỉa hè trước cổng chợ",
        "text": "Buổi sáng, nhiều hộ bày bán hàng lấn chiếm vỉa hè, lòng đường trước cổng chợ {place}, "
                "gây ùn tắc giao thông và mất vệ sinh. Đề nghị chính quyền xử lý dứt điểm, bố trí lại chỗ bán.",
        "voters": [("Hoàng Thị Thu", "Chợ", "0912 806 334")],
    },
    {
        "key": "chieu-sang", "group": 0, "meeting": 1, "field": "Giao thông", "agency": RESPONDER, "step": SENT_BACK,
        "summary": "Lắp đặt hệ thống chiếu sáng trên tuyến đường qua khu dân cư",
        "text": "Đoạn đường tỉnh qua khu dân cư {place} dài khoảng 1,2 km đến nay chưa có đèn chiếu sáng, "
                "ban đêm rất nguy hiểm cho người đi đường. Đề nghị sớm lắp đặt hệ thống chiếu sáng.",
        "voters": [("Bùi Văn Lợi", "Tây", "0946 318 027")],
        "answer": "Tuyến đường đã có trong danh mục đầu tư của tỉnh giai đoạn 2026–2030; khi cân đối được nguồn "
                  "vốn, Sở Xây dựng sẽ tham mưu triển khai.",
        "send_back_note": "Câu trả lời chưa nêu thời gian dự kiến đầu tư và đơn vị thực hiện; đề nghị Sở Xây dựng "
                          "trả lời cụ thể lộ trình lắp đặt chiếu sáng cho đoạn tuyến này.",
    },
    {
        "key": "xay-sai-phep", "group": 0, "meeting": 1, "field": "Đô thị", "agency": RESPONDER, "step": EXTENSION,
        "summary": "Xử lý công trình xây dựng sai phép, lấn hành lang, ảnh hưởng nhà liền kề",
        "text": "Một công trình nhà ở tại {place} xây dựng sai giấy phép, lấn sang phần đất hành lang và làm "
                "nứt tường các hộ liền kề. Cử tri đã phản ánh nhiều lần nhưng chưa được xử lý; đề nghị kiểm tra, "
                "xử lý dứt điểm.",
        "voters": [("Đặng Văn Hòa", "Tây", "0985 662 190"),
                   ("Nguyễn Thị Mến", "Tây", "0356 471 203")],
        "extension_reason": "Nội dung kiến nghị cần kiểm tra lại hồ sơ cấp phép và đo đạc hiện trạng công trình "
                            "cùng UBND phường; Sở Xây dựng đề nghị gia hạn thời gian trả lời để có kết quả kiểm tra.",
    },
    {
        "key": "thuoc-bhyt", "group": 0, "meeting": 1, "field": "Y tế", "agency": "Sở Y tế", "step": FORWARDED,
        "summary": "Bảo đảm đủ thuốc, vật tư y tế trong danh mục bảo hiểm y tế tại bệnh viện tuyến tỉnh",
        "text": "Cử tri phản ánh khi khám chữa bệnh bảo hiểm y tế tại bệnh viện tuyến tỉnh, một số loại thuốc "
                "trong danh mục bảo hiểm y tế không có, người bệnh phải tự mua ngoài. Đề nghị bảo đảm đủ thuốc, "
                "vật tư y tế cho người có thẻ bảo hiểm y tế.",
        "voters": [("Trịnh Văn Sơn", "Nam", "0913 275 648")],
    },
    {
        "key": "mo-rong-duong", "group": 0, "meeting": 1, "field": "Giao thông", "agency": RESPONDER,
        "step": IN_PROGRESS,
        "summary": "Sớm hoàn thành dự án cải tạo, mở rộng đường thi công kéo dài",
        "text": "Dự án cải tạo, mở rộng tuyến đường qua {place} thi công kéo dài gần hai năm, bụi bẩn, lầy lội, "
                "ảnh hưởng sinh hoạt và kinh doanh của người dân. Đề nghị đôn đốc nhà thầu sớm hoàn thành.",
        "voters": [("Lương Thị Hồng", "Nam", "0962 158 473")],
        "answer": "Dự án đang thi công, đạt khoảng 75% khối lượng; vướng mắc mặt bằng của 6 hộ đã được giải quyết. "
                  "Sở Xây dựng đã yêu cầu chủ đầu tư và nhà thầu tăng cường nhân lực, thiết bị, tưới nước "
                  "chống bụi hằng ngày.",
        "roadmap": "- Trong 30 ngày: hoàn thành nền, móng đường đoạn còn lại;\n"
                   "- Trong 90 ngày: thảm bê tông nhựa, lắp đặt chiếu sáng và biển báo;\n"
                   "- Bàn giao đưa vào sử dụng trước ngày hẹn.",
        "promised_days": 120,
    },
    {
        "key": "xe-buyt", "group": 1, "meeting": 0, "field": "Giao thông", "agency": RESPONDER, "step": FORWARDED,
        "summary": "Mở thêm tuyến xe buýt kết nối khu công nghiệp với trung tâm tỉnh",
        "text": "Đề nghị mở thêm tuyến xe buýt từ {place} đi trung tâm tỉnh và các khu công nghiệp, "
                "tăng tần suất chuyến vào giờ cao điểm để công nhân, học sinh đi lại thuận tiện.",
        "voters": [("Nguyễn Thị Phương", "2", "0979 804 512")],
    },
    {
        "key": "kenh-tuoi", "group": 1, "meeting": 1, "field": "Nông nghiệp", "agency": "Sở Nông nghiệp và Môi trường",
        "step": FORWARDED,
        "summary": "Nạo vét, kiên cố hóa kênh tưới tiêu bị bồi lắng, sạt lở",
        "text": "Tuyến kênh tưới tiêu qua cánh đồng {place} bị bồi lắng, sạt lở nhiều đoạn, không bảo đảm nước "
                "tưới cho vụ Đông Xuân. Đề nghị nạo vét và kiên cố hóa tuyến kênh.",
        "voters": [("Phan Văn Lực", "Bắc", "0388 142 796"),
                   ("Tạ Thị Lý", "Bắc", "0914 530 672")],
    },
    {
        "key": "bai-rac", "group": 1, "meeting": 0, "field": "Môi trường", "agency": "Sở Nông nghiệp và Môi trường",
        "step": FORWARDED,
        "summary": "Kiểm tra, xử lý mùi hôi và nước rỉ rác tại khu xử lý rác thải",
        "text": "Khu xử lý rác thải gần khu dân cư {place} phát sinh mùi hôi, nước rỉ rác chảy ra ruộng lúa "
                "của người dân. Đề nghị kiểm tra, xử lý ô nhiễm và công khai kết quả quan trắc môi trường.",
        "voters": [("Đinh Văn Tuấn", "4", "0905 771 238")],
    },
    {
        "key": "tro-cap-cao-tuoi", "group": 1, "meeting": 1, "field": "Chính sách xã hội",
        "agency": "Ủy ban nhân dân tỉnh Bắc Ninh", "step": CLASSIFIED,
        "summary": "Nâng mức trợ cấp hằng tháng cho người cao tuổi không có lương hưu",
        "text": "Đề nghị tỉnh xem xét hỗ trợ thêm hằng tháng cho người cao tuổi từ 75 đến dưới 80 tuổi không có "
                "lương hưu, trợ cấp bảo hiểm xã hội, vì mức trợ cấp hiện nay còn thấp so với mức sống.",
        "voters": [("Nguyễn Văn Tư", "Nam", "0916 240 381")],
    },
    {
        "key": "quoc-lo-18", "group": 1, "meeting": 1, "field": "Giao thông", "agency": "Bộ Xây dựng",
        "step": CLASSIFIED,
        "summary": "Sửa chữa mặt đường Quốc lộ 18 bị hằn lún do xe tải trọng lớn",
        "text": "Mặt đường Quốc lộ 18 đoạn qua {place} có nhiều vệt hằn lún sâu do xe tải trọng lớn, "
                "đã xảy ra nhiều vụ tai nạn. Đề nghị cơ quan quản lý quốc lộ sớm sửa chữa.",
        "voters": [("Vương Đình Nam", "Đông", "0983 905 164")],
    },
    {
        "key": "dua-xe", "group": 1, "meeting": 0, "field": "An ninh trật tự", "agency": "Công an tỉnh",
        "step": CLASSIFIED,
        "summary": "Ngăn chặn thanh thiếu niên tụ tập đua xe ban đêm",
        "text": "Ban đêm, nhiều thanh thiếu niên tụ tập đua xe, lạng lách trên các tuyến đường mới mở ở {place}, "
                "gây mất an ninh trật tự. Đề nghị lực lượng công an tăng cường tuần tra, xử lý.",
        "voters": [("Cao Thị Hằng", "1", "0357 612 049")],
    },
    {
        "key": "xe-cho-vat-lieu", "group": 2, "meeting": 0, "field": None, "agency": None, "step": RECEIVED,
        "summary": "",
        "text": "Xe chở vật liệu xây dựng qua {place} không che chắn, làm rơi vãi đất cát, gây bụi và trơn trượt. "
                "Đề nghị kiểm tra, xử lý các xe vi phạm.",
        "voters": [("Nguyễn Đức Mạnh", "Trung", "0912 467 803")],
    },
    {
        "key": "truong-mam-non", "group": 2, "meeting": 1, "field": "Giáo dục", "agency": None, "step": FIELD_ONLY,
        "summary": "Xây thêm phòng học cho trường mầm non",
        "text": "Trường mầm non {place} thiếu phòng học, nhiều cháu phải học nhờ ở nhà văn hóa. "
                "Đề nghị đầu tư xây thêm phòng học.",
        "voters": [("Trần Thị Hoa", "Thượng", "0974 318 652")],
    },
    {
        "key": "tram-y-te", "group": 2, "meeting": 0, "field": "Y tế", "agency": "Sở Y tế", "step": CLASSIFIED,
        "summary": "Bổ sung bác sĩ, trang thiết bị cho trạm y tế",
        "text": "Trạm y tế {place} thiếu bác sĩ và trang thiết bị, người dân phải lên tuyến trên để khám cả "
                "những bệnh thông thường. Đề nghị bổ sung nhân lực và thiết bị cho trạm y tế.",
        "voters": [("Lê Văn Quý", "Trung", "0901 283 567"),
                   ("Phùng Thị Nhàn", "Hạ", "0389 726 015")],
    },
    {
        "key": "boi-thuong", "group": 2, "meeting": 1, "field": None, "agency": None, "step": RECEIVED,
        "summary": "",
        "text": "Đề nghị công khai phương án bồi thường, hỗ trợ, tái định cư của dự án khu công nghiệp trên địa bàn "
                "{place}; nhiều hộ đã bàn giao mặt bằng nhưng chưa nhận được tiền bồi thường đất nông nghiệp.",
        "voters": [("Hà Văn Chiến", "Thượng", "0966 504 839")],
    },
    {
        "key": "giay-chung-nhan", "group": 3, "meeting": 0, "field": "Đất đai", "agency": "Sở Nông nghiệp và Môi trường",
        "step": CLASSIFIED,
        "summary": "Đẩy nhanh cấp giấy chứng nhận quyền sử dụng đất cho các hộ được giao đất giãn dân",
        "text": "Các hộ được giao đất giãn dân tại {place} từ năm 2008 đến nay vẫn chưa được cấp giấy chứng nhận "
                "quyền sử dụng đất. Đề nghị đẩy nhanh việc cấp giấy chứng nhận cho các hộ.",
        "voters": [("Nguyễn Văn Bảy", "Ngoài", "0917 652 480")],
    },
    {
        "key": "ho-tro-lua", "group": 3, "meeting": 1, "field": None, "agency": None, "step": RECEIVED,
        "summary": "",
        "text": "Mưa lớn kéo dài làm ngập úng nhiều diện tích lúa vụ mùa ở {place}. Đề nghị có chính sách hỗ trợ "
                "giống, vật tư để nông dân khôi phục sản xuất.",
        "voters": [("Đoàn Thị Kim", "Trong", "0394 815 276")],
    },
    {
        "key": "the-bhyt-can-ngheo", "group": 3, "meeting": 0, "field": "Chính sách xã hội", "agency": None,
        "step": FIELD_ONLY,
        "summary": "Cấp thẻ bảo hiểm y tế kịp thời cho hộ cận nghèo mới được công nhận",
        "text": "Đề nghị rà soát, bổ sung kịp thời các hộ cận nghèo mới được công nhận ở {place} vào danh sách "
                "được hỗ trợ mua thẻ bảo hiểm y tế; nhiều hộ đã được công nhận ba tháng nhưng chưa có thẻ.",
        "voters": [("Mạc Văn Hưng", "Ngoài", "0868 390 127")],
    },
    {
        "key": "ma-tuy", "group": 3, "meeting": 1, "field": "An ninh trật tự", "agency": "Công an tỉnh",
        "step": CLASSIFIED,
        "summary": "Phòng, chống ma túy trong thanh thiếu niên",
        "text": "Cử tri lo ngại tình trạng sử dụng ma túy trong thanh thiếu niên ở {place}. Đề nghị tăng cường "
                "kiểm tra các cơ sở kinh doanh karaoke, quán bar và xử lý nghiêm các đối tượng.",
        "voters": [("Lã Thị Tuyết", "Trong", "0976 143 208")],
    },
]

# The commune council's own petitions, sent in writing or typed from letters, for its People's
# Committee (the office enters the committee's answer when it comes on paper).
COMMUNE_PETITIONS = [
    {
        "key": "den-duong-thon", "field": None, "step": RECEIVED, "source": PetitionSource.WRITING,
        "summary": "",
        "text": "Đề nghị lắp thêm đèn chiếu sáng trên đường trục thôn Đông đoạn từ nhà văn hóa đến đình làng.",
        "voters": [("Nguyễn Văn Thịnh", "Đông", "0912 703 546")],
    },
    {
        "key": "muong-tieu", "field": "Nông nghiệp", "step": CLASSIFIED, "source": PetitionSource.WRITING,
        "summary": "Nạo vét mương tiêu nước cánh đồng thôn Đông",
        "text": "Mương tiêu nước cánh đồng thôn Đông bị bèo, rác làm tắc, mưa to là ngập lúa. Đề nghị UBND xã "
                "tổ chức nạo vét trước vụ Xuân.",
        "voters": [("Trần Văn Dũng", "Đông", "0983 640 271"),
                   ("Lê Thị Nụ", "Đông", "0375 908 164")],
    },
    {
        "key": "nha-van-hoa", "field": "Đầu tư hạ tầng", "step": FORWARDED, "source": PetitionSource.LETTER,
        "summary": "Sửa chữa mái nhà văn hóa thôn bị dột",
        "text": "Mái nhà văn hóa thôn Đông bị dột nhiều chỗ, không bảo đảm cho sinh hoạt cộng đồng. "
                "Đề nghị UBND xã hỗ trợ kinh phí sửa chữa.",
        "voters": [("Phạm Thị Xuân", "Đông", "0904 127 835")],
    },
    {
        "key": "rac-tu-phat", "field": "Môi trường", "step": RESOLVED_CLOSED, "source": PetitionSource.LETTER,
        "summary": "Xử lý điểm tập kết rác tự phát cạnh đường liên thôn",
        "text": "Cạnh đường liên thôn có điểm đổ rác tự phát, bốc mùi hôi, ảnh hưởng môi trường. "
                "Đề nghị UBND xã thu dọn và có biện pháp ngăn chặn.",
        "voters": [("Vũ Văn Hải", "Tây", "0916 582 043")],
        "answer": "UBND xã đã chỉ đạo thu dọn toàn bộ điểm rác tự phát, lắp biển cấm đổ rác và giao thôn "
                  "tổ chức kiểm tra thường xuyên.",
        "close_note": "Đã thông báo kết quả cho cử tri.",
    },
]

FORWARDING_NOTE = "Kiến nghị của cử tri gửi tới sau đợt tiếp xúc cử tri trước Kỳ họp thường lệ cuối năm 2026."


@transaction.atomic
def load_demo():
    made = 0
    for council in Council.objects.all():
        for order, (name, committee) in enumerate(DEFAULT_FIELDS, start=1):
            _field, created = PetitionField.objects.get_or_create(
                council=council, name=name, defaults={"committee": committee, "order": order})
            made += created
    fields_note = f"{PetitionField.objects.count()} fields ({made} created now)"
    users = get_user_model().objects.in_bulk(
        ["vanphong", "thuongtruc", "totruong", "daibieu", "coquan", "xa"], field_name="username")
    created = _province_petitions(users) + _commune_petitions(users)
    by_status = dict(Petition.objects.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    statuses = ", ".join(f"{by_status.get(status, 0)} {label.lower()}" for status, label in PetitionStatus.choices)
    return (f"{fields_note}; {Petition.objects.count()} petitions ({statuses}; "
            f"{Petition.objects.filter(merged_into__isnull=False).count()} merged), {created} created now")


def _place(commune):
    return f"{COMMUNE_PREFIX.get(commune.kind, 'xã')} {commune.name}"


def _voters(rows, commune):
    """Voters living in the commune: "Thôn …" in a commune, "Khu phố …" in a ward."""
    quarter = "Thôn" if commune.kind == CommuneKind.COMMUNE else "Khu phố"
    return [{"name": name, "address": f"{quarter} {where}, {_place(commune)}", "phone": phone}
            for name, where, phone in rows]


def _demo_round(province):
    """The before-sitting round of the year-end 2026 sitting, whose meetings sessions/demo.py made."""
    return (ContactRound.objects
            .filter(plan__council=province, kind=RoundKind.BEFORE_SITTING,
                    plan__sitting__term__name="Khóa XX", plan__sitting__number=YEAR_END_2026["number"])
            .order_by("pk").first())


def _responder_agency(province, user):
    membership = (Membership.objects.filter(user=user, council=province, role=Role.AGENCY, is_active=True,
                                            agency__isnull=False).select_related("agency").first()
                  if user else None)
    return membership.agency if membership else Agency.objects.get(council=province, name="Sở Xây dựng")


def _commune_pc(council, commune):
    prefix = COMMUNE_PREFIX.get(commune.kind, "xã")
    agency, _created = Agency.objects.get_or_create(
        council=council, name=f"Ủy ban nhân dân {prefix} {commune.name}",
        defaults={"short_name": f"UBND {prefix} {commune.name}", "level": AgencyLevel.COMMUNE})
    return agency


def _province_petitions(users):
    province = Council.objects.filter(name=PROVINCE).first()
    demo_round = _demo_round(province) if province else None
    if demo_round is None or Petition.objects.filter(council=province, round=demo_round).exists():
        return 0
    meetings, group_of = {}, {}
    for session in (ContactSession.objects.filter(round=demo_round).select_related("group", "commune")
                    .order_by("group__name", "starts_at", "pk")):
        meetings.setdefault(session.group_id, []).append(session)
        group_of[session.group_id] = session.group
    groups = [meetings[group.pk] for group in DelegateGroup.objects.filter(pk__in=meetings).order_by("name")]
    if not groups:
        return 0
    office, standing = users["vanphong"], users["thuongtruc"]
    leader_users = {}
    for user in (users.get("totruong"), users.get("daibieu")):
        # The leader's own account sends the group's petitions (totruong leads group 1, daibieu group 2).
        if user is not None:
            for group in DelegateGroup.objects.filter(leader__user=user, pk__in=meetings):
                leader_users[group.pk] = user
    fields = {f.name: f for f in PetitionField.objects.filter(council=province)}
    responder_user = users.get("coquan")
    responder = _responder_agency(province, responder_user)

    petitions = {}
    for spec in PROVINCE_PETITIONS:
        sessions = groups[spec["group"] % len(groups)]
        session = sessions[spec["meeting"] % len(sessions)]
        place = _place(session.commune)
        petitions[spec["key"]] = services.petition_create(
            council=province, user=leader_users.get(session.group_id, office), source=PetitionSource.MEETING,
            session=session, text=spec["text"].format(place=place), summary=spec["summary"],
            voters=_voters(spec["voters"], session.commune))

    # The group consolidates duplicates raised at two of its meetings, then its leader sends the
    # round's petitions to the office.
    for spec in PROVINCE_PETITIONS:
        if spec["step"] == MERGED:
            services.petitions_merge(main=petitions[spec["into"]], duplicates=[petitions[spec["key"]]],
                                     user=leader_users.get(petitions[spec["into"]].group_id, office))
    for group_id, user in leader_users.items():
        services.petitions_submit(round=demo_round, group=group_of[group_id], user=user,
                                  note="Tổng hợp kiến nghị cử tri tại các hội nghị tiếp xúc cử tri của Tổ.")
    # The services save whole rows: work on fresh copies from here on.
    petitions = {key: Petition.objects.get(pk=p.pk) for key, p in petitions.items()}

    # The office classifies, then forwards the classified ones due to go, one batch per agency.
    to_forward = []
    for spec in PROVINCE_PETITIONS:
        petition = petitions[spec["key"]]
        if spec["step"] in (RECEIVED, MERGED):
            continue
        chosen = [fields[spec["field"]]]
        if spec["step"] == FIELD_ONLY:
            services.petitions_classify(petitions=[petition], user=office, fields=chosen)
            continue
        if spec["agency"] == RESPONDER:
            agency = responder
        elif spec["agency"] == COMMUNE_PC:
            agency = _commune_pc(province, petition.commune)
        else:
            agency = Agency.objects.get(council=province, name=spec["agency"])
        services.petitions_classify(petitions=[petition], user=office, fields=chosen, agency=agency)
        if spec["step"] != CLASSIFIED:
            to_forward.append(petition)
    services.petitions_forward(petitions=[Petition.objects.get(pk=p.pk) for p in to_forward], user=office,
                               note=FORWARDING_NOTE)

    _answers(PROVINCE_PETITIONS, petitions, agency_user=responder_user or office, office=office,
             reviewer=standing, place_of=lambda p: _place(p.commune))
    return len(petitions)


def _answers(specs, petitions, *, agency_user, office, reviewer, place_of):
    """Answers, reviews and requests for more time, by the agency, the office and the standing
    committee, through the services."""
    today = timezone.localdate()
    for spec in specs:
        step = spec["step"]
        if step not in (RESOLVED_CLOSED, IN_PROGRESS, EXPLAINED, SENT_BACK, EXTENSION):
            continue
        petition = Petition.objects.get(pk=petitions[spec["key"]].pk)
        if step == EXTENSION:
            services.extension_request(petition=petition, user=agency_user, agency=petition.agency,
                                       until=petition.answer_due_on + datetime.timedelta(days=30),
                                       reason=spec["extension_reason"])
            continue
        outcome = {RESOLVED_CLOSED: AnswerOutcome.RESOLVED, IN_PROGRESS: AnswerOutcome.IN_PROGRESS,
                   EXPLAINED: AnswerOutcome.EXPLAINED, SENT_BACK: AnswerOutcome.EXPLAINED}[step]
        services.answer_record(
            petition=petition, user=agency_user, agency=petition.agency, outcome=outcome,
            text=spec["answer"].format(place=place_of(petition)), roadmap=spec.get("roadmap", ""),
            promised_on=today + datetime.timedelta(days=spec["promised_days"]) if step == IN_PROGRESS else None)
        petition.refresh_from_db()
        if step == RESOLVED_CLOSED:
            services.petition_close(petition=petition, user=office, note=spec["close_note"])
        elif step == SENT_BACK:
            services.answer_send_back(petition=petition, user=reviewer, note=spec["send_back_note"])


def _commune_petitions(users):
    council = Council.objects.filter(name=COMMUNE_COUNCIL).first()
    if council is None or Petition.objects.filter(council=council).exists():
        return 0
    commune, _created = Commune.objects.get_or_create(council=council, name=COMMUNE_NAME,
                                                      defaults={"kind": CommuneKind.COMMUNE})
    agency, _created = Agency.objects.get_or_create(
        council=council, name=COMMUNE_AGENCY[0],
        defaults={"short_name": COMMUNE_AGENCY[1], "level": AgencyLevel.COMMUNE})
    group = DelegateGroup.objects.filter(council=council).order_by("pk").first()
    office = users.get("xa") or users["vanphong"]
    fields = {f.name: f for f in PetitionField.objects.filter(council=council)}
    petitions, to_forward = {}, []
    for spec in COMMUNE_PETITIONS:
        petition = services.petition_create(
            council=council, user=office, source=spec["source"], group=group, commune=commune,
            text=spec["text"], summary=spec["summary"], voters=_voters(spec["voters"], commune))
        petitions[spec["key"]] = petition
        if spec["step"] == RECEIVED:
            continue
        services.petitions_classify(petitions=[petition], user=office, fields=[fields[spec["field"]]],
                                    agency=agency)
        if spec["step"] != CLASSIFIED:
            to_forward.append(petition)
    services.petitions_forward(petitions=[Petition.objects.get(pk=p.pk) for p in to_forward], user=office,
                               note="Kiến nghị cử tri gửi UBND xã xem xét, giải quyết.")
    # No one answers for the commune's People's Committee in the app: the office enters its answer.
    _answers(COMMUNE_PETITIONS, petitions, agency_user=office, office=office, reviewer=office,
             place_of=lambda p: _place(commune))
    return len(petitions)
