"""A petition's public code, what a voter looks it up by."""
import re
import secrets

# ------------------------------------------------------------------------------- public codes
# A voter looks a petition up by its code, without logging in. The code must not be guessable
# (sequential codes let anyone walk every council's petitions): "KN-<year>-" then 8 characters drawn
# with `secrets` from an alphabet without look-alikes (no 0/O, 1/I/L, U), then one check
# character (Luhn mod N) that catches a mistyped or swapped character before any query.
# 30^8 ≈ 6.6·10^11 codes a year. Codes of the earlier form "KN-2026-000123" keep working.
PUBLIC_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
PUBLIC_CODE_RANDOM_LENGTH = 8
_NEW_CODE = re.compile(rf"^KN-(\d{{4}})-([{PUBLIC_CODE_ALPHABET}]{{{PUBLIC_CODE_RANDOM_LENGTH + 1}}})$")
_OLD_CODE = re.compile(r"^KN-\d{4}-\d{6,}$")


def public_code_check_character(body):
    """The Luhn mod N check character of `body` (characters of PUBLIC_CODE_ALPHABET)."""
    base = len(PUBLIC_CODE_ALPHABET)
    factor, total = 2, 0
    for char in reversed(body):
        addend = factor * PUBLIC_CODE_ALPHABET.index(char)
        total += addend // base + addend % base
        factor = 1 if factor == 2 else 2
    return PUBLIC_CODE_ALPHABET[(base - total % base) % base]


def public_code_new(year):
    """A fresh random code for a petition received in `year`, e.g. "KN-2026-7QK4M2XH9"."""
    body = "".join(secrets.choice(PUBLIC_CODE_ALPHABET) for _index in range(PUBLIC_CODE_RANDOM_LENGTH))
    return f"KN-{year}-{body}{public_code_check_character(body)}"


def public_code_normalise(text):
    """What a voter typed, as a code to look up: upper case, without spaces; None when it cannot be
    a code at all (wrong shape, or a random code whose check character does not match)."""
    code = re.sub(r"\s+", "", text or "").upper()
    if _OLD_CODE.match(code):
        return code
    found = _NEW_CODE.match(code)
    if found and public_code_check_character(found.group(2)[:-1]) == found.group(2)[-1]:
        return code
    return None
