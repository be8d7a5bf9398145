"""Demo data of the petitions app: every council's list of fields (configurable afterwards)."""
from django.db import transaction

from delegations.models import Council

from .models import PetitionField

DEFAULT_FIELDS = [
    ("Giao thông", "Ban Kinh tế - Ngân sách"), ("Nông nghiệp", "Ban Kinh tế - Ngân sách"),
    ("Y tế", "Ban Văn hóa - Xã hội"), ("Giáo dục", "Ban Văn hóa - Xã hội"),
    ("Đất đai", "Ban Kinh tế - Ngân sách"), ("Đô thị", "Ban Kinh tế - Ngân sách"),
    ("Đầu tư hạ tầng", "Ban Kinh tế - Ngân sách"), ("Môi trường", "Ban Kinh tế - Ngân sách"),
    ("Chính sách xã hội", "Ban Văn hóa - Xã hội"), ("An ninh trật tự", "Ban Pháp chế"),
]


@transaction.atomic
def load_demo():
    made = 0
    for council in Council.objects.all():
        for order, (name, committee) in enumerate(DEFAULT_FIELDS, start=1):
            _field, created = PetitionField.objects.get_or_create(
                council=council, name=name, defaults={"committee": committee, "order": order})
            made += created
    return f"{PetitionField.objects.count()} fields ({made} created now)"
