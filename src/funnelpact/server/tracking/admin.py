"""Read-mostly admin pages for the store (writes belong to imports and the API)."""

from __future__ import annotations

from django.contrib import admin

from funnelpact.server.tracking import models


@admin.register(models.Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("id", "email", "first_name", "last_name", "company", "created_at", "owner")
    search_fields = ("normalised_email", "first_name", "last_name", "company")
    list_filter = ("lifecycle_stage", "source")
    raw_id_fields = ("owner", "merged_into")


@admin.register(models.ContactIdentity)
class ContactIdentityAdmin(admin.ModelAdmin):
    list_display = ("system", "external_id", "contact")
    search_fields = ("external_id",)
    raw_id_fields = ("contact",)


@admin.register(models.Rep)
class RepAdmin(admin.ModelAdmin):
    list_display = ("name", "email", "system", "external_id", "team_name", "active")
    search_fields = ("name", "email", "external_id")


@admin.register(models.Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "manager")


@admin.register(models.Touch)
class TouchAdmin(admin.ModelAdmin):
    list_display = ("system", "external_id", "type", "occurred_at", "contact", "rep", "automated")
    list_filter = ("type", "direction", "automated")
    raw_id_fields = ("contact", "rep")


@admin.register(models.StageChange)
class StageChangeAdmin(admin.ModelAdmin):
    list_display = ("contact", "stage", "entered_at", "change_source")
    list_filter = ("stage",)
    raw_id_fields = ("contact",)


@admin.register(models.Deal)
class DealAdmin(admin.ModelAdmin):
    list_display = ("name", "amount", "currency", "stage", "created_at", "closed_at", "won")
    raw_id_fields = ("contact", "owner")


admin.site.register(
    [
        models.Campaign,
        models.CampaignMember,
        models.OwnerChange,
        models.DealStageChange,
        models.HandoffDecision,
        models.IngestedEvent,
    ]
)
