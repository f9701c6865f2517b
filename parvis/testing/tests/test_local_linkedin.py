"""The LinkedIn loopback fake answers as LinkedIn's versioned REST API does (shapes, life
cycles, errors), driven with plain httpx as a connector would."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
import pytest

from parvis.testing.linkedin_server import LocalLinkedIn
from parvis.testing.linkedin_text import escape_little_text, read_little_text

DAY = 86_400
# One client for the whole file: a new httpx client per call costs a TLS context each time.
HTTP = httpx.Client(timeout=5)


@pytest.fixture(scope="module", autouse=True)
def _close_http():
    yield
    HTTP.close()


@pytest.fixture
def linkedin():
    with LocalLinkedIn() as server:
        yield server
    assert server.errors == []  # the fake itself never failed


@pytest.fixture
def alice(linkedin):
    return linkedin.add_member("Alice Martin")


@pytest.fixture
def shop(linkedin, alice):
    return linkedin.add_organization("Brûlerie du Port", admins=[alice], vanity_name="brulerie-du-port")


def rest(linkedin: LocalLinkedIn, method: str, path: str, token: str, *, version: str = LocalLinkedIn.VERSION,
         **kwargs: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}", "X-Restli-Protocol-Version": "2.0.0"}
    if version:
        headers["LinkedIn-Version"] = version
    headers.update(kwargs.pop("headers", {}))
    return HTTP.request(method, f"{linkedin.url}{path}", headers=headers, **kwargs)


def enc(urn: str) -> str:
    return quote(urn, safe="")


def post_body(author: str, commentary: str, **extra: Any) -> dict[str, Any]:
    return {"author": author, "commentary": commentary, "visibility": "PUBLIC",
            "distribution": {"feedDistribution": "MAIN_FEED", "targetEntities": [],
                             "thirdPartyDistributionChannels": []},
            "lifecycleState": "PUBLISHED", "isReshareDisabledByAuthor": False, **extra}


def publish(linkedin: LocalLinkedIn, token: str, author: str, commentary: str, **extra: Any) -> str:
    answer = rest(linkedin, "POST", "/rest/posts", token, json=post_body(author, commentary, **extra))
    assert answer.status_code == 201, answer.text
    return answer.headers["x-restli-id"]


def finder(linkedin: LocalLinkedIn, token: str, author: str) -> dict[str, Any]:
    answer = rest(linkedin, "GET", "/rest/posts", token,
                  params={"q": "author", "author": author, "count": "10", "sortBy": "LAST_MODIFIED"})
    assert answer.status_code == 200, answer.text
    return answer.json()


# -- posts ---------------------------------------------------------------------------------
def test_a_post_is_created_with_an_empty_201_and_its_urn_in_x_restli_id(linkedin, alice, shop):
    answer = rest(linkedin, "POST", "/rest/posts", alice.token, json=post_body(shop.urn, "Nouveau café"))
    assert (answer.status_code, answer.content) == (201, b"")
    urn = answer.headers["x-restli-id"]
    assert urn.startswith("urn:li:share:") and answer.headers["x-linkedin-id"] == urn.rsplit(":", 1)[1]

    stored = rest(linkedin, "GET", f"/rest/posts/{enc(urn)}", alice.token).json()
    assert stored["id"] == urn and stored["author"] == shop.urn and stored["commentary"] == "Nouveau café"
    assert stored["lifecycleState"] == "PUBLISHED" and stored["publishedAt"] == stored["createdAt"]
    assert "targetEntities" not in stored["distribution"]  # LinkedIn leaves empty lists out


def test_a_lost_answer_still_creates_exactly_one_post_which_the_author_finder_lists(linkedin, alice, shop):
    linkedin.lose_next(path="/rest/posts")
    with pytest.raises(httpx.RemoteProtocolError):
        rest(linkedin, "POST", "/rest/posts", alice.token, json=post_body(shop.urn, "Ouverture samedi"))

    listed = finder(linkedin, alice.token, shop.urn)
    assert listed["paging"]["total"] == 1
    assert [p["commentary"] for p in listed["elements"]] == ["Ouverture samedi"]
    # A blind retry is refused as a duplicate that names the post already made.
    retry = rest(linkedin, "POST", "/rest/posts", alice.token, json=post_body(shop.urn, "Ouverture samedi"))
    assert retry.status_code == 422
    assert retry.json()["errorDetails"]["inputErrors"][0]["code"] == "DUPLICATE_POST"
    assert retry.json()["message"].endswith(f"Content is a duplicate of {listed['elements'][0]['id']}")
    assert len(linkedin.live_posts(shop.urn)) == 1


def test_the_finder_pages_newest_first(linkedin, alice, shop):
    urns = []
    for n in range(3):
        urns.append(publish(linkedin, alice.token, shop.urn, f"Post {n}"))
        linkedin.advance(60)
    answer = rest(linkedin, "GET", "/rest/posts", alice.token,
                  params={"q": "author", "author": shop.urn, "count": "2", "sortBy": "LAST_MODIFIED"}).json()
    assert [p["id"] for p in answer["elements"]] == [urns[2], urns[1]]
    assert answer["paging"]["total"] == 3 and answer["paging"]["links"][0]["rel"] == "next"


def test_an_unescaped_reserved_character_silently_cuts_the_shown_text(linkedin, alice, shop):
    urn = publish(linkedin, alice.token, shop.urn, "Soldes (jusqu'à -30 %) ce week-end")
    assert linkedin.posts[urn].shown == "Soldes "
    assert rest(linkedin, "GET", f"/rest/posts/{enc(urn)}", alice.token).json()["commentary"] == "Soldes "


def test_escaped_reserved_characters_and_mentions_are_shown_as_written(linkedin, alice, shop):
    text = escape_little_text("Soldes (jusqu'à -30 %) ! Merci ") + f"@[{shop.name}]({shop.urn}) #café"
    urn = publish(linkedin, alice.token, shop.urn, text)
    post = linkedin.posts[urn]
    assert post.shown == f"Soldes (jusqu'à -30 %) ! Merci {shop.name} #café"
    assert post.text.mentions == (shop.urn,) and post.text.hashtags == ("café",)


@pytest.mark.parametrize(("little", "shown"), [
    ("a_b", "a"), ("a\\_b", "a_b"), ("x \\\\ y", "x \\ y"), ("{hashtag|\\#|Lyon} ok", "#Lyon ok"),
    ("mail me @ home", "mail me "), ("C# rocks", "C"),
])
def test_little_text_reading(little, shown):
    assert read_little_text(little).shown == shown


def test_a_post_is_deleted_with_a_204_twice_and_then_is_gone(linkedin, alice, shop):
    urn = publish(linkedin, alice.token, shop.urn, "Éphémère")
    assert rest(linkedin, "DELETE", f"/rest/posts/{enc(urn)}", alice.token).status_code == 204
    assert rest(linkedin, "DELETE", f"/rest/posts/{enc(urn)}", alice.token).status_code == 204
    gone = rest(linkedin, "GET", f"/rest/posts/{enc(urn)}", alice.token)
    assert (gone.status_code, gone.json()["code"]) == (404, "RESOURCE_NOT_FOUND")
    assert finder(linkedin, alice.token, shop.urn)["elements"] == []


def test_posting_as_a_page_the_member_does_not_administer_is_access_denied(linkedin, alice):
    other = linkedin.add_organization("Concurrent")
    answer = rest(linkedin, "POST", "/rest/posts", alice.token, json=post_body(other.urn, "Hello"))
    assert answer.status_code == 403
    assert answer.json() == {"status": 403, "serviceErrorCode": 100, "code": "ACCESS_DENIED",
                             "message": "Not enough permissions to access: partnerApiPostsExternal.CREATE.20261001"}


def test_an_unknown_post_field_is_refused_by_the_schema(linkedin, alice, shop):
    answer = rest(linkedin, "POST", "/rest/posts", alice.token, json=post_body(shop.urn, "x", text="y"))
    assert answer.status_code == 422
    assert answer.json()["message"] == "ERROR :: /text :: unrecognized field found but not allowed\n"


# -- versioning ----------------------------------------------------------------------------
def test_a_missing_version_header_is_refused_with_version_missing(linkedin, alice, shop):
    answer = rest(linkedin, "GET", f"/rest/organizations/{shop.id}", alice.token, version="")
    assert answer.status_code == 400
    assert answer.json() == {"status": 400, "code": "VERSION_MISSING", "message": "A version must be present. "
                             "Please specify a version by adding the LinkedIn-Version header."}


def test_a_sunset_version_is_refused_with_426_and_the_accepted_versions_are_configurable(linkedin, alice, shop):
    answer = rest(linkedin, "GET", f"/rest/organizations/{shop.id}", alice.token, version="202401")
    assert answer.status_code == 426
    assert answer.json() == {"status": 426, "code": "NONEXISTENT_VERSION",
                             "message": "Requested version 20240101 is not active"}
    linkedin.versions.discard(LocalLinkedIn.VERSION)
    assert rest(linkedin, "GET", f"/rest/organizations/{shop.id}", alice.token).status_code == 426
    assert rest(linkedin, "GET", f"/rest/organizations/{shop.id}", alice.token, version="202609").status_code == 200


def test_the_restli_protocol_header_is_required(linkedin, alice, shop):
    answer = HTTP.get(f"{linkedin.url}/rest/organizations/{shop.id}",
                       headers={"Authorization": f"Bearer {alice.token}", "LinkedIn-Version": LocalLinkedIn.VERSION})
    assert answer.status_code == 400


# -- identity ------------------------------------------------------------------------------
def test_the_member_the_pages_they_administer_and_a_page_are_read(linkedin, alice, shop):
    linkedin.add_organization("Pas à elle")
    me = HTTP.get(f"{linkedin.url}/v2/userinfo", headers={"Authorization": f"Bearer {alice.token}"}).json()
    assert me["sub"] == alice.id and me["name"] == "Alice Martin" and me["given_name"] == "Alice"

    acls = rest(linkedin, "GET", "/rest/organizationAcls", alice.token,
                params={"q": "roleAssignee", "role": "ADMINISTRATOR", "state": "APPROVED"}).json()
    assert [(e["organization"], e["role"], e["state"]) for e in acls["elements"]] == [
        (shop.urn, "ADMINISTRATOR", "APPROVED")]

    page = rest(linkedin, "GET", f"/rest/organizations/{shop.id}", alice.token).json()
    assert (page["id"], page["localizedName"], page["vanityName"]) == (shop.id, shop.name, "brulerie-du-port")
    assert page["logoV2"]["original"].startswith("urn:li:digitalmediaAsset:")


# -- media ---------------------------------------------------------------------------------
def test_an_image_is_uploaded_processed_and_posted_with_its_alt_text(linkedin, alice, shop):
    init = rest(linkedin, "POST", "/rest/images", alice.token, params={"action": "initializeUpload"},
                json={"initializeUploadRequest": {"owner": shop.urn}}).json()["value"]
    image = init["image"]
    assert image.startswith("urn:li:image:") and init["uploadUrlExpiresAt"] > linkedin.now_ms()
    status = rest(linkedin, "GET", f"/rest/images/{enc(image)}", alice.token).json()["status"]
    assert status == "WAITING_UPLOAD"

    upload = HTTP.put(init["uploadUrl"], content=b"\xff\xd8jpeg", headers={"Authorization": f"Bearer {alice.token}"})
    assert upload.status_code == 201
    assert rest(linkedin, "GET", f"/rest/images/{enc(image)}", alice.token).json()["status"] == "PROCESSING"
    ready = rest(linkedin, "GET", f"/rest/images/{enc(image)}", alice.token).json()
    assert ready["status"] == "AVAILABLE" and HTTP.get(ready["downloadUrl"]).content == b"\xff\xd8jpeg"

    urn = publish(linkedin, alice.token, shop.urn, "En vitrine",
                  content={"media": {"id": image, "altText": "Sacs de café en toile"}})
    stored = rest(linkedin, "GET", f"/rest/posts/{enc(urn)}", alice.token).json()
    assert stored["content"] == {"media": {"id": image, "altText": "Sacs de café en toile"}}


def uploaded_image(linkedin: LocalLinkedIn, token: str, owner: str, data: bytes) -> str:
    init = rest(linkedin, "POST", "/rest/images", token, params={"action": "initializeUpload"},
                json={"initializeUploadRequest": {"owner": owner}}).json()["value"]
    HTTP.put(init["uploadUrl"], content=data, headers={"Authorization": f"Bearer {token}"})
    return init["image"]


def test_multi_image_and_article_posts_keep_their_content(linkedin, alice, shop):
    images = [uploaded_image(linkedin, alice.token, shop.urn, bytes([n]) * 8) for n in range(2)]
    gallery = {"multiImage": {"images": [{"id": urn, "altText": f"Photo {n}"} for n, urn in enumerate(images)]}}
    urn = publish(linkedin, alice.token, shop.urn, "Galerie", content=gallery)
    assert urn.startswith("urn:li:ugcPost:")
    assert rest(linkedin, "GET", f"/rest/posts/{enc(urn)}", alice.token).json()["content"] == gallery

    one = rest(linkedin, "POST", "/rest/posts", alice.token,
               json=post_body(shop.urn, "Seule", content={"multiImage": {"images": [{"id": images[0]}]}}))
    assert one.status_code == 422
    article = {"article": {"source": "https://brulerie.example/blog", "title": "Notre blog"}}
    assert publish(linkedin, alice.token, shop.urn, "À lire", content=article).startswith("urn:li:share:")


def test_a_post_with_an_image_never_uploaded_is_refused(linkedin, alice, shop):
    init = rest(linkedin, "POST", "/rest/images", alice.token, params={"action": "initializeUpload"},
                json={"initializeUploadRequest": {"owner": shop.urn}}).json()["value"]
    answer = rest(linkedin, "POST", "/rest/posts", alice.token,
                  json=post_body(shop.urn, "x", content={"media": {"id": init["image"]}}))
    assert (answer.status_code, answer.json()["code"]) == (400, "MEDIA_ASSET_WAITING_UPLOAD")


def upload_video(linkedin: LocalLinkedIn, token: str, owner: str, data: bytes) -> str:
    init = rest(linkedin, "POST", "/rest/videos", token, params={"action": "initializeUpload"},
                json={"initializeUploadRequest": {"owner": owner, "fileSizeBytes": len(data),
                                                  "uploadCaptions": False, "uploadThumbnail": False}}).json()["value"]
    etags = []
    for part in init["uploadInstructions"]:
        answer = HTTP.put(part["uploadUrl"], content=data[part["firstByte"]:part["lastByte"] + 1],
                           headers={"Content-Type": "application/octet-stream"})
        assert answer.status_code == 200
        etags.append(answer.headers["ETag"])
    final = rest(linkedin, "POST", "/rest/videos", token, params={"action": "finalizeUpload"},
                 json={"finalizeUploadRequest": {"video": init["video"], "uploadToken": init["uploadToken"],
                                                 "uploadedPartIds": etags}})
    assert final.status_code == 200, final.text
    return init["video"]


def test_a_video_is_uploaded_in_parts_finalized_and_processed_before_it_can_be_posted(linkedin, alice, shop):
    linkedin.video_part_size = 10
    init = rest(linkedin, "POST", "/rest/videos", alice.token, params={"action": "initializeUpload"},
                json={"initializeUploadRequest": {"owner": shop.urn, "fileSizeBytes": 25, "uploadCaptions": False,
                                                  "uploadThumbnail": True}}).json()["value"]
    assert [(p["firstByte"], p["lastByte"]) for p in init["uploadInstructions"]] == [(0, 9), (10, 19), (20, 24)]
    assert "thumbnailUploadUrl" in init and init["uploadUrlsExpireAt"] > linkedin.now_ms()

    video = upload_video(linkedin, alice.token, shop.urn, bytes(range(25)))
    body = post_body(shop.urn, "La torréfaction", content={"media": {"id": video, "title": "Torréfaction"}})
    early = rest(linkedin, "POST", "/rest/posts", alice.token, json=body)
    assert (early.status_code, early.json()["code"]) == (400, "MEDIA_ASSET_WAITING_UPLOAD")

    statuses = [rest(linkedin, "GET", f"/rest/videos/{enc(video)}", alice.token).json()["status"] for _ in range(3)]
    assert statuses == ["PROCESSING", "PROCESSING", "AVAILABLE"]
    urn = publish(linkedin, alice.token, shop.urn, "La torréfaction",
                  content={"media": {"id": video, "title": "Torréfaction"}})
    assert urn.startswith("urn:li:ugcPost:")


def test_finalizing_with_part_ids_out_of_order_is_refused(linkedin, alice, shop):
    linkedin.video_part_size = 4
    init = rest(linkedin, "POST", "/rest/videos", alice.token, params={"action": "initializeUpload"},
                json={"initializeUploadRequest": {"owner": shop.urn, "fileSizeBytes": 8}}).json()["value"]
    etags = [HTTP.put(p["uploadUrl"], content=bytes([n]) * 4).headers["ETag"]
             for n, p in enumerate(init["uploadInstructions"])]
    final = rest(linkedin, "POST", "/rest/videos", alice.token, params={"action": "finalizeUpload"},
                 json={"finalizeUploadRequest": {"video": init["video"], "uploadToken": "",
                                                 "uploadedPartIds": etags[::-1]}})
    assert final.status_code == 400


def test_a_video_that_fails_processing_cannot_be_posted(linkedin, alice, shop):
    video = upload_video(linkedin, alice.token, shop.urn, b"0123456789")
    linkedin.fail_processing(video)
    assert rest(linkedin, "GET", f"/rest/videos/{enc(video)}", alice.token).json()["status"] == "PROCESSING_FAILED"
    answer = rest(linkedin, "POST", "/rest/posts", alice.token,
                  json=post_body(shop.urn, "x", content={"media": {"id": video}}))
    assert (answer.status_code, answer.json()["code"]) == (400, "MEDIA_ASSET_PROCESSING_FAILED")


# -- comments ------------------------------------------------------------------------------
def test_comments_are_read_answered_as_the_page_and_deleted(linkedin, alice, shop):
    bob = linkedin.add_member("Bob Durand")
    urn = publish(linkedin, alice.token, shop.urn, "Votre café préféré ?")
    question = linkedin.comment_as(bob, on=urn, text="Le moka \\(Éthiopie\\)")
    linkedin.advance(5)
    linkedin.comment_as(linkedin.add_member("Spam Bot"), on=urn, text="Gagnez un iPhone")

    listed = rest(linkedin, "GET", f"/rest/socialActions/{enc(urn)}/comments", alice.token).json()
    first = listed["elements"][0]
    assert listed["paging"]["total"] == 2
    assert (first["actor"], first["message"]["text"], first["id"]) == (bob.urn, "Le moka \\(Éthiopie\\)", question.id)
    assert first["$URN"] == question.urn and first["$URN"].startswith("urn:li:comment:(urn:li:activity:")
    assert first["object"] == linkedin.posts[urn].activity and "parentComment" not in first

    reply = rest(linkedin, "POST", f"/rest/socialActions/{enc(question.urn)}/comments", alice.token,
                 json={"actor": shop.urn, "object": urn, "message": {"text": "Merci !"},
                       "parentComment": question.urn})
    assert reply.status_code == 201
    assert reply.json()["actor"] == shop.urn and reply.json()["parentComment"] == question.urn
    replies = rest(linkedin, "GET", f"/rest/socialActions/{enc(question.urn)}/comments", alice.token).json()
    assert [c["id"] for c in replies["elements"]] == [reply.headers["x-restli-id"]]

    spam = listed["elements"][1]
    deleted = rest(linkedin, "DELETE", f"/rest/socialActions/{enc(urn)}/comments/{spam['id']}", alice.token,
                   params={"actor": shop.urn})
    assert deleted.status_code == 204
    left = rest(linkedin, "GET", f"/rest/socialActions/{enc(urn)}/comments", alice.token).json()
    assert [c["id"] for c in left["elements"]] == [question.id]


def test_commenting_as_a_page_without_a_role_is_access_denied(linkedin, alice, shop):
    bob = linkedin.add_member("Bob Durand")
    urn = publish(linkedin, alice.token, shop.urn, "Bonjour")
    answer = rest(linkedin, "POST", f"/rest/socialActions/{enc(urn)}/comments", bob.token,
                  json={"actor": shop.urn, "object": urn, "message": {"text": "Hijack"}})
    assert (answer.status_code, answer.json()["code"]) == (403, "ACCESS_DENIED")


# -- tokens --------------------------------------------------------------------------------
def exchange(linkedin: LocalLinkedIn, **form: str) -> httpx.Response:
    form = {"client_id": linkedin.client_id, "client_secret": linkedin.client_secret, **form}
    return HTTP.post(f"{linkedin.url}/oauth/v2/accessToken", data=form)


def test_the_authorization_page_redirects_back_with_a_code(linkedin, alice):
    linkedin.sign_in(alice)
    answer = HTTP.get(f"{linkedin.url}/oauth/v2/authorization",
                       params={"response_type": "code", "client_id": linkedin.client_id, "state": "s1",
                               "redirect_uri": "http://127.0.0.1:8000/cb", "scope": "openid profile w_member_social"})
    assert answer.status_code == 302
    location = httpx.URL(answer.headers["Location"])
    assert location.params["state"] == "s1"
    tokens = exchange(linkedin, grant_type="authorization_code", code=location.params["code"],
                      redirect_uri="http://127.0.0.1:8000/cb")
    assert tokens.status_code == 200 and tokens.json()["scope"] == "openid,profile,w_member_social"


def test_an_expired_access_token_is_refused_and_the_refresh_token_brings_a_new_one(linkedin, alice, shop):
    code = linkedin.authorize(alice, redirect_uri="https://parvis.example/cb")
    tokens = exchange(linkedin, grant_type="authorization_code", code=code, redirect_uri="https://parvis.example/cb")
    body = tokens.json()
    assert (body["expires_in"], body["refresh_token_expires_in"]) == (60 * DAY, 365 * DAY)
    assert rest(linkedin, "GET", f"/rest/organizations/{shop.id}", body["access_token"]).status_code == 200

    linkedin.advance(61 * DAY)
    expired = rest(linkedin, "GET", f"/rest/organizations/{shop.id}", body["access_token"])
    assert expired.status_code == 401
    assert expired.json() == {"status": 401, "serviceErrorCode": 65602, "code": "EXPIRED_ACCESS_TOKEN",
                              "message": "The token used in the request has expired"}

    renewed = exchange(linkedin, grant_type="refresh_token", refresh_token=body["refresh_token"]).json()
    assert renewed["expires_in"] == 60 * DAY and renewed["refresh_token"] == body["refresh_token"]
    assert renewed["refresh_token_expires_in"] == (365 - 61) * DAY  # the year is counted from consent
    assert rest(linkedin, "GET", f"/rest/organizations/{shop.id}", renewed["access_token"]).status_code == 200


def test_a_refresh_token_past_its_year_or_revoked_is_an_invalid_grant(linkedin, alice):
    first = exchange(linkedin, grant_type="authorization_code", code=linkedin.authorize(alice),
                     redirect_uri="http://127.0.0.1/callback").json()
    linkedin.advance(366 * DAY)
    late = exchange(linkedin, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert (late.status_code, late.json()) == (400, {"error": "invalid_grant",
                                                     "error_description": "Token has been expired or revoked."})
    second = exchange(linkedin, grant_type="authorization_code", code=linkedin.authorize(alice),
                      redirect_uri="http://127.0.0.1/callback").json()
    linkedin.revoke_token(second["refresh_token"])
    assert exchange(linkedin, grant_type="refresh_token", refresh_token=second["refresh_token"]).status_code == 400


def test_expire_token_makes_the_next_call_a_401(linkedin, alice, shop):
    linkedin.expire_token(alice.token)
    answer = rest(linkedin, "GET", f"/rest/organizations/{shop.id}", alice.token)
    assert (answer.status_code, answer.json()["code"]) == (401, "EXPIRED_ACCESS_TOKEN")
    unknown = rest(linkedin, "GET", f"/rest/organizations/{shop.id}", "nope")
    assert unknown.json() == {"status": 401, "serviceErrorCode": 65600, "code": "INVALID_ACCESS_TOKEN",
                              "message": "Invalid access token"}


# -- rate limits ---------------------------------------------------------------------------
def test_a_daily_member_limit_answers_429_until_midnight_utc(linkedin, alice, shop):
    linkedin.limit_daily(member=2, method="POST", path="/rest/posts")
    publish(linkedin, alice.token, shop.urn, "Un")
    publish(linkedin, alice.token, shop.urn, "Deux")
    refused = rest(linkedin, "POST", "/rest/posts", alice.token, json=post_body(shop.urn, "Trois"))
    assert refused.status_code == 429
    assert refused.json() == {"status": 429, "serviceErrorCode": 101, "message":
                              "Resource level throttle MEMBER DAY limit for calls to this resource is reached."}
    assert len(linkedin.live_posts()) == 2
    linkedin.advance(DAY)
    publish(linkedin, alice.token, shop.urn, "Trois")


def test_throttle_next_refuses_one_call_with_the_application_limit(linkedin, alice, shop):
    linkedin.throttle_next(method="POST", path="/rest/posts")
    refused = rest(linkedin, "POST", "/rest/posts", alice.token, json=post_body(shop.urn, "Un"))
    assert refused.status_code == 429 and "APPLICATION DAY limit" in refused.json()["message"]
    assert linkedin.live_posts() == []
    publish(linkedin, alice.token, shop.urn, "Un")


# -- metrics -------------------------------------------------------------------------------
def test_share_statistics_and_followers_report_what_the_test_set(linkedin, alice, shop):
    first = publish(linkedin, alice.token, shop.urn, "Un")
    second = publish(linkedin, alice.token, shop.urn, "Deux")
    linkedin.set_post_stats(first, impressionCount=200, uniqueImpressionsCount=150, clickCount=6, likeCount=4)
    linkedin.set_post_stats(second, impressionCount=100, shareCount=1, engagement=0.5)
    linkedin.comment_as(linkedin.add_member("Bob Durand"), on=first, text="Top")
    linkedin.set_followers(shop, 1234)

    # Rest.li lists are written by hand: the URNs inside are encoded once, the list syntax not at all.
    query = f"q=organizationalEntity&organizationalEntity={enc(shop.urn)}&shares=List({enc(first)},{enc(second)})"
    per_post = rest(linkedin, "GET", f"/rest/organizationalEntityShareStatistics?{query}", alice.token)
    elements = {e["share"]: e["totalShareStatistics"] for e in per_post.json()["elements"]}
    assert elements[first] == {"impressionCount": 200, "uniqueImpressionsCount": 150, "clickCount": 6,
                               "likeCount": 4, "commentCount": 1, "shareCount": 0, "engagement": 0.055}
    assert elements[second]["engagement"] == 0.5

    lifetime = rest(linkedin, "GET", "/rest/organizationalEntityShareStatistics", alice.token,
                    params={"q": "organizationalEntity", "organizationalEntity": shop.urn}).json()
    totals = lifetime["elements"][0]["totalShareStatistics"]
    assert (totals["impressionCount"], totals["commentCount"], totals["shareCount"]) == (300, 1, 1)

    size = rest(linkedin, "GET", f"/rest/networkSizes/{enc(shop.urn)}", alice.token,
                params={"edgeType": "COMPANY_FOLLOWED_BY_MEMBER"})
    assert size.json() == {"firstDegreeSize": 1234}


def test_creator_analytics_report_a_members_own_post(linkedin, alice):
    urn = publish(linkedin, alice.token, alice.urn, "Mon parcours")
    linkedin.set_creator_stats(urn, IMPRESSION=420, REACTION=12)
    linkedin.comment_as(linkedin.add_member("Bob Durand"), on=urn, text="Bravo")

    def metric(query_type: str, q: str = "entity") -> Any:
        query = f"q={q}&queryType={query_type}&aggregation=TOTAL"
        if q == "entity":
            query += f"&entity=(share:{enc(urn)})"
        answer = rest(linkedin, "GET", f"/rest/memberCreatorPostAnalytics?{query}", alice.token)
        assert answer.status_code == 200, answer.text
        return answer.json()["elements"][0]

    impressions = metric("IMPRESSION")
    assert impressions["count"] == 420
    assert list(impressions["metricType"].values()) == ["IMPRESSION"]
    assert metric("COMMENT")["count"] == 1 and metric("REACTION", q="me")["count"] == 12


def test_a_members_posts_cannot_be_listed_without_r_member_social(linkedin, alice):
    publish(linkedin, alice.token, alice.urn, "Perso")
    answer = rest(linkedin, "GET", "/rest/posts", alice.token, params={"q": "author", "author": alice.urn})
    assert (answer.status_code, answer.json()["code"]) == (403, "ACCESS_DENIED")


def test_injected_failures_and_bad_bodies_answer_in_linkedins_error_shape(linkedin, alice, shop):
    linkedin.fail_next(503, path="/rest/posts")
    down = rest(linkedin, "POST", "/rest/posts", alice.token, json=post_body(shop.urn, "x"))
    assert down.status_code == 503 and set(down.json()) == {"status", "code", "message"}
    broken = rest(linkedin, "POST", "/rest/posts", alice.token, content=b"{not json",
                  headers={"Content-Type": "application/json"})
    assert (broken.status_code, broken.json()["code"]) == (400, "ILLEGAL_ARGUMENT")
    assert linkedin.live_posts() == []
