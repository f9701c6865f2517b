"""Approval through the API: send a post for review, approve it, ask for changes, read
and write its review thread. Scoped like every post endpoint (404 outside your
workspaces); deciding needs manager or owner, the rest editor; a post whose approval
state does not allow the action answers 409."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from parvis.accounts.models import Role
from parvis.api.serializers import ApiModelSerializer, PostSerializer
from parvis.api.views import CONFLICT, READ_ERRORS, WRITE_ERRORS, Conflict, PostObjectMixin, _reload
from parvis.publishing import approval
from parvis.publishing.models import Comment, Post


class CommentSerializer(ApiModelSerializer):
    author = serializers.CharField(source="author_label", read_only=True,
                                   help_text="Who wrote it (a member, or a client approver).")
    from_client = serializers.SerializerMethodField()

    class Meta:
        model = Comment
        fields = ["id", "kind", "body", "internal", "author", "from_client", "created_at"]
        read_only_fields = fields

    def get_from_client(self, comment: Comment) -> bool:
        return comment.client_id is not None


class CommentInSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=approval.MAX_COMMENT,
                                    help_text="Required to request changes and to comment.")


def _run(action: Any) -> None:
    try:
        action()
    except approval.ApprovalError as exc:
        if exc.code == "state":
            raise Conflict(exc.field, exc.message) from exc
        if exc.code == "forbidden":
            raise PermissionDenied(exc.message) from exc
        raise ValidationError({exc.field: [exc.message]}) from exc


def _comment(request: Request) -> str:
    body = CommentInSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    return str(body.validated_data.get("comment", ""))


class ReviewAction(PostObjectMixin):
    min_role = Role.EDITOR

    def act(self, post: Post, comment: str) -> None:
        raise NotImplementedError

    def post(self, request: Request, pk: int) -> Response:
        post = self.get_post(self.min_role)
        comment = _comment(request)
        _run(lambda: self.act(post, comment))
        return Response(PostSerializer(_reload(post)).data)


def _documented(operation_id: str, description: str) -> Any:
    return extend_schema_view(post=extend_schema(
        tags=["approval"], operation_id=operation_id, request=CommentInSerializer,
        responses={200: PostSerializer, **WRITE_ERRORS, 409: CONFLICT}, description=description))


@_documented("posts_submit", "Send a post for review (editor). 409 unless the workspace requires approval "
                             "and the post is not sent yet or has changes requested.")
class PostSubmit(ReviewAction):
    def act(self, post: Post, comment: str) -> None:
        approval.submit_for_review(post, self.user, note=comment)


@_documented("posts_approve", "Approve the current revision (manager or owner). With “all named approvers”, "
                              "the post stays `in_review` until each of them approved. 409 if the post is "
                              "not in review.")
class PostApprove(ReviewAction):
    min_role = Role.MANAGER

    def act(self, post: Post, comment: str) -> None:
        approval.approve(post, user=self.user, comment=comment)


@_documented("posts_request_changes", "Ask for changes (manager or owner); `comment` is required. 409 if "
                                      "the post is not in review.")
class PostRequestChanges(ReviewAction):
    min_role = Role.MANAGER

    def act(self, post: Post, comment: str) -> None:
        approval.request_changes(post, comment, user=self.user)


@extend_schema(tags=["approval"])
class PostComments(PostObjectMixin):
    serializer_class = CommentSerializer  # type: ignore[assignment]

    @extend_schema(operation_id="posts_comments_list", responses={200: CommentSerializer(many=True), **READ_ERRORS},
                   description="The post's comments, oldest first: the review thread (also seen by "
                               "client approvers) and the team's internal notes (`internal`). Paginated "
                               "like every list (`limit`, `offset`).")
    def get(self, request: Request, pk: int) -> Response:
        post = self.get_post()
        page = self.paginate_queryset(post.comments.order_by("created_at", "pk"))
        return self.get_paginated_response(CommentSerializer(page, many=True).data)

    @extend_schema(operation_id="posts_comments_create", request=CommentInSerializer,
                   responses={201: CommentSerializer, **WRITE_ERRORS},
                   description="Add a comment to the review thread (editor); client approvers see it.")
    def post(self, request: Request, pk: int) -> Response:
        post = self.get_post(Role.EDITOR)
        comment = _comment(request)
        created: list[Comment] = []
        _run(lambda: created.append(approval.add_review_comment(post, comment, author=self.user)))
        return Response(CommentSerializer(created[0]).data, status=status.HTTP_201_CREATED)
