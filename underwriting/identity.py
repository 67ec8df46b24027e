"""ID numbers of the parties (UW-1, UW-3): 18-digit resident IDs and 18-character
unified social credit codes, checked with python-stdnum.

Clerks type numbers with full-width digits, a lower-case x, spaces or dashes; all of
these normalise to one canonical form so that one person is one customer.
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat
from stdnum.exceptions import ValidationError as StdnumError

RESIDENT = "resident"
USCC = "uscc"

_SEPARATORS = re.compile(r"[\s\-_.·]+")
# GB/T 2260 province-level codes (including Taiwan, Hong Kong and Macao residents' 83/81/82).
_PROVINCES = frozenset(
    {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37"}
    | {"41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63"}
    | {"64", "65", "71", "81", "82", "83"}
)


class IdentityError(ValidationError):
    pass


def clean_identity(raw: str) -> str:
    """Full-width to half-width, separators dropped, upper case."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", str(raw or ""))).upper()


def identity_kind(number: str) -> str:
    """RESIDENT for an all-digit body (with its X check digit), USCC otherwise."""
    return RESIDENT if number[:17].isdigit() else USCC


def _validate_resident_id(number: str) -> str:
    """Length, digits, check digit and birth date with python-stdnum.

    Not `ric.validate`: it also requires the 6-digit region code to have existed in the
    birth year, but codes are those of the county that issued the card, often created
    decades after its older residents were born (阳山县 became 441823 in 1988), so real
    IDs of elderly farmers would be refused. Only the province part is checked.
    """
    if len(number) != 18 or not number[:17].isdigit():
        raise InvalidFormat()
    if number[-1] != ric.calc_check_digit(number):
        raise InvalidChecksum()
    ric.get_birth_date(number)
    if number[:2] not in _PROVINCES:
        raise InvalidComponent()
    return number


def normalise_identity(raw: str, *, kind: str | None = None) -> str:
    """The canonical form of `raw`, or IdentityError with a message the clerk can act on.

    `kind` is a Customer.Kind ("farmer"/"organisation") or None to infer it.
    """
    number = clean_identity(raw)
    if not number:
        raise IdentityError(_("The ID number is missing."), code="id_missing")
    expected = {"farmer": RESIDENT, "organisation": USCC}.get(kind or "", identity_kind(number))
    if expected == RESIDENT:
        if len(number) != 18:
            raise IdentityError(
                _("A resident ID has 18 characters; %(n)s were given.") % {"n": len(number)},
                code="id_length",
            )
        try:
            return _validate_resident_id(number)
        except StdnumError:
            raise IdentityError(
                _("The resident ID %(number)s is not valid (wrong check digit or date).")
                % {"number": number},
                code="id_invalid",
            ) from None
    if len(number) != 18:
        raise IdentityError(
            _("A unified social credit code has 18 characters; %(n)s were given.")
            % {"n": len(number)},
            code="uscc_length",
        )
    try:
        return uscc.validate(number)
    except StdnumError:
        raise IdentityError(
            _("The unified social credit code %(number)s is not valid.") % {"number": number},
            code="uscc_invalid",
        ) from None
