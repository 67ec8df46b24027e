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
from stdnum.exceptions import ValidationError as StdnumError

RESIDENT = "resident"
USCC = "uscc"

_SEPARATORS = re.compile(r"[\s\-_.·]+")


class IdentityError(ValidationError):
    pass


def clean_identity(raw: str) -> str:
    """Full-width to half-width, separators dropped, upper case."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", str(raw or ""))).upper()


def identity_kind(number: str) -> str:
    """RESIDENT for an all-digit body (with its X check digit), USCC otherwise."""
    return RESIDENT if number[:17].isdigit() else USCC


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
            return ric.validate(number)
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
