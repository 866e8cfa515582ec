"""Phone numbers: stored E.164, shown the way people write them."""
from __future__ import annotations

from functools import lru_cache

import phonenumbers

DEFAULT_REGION = "US"


def to_e164(value: str, region: str = DEFAULT_REGION) -> str:
    """Normalise any common spelling to E.164; ValueError (without echoing the number) when it is not one."""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError("not a phone number") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError("not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=1024)  # a clinic's own number, formatted on every turn: parsing it costs more than the rest
def display_phone(e164: str) -> str:
    """How a person writes the clinic's number in a text: (415) 555-0100 at home, +44 20 ... abroad."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    national = number.country_code == 1
    fmt = phonenumbers.PhoneNumberFormat.NATIONAL if national else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, fmt)
