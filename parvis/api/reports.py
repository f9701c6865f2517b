"""Client reports through the API: what each client's report holds and when it goes out
(definitions), the reports built (runs) with their progress, commentary and files,
sending one, and the agency's look. Thin: the work is in `analytics.deliveries` and
`analytics.report`, whose `ReportError` names the field a 400 names.

Roles are the web's: any member reads; managers and owners create, edit, build, send
and delete; an organisation's admins change its look.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from parvis.accounts.models import OrganisationMember, Role
from parvis.analytics import deliveries, looks, render, report
from parvis.analytics.dashboard import Period
from parvis.analytics.models import ReportDefinition, ReportFile, ReportLook, ReportRun
from parvis.api.analytics import HourMinuteField
from parvis.api.files import FileView
from parvis.api.scoping import ObjectScoped, WorkspaceScoped
from parvis.api.serializers import ApiModelSerializer, IdField, UtcDateTimeField
from parvis.api.views import CONFLICT, READ_ERRORS, WRITE_ERRORS, ApiView, Conflict
from parvis.core.ids import parse_id

Status = ReportRun.Status
PERIOD_PATTERN = r"^\s*(\d{4}-\d{1,2}|\d{4}-[Ww]\d{1,2}|\d{4}-\d{2}-\d{2}\s*\.\.\s*\d{4}-\d{2}-\d{2})\s*$"


def _now() -> datetime:
    return timezone.now()


def _refused(exc: report.ReportError) -> ValidationError:
    return ValidationError({exc.field: [str(exc)]})


def _queue_build(run_id: int) -> None:
    from parvis.analytics.tasks import build_report_task

    transaction.on_commit(lambda: build_report_task(run_id))


# -- definitions -------------------------------------------------------------------------------------

class NextRunSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    build_at = UtcDateTimeField(allow_null=True, help_text="When its files are built.")
    send_at = UtcDateTimeField(allow_null=True, help_text="When it is emailed; null when held for review.")


class ReportDefinitionSerializer(ApiModelSerializer):
    name = serializers.CharField(max_length=120)
    every = serializers.ChoiceField(choices=ReportDefinition.Every.choices, required=False, help_text=(
        "`week`: the week before (Monday to Sunday); `month`: the month before."))
    sections = serializers.ListField(child=serializers.ChoiceField(choices=report.SECTIONS), required=False,
                                     max_length=len(report.SECTIONS) * 2,
                                     help_text="Shown in this order whatever the order given.")
    formats = serializers.ListField(child=serializers.ChoiceField(choices=report.ALL_FORMATS), required=False,
                                    max_length=len(report.ALL_FORMATS) * 2)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
    accent = serializers.CharField(max_length=16, allow_blank=True, required=False, help_text=(
        "The client's colour, \"#RRGGBB\"; empty for the agency's (`report-look`)."))
    has_client_logo = serializers.SerializerMethodField()
    weekday = serializers.IntegerField(min_value=0, max_value=6, required=False,
                                       help_text="Weekly reports: the day they are sent, 0 = Monday.")
    month_day = serializers.IntegerField(min_value=1, max_value=28, required=False,
                                         help_text="Monthly reports: the day of the month they are sent.")
    send_at = HourMinuteField(required=False, help_text="In the workspace's time zone, 07:00 or later.")
    recipients = serializers.ListField(child=serializers.CharField(max_length=254), required=False, max_length=100,
                                       help_text=f"Email addresses, {deliveries.MOST_RECIPIENTS} at most.")
    delivery = serializers.ChoiceField(choices=ReportDefinition.Delivery.choices, required=False, help_text=(
        "`attached`: the files in the email (a private link when they are too big); `link`: a private link."))
    hold = serializers.BooleanField(required=False, help_text="Built overnight, sent only when someone sends it.")
    next_run = serializers.SerializerMethodField()

    class Meta:
        model = ReportDefinition
        fields = ["id", "name", "every", "sections", "formats", "language", "accent", "has_client_logo",
                  "scheduled", "weekday", "month_day", "send_at", "recipients", "delivery", "hold", "next_run"]
        read_only_fields = ["id", "has_client_logo", "next_run"]

    def get_has_client_logo(self, definition: ReportDefinition) -> bool:
        return bool(definition.client_logo)

    @extend_schema_field(NextRunSerializer(allow_null=True))
    def get_next_run(self, definition: ReportDefinition) -> dict[str, Any] | None:
        waiting = getattr(definition, "waiting_runs", None)
        if waiting is None:
            waiting = list(definition.runs.filter(status=Status.WAITING).order_by("build_at", "pk")[:1])
        return dict(NextRunSerializer(waiting[0]).data) if waiting else None


def _definitions() -> QuerySet[ReportDefinition]:
    return ReportDefinition.objects.select_related("workspace").prefetch_related(Prefetch(
        "runs", queryset=ReportRun.objects.filter(status=Status.WAITING).order_by("build_at", "pk"),
        to_attr="waiting_runs"))


def _save_definition(definition: ReportDefinition, changes: dict[str, Any]) -> ReportDefinition:
    for name, value in changes.items():
        setattr(definition, name, value)
    try:
        with transaction.atomic():
            deliveries.save_definition(definition, _now())
    except report.ReportError as exc:
        raise _refused(exc) from exc
    return _definitions().get(pk=definition.pk)


@extend_schema(tags=["analytics"])
class ReportDefinitionList(WorkspaceScoped, ApiView, generics.ListAPIView):
    serializer_class = ReportDefinitionSerializer
    queryset = ReportDefinition.objects.none()
    min_role_write = Role.MANAGER

    def get_queryset(self) -> QuerySet[ReportDefinition]:
        return _definitions().filter(workspace=self.workspace).order_by("name", "pk")

    @extend_schema(operation_id="reports_definitions", responses={200: ReportDefinitionSerializer(many=True),
                                                                  **READ_ERRORS},
                   description="The workspace's client reports: what each holds and, when scheduled, when it "
                               "goes out and to whom, with its next run.")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(operation_id="reports_definition_create", request=ReportDefinitionSerializer,
                   responses={201: ReportDefinitionSerializer, **WRITE_ERRORS},
                   description="Define a client report (managers). A scheduled one gets its next run at once: "
                               "checked the evening before, built from 06:00, sent at `send_at` (the workspace's "
                               "time) unless held.")
    def post(self, request: Request, workspace_id: int) -> Response:
        workspace = self.workspace
        body = ReportDefinitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        data.setdefault("sections", list(report.SECTIONS))
        data.setdefault("formats", list(report.FORMATS))
        data.setdefault("language", workspace.language if workspace.language in dict(settings.LANGUAGES) else "fr")
        made = _save_definition(ReportDefinition(workspace=workspace, created_by=self.user), data)
        return Response(ReportDefinitionSerializer(made).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["analytics"])
class ReportDefinitionDetail(ObjectScoped, ApiView):
    serializer_class = ReportDefinitionSerializer
    pagination_class = None
    http_method_names = ["get", "patch", "delete", "head", "options"]

    @extend_schema(operation_id="reports_definition", responses={200: ReportDefinitionSerializer, **READ_ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        return Response(ReportDefinitionSerializer(self.scoped(_definitions())).data)

    @extend_schema(operation_id="reports_definition_update", request=ReportDefinitionSerializer(partial=True),
                   responses={200: ReportDefinitionSerializer, **WRITE_ERRORS},
                   description="Change a report (managers); fields left out keep their value. Its waiting run "
                               "is planned again; runs built or sent stay as they are.")
    def patch(self, request: Request, pk: int) -> Response:
        definition = self.scoped(_definitions(), Role.MANAGER)
        body = ReportDefinitionSerializer(definition, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        return Response(ReportDefinitionSerializer(_save_definition(definition, dict(body.validated_data))).data)

    @extend_schema(operation_id="reports_definition_delete",
                   responses={204: OpenApiResponse(description="Deleted, with its runs and their files."),
                              **WRITE_ERRORS, 409: CONFLICT})
    def delete(self, request: Request, pk: int) -> Response:
        definition = self.scoped(ReportDefinition.objects.all(), Role.MANAGER)
        if definition.runs.filter(status=Status.BUILDING).exists():
            raise Conflict("definition", _("The report is being built: try again in a moment."))
        definition.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


# -- runs ------------------------------------------------------------------------------------------------

class ReportFileSerializer(serializers.Serializer):
    format = serializers.CharField(help_text="`pdf`, `pptx` or `xlsx`.")
    size = serializers.IntegerField(help_text="In bytes.")
    url = serializers.SerializerMethodField(help_text="Where to download it (`report-file`).")

    def get_url(self, file: ReportFile) -> str:
        path = reverse("api:report-file", args=[file.run_id, file.format])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class ReportRunSerializer(ApiModelSerializer):
    definition = serializers.IntegerField(source="definition_id", read_only=True, allow_null=True,
                                          help_text="Null for a report built on request over any period.")
    sections = serializers.ListField(child=serializers.ChoiceField(choices=report.SECTIONS), read_only=True)
    formats = serializers.ListField(child=serializers.ChoiceField(choices=report.ALL_FORMATS), read_only=True)
    commentary = serializers.DictField(child=serializers.CharField(allow_blank=True), read_only=True, help_text=(
        "Per section: pre-filled from the figures in the report's language when it is built, then the CM's."))
    problems = serializers.ListField(child=serializers.CharField(), read_only=True, help_text=(
        "What the evening check found (accounts to reconnect before the build)."))
    sent_to = serializers.ListField(child=serializers.CharField(), read_only=True)
    progress = serializers.IntegerField(read_only=True, help_text="In %, while it is built.")
    step = serializers.CharField(read_only=True, help_text="What is being done, in the report's language.")
    files = serializers.SerializerMethodField()

    class Meta:
        model = ReportRun
        fields = ["id", "definition", "start", "end", "language", "sections", "formats", "status", "progress",
                  "step", "commentary", "edited_at", "figures_at", "problems", "build_at", "send_at", "built_at",
                  "sent_at", "sent_to", "error", "files"]
        read_only_fields = fields

    @extend_schema_field(ReportFileSerializer(many=True))
    def get_files(self, run: ReportRun) -> list[dict[str, Any]]:
        return list(ReportFileSerializer(run.files.all(), many=True, context=self.context).data)


def _runs() -> QuerySet[ReportRun]:
    return ReportRun.objects.select_related("workspace").prefetch_related(Prefetch(
        "files", queryset=ReportFile.objects.only("pk", "run_id", "format", "size").order_by("format")))


class RunRequestSerializer(serializers.Serializer):
    period = serializers.RegexField(PERIOD_PATTERN, required=False, max_length=40, error_messages={
        "invalid": gettext_lazy("Give the period as 2026-11 (a month), 2026-W47 (a week) or 2026-11-01..2026-11-30.")
    }, help_text=(
        "\"2026-11\" (a month), \"2026-W47\" (an ISO week) or \"2026-11-01..2026-11-30\"; or `start` and `end`."))
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False, help_text="Included.")
    definition = IdField(required=False, allow_null=True, help_text=(
        "A report of the workspace: its sections, formats and language (unless `language` is given)."))
    sections = serializers.ListField(child=serializers.ChoiceField(choices=report.SECTIONS), required=False,
                                     max_length=len(report.SECTIONS) * 2, help_text="Default: every section.")
    formats = serializers.ListField(child=serializers.ChoiceField(choices=report.ALL_FORMATS), required=False,
                                    max_length=len(report.ALL_FORMATS) * 2, help_text="Default: pdf, pptx and xlsx.")
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False,
                                       help_text="Default: the definition's, else the workspace's.")


def _period_of(data: dict[str, Any]) -> Period:
    if data.get("period"):
        try:
            return report.parse_period(data["period"])
        except report.ReportError as exc:
            raise _refused(exc) from exc
    missing = [name for name in ("start", "end") if not data.get(name)]
    if missing:
        raise ValidationError({"period": [_("Give a period, or a start and an end.")]})
    if data["end"] < data["start"]:
        raise ValidationError({"end": [_("The end is before the start.")]})
    return Period(data["start"], data["end"])


@extend_schema(tags=["analytics"])
class ReportRunList(WorkspaceScoped, ApiView, generics.ListAPIView):
    serializer_class = ReportRunSerializer
    queryset = ReportRun.objects.none()
    min_role_write = Role.MANAGER

    def get_queryset(self) -> QuerySet[ReportRun]:
        runs = _runs().filter(workspace=self.workspace)
        params = self.request.query_params
        if params.get("definition"):
            runs = runs.filter(definition_id=parse_id(params["definition"]) or 0)
        if params.get("status"):
            if params["status"] not in Status.values:
                raise ValidationError({"status": [_("One of: %(names)s.") % {"names": ", ".join(Status.values)}]})
            runs = runs.filter(status=params["status"])
        return runs.order_by("-created_at", "-pk")

    @extend_schema(operation_id="reports_runs", parameters=[
        OpenApiParameter("definition", int, description="Only this report's runs."),
        OpenApiParameter("status", str, enum=Status.values, description="Only runs in this state.")],
        responses={200: ReportRunSerializer(many=True), **READ_ERRORS, 400: WRITE_ERRORS[400]},
        description="The reports built, being built or waiting for their schedule, the newest first.")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(operation_id="reports_run_request", request=RunRequestSerializer,
                   responses={201: ReportRunSerializer, **WRITE_ERRORS},
                   description="Build a report now over a period (managers): it is queued, and its `status`, "
                               "`progress` and `step` say how far it is; its files are listed once it is `ready`.")
    def post(self, request: Request, workspace_id: int) -> Response:
        workspace = self.workspace
        body = RunRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        period = _period_of(data)
        definition = None
        if data.get("definition") is not None:
            definition = ReportDefinition.objects.filter(workspace=workspace, pk=data["definition"]).first()
            if definition is None:
                raise ValidationError({"definition": [_("Not a report of this workspace.")]})
        try:
            run = deliveries.request(workspace, period, definition=definition,
                                     sections=data.get("sections", report.SECTIONS),
                                     formats=data.get("formats", report.FORMATS),
                                     language=data.get("language", ""), person=self.user, now=_now())
        except report.ReportError as exc:
            raise _refused(exc) from exc
        _queue_build(run.pk)
        return Response(ReportRunSerializer(_runs().get(pk=run.pk), context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


class CommentarySerializer(serializers.Serializer):
    commentary = serializers.DictField(child=serializers.CharField(allow_blank=True, trim_whitespace=False), help_text=(
        f"Per section (among {', '.join(report.SECTIONS)}), the text that opens its slide "
        f"({deliveries.MOST_WORDS} characters at most); sections left out keep theirs, an empty text gets the "
        "one written from the figures."))

    def validate_commentary(self, value: dict[str, str]) -> dict[str, str]:
        unknown = [key for key in value if key not in report.SECTIONS]
        if unknown:
            raise serializers.ValidationError(_("Choose sections among: %(names)s.") % {
                "names": ", ".join(report.SECTIONS)})
        return value


def _not_editable(run: ReportRun, field: str) -> Conflict:
    if run.status in (Status.QUEUED, Status.BUILDING):
        return Conflict(field, _("The report is being built: try again in a moment."))
    return Conflict(field, _("The report is not built yet."))


@extend_schema(tags=["analytics"])
class ReportRunDetail(ObjectScoped, ApiView):
    serializer_class = ReportRunSerializer
    pagination_class = None
    http_method_names = ["get", "patch", "delete", "head", "options"]

    @extend_schema(operation_id="reports_run", responses={200: ReportRunSerializer, **READ_ERRORS},
                   description="A report run: its progress while it is built, its commentary, its files.")
    def get(self, request: Request, pk: int) -> Response:
        return Response(ReportRunSerializer(self.scoped(_runs()), context={"request": request}).data)

    @extend_schema(operation_id="reports_run_commentary", request=CommentarySerializer,
                   responses={200: ReportRunSerializer, **WRITE_ERRORS, 409: CONFLICT},
                   description="Save the CM's commentary and draw the files again with it (managers; the figures "
                               "are read again). 409 while the report is not built or is being built.")
    def patch(self, request: Request, pk: int) -> Response:
        run = self.scoped(_runs(), Role.MANAGER)
        body = CommentarySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if not deliveries.redraw(run, body.validated_data["commentary"], _now()):
            raise _not_editable(run, "commentary")
        _queue_build(run.pk)
        return Response(ReportRunSerializer(_runs().get(pk=run.pk), context={"request": request}).data)

    @extend_schema(operation_id="reports_run_delete",
                   responses={204: OpenApiResponse(description="Deleted with its files."), **WRITE_ERRORS,
                              409: CONFLICT})
    def delete(self, request: Request, pk: int) -> Response:
        run = self.scoped(ReportRun.objects.all(), Role.MANAGER)
        if not ReportRun.objects.filter(pk=run.pk).exclude(status=Status.BUILDING).delete()[0]:
            raise Conflict("run", _("The report is being built: try again in a moment."))
        return Response(status=status.HTTP_204_NO_CONTENT)


class SendSerializer(serializers.Serializer):
    recipients = serializers.ListField(child=serializers.CharField(max_length=254), required=False,
                                       max_length=100, help_text=(
                                           f"1 to {deliveries.MOST_RECIPIENTS} email addresses; default: the "
                                           "report's recipients."))

    def validate_recipients(self, value: list[str]) -> list[str]:
        addresses = list(dict.fromkeys(address.strip().lower() for address in value if address.strip()))
        for address in addresses:
            try:
                validate_email(address)
            except DjangoValidationError:
                raise serializers.ValidationError(_("%(address)s is not an email address.") % {
                    "address": address}) from None
        if not addresses or len(addresses) > deliveries.MOST_RECIPIENTS:
            raise serializers.ValidationError(_("Give 1 to %(count)s addresses.") % {
                "count": deliveries.MOST_RECIPIENTS})
        return addresses


@extend_schema(tags=["analytics"])
class ReportRunSend(ObjectScoped, ApiView):
    serializer_class = SendSerializer
    pagination_class = None

    @extend_schema(operation_id="reports_run_send", request=SendSerializer,
                   responses={200: ReportRunSerializer, **WRITE_ERRORS, 409: CONFLICT},
                   description="Email a built report now (managers): its files attached, or a private link to "
                               "them (the report's `delivery`, or when they are too big). Sent once: 409 when it "
                               "is not built yet or was sent already.")
    def post(self, request: Request, pk: int) -> Response:
        run = self.scoped(_runs().select_related("definition"), Role.MANAGER)
        body = SendSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        recipients = body.validated_data.get("recipients")
        if run.sent_at is not None or run.status == Status.SENT:
            raise Conflict("run", _("This report was sent already."))
        if run.status != Status.READY:
            raise _not_editable(run, "run")
        if recipients is None and not (run.definition and run.definition.recipients):
            raise ValidationError({"recipients": [_("Say who receives the report.")]})
        if not deliveries.send(run.pk, _now(), recipients):
            failed = ReportRun.objects.filter(pk=run.pk).values_list("error", flat=True).first()
            raise Conflict("run", failed or _("Only a built report not sent yet can be sent."))
        return Response(ReportRunSerializer(_runs().get(pk=run.pk), context={"request": request}).data)


REPORT_FILE_RESPONSES: dict[Any, Any] = {
    **{(200, media_type): OpenApiResponse(OpenApiTypes.BINARY, description=f"The report as {name.upper()}.")
       for name, media_type in report.MEDIA_TYPES.items()},
    **READ_ERRORS,
}


@extend_schema(tags=["analytics"])
class ReportRunFile(ObjectScoped, FileView):
    queryset = ReportRun.objects.none()
    pagination_class = None

    @extend_schema(operation_id="reports_run_file", responses=REPORT_FILE_RESPONSES, parameters=[
        OpenApiParameter("format", str, OpenApiParameter.PATH, enum=list(report.ALL_FORMATS))],
        description="Download one of a built report's files (any member); 404 for a format it was not built in.")
    def get(self, request: Request, pk: int, format: str) -> HttpResponse:  # noqa: A002 - the URL's name
        run = self.scoped(ReportRun.objects.select_related("workspace"))
        found = ReportFile.objects.filter(run=run, format=format).first() if format in report.ALL_FORMATS else None
        if found is None:
            raise Http404
        response = HttpResponse(bytes(found.data), content_type=report.MEDIA_TYPES[format])
        response["Content-Disposition"] = content_disposition_header(
            True, f"{run.workspace.name} {run.start:%Y-%m-%d} {run.end:%Y-%m-%d}.{format}")
        response["Cache-Control"] = "private, no-store"
        return response


# -- the agency's look ----------------------------------------------------------------------------------

class ReportLookSerializer(serializers.Serializer):
    accent = serializers.CharField(help_text="The agency's colour, \"#RRGGBB\" (a report's own colour wins).")
    has_logo = serializers.BooleanField()
    template_name = serializers.CharField(help_text="The PowerPoint template's file name; empty when none.")


class ReportLookWriteSerializer(serializers.Serializer):
    """Fields left out keep their value."""

    accent = serializers.CharField(required=False, max_length=16, help_text="\"#RRGGBB\".")
    logo = serializers.FileField(required=False, help_text="A PNG or JPEG image, 512 kB at most.")
    remove_logo = serializers.BooleanField(required=False, default=False)
    template = serializers.FileField(required=False, help_text="A PowerPoint file (.pptx), 10 MB at most, whose "
                                                               "masters and fonts the reports use.")
    remove_template = serializers.BooleanField(required=False, default=False)

    def validate_accent(self, value: str) -> str:
        try:
            return render.hex_colour(value)
        except ValueError:
            raise serializers.ValidationError(_("Give a colour such as #5B4BDB.")) from None

    def validate_logo(self, upload: Any) -> bytes:
        try:
            return looks.read_logo(upload)
        except report.ReportError as exc:
            raise serializers.ValidationError(str(exc)) from None

    def validate_template(self, upload: Any) -> tuple[str, bytes]:
        try:
            return looks.read_template(upload)
        except report.ReportError as exc:
            raise serializers.ValidationError(str(exc)) from None


def _look_answer(look: ReportLook | None) -> dict[str, Any]:
    return dict(ReportLookSerializer({
        "accent": look.accent if look else render.DEFAULT_ACCENT.upper(),
        "has_logo": bool(look and look.logo), "template_name": look.template_name if look else ""}).data)


@extend_schema(tags=["analytics"])
class ReportLookDetail(ApiView):
    serializer_class = ReportLookWriteSerializer
    pagination_class = None
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    http_method_names = ["get", "put", "head", "options"]

    def _member(self) -> OrganisationMember:
        # The web's choice (`web.views.reports.report_look`): the person's first organisation.
        member = OrganisationMember.objects.filter(user=self.user).select_related("organisation").order_by(
            "pk").first()
        if member is None:
            raise Http404
        return member

    @extend_schema(operation_id="reports_look", responses={200: ReportLookSerializer, **READ_ERRORS},
                   description="The look of every report your organisation sends: its colour, whether it has a "
                               "logo, its PowerPoint template.")
    def get(self, request: Request) -> Response:
        return Response(_look_answer(ReportLook.objects.filter(organisation=self._member().organisation).first()))

    @extend_schema(operation_id="reports_look_update", request={"multipart/form-data": ReportLookWriteSerializer},
                   responses={200: ReportLookSerializer, **WRITE_ERRORS},
                   description="Change your organisation's look (its admins): fields left out keep their value.")
    def put(self, request: Request) -> Response:
        member = self._member()
        if not member.is_admin:
            raise PermissionDenied(_("Only the organisation's admins change its look."))
        body = ReportLookWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        for file, remove in (("logo", "remove_logo"), ("template", "remove_template")):
            if data.get(file) is not None and data[remove]:
                raise ValidationError({remove: [_("Send a new file or remove the old one, not both.")]})
        look, _made = ReportLook.objects.get_or_create(organisation=member.organisation)
        if "accent" in data:
            look.accent = data["accent"]
        if data.get("logo") is not None:
            look.logo = data["logo"]
        elif data["remove_logo"]:
            look.logo = None
        if data.get("template") is not None:
            look.template_name, look.template = data["template"]
        elif data["remove_template"]:
            look.template, look.template_name = None, ""
        look.save()
        return Response(_look_answer(look))
