"""The store's tables: one model per canonical record kind (``funnelpact.domain.records``).

Instants are UTC (``USE_TZ``); money is ``Decimal``. Records from a source keep their identity as
``(system, external_id)``; contacts keep theirs in ``ContactIdentity`` so that one person known to
several systems is one contact. Facts (stage changes, owner changes, deal stage changes, hand-off
decisions) are unique on what they say, so storing one twice changes nothing.

Writes go through ``services.store_records`` (bulk paths); the ORM is for reads and the admin.
"""

from __future__ import annotations

from django.db import models

from funnelpact.domain.records import Decision, Direction, System, TeamKind, TouchType

SYSTEM_CHOICES = [(s.value, s.value) for s in System]
ID_LENGTH = 255
LABEL_LENGTH = 255
EMAIL_LENGTH = 320
MONEY_DIGITS = 20
MONEY_PLACES = 4


class Rep(models.Model):
    """An owner: a sales rep, a manager or a marketer (``placeholder`` until described)."""

    system = models.CharField(max_length=20, choices=SYSTEM_CHOICES)
    external_id = models.CharField(max_length=ID_LENGTH)
    name = models.CharField(max_length=LABEL_LENGTH, blank=True, default="")
    email = models.CharField(max_length=EMAIL_LENGTH, blank=True, default="")
    team_name = models.CharField(max_length=LABEL_LENGTH, blank=True, default="", db_index=True)
    manager = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    active = models.BooleanField(default=True)
    # Owners are often named (by id) before their details arrive: a webhook's owner id.
    placeholder = models.BooleanField(default=False)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["system", "external_id"], name="rep_unique_ref"),
        )

    def __str__(self) -> str:
        return str(self.name or f"{self.system}:{self.external_id}")


class Team(models.Model):
    name = models.CharField(max_length=LABEL_LENGTH, unique=True)
    kind = models.CharField(max_length=20, choices=[(k.value, k.value) for k in TeamKind])
    manager = models.ForeignKey(
        Rep, null=True, blank=True, on_delete=models.SET_NULL, related_name="managed_teams"
    )

    def __str__(self) -> str:
        return str(self.name)


class Campaign(models.Model):
    system = models.CharField(max_length=20, choices=SYSTEM_CHOICES)
    external_id = models.CharField(max_length=ID_LENGTH)
    name = models.CharField(max_length=LABEL_LENGTH, blank=True, default="")
    channel = models.CharField(max_length=LABEL_LENGTH, blank=True, default="")
    started_at = models.DateTimeField(null=True, blank=True)
    placeholder = models.BooleanField(default=False)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["system", "external_id"], name="campaign_unique_ref"),
        )

    def __str__(self) -> str:
        return str(self.name or f"{self.system}:{self.external_id}")


class Contact(models.Model):
    """A person (lead or contact); the fields are those of the newest record seen for them."""

    email = models.CharField(max_length=EMAIL_LENGTH, blank=True, default="")
    normalised_email = models.CharField(max_length=EMAIL_LENGTH, blank=True, default="")
    first_name = models.CharField(max_length=LABEL_LENGTH, blank=True, default="")
    last_name = models.CharField(max_length=LABEL_LENGTH, blank=True, default="")
    company = models.CharField(max_length=LABEL_LENGTH, blank=True, default="")
    # The earliest creation any of the person's records reports.
    created_at = models.DateTimeField()
    source = models.CharField(max_length=LABEL_LENGTH, blank=True, default="")
    source_detail_1 = models.CharField(max_length=LABEL_LENGTH, blank=True, default="")
    source_detail_2 = models.CharField(max_length=LABEL_LENGTH, blank=True, default="")
    campaign = models.CharField(max_length=LABEL_LENGTH, blank=True, default="")
    stream = models.CharField(max_length=LABEL_LENGTH, blank=True, default="")
    owner = models.ForeignKey(
        Rep,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts",
        db_index=False,  # contact_owner_created serves it
    )
    lifecycle_stage = models.CharField(max_length=LABEL_LENGTH, blank=True, default="")
    lead_status = models.CharField(max_length=LABEL_LENGTH, blank=True, default="")
    # The source's last modification of the record whose fields are kept (None: unknown).
    updated_at = models.DateTimeField(null=True, blank=True)
    # Set on a duplicate after merge_contacts(): its identities and facts moved to the target.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged"
    )
    # Created for a fact whose contact was not known (store_records(create_missing_contacts=True)).
    placeholder = models.BooleanField(default=False)
    # The identity ("system:external_id") whose record supplied the fields above.
    fields_from = models.CharField(max_length=ID_LENGTH + 30, blank=True, default="")

    class Meta:
        indexes = (
            models.Index(fields=["normalised_email"], name="contact_normalised_email"),
            # Also serves the unassigned leads by creation (owner IS NULL ... ORDER BY
            # created_at). No query orders or filters contacts by created_at alone: the index
            # contact_created_at was dropped (0002; docs/store.md "Indexes").
            models.Index(fields=["owner", "created_at"], name="contact_owner_created"),
        )

    def __str__(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return name or self.email or f"contact {self.pk}"


class ContactIdentity(models.Model):
    """One of the ids a contact has in a source system."""

    system = models.CharField(max_length=20, choices=SYSTEM_CHOICES)
    external_id = models.CharField(max_length=ID_LENGTH)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="identities")

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["system", "external_id"], name="identity_unique_ref"),
        )

    def __str__(self) -> str:
        return f"{self.system}:{self.external_id}"


class StageChange(models.Model):
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="stage_changes", db_index=False
    )
    stage = models.CharField(max_length=LABEL_LENGTH)
    entered_at = models.DateTimeField()
    change_source = models.CharField(max_length=LABEL_LENGTH, blank=True, default="")

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=["contact", "stage", "entered_at"], name="stage_change_unique_fact"
            ),
        )
        # The unique index leads with the contact: it serves a contact's timeline too, and a
        # scan of it (it covers contact_id and stage) the contacts that entered a stage (the
        # watch's queue_handoff_contacts), 4x faster than the (stage, entered_at) index that
        # was dropped (0002; docs/store.md "Indexes").


class OwnerChange(models.Model):
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="owner_changes", db_index=False
    )
    owner = models.ForeignKey(Rep, on_delete=models.CASCADE, related_name="assignments")
    assigned_at = models.DateTimeField()

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=["contact", "owner", "assigned_at"], name="owner_change_unique_fact"
            ),
        )


class Touch(models.Model):
    system = models.CharField(max_length=20, choices=SYSTEM_CHOICES)
    external_id = models.CharField(max_length=ID_LENGTH)
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="touches", db_index=False
    )
    type = models.CharField(max_length=30, choices=[(t.value, t.value) for t in TouchType])
    occurred_at = models.DateTimeField()
    direction = models.CharField(max_length=10, choices=[(d.value, d.value) for d in Direction])
    rep = models.ForeignKey(
        Rep,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="touches",
        db_index=False,  # touch_rep_time serves it (partial: imported touches have no rep)
    )
    automated = models.BooleanField(default=False)
    subject = models.TextField(blank=True, default="")
    campaign = models.CharField(max_length=LABEL_LENGTH, blank=True, default="")
    content = models.TextField(blank=True, default="")

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["system", "external_id"], name="touch_unique_ref"),
        )
        indexes = (
            models.Index(fields=["contact", "occurred_at"], name="touch_contact_time"),
            models.Index(
                fields=["rep", "occurred_at"],
                name="touch_rep_time",
                condition=models.Q(rep__isnull=False),
            ),
        )


class Deal(models.Model):
    system = models.CharField(max_length=20, choices=SYSTEM_CHOICES)
    external_id = models.CharField(max_length=ID_LENGTH)
    created_at = models.DateTimeField()
    amount = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)
    currency = models.CharField(max_length=10, blank=True, default="")
    name = models.CharField(max_length=LABEL_LENGTH, blank=True, default="")
    stage = models.CharField(max_length=LABEL_LENGTH, blank=True, default="")
    contact = models.ForeignKey(
        Contact,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deals",
        db_index=False,  # deal_contact_time serves it
    )
    owner = models.ForeignKey(
        Rep, null=True, blank=True, on_delete=models.SET_NULL, related_name="deals"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    won = models.BooleanField(null=True, blank=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["system", "external_id"], name="deal_unique_ref"),
        )
        indexes = (
            models.Index(fields=["contact", "created_at"], name="deal_contact_time"),
            models.Index(fields=["created_at"], name="deal_created_at"),
        )


class DealStageChange(models.Model):
    deal = models.ForeignKey(
        Deal, on_delete=models.CASCADE, related_name="stage_changes", db_index=False
    )
    stage = models.CharField(max_length=LABEL_LENGTH)
    entered_at = models.DateTimeField()
    amount = models.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, null=True, blank=True
    )

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=["deal", "stage", "entered_at"], name="deal_stage_change_unique_fact"
            ),
        )


class CampaignMember(models.Model):
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="members", db_index=False
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="campaign_memberships"
    )
    status = models.CharField(max_length=LABEL_LENGTH, blank=True, default="")
    joined_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["campaign", "contact"], name="campaign_member_unique"),
        )


class HandoffDecision(models.Model):
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="decisions", db_index=False
    )
    decision = models.CharField(max_length=20, choices=[(d.value, d.value) for d in Decision])
    decided_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        Rep, null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions"
    )
    reason = models.CharField(max_length=LABEL_LENGTH, blank=True, default="")
    note = models.TextField(blank=True, default="")

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=["contact", "decision", "decided_at"], name="handoff_unique_fact"
            ),
        )


class IngestedEvent(models.Model):
    """A live event already taken in: a repeated ``event_id`` is acknowledged and ignored."""

    event_id = models.CharField(max_length=ID_LENGTH, unique=True)
    kind = models.CharField(max_length=40)
    received_at = models.DateTimeField()

    def __str__(self) -> str:
        return str(self.event_id)


# Tables in an order where every foreign key points backwards (export, import, canonical dumps).
STORE_MODELS: tuple[type[models.Model], ...] = (
    Rep,
    Team,
    Campaign,
    Contact,
    ContactIdentity,
    StageChange,
    OwnerChange,
    Touch,
    Deal,
    DealStageChange,
    CampaignMember,
    HandoffDecision,
    IngestedEvent,
)
