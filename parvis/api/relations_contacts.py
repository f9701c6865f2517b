"""Relations' contacts through the API: the agency's contacts (shared by its clients'
workspaces, reached through any of them), their timeline, lists, imports and exports,
and the personal-data duties (notice, review, keep, export, erasure)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from parvis.accounts.models import Role
from parvis.accounts.scoping import workspaces_for
from parvis.api.fields import id_field
from parvis.api.scoping import WorkspaceScoped
from parvis.api.serializers import ApiModelSerializer, UtcDateTimeField
from parvis.api.views import READ_ERRORS, WRITE_ERRORS, ApiView
from parvis.relations import contact_io, people
from parvis.relations.cards import ImportRefused
from parvis.relations.models import Contact, ContactKind, ContactList, Handle

MAX_IMPORT_BYTES = 10 * 1024 * 1024



class RelatedNames(serializers.ListField):
    """A many-to-many relation read as its rows' `attribute` (tags by name, lists and
    contacts by id), written as a plain list."""

    def __init__(self, attribute: str = "pk", **kwargs: Any) -> None:
        self.attribute = attribute
        super().__init__(**kwargs)

    def to_representation(self, data: Any) -> list[Any]:
        return [getattr(row, self.attribute) for row in data.all()]


class HandleSerializer(ApiModelSerializer):
    network = serializers.CharField(max_length=32, help_text="A network's key.")
    handle = serializers.CharField(max_length=300, help_text="The handle, or the profile's address.")
    followers = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=2_000_000_000,
                                         help_text="Followers as read now (the date is kept).")
    followers_read_at = UtcDateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = Handle
        fields = ["network", "handle", "key", "url", "followers", "followers_read_at"]
        read_only_fields = ["key", "url", "followers_read_at"]


class ContactSerializer(ApiModelSerializer):
    kind = serializers.ChoiceField(choices=ContactKind.choices, required=False)
    handles = HandleSerializer(many=True, required=False)
    tags = RelatedNames("name", child=serializers.CharField(max_length=60), required=False, max_length=30)
    lists = RelatedNames(child=id_field(), required=False, max_length=200,
                         help_text="Ids of the organisation's contact lists.")
    topics = serializers.ListField(child=serializers.CharField(max_length=60), required=False, max_length=20)
    other_emails = serializers.ListField(child=serializers.CharField(max_length=254), required=False, max_length=10)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    notice_sent_at = UtcDateTimeField(read_only=True, allow_null=True)
    last_contact_at = UtcDateTimeField(read_only=True, allow_null=True, help_text=(
        "The retention clock: personal data is reviewed `retention_years` after it."))

    class Meta:
        model = Contact
        fields = ["id", "kind", "name", "given_name", "family_name", "outlet", "title", "email", "other_emails",
                  "phone", "website", "street", "postal_code", "city", "region", "country", "language", "topics",
                  "notes", "audience", "audience_read_on", "source", "handles", "tags", "lists", "notice_sent_at",
                  "last_contact_at", "kept_until", "kept_reason", "created_at", "updated_at"]
        read_only_fields = ["id", "notice_sent_at", "last_contact_at", "kept_until", "kept_reason", "created_at",
                            "updated_at"]
        extra_kwargs = {"name": {"required": False, "allow_blank": True}}


class MomentSerializer(serializers.Serializer):
    at = UtcDateTimeField()
    kind = serializers.ChoiceField(choices=["message", "inbox", "invitation", "answer", "parcel", "gift", "mention"])
    workspace = serializers.CharField(help_text="The brand's name (empty for the agency's own messages).")
    title = serializers.CharField()
    detail = serializers.CharField()
    url = serializers.CharField()


class KeepSerializer(serializers.Serializer):
    kept_until = serializers.CharField(help_text="YYYY-MM-DD, after today and within the retention period.")
    kept_reason = serializers.CharField(max_length=300)


class ContactListSerializer(ApiModelSerializer):
    contacts = RelatedNames(child=id_field(), required=False, max_length=10_000,
                            help_text="The ids of its contacts (replaced as a whole when given).")

    class Meta:
        model = ContactList
        fields = ["id", "name", "description", "contacts", "created_at"]
        read_only_fields = ["id", "created_at"]
        extra_kwargs = {"name": {"max_length": 120}, "description": {"max_length": 300}}


class ContactImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A vCard (2.1, 3.0, 4.0) or a CSV from Google Contacts, Outlook or parvis.")
    list = id_field(required=False, help_text="Add the contacts to this list.")
    origin = serializers.CharField(required=False, max_length=200, help_text=(
        "Where the details come from (told to the person in the privacy notice); the file's name by default."))


class ProblemSerializer(serializers.Serializer):
    number = serializers.IntegerField(help_text="The card's or row's number in the file.")
    field = serializers.CharField()
    message = serializers.CharField()


class ContactImportedSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    completed = serializers.IntegerField(help_text="Known contacts the file added something to.")
    unchanged = serializers.IntegerField()
    format = serializers.CharField()
    problems = ProblemSerializer(many=True)


def _raise(exc: people.ContactError) -> None:
    raise ValidationError({exc.field: [str(exc)]}) from exc


class _Contacts(WorkspaceScoped, ApiView):
    def contacts(self) -> QuerySet[Contact]:
        return Contact.objects.filter(organisation=self.workspace.organisation_id).prefetch_related(
            "handles", "tags", "lists")

    def contact(self) -> Contact:
        found = self.contacts().filter(pk=self.kwargs["pk"]).first()
        if found is None:
            raise NotFound()
        return found

    def save(self, body: dict[str, Any], contact: Contact | None = None) -> Contact:
        values = dict(body)
        if "handles" in values:
            values["handles"] = [dict(h) for h in values["handles"]]
        try:
            saved = people.save(self.workspace.organisation, values, by=self.user, contact=contact)
        except people.ContactError as exc:
            _raise(exc)
        return self.contacts().get(pk=saved.pk)


@extend_schema(tags=["relations"])
class ContactListView(_Contacts, generics.ListAPIView):
    serializer_class = ContactSerializer
    queryset = Contact.objects.none()

    def get_queryset(self) -> QuerySet[Contact]:
        found = self.contacts()
        params = self.request.query_params
        for word in params.get("q", "")[:100].split()[:5]:
            found = found.filter(Q(name__icontains=word) | Q(outlet__icontains=word) | Q(email__icontains=word)
                                 | Q(city__icontains=word) | Q(handles__handle__icontains=word))
        if params.get("kind") in ContactKind.values:
            found = found.filter(kind=params["kind"])
        if params.get("tag"):
            found = found.filter(tags__name=params["tag"][:60])
        if str(params.get("list", "")).isdigit():
            found = found.filter(lists=int(params["list"]))
        return found.distinct().order_by("name", "id")

    @extend_schema(parameters=[
        OpenApiParameter("q", str, description="Words found in the name, outlet, email, city or a handle."),
        OpenApiParameter("kind", str, enum=ContactKind.values),
        OpenApiParameter("tag", str, description="A tag's name."),
        OpenApiParameter("list", int, description="A contact list's id."),
    ], responses={200: ContactSerializer(many=True), **READ_ERRORS},
        description="The agency's contacts (the workspace's organisation's), by name.")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=ContactSerializer, responses={201: ContactSerializer, **WRITE_ERRORS})
    def post(self, request: Request, workspace_id: int) -> Response:
        body = ContactSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        values = {"name": "", **body.validated_data}
        return Response(ContactSerializer(self.save(values)).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["relations"])
class ContactDetail(_Contacts):
    serializer_class = ContactSerializer
    pagination_class = None
    http_method_names = ["get", "patch", "delete", "head", "options"]

    @extend_schema(responses={200: ContactSerializer, **READ_ERRORS})
    def get(self, request: Request, workspace_id: int, pk: int) -> Response:
        return Response(ContactSerializer(self.contact()).data)

    @extend_schema(request=ContactSerializer, responses={200: ContactSerializer, **WRITE_ERRORS})
    def patch(self, request: Request, workspace_id: int, pk: int) -> Response:
        contact = self.contact()
        body = ContactSerializer(contact, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        return Response(ContactSerializer(self.save(body.validated_data, contact)).data)

    @extend_schema(responses={204: OpenApiResponse(description=(
        "Erased everywhere (the GDPR's right to erasure): the contact, their accounts, messages, invitations and "
        "check-ins, parcels and addresses, gifts, posts found, contest entries, and what they wrote to the brands "
        "in the inbox. A drawn contest's public proof keeps only their pseudonymous network id.")),
        **WRITE_ERRORS})
    def delete(self, request: Request, workspace_id: int, pk: int) -> Response:
        if not self._membership_at_least(Role.MANAGER):
            raise PermissionDenied()
        people.erase(self.contact())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _membership_at_least(self, role: Role) -> bool:
        return self.workspace.memberships.get(user=self.user).at_least(role)


@extend_schema(tags=["relations"])
class ContactTimeline(_Contacts):
    serializer_class = MomentSerializer
    pagination_class = None

    @extend_schema(operation_id="relations_contact_timeline", responses={200: MomentSerializer(many=True),
                                                                        **READ_ERRORS},
                   description="What happened with this person, newest first, for the brands the caller is in: "
                               "messages, what they wrote in the inbox, invitations and answers, parcels, gifts, "
                               "their posts about the brands.")
    def get(self, request: Request, workspace_id: int, pk: int) -> Response:
        seen = workspaces_for(self.user).filter(organisation=self.workspace.organisation_id)
        return Response(MomentSerializer(people.timeline(self.contact(), list(seen)), many=True).data)


@extend_schema(tags=["relations"])
class ContactPersonalData(_Contacts):
    serializer_class = serializers.Serializer
    pagination_class = None

    @extend_schema(operation_id="relations_contact_personal_data", responses={200: OpenApiTypes.OBJECT,
                                                                             **READ_ERRORS},
                   description="Everything parvis holds about the person, to answer their access request.")
    def get(self, request: Request, workspace_id: int, pk: int) -> Response:
        return Response(people.personal_export(self.contact()))


@extend_schema(tags=["relations"])
class ContactNotice(_Contacts):
    serializer_class = ContactSerializer
    pagination_class = None

    @extend_schema(operation_id="relations_contact_notice", request=None,
                   responses={200: ContactSerializer, **WRITE_ERRORS},
                   description="Email the privacy notice (the organisation's template, or parvis's in the contact's "
                               "language); the retention clock starts again.")
    def post(self, request: Request, workspace_id: int, pk: int) -> Response:
        contact = self.contact()
        try:
            people.send_notice(contact, by=self.user)
        except people.ContactError as exc:
            _raise(exc)
        return Response(ContactSerializer(self.contacts().get(pk=contact.pk)).data)


@extend_schema(tags=["relations"])
class ContactKeep(_Contacts):
    serializer_class = ContactSerializer
    pagination_class = None

    @extend_schema(operation_id="relations_contact_keep", request=KeepSerializer,
                   responses={200: ContactSerializer, **WRITE_ERRORS},
                   description="Keep a contact past its review, until a date, for a stated reason.")
    def post(self, request: Request, workspace_id: int, pk: int) -> Response:
        contact = self.contact()
        body = KeepSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            people.keep(contact, body.validated_data["kept_until"], body.validated_data["kept_reason"])
        except people.ContactError as exc:
            _raise(exc)
        return Response(ContactSerializer(self.contacts().get(pk=contact.pk)).data)


@extend_schema(tags=["relations"])
class ContactReview(_Contacts, generics.ListAPIView):
    serializer_class = ContactSerializer
    queryset = Contact.objects.none()

    def get_queryset(self) -> QuerySet[Contact]:
        return people.review_due(self.workspace.organisation, timezone.now()).prefetch_related(
            "handles", "tags", "lists")

    @extend_schema(operation_id="relations_contacts_review", responses={200: ContactSerializer(many=True),
                                                                       **READ_ERRORS},
                   description="Contacts past their retention period (no contact for `retention_years`), oldest "
                               "first: erase them or keep them for a reason.")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["relations"])
class ContactImport(_Contacts):
    serializer_class = ContactImportSerializer
    pagination_class = None
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(operation_id="relations_contacts_import", request={"multipart/form-data": ContactImportSerializer},
                   responses={200: ContactImportedSerializer, **WRITE_ERRORS},
                   description="Merge a contacts file: someone already known (same email or account) is completed, "
                               "never overwritten; a card with a problem is named and the others are imported.")
    def post(self, request: Request, workspace_id: int) -> Response:
        body = ContactImportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise ValidationError({"file": ["The file is larger than 10 MB."]})
        into = None
        if body.validated_data.get("list"):
            into = ContactList.objects.filter(organisation=self.workspace.organisation_id,
                                              pk=body.validated_data["list"]).first()
            if into is None:
                raise ValidationError({"list": ["No such list."]})
        try:
            read = contact_io.read(upload.read(), upload.name or "")
        except ImportRefused as exc:
            raise ValidationError({"file": [str(exc)]}) from exc
        done = contact_io.import_cards(self.workspace.organisation, read, by=self.user, into=into,
                                       source=body.validated_data.get("origin") or upload.name or "")
        problems = [{"number": p.number, "field": p.field, "message": str(p.message)} for p in done.problems]
        return Response(ContactImportedSerializer({
            "created": done.created, "completed": done.completed, "unchanged": done.unchanged,
            "format": done.format, "problems": problems}).data)


@extend_schema(tags=["relations"])
class ContactExport(_Contacts):
    serializer_class = serializers.Serializer
    pagination_class = None

    @extend_schema(operation_id="relations_contacts_export", parameters=[
        OpenApiParameter("file_format", str, enum=["vcf", "csv"], description=(
            "vCard 4.0 (default) or parvis's CSV (`format` is the API's own answer format).")),
        OpenApiParameter("list", int, description="Only this list's contacts."),
    ], responses={(200, "text/vcard"): OpenApiTypes.BINARY, (200, "text/csv"): OpenApiTypes.BINARY, **READ_ERRORS,
                  400: WRITE_ERRORS[400]})
    def get(self, request: Request, workspace_id: int) -> HttpResponse:
        fmt = request.query_params.get("file_format", "vcf")
        if fmt not in ("vcf", "csv"):
            raise ValidationError({"file_format": ["Ask for vcf or csv."]})
        found = self.contacts()
        if str(request.query_params.get("list", "")).isdigit():
            found = found.filter(lists=int(request.query_params["list"]))
        content, kind, filename = contact_io.export(found, fmt)
        response = HttpResponse(content, content_type=kind)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class _Lists(WorkspaceScoped, ApiView):
    # JSON only: a list of thousands of ids as form fields would pass Django's limit on
    # the number of fields (a 400 page, not the API's answer).
    parser_classes = [JSONParser]

    def lists(self) -> QuerySet[ContactList]:
        return ContactList.objects.filter(organisation=self.workspace.organisation_id).prefetch_related("contacts")

    def apply(self, group: ContactList, body: dict[str, Any]) -> ContactList:
        name = people.clean(body.get("name", group.name), 120)
        if not name:
            raise ValidationError({"name": ["Give the list a name."]})
        if self.lists().filter(name__iexact=name).exclude(pk=group.pk).exists():
            raise ValidationError({"name": ["A list with this name exists already."]})
        group.name, group.description = name, people.clean(body.get("description", group.description), 300)
        group.organisation_id = self.workspace.organisation_id
        group.save()
        if "contacts" in body:
            wanted = set(body["contacts"])
            found = list(Contact.objects.filter(organisation=self.workspace.organisation_id, pk__in=wanted))
            if len(found) != len(wanted):
                raise ValidationError({"contacts": ["One of these contacts does not exist."]})
            group.contacts.set(found)
        return self.lists().get(pk=group.pk)


@extend_schema(tags=["relations"])
class ContactListsView(_Lists, generics.ListAPIView):
    serializer_class = ContactListSerializer
    queryset = ContactList.objects.none()

    def get_queryset(self) -> QuerySet[ContactList]:
        return self.lists().order_by("name", "pk")

    @extend_schema(responses={200: ContactListSerializer(many=True), **READ_ERRORS})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=ContactListSerializer, responses={201: ContactListSerializer, **WRITE_ERRORS})
    def post(self, request: Request, workspace_id: int) -> Response:
        body = ContactListSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with transaction.atomic():
            made = self.apply(ContactList(), body.validated_data)
        return Response(ContactListSerializer(made).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["relations"])
class ContactListDetail(_Lists):
    serializer_class = ContactListSerializer
    pagination_class = None
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def group(self) -> ContactList:
        return get_object_or_404(self.lists(), pk=self.kwargs["pk"])

    @extend_schema(responses={200: ContactListSerializer, **READ_ERRORS})
    def get(self, request: Request, workspace_id: int, pk: int) -> Response:
        return Response(ContactListSerializer(self.group()).data)

    @extend_schema(request=ContactListSerializer, responses={200: ContactListSerializer, **WRITE_ERRORS})
    def patch(self, request: Request, workspace_id: int, pk: int) -> Response:
        group = self.group()
        body = ContactListSerializer(group, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        with transaction.atomic():
            return Response(ContactListSerializer(self.apply(group, body.validated_data)).data)

    @extend_schema(responses={204: OpenApiResponse(description="Deleted; its contacts stay."), **WRITE_ERRORS})
    def delete(self, request: Request, workspace_id: int, pk: int) -> Response:
        self.group().delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
