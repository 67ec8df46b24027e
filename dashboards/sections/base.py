"""What a dashboard section is: figures, tables and charts computed for one period and
one node of the org tree (a county, or an outlet when drilled down). Sections build
these plain values; the page, the Excel export and the PDF render them the same way."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from core.models import OrgUnit, User


@dataclass(frozen=True)
class Period:
    """A closed range of local dates, with the aware bounds queries use."""

    start: dt.date
    end: dt.date

    @property
    def since(self) -> dt.datetime:
        from django.utils import timezone

        return timezone.make_aware(dt.datetime.combine(self.start, dt.time.min))

    @property
    def until(self) -> dt.datetime:
        """The first instant after the period (exclusive bound)."""
        from django.utils import timezone

        return timezone.make_aware(
            dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min)
        )

    @property
    def query(self) -> str:
        """The GET parameters of the dashboard pages for this period."""
        return f"from={self.start.isoformat()}&to={self.end.isoformat()}"


@dataclass(frozen=True)
class Scope:
    """Who looks, at which node, over which period."""

    user: User
    unit: OrgUnit  # a county or an outlet within the user's branch
    period: Period

    @cached_property
    def unit_ids(self) -> list[int]:
        """The ids of the unit and every unit below it, read once per page: filtering a
        big table on `org_unit_id IN (…)` uses its (org_unit, …) indexes, where a join
        on the path prefix would read the whole table at scale."""
        return list(
            OrgUnit.objects.filter(path__startswith=self.unit.path)
            .order_by()
            .values_list("pk", flat=True)
        )

    @cached_property
    def _shared(self) -> dict:
        return {}

    def shared(self, key: str, compute):
        """`compute()` once per scope: sections that need the same aggregate (the
        outlets table and the section that details it) read it once per page."""
        if key not in self._shared:
            self._shared[key] = compute()
        return self._shared[key]

    @property
    def is_outlet(self) -> bool:
        return self.unit.kind == OrgUnit.Kind.OUTLET


Number = int | Decimal | float | None


@dataclass
class Figure:
    """One headline number, linking to the records behind it."""

    label: str
    value: Number
    unit: str = ""
    link: str = ""
    # "ok", "warn", "bad" or "": how the figure compares with its target.
    status: str = ""
    target: str = ""


@dataclass
class Column:
    key: str
    label: str
    numeric: bool = False


@dataclass
class Table:
    """A sortable table; a row's `_links` maps a column key to the URL of its records."""

    id: str
    title: str
    columns: list[Column]
    rows: list[dict]


@dataclass
class Series:
    name: str
    values: list[Number]


@dataclass
class Chart:
    """A chart drawn on the server as SVG: `kind` is "bar" (grouped), "stacked" or
    "line"; one label per category on the x axis."""

    id: str
    title: str
    kind: str
    categories: list[str]
    series: list[Series]
    unit: str = ""


@dataclass
class Section:
    id: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    note: str = ""
