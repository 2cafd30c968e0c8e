"""Reading one value a caller sent, with the name of its field when it is refused.

JSON bodies arrive checked by the HTTP models, CSV rows arrive as plain strings: both come
through here so that a row is held to the same rules as a request. Messages never echo the
value (it may be an ID number).
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

from pydantic import TypeAdapter, ValidationError

from hourbank_common.errors import InvalidInput
from hourbank_contracts.fields import DECIMAL_STRING_PATTERN, NameText
from hourbank_identity.domain.credit_code import CreditCode, InvalidCreditCode
from hourbank_identity.domain.national_id import InvalidNationalId, NationalId
from hourbank_identity.domain.organisation import OrganisationKind
from hourbank_identity.domain.regions import InvalidRegionCode, RegionCode

_NAME: TypeAdapter[str] = TypeAdapter(NameText)
_DECIMAL_STRING = re.compile(DECIMAL_STRING_PATTERN)
_YEAR = re.compile(r"[0-9]{4}")
_LOGIN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-@")


def parse_name(raw: str, field_name: str = "name") -> str:
    """A name as the HTTP models take it (the shared ``NameText``): CSV rows come here
    without a model, and a NUL in a name stopped the projector that writes it to a table."""
    if not raw.strip():
        raise InvalidInput("must not be blank", field=field_name)
    try:
        return _NAME.validate_python(raw.strip())
    except ValidationError as error:
        raise InvalidInput(error.errors()[0]["msg"], field=field_name) from error


def parse_region(raw: str) -> RegionCode:
    try:
        return RegionCode.parse(raw)
    except InvalidRegionCode as error:
        raise InvalidInput(error.reason, field="region_code") from error


def parse_credit_code(raw: str, field_name: str = "credit_code") -> CreditCode:
    try:
        return CreditCode.parse(raw)
    except InvalidCreditCode as error:
        raise InvalidInput(error.reason, field=field_name) from error


def parse_national_id(raw: str, now: datetime) -> NationalId:
    try:
        return NationalId.parse(raw, today=now.date())
    except InvalidNationalId as error:
        raise InvalidInput(error.reason, field="id_number") from error


def try_national_id(raw: str, now: datetime) -> NationalId | None:
    try:
        return NationalId.parse(raw, today=now.date())
    except InvalidNationalId:
        return None


def parse_kind(raw: str) -> OrganisationKind:
    try:
        return OrganisationKind(raw.strip())
    except ValueError as error:
        names = ", ".join(k.value for k in OrganisationKind)
        raise InvalidInput(f"must be one of: {names}", field="kind") from error


def parse_login(raw: str) -> str:
    login = raw.strip().casefold()
    if not 3 <= len(login) <= 64 or not set(login) <= _LOGIN_CHARS:
        raise InvalidInput(
            "3 to 64 characters: lower-case letters, digits and . _ - @", field="login"
        )
    if login[0].isdigit():
        # Professionals log in with their ID number; a login name never looks like one.
        raise InvalidInput("must start with a letter", field="login")
    return login


def parse_year(raw: str, this_year: int) -> int:
    # int() reads any Unicode digit ("２０１９"); a year is four ASCII digits.
    if not _YEAR.fullmatch(raw.strip()):
        raise InvalidInput("must be a year such as 2019", field="study_year")
    year = int(raw.strip())
    if not 2000 <= year < this_year:
        raise InvalidInput(f"must be a past year from 2000 to {this_year - 1}", "study_year")
    return year


def parse_hours(raw: str, field_name: str) -> Decimal:
    text = raw.strip() or "0"
    # The contracts' decimal form (ASCII digits, at most two decimals): Decimal() alone also
    # reads "１２", "1e3" and "NaN".
    if not _DECIMAL_STRING.fullmatch(text):
        raise InvalidInput("must be from 0 to 1000 with at most two decimals", field_name)
    value = Decimal(text)
    if value > 1000:
        raise InvalidInput("must be from 0 to 1000 with at most two decimals", field_name)
    return value
