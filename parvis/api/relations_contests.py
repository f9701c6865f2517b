"""Relations' contests through the API: a contest prepared as a draft (each field at fault
named, as on the page), opened (its commitment C), its entries collected and listed with
why some are excluded, drawn with parvis-draw-v1, its public proof, and its winners told,
confirmed and announced. The decisions are `parvis.relations`'; these views translate."""

from __future__ import annotations

from typing import Any, NoReturn

from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from parvis.api.scoping import WorkspaceScoped
from parvis.api.serializers import ApiModelSerializer, UtcDateTimeField
from parvis.api.views import CONFLICT, READ_ERRORS, WRITE_ERRORS, ApiView, Conflict
from parvis.core.ids import MAX_ID
from parvis.relations import contest_tasks, contest_winners, contests
from parvis.relations.contest_entries import exclusion_detail
from parvis.relations.models import Contest, Entry, Winner

STATE_CODES = ("state", "past")  # what the contest's stage refuses: 409, not a wrong field


class ContestSerializer(ApiModelSerializer):
    post = serializers.IntegerField(source="post_id", allow_null=True, required=False, min_value=1, max_value=MAX_ID,
                                    help_text=(
        "The id of one of the workspace's published posts: people enter on it."))
    prize_value = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True, required=False,
                                           help_text="In euros, including VAT (stated in the rules).")
    language = serializers.CharField(required=False, help_text="The rules' language: `fr` or `en`.")
    ways = serializers.ListField(child=serializers.CharField(max_length=10), required=False,
                                 max_length=len(contests.WAYS), help_text=(
        "Any of `reply`, `repost`, `like`, `follow` (following the post's account between the opening and the "
        "close): each is an entry."))
    staff = serializers.CharField(required=False, allow_blank=True, help_text=(
        "Staff handles, one per line, excluded from the draw."))
    public_value_rule = serializers.CharField(required=False, allow_blank=True, help_text=(
        "Optional: the public value the draw will use, known only after the close (stated in the rules)."))
    rules_text = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, help_text=(
        "The rules. Drafted from the contest when left empty; fixed once the contest is open."))
    proof_url = serializers.SerializerMethodField(help_text="The public proof page's address, to put in the post.")
    entry_count = serializers.IntegerField(read_only=True)
    opens_at = UtcDateTimeField(help_text="ISO 8601; without an offset, UTC.")
    closes_at = UtcDateTimeField(help_text="ISO 8601; without an offset, UTC.")

    class Meta:
        model = Contest
        fields = ["id", "name", "status", "post", "prize", "prize_value", "organiser", "language", "opens_at",
                  "closes_at", "winners", "alternates", "public_value_rule", "ways", "must_follow", "hashtag",
                  "mentions", "exclude_new_accounts", "exclude_bots", "staff", "answer_days", "rules_text",
                  "commitment", "committed_at", "proof_url", "public_value", "collected_at", "drawn_at",
                  "entry_count", "created_at"]
        read_only_fields = ["id", "status", "commitment", "committed_at", "public_value", "collected_at",
                            "drawn_at", "created_at"]
        # Checked by `save_contest`, which names each field at fault in the page's words.
        extra_kwargs = {"winners": {"required": False}, "alternates": {"required": False},
                        "mentions": {"required": False}, "answer_days": {"required": False}}

    @extend_schema_field(OpenApiTypes.URI)
    def get_proof_url(self, contest: Contest) -> str:
        return contests.proof_url(contest)


class ContestEntrySerializer(ApiModelSerializer):
    excluded_reason = serializers.SerializerMethodField(help_text="Why it is excluded, in the caller's language.")

    class Meta:
        model = Entry
        fields = ["id", "network", "stable_id", "handle", "display_name", "ways", "actions", "first_at", "text",
                  "account_created_at", "bot", "follows", "excluded", "excluded_reason"]
        read_only_fields = fields

    def get_excluded_reason(self, entry: Entry) -> str:
        return exclusion_detail(entry)


class ContestWinnerSerializer(ApiModelSerializer):
    role = serializers.SerializerMethodField(help_text="`winner` (drawn among the first) or `alternate`.")
    network = serializers.CharField(source="entry.network", read_only=True)
    handle = serializers.CharField(source="entry.handle", read_only=True)
    stable_id = serializers.CharField(source="entry.stable_id", read_only=True)
    contact_post = serializers.IntegerField(source="contact_post_id", read_only=True, allow_null=True,
                                            help_text="The public reply or mention that told them, if any.")
    replaces = serializers.IntegerField(source="replaces_id", read_only=True, allow_null=True,
                                        help_text="The pick this alternate replaces.")

    class Meta:
        model = Winner
        fields = ["id", "rank", "role", "status", "entry", "network", "handle", "stable_id", "contacted_at",
                  "contacted_via", "answer_by", "answered_at", "contact_post", "replaces"]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=["winner", "alternate"]))
    def get_role(self, pick: Winner) -> str:
        return "winner" if pick.rank < pick.contest.winners else "alternate"


class ContestDrawSerializer(serializers.Serializer):
    public_value = serializers.CharField(required=False, allow_blank=True, max_length=300, help_text=(
        "The public value the rules announced (required then), as it was published."))


class ContestCollectedSerializer(serializers.Serializer):
    queued = serializers.BooleanField(help_text="False when a collection is already under way.")


class ContestContactedSerializer(serializers.Serializer):
    contacted = serializers.IntegerField(help_text="Winners told now (by private message, else in public).")
    unreached = serializers.IntegerField(help_text="Winners whose network could not be reached: try again later.")


class ContestAnnouncedSerializer(serializers.Serializer):
    post = serializers.IntegerField(help_text="The draft post's id: read it in the composer, then schedule it.")


def _refuse(exc: contests.ContestError) -> NoReturn:
    """Each field at fault, as a 400; a stage that does not allow it, as a 409."""
    if all(error.code in STATE_CODES for error in exc.errors):
        raise Conflict(exc.errors[0].field, exc.errors[0].message) from exc
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        errors.setdefault(error.field, []).append(error.message)
    raise ValidationError(errors) from exc


class _Contests(WorkspaceScoped, ApiView):
    def contests(self) -> QuerySet[Contest]:
        return Contest.objects.filter(workspace=self.workspace).annotate(entry_count=Count("entries"))

    def contest(self) -> Contest:
        found = self.contests().filter(pk=self.kwargs["pk"]).first()
        if found is None:
            raise NotFound()
        return found

    def reread(self, contest: Contest) -> Contest:
        return self.contests().get(pk=contest.pk)

    def save(self, body: dict[str, Any], contest: Contest | None = None) -> Contest:
        values = dict(body)
        if "post_id" in values:
            values["post"] = values.pop("post_id")
        try:
            saved = contests.save_contest(self.workspace, self.user, values, contest)
        except contests.ContestError as exc:
            _refuse(exc)
        return self.reread(saved)


@extend_schema(tags=["relations"])
class ContestList(_Contests, generics.ListAPIView):
    serializer_class = ContestSerializer
    queryset = Contest.objects.none()

    def get_queryset(self) -> QuerySet[Contest]:
        return self.contests().order_by("-closes_at", "-pk")

    @extend_schema(operation_id="relations_contests_list", responses={200: ContestSerializer(many=True),
                                                                     **READ_ERRORS},
                   description="The workspace's contests, the latest close first.")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(operation_id="relations_contests_create", request=ContestSerializer,
                   responses={201: ContestSerializer, **WRITE_ERRORS},
                   description="Prepare a contest as a draft; its rules are drafted from it (each network's "
                               "required clauses included). Every field is checked and each one at fault named.")
    def post(self, request: Request, workspace_id: int) -> Response:
        body = ContestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return Response(ContestSerializer(self.save(body.validated_data)).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["relations"])
class ContestDetail(_Contests):
    serializer_class = ContestSerializer
    pagination_class = None
    http_method_names = ["get", "patch", "delete", "head", "options"]

    @extend_schema(operation_id="relations_contest_get", responses={200: ContestSerializer, **READ_ERRORS})
    def get(self, request: Request, workspace_id: int, pk: int) -> Response:
        return Response(ContestSerializer(self.contest()).data)

    @extend_schema(operation_id="relations_contest_update", request=ContestSerializer,
                   responses={200: ContestSerializer, **WRITE_ERRORS},
                   description="Change some fields. Once the contest is open, what entrants rely on (the rules, "
                               "dates, counts, conditions, post) is refused naming the field; the name may change.")
    def patch(self, request: Request, workspace_id: int, pk: int) -> Response:
        contest = self.contest()
        body = ContestSerializer(contest, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        return Response(ContestSerializer(self.save(body.validated_data, contest)).data)

    @extend_schema(operation_id="relations_contest_delete",
                   responses={204: OpenApiResponse(description="The draft is deleted."), 409: CONFLICT,
                              **WRITE_ERRORS},
                   description="Delete a draft; an open contest is kept (its entrants rely on it): 409.")
    def delete(self, request: Request, workspace_id: int, pk: int) -> Response:
        contest = self.contest()
        if contest.status != Contest.Status.DRAFT:
            raise Conflict("status", _("An open contest is kept: its entrants rely on it."))
        contest.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["relations"])
class ContestOpen(_Contests):
    serializer_class = ContestSerializer
    pagination_class = None

    @extend_schema(operation_id="relations_contest_open", request=None,
                   responses={200: ContestSerializer, 409: CONFLICT, **WRITE_ERRORS},
                   description="Draw the secret seed S and write its commitment C into the rules: from now on "
                               "what entrants rely on is fixed, and entries are collected from the opening. "
                               "Put `proof_url` in the post.")
    def post(self, request: Request, workspace_id: int, pk: int) -> Response:
        contest = self.contest()
        try:
            contests.open_contest(contest, timezone.now(), self.user)
        except contests.ContestError as exc:
            _refuse(exc)
        return Response(ContestSerializer(self.reread(contest)).data)


@extend_schema(tags=["relations"])
class ContestCollect(_Contests):
    serializer_class = ContestCollectedSerializer
    pagination_class = None

    @extend_schema(operation_id="relations_contest_collect", request=None,
                   responses={202: ContestCollectedSerializer, 409: CONFLICT, **WRITE_ERRORS},
                   description="Queue a collection of the entries now (they are also collected every six hours "
                               "while open, and once more after the close, which closes the contest).")
    def post(self, request: Request, workspace_id: int, pk: int) -> Response:
        contest = self.contest()
        if contest.status != Contest.Status.OPEN:
            raise Conflict("status", _("Entries are collected while the contest is open."))
        queued = contest_tasks.collect_now(contest, timezone.now())
        return Response(ContestCollectedSerializer({"queued": queued}).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(tags=["relations"])
class ContestEntries(_Contests, generics.ListAPIView):
    serializer_class = ContestEntrySerializer
    queryset = Entry.objects.none()

    def get_queryset(self) -> QuerySet[Entry]:
        entries = self.contest().entries.order_by("first_at", "pk")
        chosen = self.request.query_params.get("excluded", "")
        if chosen not in ("", "true", "false"):
            raise ValidationError({"excluded": [_("Ask for true or false.")]})
        if chosen == "true":
            entries = entries.exclude(excluded="")
        elif chosen == "false":
            entries = entries.filter(excluded="")
        return entries

    @extend_schema(operation_id="relations_contest_entries", parameters=[
        OpenApiParameter("excluded", str, enum=["true", "false"], description=(
            "`true`: only the excluded entries; `false`: only the eligible ones.")),
    ], responses={200: ContestEntrySerializer(many=True), 400: WRITE_ERRORS[400], **READ_ERRORS},
        description="One entry per person and network (by their stable id), in the order they took part, "
                    "with why an excluded one is out.")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["relations"])
class ContestDraw(_Contests):
    serializer_class = ContestDrawSerializer
    pagination_class = None

    @extend_schema(operation_id="relations_contest_draw", request=ContestDrawSerializer,
                   responses={200: ContestSerializer, 409: CONFLICT, **WRITE_ERRORS},
                   description="Draw the winners then the alternates among the eligible entries with "
                               "parvis-draw-v1, once the contest is closed; `public_value` is required when the "
                               "rules announced one. The proof is then public (`proof`).")
    def post(self, request: Request, workspace_id: int, pk: int) -> Response:
        contest = self.contest()
        body = ContestDrawSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            contests.draw(contest, body.validated_data.get("public_value", ""), self.user)
        except contests.ContestError as exc:
            _refuse(exc)
        return Response(ContestSerializer(self.reread(contest)).data)


@extend_schema(tags=["relations"])
class ContestProof(_Contests):
    serializer_class = serializers.Serializer
    pagination_class = None

    @extend_schema(operation_id="relations_contest_proof", responses={200: OpenApiTypes.OBJECT, 409: CONFLICT,
                                                                     **READ_ERRORS},
                   description="What the public proof page shows: before the draw, what was committed to (C, "
                               "the close, the counts, the rules); after it, exactly the proof `parvis draw "
                               "verify` checks. Entrants appear by network id only.")
    def get(self, request: Request, workspace_id: int, pk: int) -> Response:
        contest = self.contest()
        if contest.status == Contest.Status.DRAFT:
            raise Conflict("status", _("Nothing is committed before the contest opens."))
        return Response(contest.proof or contests.public_proof(contest))


@extend_schema(tags=["relations"])
class ContestWinners(_Contests):
    serializer_class = ContestWinnerSerializer
    pagination_class = None

    @extend_schema(operation_id="relations_contest_winners", responses={200: ContestWinnerSerializer(many=True),
                                                                       **READ_ERRORS},
                   description="The draw's picks in its order: the winners, then the alternates, with their "
                               "status (told, answered, replaced).")
    def get(self, request: Request, workspace_id: int, pk: int) -> Response:
        picks = self.contest().picks.select_related("entry", "contest").order_by("rank")
        return Response(ContestWinnerSerializer(picks, many=True).data)


@extend_schema(tags=["relations"])
class ContestWinnerAnswered(_Contests):
    serializer_class = ContestWinnerSerializer
    pagination_class = None

    @extend_schema(operation_id="relations_contest_winner_answered", request=None,
                   responses={200: ContestWinnerSerializer, 409: CONFLICT, **WRITE_ERRORS},
                   description="The winner answered in time: confirmed, and no longer replaced.")
    def post(self, request: Request, workspace_id: int, pk: int, winner_id: int) -> Response:
        pick = self.contest().picks.select_related("entry", "contest").filter(pk=winner_id).first()
        if pick is None:
            raise NotFound()
        if not contest_winners.mark_answered(pick):
            raise Conflict("status", _("Only a winner drawn or told can be marked as answered."))
        return Response(ContestWinnerSerializer(pick).data)


@extend_schema(tags=["relations"])
class ContestContactWinners(_Contests):
    serializer_class = ContestContactedSerializer
    pagination_class = None

    @extend_schema(operation_id="relations_contest_contact_winners", request=None,
                   responses={200: ContestContactedSerializer, 409: CONFLICT, **WRITE_ERRORS},
                   description="Tell every winner not told yet: by private message where the network allows it, "
                               "else by a public reply (reviewed first when the workspace requires approval). Each "
                               "has `answer_days` to answer, then the next alternate is told.")
    def post(self, request: Request, workspace_id: int, pk: int) -> Response:
        contest = self.contest()
        try:
            told = contest_winners.contact_winners(contest, timezone.now(), self.user)
        except contests.ContestError as exc:
            _refuse(exc)
        left = contest.picks.filter(status=Winner.Status.DRAWN, contacted_at__isnull=True).count()
        return Response(ContestContactedSerializer({"contacted": told, "unreached": left}).data)


@extend_schema(tags=["relations"])
class ContestAnnounce(_Contests):
    serializer_class = ContestAnnouncedSerializer
    pagination_class = None

    @extend_schema(operation_id="relations_contest_announce", request=None,
                   responses={201: ContestAnnouncedSerializer, 409: CONFLICT, **WRITE_ERRORS},
                   description="A draft post congratulating the winners, on the contest post's accounts, with the "
                               "proof page's address; nothing is published until you schedule it.")
    def post(self, request: Request, workspace_id: int, pk: int) -> Response:
        contest = self.contest()
        try:
            post = contest_winners.announce_draft(contest, self.user)
        except contests.ContestError as exc:
            _refuse(exc)
        return Response(ContestAnnouncedSerializer({"post": post.pk}).data, status=status.HTTP_201_CREATED)
