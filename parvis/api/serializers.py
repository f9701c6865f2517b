"""What the API reads and writes.

Reads are model serializers. A post body becomes the same `PostInput` the composer
builds, and goes through the same `save_post`: the API and the web UI cannot disagree
about what is valid.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import MutableMapping
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from parvis.accounts.models import Role, Workspace
from parvis.core.ids import MAX_ID
from parvis.networks import registry
from parvis.networks.models import SocialAccount
from parvis.publishing import charter as charter_rules
from parvis.publishing.actions import MAX_UPLOADS, Upload
from parvis.publishing.approval_status import awaiting_approval
from parvis.publishing.models import Charter, Post, PostMedia, Publication, State
from parvis.publishing.post_input import PostValues, build_post_input, post_values, updated
from parvis.publishing.schedule import parse_timezone
from parvis.publishing.types import PostInput

MODES = [("draft", "draft"), ("now", "now"), ("schedule", "schedule"), ("queue", "queue")]


class UtcDateTimeField(serializers.DateTimeField):
    """Always UTC with a `Z`: a session-authenticated caller's middleware activates the
    person's zone, and the API must not answer differently depending on who asks."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("default_timezone", dt.UTC)
        super().__init__(**kwargs)


class ApiModelSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: UtcDateTimeField,
    }

    def include_extra_kwargs(self, kwargs: MutableMapping[str, Any],
                             extra_kwargs: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
        # DRF drops `allow_blank` from read-only fields, so the schema of a choice a row may
        # leave blank (an item's sentiment before analysis) would promise one of the choices.
        blank = bool(kwargs.get("allow_blank")) and "choices" in kwargs
        merged = super().include_extra_kwargs(kwargs, extra_kwargs)
        if blank:
            merged["allow_blank"] = True
        return merged


class IdField(serializers.IntegerField):
    """The id of an object in a body or a query string: a whole number a 64-bit primary
    key can hold. A larger one would reach the database and fail there (a 500); here it is
    a 400 naming the field, and the schema says `minimum: 1, maximum: 2**63 - 1`."""

    default_error_messages = {
        "min_value": gettext_lazy("An id is a whole number from 1 to 9223372036854775807."),
        "max_value": gettext_lazy("An id is a whole number from 1 to 9223372036854775807."),
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)


def id_list(help_text: str, max_length: int = 100) -> serializers.ListField:
    return serializers.ListField(child=IdField(), required=False, max_length=max_length, help_text=help_text)


# -- errors (for the schema; the bodies come from parvis.api.errors) ----------------------

class ErrorsSerializer(serializers.Serializer):
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Messages by field name (`text`, `accounts`, `scheduled_at`), items of lists and "
                  "objects by their path (`labels[1]`, `slots[0].time`, `variants.bluesky`); `body` "
                  "when the request body could not be read or is not an object.",
    )


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


# -- reads -------------------------------------------------------------------------------

class WorkspaceSerializer(ApiModelSerializer):
    # Annotated by the view from the requester's membership.
    role = serializers.ChoiceField(choices=Role.choices, read_only=True,
                                   help_text="Your role in this workspace.")

    class Meta:
        model = Workspace
        fields = ["id", "name", "timezone", "language", "role"]
        read_only_fields = fields


class AccountSerializer(ApiModelSerializer):
    # Only what identifies the account: `credentials` and `config` stay on the server.
    network = serializers.ChoiceField(choices=sorted(registry.NETWORKS), read_only=True)
    status_reason = serializers.CharField(
        source="shown_status_reason", read_only=True,
        help_text="Why the account must be reconnected, in the request's language (Accept-Language).")

    class Meta:
        model = SocialAccount
        fields = ["id", "network", "handle", "display_name", "server_url", "status",
                  "status_reason", "profile_url"]
        read_only_fields = fields


class PublicationSerializer(ApiModelSerializer):
    network = serializers.ChoiceField(source="account.network", choices=sorted(registry.NETWORKS),
                                      read_only=True)
    awaiting_approval = serializers.SerializerMethodField()
    error = serializers.CharField(
        source="shown_error", read_only=True,
        help_text="Why it failed (or is being retried), in the request's language (Accept-Language); "
                  "a network's own message is given as it came.")

    class Meta:
        model = Publication
        fields = ["id", "post", "account", "network", "state", "awaiting_approval", "due_at", "attempts",
                  "remote_id", "remote_url", "published_at", "error", "error_kind", "updated_at", "in_queue"]
        read_only_fields = fields

    @extend_schema_field(serializers.BooleanField(help_text=(
        "`scheduled` but held until its post is approved (the workspace requires approval): "
        "not published unless approved by `due_at`.")))
    def get_awaiting_approval(self, publication: Publication) -> bool:
        return awaiting_approval(publication.post, publication.state)


class PostMediaSerializer(ApiModelSerializer):
    # The file's facts live in the library asset; `alt_text` is the one used for this post.
    asset = serializers.IntegerField(source="asset_id", read_only=True, help_text="The library asset.")
    kind = serializers.ChoiceField(source="asset.kind", choices=["image", "video"], read_only=True)
    name = serializers.CharField(source="asset.original_name", read_only=True)
    mime_type = serializers.CharField(source="asset.mime_type", read_only=True)
    size = serializers.IntegerField(source="asset.size", read_only=True)
    width = serializers.IntegerField(source="asset.width", read_only=True, allow_null=True)
    height = serializers.IntegerField(source="asset.height", read_only=True, allow_null=True)
    alt_text = serializers.CharField(source="effective_alt_text", read_only=True)

    class Meta:
        model = PostMedia
        fields = ["id", "asset", "kind", "name", "mime_type", "size", "width", "height", "alt_text"]
        read_only_fields = fields


class PostSerializer(ApiModelSerializer):
    variants = serializers.DictField(child=serializers.CharField(), read_only=True,
                                     help_text="Text per network key, used instead of `text` there.")
    options = serializers.DictField(child=serializers.DictField(), read_only=True,
                                    help_text="Post options per network key, as that network's checks "
                                              "cleaned them (`{\"<network>\": {\"<option>\": …}}`).")
    timezone = serializers.CharField(source="schedule_timezone", read_only=True,
                                     help_text="The zone the time was entered in.")
    scheduled_at_local = serializers.SerializerMethodField()
    media = PostMediaSerializer(many=True, read_only=True)
    publications = PublicationSerializer(many=True, read_only=True)

    class Meta:
        model = Post
        fields = ["id", "workspace", "author", "text", "variants", "options", "language", "is_draft",
                  "scheduled_at", "timezone", "scheduled_at_local", "media", "publications",
                  "approval_state", "revision", "created_at", "updated_at", "campaign", "labels"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True, help_text=(
        "`scheduled_at` as wall-clock time in `timezone`, with its offset.")))
    def get_scheduled_at_local(self, post: Post) -> str | None:
        tz = parse_timezone(post.schedule_timezone)
        if post.scheduled_at is None or tz is None:
            return None
        return post.scheduled_at.astimezone(tz).isoformat()


class PublicationFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=State.choices, required=False)
    account = IdField(required=False)


# -- writes ------------------------------------------------------------------------------

class PostWriteSerializer(serializers.Serializer):
    """The body of POST (create) and PATCH (update; every field optional, the post's
    current values fill the gaps)."""

    text = serializers.CharField(allow_blank=True)
    accounts = id_list("Ids of accounts of this workspace to publish to.")
    mode = serializers.ChoiceField(
        choices=MODES, required=False,
        help_text="Default on create: `schedule` when `scheduled_at` is given, else `draft`. "
                  "On update: the post's current mode. `queue`: each account's next free queue slot.")
    scheduled_at = serializers.CharField(
        required=False, allow_null=True, allow_blank=True,
        help_text="ISO 8601. With an offset (`2026-12-24T18:30:00+01:00`, `…Z`) it is that "
                  "instant; without one (`2026-12-24T18:30`) it is wall-clock time in "
                  "`timezone`. Times skipped by a DST change are refused.")
    timezone = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, max_length=64,
        help_text="IANA zone (`Europe/Paris`). Default: the post's, else the workspace's.")
    variants = serializers.DictField(
        child=serializers.CharField(allow_blank=True), required=False,
        help_text="Text per network key (`{\"bluesky\": \"…\"}`); replaces all variants.")
    options = serializers.DictField(
        child=serializers.DictField(), required=False,
        help_text="Post options per network key (`{\"<network>\": {\"<option>\": \"…\"}}`), each checked by "
                  "its network (errors on `options.<network>.<name>`); replaces all options.")
    language = serializers.CharField(required=False, allow_blank=True, max_length=8)
    media = serializers.ListField(
        child=serializers.FileField(), required=False, max_length=MAX_UPLOADS,
        help_text="Images (multipart only); the alt text of the n-th one is field `alt_n`.")
    keep_media = id_list("Update only: ids of the post's current images to keep (default: all).",
                         max_length=MAX_UPLOADS * 5)
    media_ids = id_list("Ids of media library assets of this workspace to add (after the kept media, "
                        "before uploaded files), each with its own alt text.", max_length=MAX_UPLOADS)
    campaign = IdField(
        required=False, allow_null=True,
        help_text="Id of a campaign of this workspace (its UTM name tags the links); null for none.")
    labels = id_list("Ids of labels of this workspace; replaces the post's labels.")

    def to_post_input(self, workspace: Workspace, post: Post | None = None
                      ) -> tuple[PostInput, list[Upload], list[int] | None]:
        """Raise PostValidationError for what only makes sense against the workspace
        (account ids, times in a zone); the rest is for `save_post` to check. On update,
        the fields left out keep the post's values."""
        data: dict[str, Any] = self.validated_data
        given: dict[str, Any] = {name: data[name] for name in ("text", "accounts", "variants", "language",
                                                               "campaign", "labels", "options") if name in data}
        if data.get("mode"):
            given["mode"] = data["mode"]
        if (data.get("timezone") or "").strip():
            given["timezone"] = data["timezone"]
        if "scheduled_at" in data:
            given["scheduled_at"] = data["scheduled_at"] or None
        values = updated(post_values(post) if post is not None else PostValues(), **given,
                         media_ids=data.get("media_ids", []))
        post_input = build_post_input(workspace, values)
        alt = self.initial_data
        uploads = [Upload(f.name or "image", f, f.size or 0, str(alt.get(f"alt_{i}", "")).strip())
                   for i, f in enumerate(data.get("media", []))]
        return post_input, uploads, data.get("keep_media") if post is not None else None


# -- editorial charter -------------------------------------------------------------------

class CharterSerializer(ApiModelSerializer):
    blocking = serializers.ListField(
        child=serializers.ChoiceField(choices=list(charter_rules.RULES)), read_only=True,
        help_text="The rules that block scheduling; the others are warnings.")
    updated_at = UtcDateTimeField(read_only=True, allow_null=True,
                                  help_text="null while the workspace has never set a charter.")

    class Meta:
        model = Charter
        fields = ["banned_terms", "required_hashtags", "required_mentions", "max_hashtags", "max_emojis",
                  "require_alt_text", "allowed_languages", "link_policy", "allowed_domains",
                  "blocked_domains", "blocking", "utm_enabled", "short_links", "updated_at"]
        read_only_fields = fields


def _text_list(help_text: str) -> serializers.ListField:
    return serializers.ListField(child=serializers.CharField(max_length=200), required=False,
                                 max_length=200, help_text=help_text)


MAX_LIMIT = 10_000  # what the charter's own check accepts (charter_settings), said in the schema


class CharterWriteSerializer(serializers.Serializer):
    """The body of PUT/PATCH: fields left out keep their current value."""

    banned_terms = _text_list("Words and expressions; matched as whole words, ignoring case, accents "
                              "and elided articles (l', d').")
    required_hashtags = _text_list("Each must appear in every post (`#boulangerie`).")
    required_mentions = _text_list("Each must appear (`@name`, `@name@server`, `@name.bsky.social`).")
    max_hashtags = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=MAX_LIMIT,
                                            help_text="null: no limit.")
    max_emojis = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=MAX_LIMIT,
                                          help_text="null: no limit. A flag or a family is one emoji.")
    require_alt_text = serializers.BooleanField(required=False)
    allowed_languages = _text_list("ISO 639-1 codes (`fr`, `en`); empty: any language.")
    link_policy = serializers.ChoiceField(choices=Charter.LinkPolicy.choices, required=False)
    allowed_domains = _text_list("With link_policy `allowed`; subdomains are included.")
    blocked_domains = _text_list("Never linked to, whatever the policy.")
    blocking = serializers.ListField(child=serializers.ChoiceField(choices=list(charter_rules.RULES)),
                                     required=False, help_text="Rules that block scheduling.")
    utm_enabled = serializers.BooleanField(required=False, help_text="Add utm_source/medium/campaign to links.")
    short_links = serializers.BooleanField(required=False, help_text=(
        "Send links through parvis's short links (`<PARVIS_BASE_URL>/l/<code>`), their clicks counted; needs "
        "PARVIS_BASE_URL."))
