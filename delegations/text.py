"""Accent folding, so that "bac ninh" finds "Bắc Ninh" on every database."""
import unicodedata


def fold(text):
    """Lower-case text without Vietnamese diacritics: "Đường Giao Thông" -> "duong giao thong"."""
    if not text:
        return ""
    text = str(text).replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(stripped.lower().split())
