"""Bulk import through the API: the same two steps as the web page (check every row,
then create the valid ones in the background), the same `importer` functions.

Editors and above; a workspace or import of a workspace the caller is not in is a 404.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from parvis.accounts.models import Role
from parvis.api.scoping import ObjectScoped, WorkspaceScoped
from parvis.api.serializers import ApiModelSerializer
from parvis.api.views import CONFLICT, READ_ERRORS, WRITE_ERRORS, ApiView, Conflict
from parvis.publishing import importer
from parvis.publishing.models import ImportBatch
from parvis.publishing.validation import parse_timezone

TRUE = {"1", "true", "yes", ""}


class ImportRowSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="The row number a spreadsheet shows (the header is row 1).")
    values = serializers.DictField(child=serializers.CharField(allow_blank=True),
                                   help_text="The cells by column, post options as `<network>.<option>`.")
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages by column (`date`, `time`, `timezone`, `text`, `accounts`, `media`, `campaign`, "
                  "`labels`, a post option's `<network>.<option>`, or `row`). Empty: the row is valid.")
    post = serializers.IntegerField(allow_null=True, help_text="The post created from this row, once imported.")
    new_labels = serializers.ListField(child=serializers.CharField(), required=False,
                                       help_text="Labels that do not exist yet: created at import.")
    import_failed = serializers.BooleanField(required=False,
                                             help_text="Valid when checked, refused at creation (see `errors`).")


class ImportBatchSerializer(ApiModelSerializer):
    encoding_notice = serializers.SerializerMethodField()
    # Not read-only, so that the schema does not list it as always present: `?rows=false`
    # and `POST …/run/` leave it out. Never read from a request.
    rows = ImportRowSerializer(many=True, required=False, help_text="Left out with `?rows=false` and by "
                                                                    "`POST /imports/{id}/run/`.")

    class Meta:
        model = ImportBatch
        fields = ["id", "workspace", "filename", "encoding", "encoding_notice", "status", "total_rows",
                  "valid_rows", "processed_rows", "created_posts", "error", "created_at", "finished_at", "rows"]
        read_only_fields = fields

    def get_encoding_notice(self, batch: ImportBatch) -> str:
        return importer.encoding_notice(batch)


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The CSV file (5 MB, 20,000 rows at most).")
    timezone = serializers.CharField(required=False, allow_blank=True,
                                     help_text="Time zone of rows that name none (default: the workspace's).")

    def validate_timezone(self, value: str) -> str:
        if value and parse_timezone(value) is None:
            raise serializers.ValidationError(_("“%(tz)s” is not a known time zone (for example Europe/Paris or "
                                                "America/Montreal).") % {"tz": value})
        return value


def _batch_response(batch: ImportBatch, code: int = status.HTTP_200_OK, rows: bool = True) -> Response:
    data = ImportBatchSerializer(batch).data
    if not rows:
        data.pop("rows")
    return Response(data, status=code)


@extend_schema(tags=["imports"])
class ImportCreate(WorkspaceScoped, ApiView):
    parser_classes = [MultiPartParser, FormParser]
    serializer_class = ImportUploadSerializer
    queryset = ImportBatch.objects.none()

    @extend_schema(
        request={"multipart/form-data": ImportUploadSerializer},
        parameters=[OpenApiParameter("dry_run", OpenApiTypes.BOOL, required=False,
                                     description="Only check the rows; start the import later with "
                                                 "`POST /imports/{id}/run/`.")],
        responses={201: ImportBatchSerializer, **WRITE_ERRORS},
        description="Check every row of a CSV file (columns date, time, timezone, text, accounts, media, "
                    "campaign, labels, or their French names; and post options as `<network>.<option>`, an "
                    "option of that network's options form, checked like `options` of a post, lists "
                    "separated by `|` or `,`), store the result, and start creating the valid rows in the "
                    "background unless `dry_run`. Rows with errors are never created. A file that cannot "
                    "be read at all, or names an unknown option column, is a 400 on `file`.")
    def post(self, request: Request, workspace_id: int) -> Response:
        workspace = self.workspace
        upload = ImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        file = upload.validated_data["file"]
        try:
            batch = importer.validate(workspace, file, user=self.user, filename=file.name,
                                      default_timezone=upload.validated_data.get("timezone", ""))
        except importer.ImportFileError as exc:
            raise ValidationError({"file": [str(exc)]}) from exc
        if request.query_params.get("dry_run", "false").lower() not in TRUE:
            importer.start_import(batch)
        return _batch_response(batch, status.HTTP_201_CREATED)


class ImportObjectMixin(ObjectScoped, ApiView):
    serializer_class = ImportBatchSerializer
    queryset = ImportBatch.objects.none()

    def get_batch(self) -> ImportBatch:
        return self.scoped(ImportBatch.objects.all(), Role.EDITOR)  # 403 for a viewer


@extend_schema(tags=["imports"])
class ImportDetail(ImportObjectMixin):
    @extend_schema(parameters=[OpenApiParameter("rows", OpenApiTypes.BOOL, required=False,
                                                description="`false` leaves the rows out (for polling progress).")],
                   responses={200: ImportBatchSerializer, **READ_ERRORS, 403: WRITE_ERRORS[403]},
                   description="An import's status and progress (`processed_rows` of `valid_rows`, "
                               "`created_posts`), and its rows with their errors.")
    def get(self, request: Request, pk: int) -> Response:
        rows = request.query_params.get("rows", "true").lower() in TRUE
        return _batch_response(self.get_batch(), rows=rows)


@extend_schema(tags=["imports"])
class ImportRun(ImportObjectMixin):
    @extend_schema(operation_id="imports_run", request=None,
                   responses={202: ImportBatchSerializer, **WRITE_ERRORS, 409: CONFLICT},
                   description="Start creating the valid rows of a checked import in the background (or "
                               "resume a failed one). 409 if it is running or done, or has no valid row.")
    def post(self, request: Request, pk: int) -> Response:
        batch = self.get_batch()
        if not importer.start_import(batch):
            if not batch.valid_rows:
                raise Conflict("import", _("No row can be imported: correct the file and upload it again."))
            raise Conflict("import", _("This import has already been started."))
        return _batch_response(batch, status.HTTP_202_ACCEPTED, rows=False)


@extend_schema(tags=["imports"])
class ImportTemplate(WorkspaceScoped, ApiView):
    queryset = ImportBatch.objects.none()
    min_role_read = Role.EDITOR

    @extend_schema(
        parameters=[OpenApiParameter("language", str, enum=["en", "fr"], required=False,
                                     description="Column names and separator: `en` (“,”) or `fr` (“;”, what "
                                                 "Excel in French expects). Default: the workspace's language.")],
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="An example CSV file, with "
                                                                                   "the option columns of the "
                                                                                   "workspace's networks."),
                   **READ_ERRORS, 403: WRITE_ERRORS[403]})
    def get(self, request: Request, workspace_id: int) -> Any:
        workspace = self.workspace
        language = request.query_params.get("language")
        french = None if language not in {"en", "fr"} else language == "fr"
        response = HttpResponse(importer.template_csv(workspace, french), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="parvis-import-template.csv"'
        return response
