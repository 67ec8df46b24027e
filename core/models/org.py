"""OUT-1: the organisation tree and the people who hang off it."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class OrgUnit(models.Model):
    """A node of the tree: province branch > city branch > county branch > outlet.

    `path` is a materialised path of primary keys ("/1/4/9/") so that "this node and
    everything below it" is one indexed prefix query; it is maintained by save().
    """

    class Kind(models.TextChoices):
        PROVINCE = "province", _("Province branch")
        CITY = "city", _("City branch")
        COUNTY = "county", _("County branch")
        OUTLET = "outlet", _("Outlet")

    # The kind each kind must hang under (OUT-1).
    PARENT_KIND = {
        Kind.PROVINCE: None,
        Kind.CITY: Kind.PROVINCE,
        Kind.COUNTY: Kind.CITY,
        Kind.OUTLET: Kind.COUNTY,
    }

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=120)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("path"), max_length=255, editable=False, db_index=True)
    has_claims_centre = models.BooleanField(
        _("has claims centre"),
        default=False,
        help_text=_("City branches only: the city claims centre sits here."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    # core.access: a unit is in scope when it is the user's unit or below it.
    scope_field = "self"

    class Meta:
        verbose_name = _("organisation unit")
        verbose_name_plural = _("organisation units")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="province", parent__isnull=True)
                | (~Q(kind="province") & Q(parent__isnull=False)),
                name="orgunit_only_province_is_root",
            ),
            models.CheckConstraint(
                condition=Q(kind="city") | Q(has_claims_centre=False),
                name="orgunit_claims_centre_only_in_city",
            ),
        ]

    def __str__(self):
        return self.name

    @transaction.atomic
    def save(self, *args, **kwargs):
        old_path = self.path
        if self.pk is None:
            super().save(*args, **kwargs)
            kwargs = {}
        self.path = f"{self.parent.path if self.parent_id else '/'}{self.pk}/"
        super().save(update_fields=["path"] if not kwargs else None, **kwargs)
        if old_path and old_path != self.path:
            # The unit moved: re-root every descendant's path.
            OrgUnit.objects.filter(path__startswith=old_path).exclude(pk=self.pk).update(
                path=Concat(models.Value(self.path), Substr("path", len(old_path) + 1))
            )

    def clean(self):
        expected = self.PARENT_KIND[self.Kind(self.kind)] if self.kind else None
        actual = self.parent.kind if self.parent_id else None
        if expected != actual:
            raise ValidationError(
                {
                    "parent": _("A %(kind)s must sit directly under a %(parent)s.")
                    % {"kind": self.get_kind_display(), "parent": expected or "-"}
                }
            )
        if self.pk and self.parent_id and self.parent.path.startswith(self.path):
            raise ValidationError({"parent": _("A unit cannot move below itself.")})

    def ancestor_of_kind(self, kind: str) -> "OrgUnit | None":
        """The unit of `kind` on the way up from here (itself included)."""
        ids = [int(part) for part in self.path.strip("/").split("/") if part]
        return OrgUnit.objects.filter(pk__in=ids, kind=kind).first()

    @property
    def county(self) -> "OrgUnit | None":
        return self.ancestor_of_kind(self.Kind.COUNTY)

    def contains(self, other: "OrgUnit") -> bool:
        return other.path.startswith(self.path)


class Role(models.TextChoices):
    CLERK = "clerk", _("Counter clerk")
    CLAIMS_ASSIST = "claims_assist", _("Claims-assist staff")
    OUTLET_HEAD = "outlet_head", _("Outlet head")
    COUNTY_MANAGER = "county_manager", _("County branch manager")
    CLAIMS_CENTRE = "claims_centre", _("City claims centre")
    AUDITOR = "auditor", _("Auditor (read-only)")
    API_CLIENT = "api_client", _("API client")


# Where each role may sit in the tree (OUT-1).
ROLE_UNIT_KINDS = {
    Role.CLERK: {OrgUnit.Kind.OUTLET},
    Role.CLAIMS_ASSIST: {OrgUnit.Kind.OUTLET},
    Role.OUTLET_HEAD: {OrgUnit.Kind.OUTLET},
    Role.COUNTY_MANAGER: {OrgUnit.Kind.COUNTY},
    Role.CLAIMS_CENTRE: {OrgUnit.Kind.CITY},
    Role.AUDITOR: set(OrgUnit.Kind),
    Role.API_CLIENT: set(OrgUnit.Kind),
}
READ_ONLY_ROLES = {Role.AUDITOR}
MANAGER_ROLES = {Role.COUNTY_MANAGER, Role.CLAIMS_CENTRE}


class User(AbstractUser):
    """A member of staff (or another system) placed at one node of the org tree."""

    org_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("organisation unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    display_name = models.CharField(_("display name"), max_length=60, blank=True)

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=Q(is_superuser=True) | Q(org_unit__isnull=False, role__gt=""),
                name="user_placed_in_tree_unless_superuser",
            )
        ]

    def __str__(self):
        return self.display_name or self.get_full_name() or self.username

    def clean(self):
        super().clean()
        if self.is_superuser:
            return
        if not self.org_unit_id or not self.role:
            raise ValidationError(_("Every user needs a role and an organisation unit."))
        if self.org_unit.kind not in ROLE_UNIT_KINDS[Role(self.role)]:
            raise ValidationError(
                {
                    "org_unit": _("A %(role)s cannot be placed at a %(kind)s.")
                    % {"role": self.get_role_display(), "kind": self.org_unit.get_kind_display()}
                }
            )

    @property
    def is_read_only(self) -> bool:
        return self.role in READ_ONLY_ROLES and not self.is_superuser

    @property
    def is_manager(self) -> bool:
        return self.is_superuser or self.role in MANAGER_ROLES
