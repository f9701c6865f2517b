"""Publishing a post without waiting for approval, through the API: the same audited
override as the web page (`approval.publish_without_approval`). Managers and owners
(403 for editors, 404 outside your workspaces); a reason is required (400 naming
`reason`); 409 when nothing waits for approval, the post is approved already, or
publishing is paused."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from parvis.accounts.models import Role
from parvis.api.approval import _run
from parvis.api.serializers import PostSerializer
from parvis.api.views import CONFLICT, WRITE_ERRORS, PostObjectMixin, _reload
from parvis.publishing import approval


class OverrideSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=approval.MAX_COMMENT,
                                   help_text="Why it is published without approval: kept in the review thread "
                                             "and the audit log. Required.")


class PostPublishWithoutApproval(PostObjectMixin):
    @extend_schema(tags=["approval"], operation_id="posts_publish_without_approval", request=OverrideSerializer,
                   responses={200: PostSerializer, **WRITE_ERRORS, 409: CONFLICT},
                   description="Publish now a post that approval holds (not sent, in review, changes requested, "
                               "or failed as not approved in time), on every account still waiting. Recorded as "
                               "an approval by the caller, with the reason, in the audit log; the author and the "
                               "other approvers are told.")
    def post(self, request: Request, pk: int) -> Response:
        post = self.get_post(Role.MANAGER)
        body = OverrideSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        reason = str(body.validated_data.get("reason", ""))
        _run(lambda: approval.publish_without_approval(post, self.user, reason))
        return Response(PostSerializer(_reload(post)).data)
