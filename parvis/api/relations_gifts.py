"""Relations' gifts ledger through the API (law 2023-451): a brand's benefits to each
person by calendar year, fees and other benefits entered, changed and deleted (those of
parcels and invitations follow their source), the yearly totals with the written-contract
warning, the posts missing the advertising mention; and the organisation's relations
settings, its La Poste key write-only. The rules are `relations.gifts`' and
`relations.org_settings`'."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from parvis.accounts.models import Role
from parvis.api.relations_parcels import money_field
from parvis.api.scoping import WorkspaceScoped
from parvis.api.serializers import ApiModelSerializer, IdField, UtcDateTimeField
from parvis.api.views import READ_ERRORS, WRITE_ERRORS, ApiView
from parvis.relations import gifts, org_settings, people
from parvis.relations.models import Contact, Gift, Mention, RelationsSettings

YEAR = OpenApiParameter("year", int, description="A calendar year (the brand's time zone); this year by default. "
                                                 "From ten years back to next year.")
THRESHOLD_HELP = ("The organisation's written-contract threshold, in euros excluding VAT (law 2023-451, art. 8; "
                  "1,000.00 since décret 2025-1137): a setting, since decrees change it.")


class GiftSerializer(ApiModelSerializer):
    contact_name = serializers.CharField(source="contact.name", read_only=True)
    kind = serializers.ChoiceField(choices=Gift.Kind.choices, read_only=True)
    event = serializers.SerializerMethodField()
    linked = serializers.SerializerMethodField()

    class Meta:
        model = Gift
        fields = ["id", "contact", "contact_name", "kind", "description", "value", "given_on", "parcel", "event",
                  "linked", "created_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True, help_text=(
        "An invitation's event (the row follows the guest's attendance).")))
    def get_event(self, gift: Gift) -> int | None:
        return gift.guest.event_id if gift.guest_id is not None and gift.guest is not None else None

    @extend_schema_field(serializers.BooleanField(help_text=(
        "Whether it follows a parcel or an invitation: changed or deleted there, not here.")))
    def get_linked(self, gift: Gift) -> bool:
        return gift.parcel_id is not None or gift.guest_id is not None


class GiftWriteSerializer(serializers.Serializer):
    contact = IdField(required=False, help_text="The person (required to create; a benefit keeps its person).")
    kind = serializers.ChoiceField(choices=[(k, Gift.Kind(k).label) for k in gifts.ENTERED_KINDS], required=False,
                                   help_text="`fee` or `other`: invitations and parcels add their own rows.")
    description = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    value = money_field(required=False, help_text="In euros, excluding VAT.")
    given_on = serializers.DateField(required=False)


class LedgerRowSerializer(serializers.Serializer):
    contact = serializers.IntegerField(source="contact.pk")
    contact_name = serializers.CharField(source="contact.name")
    total = money_field(help_text="Fees and benefits of the year, in euros excluding VAT.")
    gifts = serializers.IntegerField(help_text="How many benefits.")
    by_kind = serializers.DictField(child=money_field(), help_text=(
        "The total by kind (`invitation`, `parcel`, `fee`, `other`)."))
    needs_contract = serializers.BooleanField(help_text="The total reaches the threshold: a written contract is "
                                                        "required.")


class LedgerSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    threshold = money_field(help_text=THRESHOLD_HELP)
    rows = LedgerRowSerializer(many=True, help_text="One per person who received something, largest total first.")


class MentionSerializer(ApiModelSerializer):
    contact_name = serializers.CharField(source="contact.name", read_only=True)
    published_at = UtcDateTimeField(read_only=True)

    class Meta:
        model = Mention
        fields = ["id", "contact", "contact_name", "network", "url", "text", "published_at", "event", "found_via"]
        read_only_fields = fields


def _year(request: Request, workspace: Any) -> int:
    year = gifts.ledger_year(request.query_params.get("year"), gifts.local_today(workspace, timezone.now()))
    if year is None:
        raise ValidationError({"year": [_("Ask for a year from ten years back to next year.")]})
    return year


def _raise(exc: gifts.InputError) -> None:
    raise ValidationError(exc.by_field()) from exc


class _Gifts(WorkspaceScoped, ApiView):
    def gifts(self) -> QuerySet[Gift]:
        return Gift.objects.filter(workspace=self.workspace).select_related("contact", "guest")

    def gift(self) -> Gift:
        found = self.gifts().filter(pk=self.kwargs["pk"]).first()
        if found is None:
            raise NotFound()
        return found


@extend_schema(tags=["relations"])
class GiftList(_Gifts, generics.ListAPIView):
    serializer_class = GiftSerializer
    queryset = Gift.objects.none()

    def get_queryset(self) -> QuerySet[Gift]:
        found = self.gifts().filter(given_on__year=_year(self.request, self.workspace))
        if str(self.request.query_params.get("contact", "")).isdigit():
            found = found.filter(contact=int(self.request.query_params["contact"]))
        return found.order_by("given_on", "id")

    @extend_schema(operation_id="relations_gifts_list", parameters=[
        YEAR, OpenApiParameter("contact", int, description="One person's benefits.")],
        responses={200: GiftSerializer(many=True), **READ_ERRORS, 400: WRITE_ERRORS[400]},
        description="The brand's benefits of a calendar year: invitations, parcels, fees and other benefits.")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(operation_id="relations_gifts_create", request=GiftWriteSerializer,
                   responses={201: GiftSerializer, **WRITE_ERRORS},
                   description="Enter a fee or another benefit (`contact`, `kind`, `description`, `value`, "
                               "`given_on`, all required).")
    def post(self, request: Request, workspace_id: int) -> Response:
        body = GiftWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = {"kind": "", "description": "", "value": None, "given_on": None, **body.validated_data}
        contact_id = values.pop("contact", None)
        contact = Contact.objects.filter(organisation=self.workspace.organisation_id, pk=contact_id).first() \
            if contact_id else None
        if contact is None:
            raise ValidationError({"contact": [_("Choose one of the organisation's contacts.")]})
        try:
            made = gifts.add_gift(self.workspace, contact, now=timezone.now(), by=self.user, **values)
        except gifts.GiftError as exc:
            _raise(exc)
        return Response(GiftSerializer(self.gifts().get(pk=made.pk)).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["relations"])
class GiftDetail(_Gifts):
    serializer_class = GiftSerializer
    pagination_class = None
    http_method_names = ["get", "patch", "delete", "head", "options"]

    @extend_schema(operation_id="relations_gift_get", responses={200: GiftSerializer, **READ_ERRORS})
    def get(self, request: Request, workspace_id: int, pk: int) -> Response:
        return Response(GiftSerializer(self.gift()).data)

    @extend_schema(operation_id="relations_gift_update", request=GiftWriteSerializer,
                   responses={200: GiftSerializer, **WRITE_ERRORS},
                   description="Change a fee or another benefit; a parcel's or an invitation's row answers 400 "
                               "(change its source).")
    def patch(self, request: Request, workspace_id: int, pk: int) -> Response:
        gift = self.gift()
        body = GiftWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        values = dict(body.validated_data)
        if values.pop("contact", gift.contact_id) != gift.contact_id:
            raise ValidationError({"contact": [_("A benefit keeps its person: delete it and enter another.")]})
        try:
            gifts.edit_gift(gift, now=timezone.now(), **values)
        except gifts.GiftError as exc:
            _raise(exc)
        return Response(GiftSerializer(self.gifts().get(pk=gift.pk)).data)

    @extend_schema(operation_id="relations_gift_delete", responses={
        204: OpenApiResponse(description="Deleted."), **WRITE_ERRORS},
        description="Delete a fee or another benefit; a parcel's or an invitation's row answers 400.")
    def delete(self, request: Request, workspace_id: int, pk: int) -> Response:
        try:
            gifts.delete_gift(self.gift())
        except gifts.GiftError as exc:
            _raise(exc)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["relations"])
class GiftLedger(_Gifts):
    serializer_class = LedgerSerializer
    pagination_class = None

    @extend_schema(operation_id="relations_gift_ledger", parameters=[YEAR],
                   responses={200: LedgerSerializer, **READ_ERRORS, 400: WRITE_ERRORS[400]},
                   description="Per person, the year's total of the brand's fees and benefits, and whether it "
                               "reaches the written-contract threshold (`needs_contract`, from the threshold "
                               "included).")
    def get(self, request: Request, workspace_id: int) -> Response:
        year = _year(request, self.workspace)
        return Response(LedgerSerializer({"year": year, "threshold": gifts.contract_threshold(
            self.workspace.organisation), "rows": gifts.ledger(self.workspace, year)}).data)


@extend_schema(tags=["relations"])
class MissingMentions(_Gifts, generics.ListAPIView):
    serializer_class = MentionSerializer
    queryset = Mention.objects.none()

    def get_queryset(self) -> QuerySet[Mention]:
        return Mention.objects.filter(workspace=self.workspace, disclosure=Mention.Disclosure.MISSING) \
            .select_related("contact").order_by("-published_at", "-id")

    @extend_schema(operation_id="relations_missing_mentions", responses={200: MentionSerializer(many=True),
                                                                        **READ_ERRORS},
                   description="Posts by contacts about the brand, within a year after a benefit, without "
                               "« Publicité » or « Collaboration commerciale » in their text: to look at.")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class RelationsSettingsSerializer(ApiModelSerializer):
    notice_subject = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, help_text=(
        "Empty: parvis's own, in the contact's language. Variables: "
        + ", ".join(f"`{{{v}}}`" for v in people.NOTICE_VARIABLES) + "."))
    notice_body = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, help_text=(
        "Empty: parvis's own, in the contact's language (French or English); same variables."))
    retention_years = serializers.IntegerField(required=False, help_text=(
        "Years personal data is kept after the last contact, 1 to 10 (the CNIL's reference: 3)."))
    contract_threshold = money_field(required=False, help_text=THRESHOLD_HELP)
    laposte_key = serializers.CharField(required=False, allow_blank=True, allow_null=True, write_only=True,
                                        help_text=(
                                            "The organisation's own X-Okapi-Key for La Poste's Suivi API. Write-only: "
                                            "never returned. An empty string or null removes it; left out keeps it. "
                                            "Giving one follows the parcels La Poste can follow."))
    laposte_key_set = serializers.SerializerMethodField()
    updated_at = UtcDateTimeField(read_only=True)

    class Meta:
        model = RelationsSettings
        fields = ["notice_subject", "notice_body", "retention_years", "contract_threshold", "laposte_key",
                  "laposte_key_set", "updated_at"]

    @extend_schema_field(serializers.BooleanField(help_text="Whether a La Poste key is set (it is never returned)."))
    def get_laposte_key_set(self, chosen: RelationsSettings) -> bool:
        return org_settings.key_is_set(chosen.organisation)


@extend_schema(tags=["relations"])
class RelationsSettingsDetail(WorkspaceScoped, ApiView):
    serializer_class = RelationsSettingsSerializer
    pagination_class = None
    min_role_read = min_role_write = Role.MANAGER
    http_method_names = ["get", "patch", "head", "options"]

    @extend_schema(operation_id="relations_settings_get",
                   responses={200: RelationsSettingsSerializer, **READ_ERRORS, 403: WRITE_ERRORS[403]},
                   description="The organisation's relations settings (managers and owners of any of its "
                               "workspaces): the privacy notice, retention, the contract threshold, whether a La "
                               "Poste key is set.")
    def get(self, request: Request, workspace_id: int) -> Response:
        return Response(RelationsSettingsSerializer(people.settings_for(self.workspace.organisation)).data)

    @extend_schema(operation_id="relations_settings_update", request=RelationsSettingsSerializer,
                   responses={200: RelationsSettingsSerializer, **WRITE_ERRORS},
                   description="Change some of them; nothing is saved when a field is wrong.")
    def patch(self, request: Request, workspace_id: int) -> Response:
        organisation = self.workspace.organisation
        body = RelationsSettingsSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        try:
            chosen, _started = org_settings.update_settings(organisation, now=timezone.now(), **body.validated_data)
        except org_settings.SettingsError as exc:
            _raise(exc)
        return Response(RelationsSettingsSerializer(chosen).data)
