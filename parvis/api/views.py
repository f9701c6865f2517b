"""The public API: thin views over the scoping helpers and the publishing actions.

Every lookup goes through the requester's memberships, so an object of a workspace they
do not belong to answers 404 exactly like a missing one. Reading needs any role;
writing needs editor or above (403 otherwise).
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, OuterRef, Prefetch, QuerySet, Subquery
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import APIException, ParseError, ValidationError
from rest_framework.metadata import SimpleMetadata
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request, clone_request
from rest_framework.response import Response

from parvis.accounts.models import Membership, Role, User, Workspace
from parvis.accounts.requests import AuthedAPIRequest
from parvis.accounts.scoping import workspaces_for
from parvis.api.scoping import ObjectScoped, WorkspaceScoped
from parvis.api.serializers import (
    AccountSerializer,
    CharterSerializer,
    CharterWriteSerializer,
    DetailSerializer,
    ErrorsSerializer,
    PostSerializer,
    PostWriteSerializer,
    PublicationSerializer,
    WorkspaceSerializer,
)
from parvis.networks.models import SocialAccount
from parvis.publishing.actions import (
    cancel_post,
    cancel_publication,
    confirm_published,
    retry_publication,
    save_post,
    send_again,
)
from parvis.publishing.charter import charter_for
from parvis.publishing.charter_settings import CharterError, update_charter
from parvis.publishing.models import ApprovalState, Charter, Post, Publication, State
from parvis.publishing.validation import PostValidationError

READ_ERRORS: dict[int, Any] = {401: DetailSerializer, 404: DetailSerializer}
UNSUPPORTED = OpenApiResponse(DetailSerializer, description="The body's Content-Type is not one this operation "
                                                             "reads (see its request body).")
WRITE_ERRORS: dict[int, Any] = {**READ_ERRORS, 400: ErrorsSerializer, 403: DetailSerializer, 415: UNSUPPORTED}
CONFLICT = OpenApiResponse(ErrorsSerializer, description="The object's state does not allow it "
                                                          "(being published, already published, …).")


class Conflict(APIException):
    """409: the request is well formed but the object's state refuses it. Same body shape
    as a 400, so clients read one kind of error."""

    status_code: int = status.HTTP_409_CONFLICT  # int, not Literal[409]: subclasses use other codes

    def __init__(self, field: str, message: str) -> None:
        super().__init__({"errors": {field: [message]}})


class Page(LimitOffsetPagination):
    max_limit = 500  # `?limit=` is the caller's choice; one request must stay cheap


class ApiMetadata(SimpleMetadata):
    """OPTIONS lists the fields of PUT and POST without loading an object: each view finds
    its object (scoped to the requester) in its handlers, and DRF's generic `get_object`,
    which OPTIONS would call for PUT, knows none of them."""

    def determine_actions(self, request: Request, view: Any) -> dict[str, Any]:
        actions = {}
        for method in sorted({"PUT", "POST"} & set(view.allowed_methods)):
            view.request = clone_request(request, method)
            try:
                view.check_permissions(view.request)
                actions[method] = self.get_serializer_info(view.get_serializer())
            except APIException:
                pass
            finally:
                view.request = request
        return actions


class ApiView(generics.GenericAPIView):
    request: AuthedAPIRequest  # IsAuthenticated is the default permission
    pagination_class: type[Page] | None = Page
    metadata_class = ApiMetadata

    def handle_exception(self, exc: Exception) -> Response:
        # Unreadable JSON names the body, so that every 400 has the {"errors": {field: [..]}} shape.
        if isinstance(exc, ParseError):
            exc = ValidationError({"body": [str(exc.detail)]})
        return super().handle_exception(exc)

    @property
    def user(self) -> User:
        return self.request.user


def _posts() -> QuerySet[Post]:
    return Post.objects.select_related("workspace", "workspace__editorial").prefetch_related(
        "media__asset", "labels", Prefetch("publications", queryset=Publication.objects.select_related("account")))


def _reload(post: Post) -> Post:
    return _posts().get(pk=post.pk)


def _save(serializer: PostWriteSerializer, workspace: Workspace, user: User, post: Post | None = None) -> Post:
    post_input, uploads, keep = serializer.to_post_input(workspace, post)
    try:
        saved = save_post(workspace, user, post_input, uploads, post=post, keep_media=keep)
    except PostValidationError as exc:
        locked = [e for e in exc.errors if e.code == "not_editable"]
        if locked:
            raise Conflict(locked[0].field, locked[0].message) from exc
        raise
    return _reload(saved)


# -- workspaces and accounts -------------------------------------------------------------

class WorkspaceViewMixin(ApiView):
    serializer_class = WorkspaceSerializer
    queryset = Workspace.objects.none()  # the model, for the schema; never the data

    def get_queryset(self) -> QuerySet[Workspace]:
        role = Membership.objects.filter(workspace=OuterRef("pk"), user=self.user).values("role")[:1]
        return workspaces_for(self.user).annotate(role=Subquery(role)).order_by("name", "pk")


@extend_schema(tags=["workspaces"], responses={200: WorkspaceSerializer(many=True), **READ_ERRORS})
class WorkspaceList(WorkspaceViewMixin, generics.ListAPIView):
    """The workspaces you belong to, with your role in each."""


@extend_schema(tags=["workspaces"], responses={200: WorkspaceSerializer, **READ_ERRORS})
class WorkspaceDetail(WorkspaceViewMixin, generics.RetrieveAPIView):
    pass


@extend_schema(tags=["accounts"], responses={200: AccountSerializer(many=True), **READ_ERRORS})
class AccountList(WorkspaceScoped, ApiView, generics.ListAPIView):
    """The connected accounts of a workspace (never their credentials)."""

    serializer_class = AccountSerializer
    queryset = SocialAccount.objects.none()

    def get_queryset(self) -> QuerySet[SocialAccount]:
        return self.workspace.social_accounts.order_by("network", "handle", "pk")


# -- posts -------------------------------------------------------------------------------

class PostFilterSerializer(serializers.Serializer):
    approval_state = serializers.ChoiceField(
        choices=ApprovalState.choices, required=False,
        help_text="Only posts in this approval state; `in_review` is the review list (then in due order).")


@extend_schema(tags=["posts"])
class PostList(WorkspaceScoped, ApiView, generics.ListAPIView):
    serializer_class = PostSerializer
    queryset = Post.objects.none()

    def get_queryset(self) -> QuerySet[Post]:
        workspace = self.workspace
        query = PostFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        found = _posts().filter(workspace=workspace)
        if "approval_state" in query.validated_data:
            # The review list: `in_review`, in the order they are due (as the web lists them).
            return found.filter(approval_state=query.validated_data["approval_state"]).order_by(
                F("scheduled_at").asc(nulls_last=True), "pk")
        return found.order_by("-created_at", "-pk")

    @extend_schema(parameters=[PostFilterSerializer],
                   responses={200: PostSerializer(many=True), 400: ErrorsSerializer, **READ_ERRORS})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=PostWriteSerializer, responses={201: PostSerializer, **WRITE_ERRORS},
                   description="Create a post and its publications. `mode` `now` publishes at once, "
                               "`schedule` at `scheduled_at`, `draft` keeps it unpublished.")
    def post(self, request: Request, workspace_id: int) -> Response:
        workspace = self.workspace
        serializer = PostWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        post = _save(serializer, workspace, self.user)
        return Response(PostSerializer(post).data, status=status.HTTP_201_CREATED)


class PostObjectMixin(ObjectScoped, ApiView):
    serializer_class = PostSerializer
    queryset = Post.objects.none()

    def get_queryset(self) -> QuerySet[Post]:
        return _posts().filter(workspace__memberships__user=self.user)

    def get_post(self, min_role: Role = Role.VIEWER) -> Post:
        return self.scoped(_posts(), min_role)  # 403 for a viewer writing


class PostDetail(PostObjectMixin):
    http_method_names = ["get", "patch", "head", "options"]

    @extend_schema(responses={200: PostSerializer, **READ_ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        return Response(PostSerializer(self.get_post()).data)

    @extend_schema(request=PostWriteSerializer, responses={200: PostSerializer, **WRITE_ERRORS,
                                                           409: CONFLICT},
                   description="Change a post that is not being published or published (409 "
                               "then). Fields left out keep their current value; `accounts` "
                               "replaces the targets.")
    def patch(self, request: Request, pk: int) -> Response:
        post = self.get_post(Role.EDITOR)
        serializer = PostWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        saved = _save(serializer, post.workspace, self.user, post)
        return Response(PostSerializer(saved).data)


class PostCancel(PostObjectMixin):
    @extend_schema(operation_id="posts_cancel", request=None,
                   responses={200: PostSerializer, **WRITE_ERRORS, 409: CONFLICT},
                   description="Cancel every publication not yet being published. 409 when "
                               "all that is left is being published or published.")
    def post(self, request: Request, pk: int) -> Response:
        post = self.get_post(Role.EDITOR)
        if not cancel_post(post) and post.publications.exclude(state=State.CANCELLED).exists():
            raise Conflict("post", _("Nothing left to cancel: this post is being published or "
                                     "was published."))
        return Response(PostSerializer(_reload(post)).data)


# -- publications ------------------------------------------------------------------------

class PublicationObjectMixin(ObjectScoped, ApiView):
    serializer_class = PublicationSerializer
    queryset = Publication.objects.none()
    workspace_path = "post__workspace"

    def get_publication(self, min_role: Role = Role.VIEWER) -> Publication:
        return self.scoped(Publication.objects.select_related("account", "post__workspace"), min_role)

    def respond(self, publication: Publication) -> Response:
        publication.refresh_from_db()
        return Response(PublicationSerializer(publication).data)


class PublicationDetail(PublicationObjectMixin):
    @extend_schema(responses={200: PublicationSerializer, **READ_ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        return Response(PublicationSerializer(self.get_publication()).data)


class PublicationRetry(PublicationObjectMixin):
    @extend_schema(operation_id="publications_retry", request=None,
                   responses={200: PublicationSerializer, **WRITE_ERRORS, 409: CONFLICT},
                   description="Put a failed publication back in line now (409 if not failed).")
    def post(self, request: Request, pk: int) -> Response:
        publication = self.get_publication(Role.EDITOR)
        if not retry_publication(publication):
            raise Conflict("publication", _("Only a failed publication can be retried."))
        return self.respond(publication)


class ConfirmSerializer(serializers.Serializer):
    url = serializers.URLField(required=False, allow_blank=True, max_length=500, default="",
                               help_text="The post's address on the network, if known.")


class PublicationConfirm(PublicationObjectMixin):
    @extend_schema(operation_id="publications_confirm", request=ConfirmSerializer,
                   responses={200: PublicationSerializer, **WRITE_ERRORS, 409: CONFLICT},
                   description="A publication waiting to be checked (state to_check) is on the network: "
                               "mark it published (409 if it is not waiting to be checked).")
    def post(self, request: Request, pk: int) -> Response:
        publication = self.get_publication(Role.EDITOR)
        data = ConfirmSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if not confirm_published(publication, self.user, data.validated_data["url"]):
            raise Conflict("publication", _("Only a publication waiting to be checked can be confirmed."))
        return self.respond(publication)


class PublicationSendAgain(PublicationObjectMixin):
    @extend_schema(operation_id="publications_send_again", request=None,
                   responses={200: PublicationSerializer, **WRITE_ERRORS, 409: CONFLICT},
                   description="A publication waiting to be checked (state to_check) is not on the network: "
                               "send it again now (409 if it is not waiting to be checked).")
    def post(self, request: Request, pk: int) -> Response:
        publication = self.get_publication(Role.EDITOR)
        if not send_again(publication, self.user):
            raise Conflict("publication", _("Only a publication waiting to be checked can be sent again."))
        return self.respond(publication)


class PublicationCancel(PublicationObjectMixin):
    @extend_schema(operation_id="publications_cancel", request=None,
                   responses={200: PublicationSerializer, **WRITE_ERRORS, 409: CONFLICT},
                   description="Cancel a publication not yet being published (409 otherwise).")
    def post(self, request: Request, pk: int) -> Response:
        publication = self.get_publication(Role.EDITOR)
        if not cancel_publication(publication) and publication.state != State.CANCELLED:
            raise Conflict("publication", _("This publication is being published or was published: "
                                            "it can no longer be cancelled."))
        return self.respond(publication)


# -- editorial charter -------------------------------------------------------------------

@extend_schema(tags=["workspaces"])
class CharterDetail(WorkspaceScoped, ApiView):
    """The workspace's editorial charter. Any member reads it (to write posts that pass);
    managers change it. Blocking rules make scheduling answer 400 naming the rule."""

    serializer_class = CharterSerializer
    http_method_names = ["get", "put", "patch", "head", "options"]
    min_role_write = Role.MANAGER

    @extend_schema(responses={200: CharterSerializer, **READ_ERRORS})
    def get(self, request: Request, workspace_id: int) -> Response:
        workspace = self.workspace
        return Response(CharterSerializer(charter_for(workspace) or Charter(workspace=workspace)).data)

    @extend_schema(request=CharterWriteSerializer, responses={200: CharterSerializer, **WRITE_ERRORS},
                   description="Change the charter (managers). Fields left out keep their value.")
    def put(self, request: Request, workspace_id: int) -> Response:
        workspace = self.workspace
        body = CharterWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        try:
            charter = update_charter(workspace, self.user, body.validated_data)
        except CharterError as exc:
            raise ValidationError(exc.by_field()) from exc
        return Response(CharterSerializer(charter).data)

    @extend_schema(request=CharterWriteSerializer, responses={200: CharterSerializer, **WRITE_ERRORS})
    def patch(self, request: Request, workspace_id: int) -> Response:
        return self.put(request, workspace_id)
