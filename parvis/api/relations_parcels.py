"""Relations' parcels through the API: a brand's parcels to its contacts, entered and
changed (each wrong field named), their status set by hand, and La Poste asked now for
those it follows. Checking and following are `relations.parcels`'."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from parvis.api.scoping import WorkspaceScoped
from parvis.api.serializers import ApiModelSerializer, IdField, UtcDateTimeField
from parvis.api.views import READ_ERRORS, WRITE_ERRORS, ApiView
from parvis.relations import parcels, tracking
from parvis.relations.models import Carrier, Contact, Event, Parcel, ParcelStatus


def money_field(**kwargs: Any) -> serializers.DecimalField:
    """Euros to the cent, as the models keep them (a string in JSON: exact)."""
    return serializers.DecimalField(max_digits=12, decimal_places=2, **kwargs)


class StepSerializer(serializers.Serializer):
    at = serializers.CharField(help_text="ISO 8601, as the carrier gave it (empty when it gave none).")
    code = serializers.CharField(help_text="The carrier's event code (La Poste: PC1, ET1, DI1…).")
    label = serializers.CharField(help_text="The carrier's words.")  # type: ignore[assignment]


class ParcelSerializer(ApiModelSerializer):
    contact_name = serializers.CharField(source="contact.name", read_only=True)
    carrier = serializers.ChoiceField(choices=Carrier.choices, read_only=True)
    status = serializers.ChoiceField(choices=ParcelStatus.choices, read_only=True)
    status_label = serializers.CharField(read_only=True, help_text="The carrier's own words for where it is.")
    status_at = UtcDateTimeField(read_only=True, allow_null=True)
    tracking_url = serializers.SerializerMethodField()
    followed = serializers.BooleanField(source="follow", read_only=True, help_text=(
        "Whether La Poste is asked where it is (every 4 hours while it moves): a Colissimo, Chronopost or "
        "lettre suivie number, the organisation's La Poste key set, not arrived yet."))
    check_at = UtcDateTimeField(read_only=True, allow_null=True, help_text="When La Poste is asked next.")
    checked_at = UtcDateTimeField(read_only=True, allow_null=True)
    check_error = serializers.SerializerMethodField()
    events = StepSerializer(many=True, read_only=True, help_text="The carrier's steps, newest first.")
    gift = serializers.SerializerMethodField()

    class Meta:
        model = Parcel
        fields = ["id", "contact", "contact_name", "event", "contents", "declared_value", "address", "carrier",
                  "tracking_number", "tracking_url", "sent_on", "status", "status_label", "status_at", "followed",
                  "check_at", "checked_at", "check_error", "events", "gift", "created_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(help_text="The carrier's public tracking page (empty without a "
                                                         "number, or for another carrier)."))
    def get_tracking_url(self, parcel: Parcel) -> str:
        return tracking.tracking_url(parcel.carrier, parcel.tracking_number)

    @extend_schema_field(serializers.CharField(help_text="Why the last check failed, in the request's language "
                                                         "(Accept-Language); empty when it did not."))
    def get_check_error(self, parcel: Parcel) -> str:
        return parcels.check_error_of(parcel)

    @extend_schema_field(serializers.IntegerField(allow_null=True, help_text=(
        "Its row in the gifts ledger (the declared value, on the day it was sent).")))
    def get_gift(self, parcel: Parcel) -> int | None:
        gift = getattr(parcel, "gift", None)
        return gift.pk if gift is not None else None


class ParcelWriteSerializer(serializers.Serializer):
    contact = IdField(required=False, help_text="The contact it goes to (required to create; a parcel keeps its "
                                                "recipient).")
    event = IdField(required=False, allow_null=True, help_text="One of the brand's events, or null.")
    contents = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False,
                                     help_text="What is in it (required to create).")
    declared_value = money_field(required=False, help_text=(
        "In euros, excluding VAT: counted in the gifts ledger."))
    carrier = serializers.ChoiceField(choices=Carrier.choices, required=False)
    tracking_number = serializers.CharField(required=False, allow_blank=True, max_length=80)
    sent_on = serializers.DateField(required=False, allow_null=True)
    address = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, help_text=(
        "As on the label. Left out when creating: the contact's postal address as it is now."))


class StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ParcelStatus.choices, help_text=(
        "Set by hand; `delivered` and `returned` stop the following."))


def _raise(exc: parcels.ParcelError) -> None:
    raise ValidationError(exc.by_field()) from exc


class _Parcels(WorkspaceScoped, ApiView):
    def parcels(self) -> QuerySet[Parcel]:
        return Parcel.objects.filter(workspace=self.workspace).select_related("contact", "gift", "workspace")

    def parcel(self) -> Parcel:
        found = self.parcels().filter(pk=self.kwargs["pk"]).first()
        if found is None:
            raise NotFound()
        return found

    def event(self, body: dict[str, Any]) -> dict[str, Any]:
        """The body's values for `parcels`, the event found among the brand's."""
        values = dict(body)
        values.pop("contact", None)
        if values.get("event") is not None:
            values["event"] = Event.objects.filter(workspace=self.workspace, pk=values["event"]).first()
            if values["event"] is None:
                raise ValidationError({"event": [_("No such event in this workspace.")]})
        return values


@extend_schema(tags=["relations"])
class ParcelList(_Parcels, generics.ListAPIView):
    serializer_class = ParcelSerializer
    queryset = Parcel.objects.none()

    def get_queryset(self) -> QuerySet[Parcel]:
        found = self.parcels()
        params = self.request.query_params
        for word in params.get("q", "")[:100].split()[:5]:
            found = found.filter(Q(contact__name__icontains=word) | Q(contents__icontains=word)
                                 | Q(tracking_number__icontains=tracking.normalise_number(word)))
        if params.get("status") in ParcelStatus.values:
            found = found.filter(status=params["status"])
        if str(params.get("contact", "")).isdigit():
            found = found.filter(contact=int(params["contact"]))
        return found.order_by("-created_at", "-id")

    @extend_schema(operation_id="relations_parcels_list", parameters=[
        OpenApiParameter("q", str, description="Words found in the contact's name, the contents or the number."),
        OpenApiParameter("status", str, enum=ParcelStatus.values),
        OpenApiParameter("contact", int, description="One contact's parcels."),
    ], responses={200: ParcelSerializer(many=True), **READ_ERRORS},
        description="The brand's parcels, newest first.")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(operation_id="relations_parcels_create", request=ParcelWriteSerializer,
                   responses={201: ParcelSerializer, **WRITE_ERRORS},
                   description="Enter a parcel: `contact` and `contents` are required. It goes to the contact's "
                               "postal address (copied) unless `address` is given, enters the gifts ledger at its "
                               "declared value, and is followed through La Poste when it can be.")
    def post(self, request: Request, workspace_id: int) -> Response:
        body = ParcelWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if "contact" not in body.validated_data:
            raise ValidationError({"contact": [_("This field is required.")]})
        contact = Contact.objects.filter(organisation=self.workspace.organisation_id,
                                         pk=body.validated_data["contact"]).first()
        if contact is None:
            raise ValidationError({"contact": [_("No such contact in this organisation.")]})
        values = {"contents": "", **self.event(body.validated_data)}
        try:
            made = parcels.create_parcel(self.workspace, contact, now=timezone.now(), by=self.user, **values)
        except parcels.ParcelError as exc:
            _raise(exc)
        return Response(ParcelSerializer(self.parcels().get(pk=made.pk)).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["relations"])
class ParcelDetail(_Parcels):
    serializer_class = ParcelSerializer
    pagination_class = None
    http_method_names = ["get", "patch", "delete", "head", "options"]

    @extend_schema(operation_id="relations_parcel_get", responses={200: ParcelSerializer, **READ_ERRORS},
                   description="A parcel, with the carrier's steps and why the last check failed.")
    def get(self, request: Request, workspace_id: int, pk: int) -> Response:
        return Response(ParcelSerializer(self.parcel()).data)

    @extend_schema(operation_id="relations_parcel_update", request=ParcelWriteSerializer,
                   responses={200: ParcelSerializer, **WRITE_ERRORS},
                   description="Change what was entered (not the contact); a new carrier or number starts the "
                               "tracking afresh. Nothing is saved when a field is wrong.")
    def patch(self, request: Request, workspace_id: int, pk: int) -> Response:
        parcel = self.parcel()
        body = ParcelWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        if "contact" in body.validated_data and body.validated_data["contact"] != parcel.contact_id:
            raise ValidationError({"contact": [_("A parcel keeps its recipient: delete it and enter another.")]})
        try:
            parcels.update_parcel(parcel, now=timezone.now(), **self.event(body.validated_data))
        except parcels.ParcelError as exc:
            _raise(exc)
        return Response(ParcelSerializer(self.parcels().get(pk=parcel.pk)).data)

    @extend_schema(operation_id="relations_parcel_delete", responses={
        204: OpenApiResponse(description="Deleted, with its row in the gifts ledger."), **WRITE_ERRORS})
    def delete(self, request: Request, workspace_id: int, pk: int) -> Response:
        self.parcel().delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["relations"])
class ParcelStatusView(_Parcels):
    serializer_class = StatusSerializer
    pagination_class = None

    @extend_schema(operation_id="relations_parcel_set_status", request=StatusSerializer,
                   responses={200: ParcelSerializer, **WRITE_ERRORS},
                   description="Set the status by hand (a carrier without an API, a parcel handed over in person). "
                               "While La Poste follows the parcel, its next answer has the last word.")
    def post(self, request: Request, workspace_id: int, pk: int) -> Response:
        parcel = self.parcel()
        body = StatusSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            parcels.set_status(parcel, body.validated_data["status"], now=timezone.now())
        except parcels.ParcelError as exc:
            _raise(exc)
        return Response(ParcelSerializer(self.parcels().get(pk=parcel.pk)).data)


@extend_schema(tags=["relations"])
class ParcelRefresh(_Parcels):
    serializer_class = ParcelSerializer
    pagination_class = None

    @extend_schema(operation_id="relations_parcel_refresh", request=None,
                   responses={200: ParcelSerializer, **WRITE_ERRORS},
                   description="Ask La Poste where the parcel is, now. 400 naming why it cannot be (`carrier`: not "
                               "one La Poste follows; `tracking_number`: none; `status`: it arrived; `laposte_key`: "
                               "the organisation has none). When La Poste fails to answer, the parcel says why in "
                               "`check_error`.")
    def post(self, request: Request, workspace_id: int, pk: int) -> Response:
        parcel = self.parcel()
        if (problem := parcels.why_not_followed(parcel)) is not None:
            raise ValidationError({problem.field: [str(problem)]})
        parcels.refresh(parcel, timezone.now())
        return Response(ParcelSerializer(self.parcels().get(pk=parcel.pk)).data)
