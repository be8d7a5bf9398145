"""The outlines a plan starts from: the current structure (seed 000's), an annual plan by rounds, a
commune dialogue plan (seed 002), or a copy of an earlier plan of the same council. A preset is a
tree of (title, block, children); the office fills in the text and reshapes it."""
from django.utils.translation import gettext_lazy as _

from .models import SectionBlock

S = SectionBlock


def node(title, block="", children=(), body=""):
    return {"title": title, "block": block, "children": list(children), "body": body}


PRESETS = {
    # Seed 000: one sitting, before and after it.
    "current": (_("The current structure (a plan for one sitting, as seed 000)"), [
        node("MỤC ĐÍCH, YÊU CẦU", children=[node("Mục đích"), node("Yêu cầu")]),
        node("NỘI DUNG, THÀNH PHẦN, THỜI GIAN, ĐỊA ĐIỂM", children=[
            node("Nội dung", children=[node("Nội dung tiếp xúc cử tri trước kỳ họp"),
                                       node("Nội dung tiếp xúc cử tri sau kỳ họp")]),
            node("Thành phần"),
            node("Thời gian, địa điểm", children=[node("Thời gian"), node("Địa điểm")]),
        ]),
        node("TỔ CHỨC THỰC HIỆN", S.ASSIGNMENTS),
    ]),
    # A whole year: periodic rounds around the two regular sittings and at least one thematic round.
    "annual": (_("An annual plan by rounds"), [
        node("MỤC ĐÍCH, YÊU CẦU", children=[node("Mục đích"), node("Yêu cầu")]),
        node("NỘI DUNG TIẾP XÚC CỬ TRI", children=[
            node("Tiếp xúc cử tri trước kỳ họp"), node("Tiếp xúc cử tri sau kỳ họp"),
            node("Tiếp xúc cử tri chuyên đề"),
        ]),
        node("THÀNH PHẦN, HÌNH THỨC, ĐỊA ĐIỂM", children=[node("Thành phần"), node("Hình thức, địa điểm")]),
        node("THỜI GIAN TIẾP XÚC CỬ TRI", S.ROUNDS),
        node("TỔ CHỨC THỰC HIỆN", S.ASSIGNMENTS_DUE),
        node("", S.CLOSING),
        node("", S.CONTACT),
        node("", S.SCHEDULE),
    ]),
    # Seed 002: a commune council's direct dialogue with the people of one village.
    "dialogue": (_("A commune dialogue plan (as seed 002)"), [
        node("MỤC ĐÍCH, YÊU CẦU", children=[node("Mục đích"), node("Yêu cầu")]),
        node("NỘI DUNG, HÌNH THỨC TỔ CHỨC", children=[
            node("Nội dung tiếp xúc, đối thoại"), node("Hình thức tổ chức tiếp xúc, đối thoại"),
        ]),
        node("CÔNG TÁC CHUẨN BỊ VÀ CHƯƠNG TRÌNH HỘI NGHỊ", children=[
            node("Công tác chuẩn bị trước khi tổ chức tiếp xúc, đối thoại"),
            node("Chương trình Hội nghị"),
            node("Xử lý công việc sau tiếp xúc, đối thoại"),
        ]),
        node("THỜI GIAN, ĐỊA ĐIỂM, THÀNH PHẦN THAM DỰ", children=[
            node("Thời gian", S.ROUNDS), node("Thành phần"), node("Địa điểm"),
        ]),
        node("TỔ CHỨC THỰC HIỆN", S.ASSIGNMENTS_DUE),
        node("", S.CONTACT),
    ]),
}
COPY = "copy"


def preset_choices():
    return [(key, label) for key, (label, _tree) in PRESETS.items()] + [
        (COPY, _("A copy of an earlier plan of the same council"))]
