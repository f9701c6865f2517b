"""Publishing on a LinkedIn page against the loopback fake: text as written (reserved
characters escaped), images with their alt text, a video through processing, exactly
one post when an answer is lost or LinkedIn calls a retry a duplicate, errors mapped."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from parvis.networks.base import ErrorKind, Lookup, MediaFile, NetworkError, Pending, Presence, PublishRequest
from parvis.networks.linkedin import version
from parvis.networks.linkedin.connector import LinkedInConnector
from parvis.networks.linkedin.little_text import escape, unescape

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

RESERVED_TEXT = "Soldes (jusqu'à -30 %) [vite] {promo} <b> a@b | x~y _z_ *w* back\\slash C# ok"


class Steps:
    """What the engine keeps between attempts: the recorded progress."""

    def __init__(self) -> None:
        self.progress: dict[str, Any] = {}

    def request(self, text: str, media: tuple[MediaFile, ...] = (), **options: Any) -> PublishRequest:
        return PublishRequest(text=text, idempotency_key="k1", media=media, options=options,
                              progress=dict(self.progress), record=self.record)

    def record(self, progress: dict[str, Any]) -> None:
        self.progress = dict(progress)


def image(tmp_path: Path, name: str, png: bytes, alt: str = "") -> MediaFile:
    path = tmp_path / name
    path.write_bytes(png)
    return MediaFile(path=path, mime_type="image/png", alt_text=alt, size=len(png))


def video(tmp_path: Path, size: int = 25) -> MediaFile:
    path = tmp_path / "clip.mp4"
    path.write_bytes(bytes(range(size)))
    return MediaFile(path=path, mime_type="video/mp4", size=size)


# -- text ------------------------------------------------------------------------------------
def test_every_reserved_character_is_shown_as_written(linkedin, page):
    posted = LinkedInConnector(page).publish(Steps().request(RESERVED_TEXT))
    post = linkedin.posts[posted.remote_id]
    assert not post.text.cut and post.shown == RESERVED_TEXT
    assert posted.url == f"https://www.linkedin.com/feed/update/{posted.remote_id}/"


def test_mentions_and_hashtags_written_on_purpose_stay_elements(linkedin, page, shop):
    text = f"Merci @[{shop.name}]({shop.urn}) ! #café (bientôt)"
    post = linkedin.posts[LinkedInConnector(page).publish(Steps().request(text)).remote_id]
    assert post.shown == f"Merci {shop.name} ! #café (bientôt)"
    assert post.text.mentions == (shop.urn,) and post.text.hashtags == ("café",)


def test_escaping_and_unescaping_round_trip():
    assert escape("a_b") == "a\\_b" and escape("#tag # x") == "#tag \\# x"
    assert unescape(escape(RESERVED_TEXT)) == RESERVED_TEXT


def test_the_version_header_goes_on_every_rest_call(linkedin, page, tmp_path, png):
    connector = LinkedInConnector(page)
    posted = connector.publish(Steps().request("Bonjour", (image(tmp_path, "a.png", png, "Pain"),)))
    connector.find_published(Steps().request("Bonjour"), timezone.now() - timedelta(hours=1))
    connector.fetch_metrics([posted.remote_id])
    connector.delete(posted.remote_id)
    calls = linkedin.requests_to("/rest/*")
    assert len(calls) >= 5
    assert {(r.header("LinkedIn-Version"), r.header("X-Restli-Protocol-Version")) for r in calls} == {
        (version.VERSION, "2.0.0")}


# -- media -----------------------------------------------------------------------------------
def test_an_image_goes_out_with_its_alt_text_and_is_recorded_first(linkedin, page, tmp_path, png):
    steps = Steps()
    posted = LinkedInConnector(page).publish(steps.request("Vitrine", (image(tmp_path, "a.png", png, "Sacs"),)))
    content = linkedin.posts[posted.remote_id].fields["content"]
    assert content == {"media": {"id": steps.progress["images"][0], "altText": "Sacs"}}
    assert linkedin.assets[steps.progress["images"][0]].data == png


def test_several_images_make_a_multi_image_post(linkedin, page, tmp_path, png):
    media = tuple(image(tmp_path, f"{n}.png", png, f"Photo {n}") for n in range(3))
    posted = LinkedInConnector(page).publish(Steps().request("Galerie", media))
    images = linkedin.posts[posted.remote_id].fields["content"]["multiImage"]["images"]
    assert [i["altText"] for i in images] == ["Photo 0", "Photo 1", "Photo 2"]
    assert posted.remote_id.startswith("urn:li:ugcPost:")


def test_images_uploaded_by_an_earlier_attempt_are_not_uploaded_again(linkedin, page, tmp_path, png):
    steps = Steps()
    media = (image(tmp_path, "a.png", png), image(tmp_path, "b.png", png))
    linkedin.fail_next(503, path="/rest/posts")
    with pytest.raises(NetworkError):
        LinkedInConnector(page).publish(steps.request("Deux", media))
    assert len(steps.progress["images"]) == 2
    LinkedInConnector(page).publish(steps.request("Deux", media))
    assert len(linkedin.assets) == 2 and len(linkedin.live_posts()) == 1


def test_a_video_waits_for_processing_then_is_posted(linkedin, page, tmp_path):
    linkedin.video_part_size = 10
    steps, clip = Steps(), video(tmp_path)
    connector = LinkedInConnector(page)
    first = connector.publish(steps.request("Torréfaction", (clip,)))
    assert isinstance(first, Pending) and "processing" in str(first.note)
    assert steps.progress["video"]["finalized"] is True
    assert isinstance(connector.publish(steps.request("Torréfaction", (clip,))), Pending)
    posted = connector.publish(steps.request("Torréfaction", (clip,)))
    assert linkedin.posts[posted.remote_id].fields["content"] == {"media": {"id": steps.progress["video"]["urn"]}}
    assert linkedin.assets[steps.progress["video"]["urn"]].data == bytes(range(25))


def test_a_video_linkedin_fails_to_process_is_uploaded_again_once(linkedin, page, tmp_path):
    steps, clip = Steps(), video(tmp_path)
    connector = LinkedInConnector(page)
    connector.publish(steps.request("Clip", (clip,)))
    linkedin.fail_processing(steps.progress["video"]["urn"])
    again = connector.publish(steps.request("Clip", (clip,)))
    assert isinstance(again, Pending) and "uploaded again" in str(again.note) and steps.progress["remade"]
    linkedin.fail_processing(steps.progress["video"]["urn"])
    with pytest.raises(NetworkError) as caught:
        connector.publish(steps.request("Clip", (clip,)))
    assert caught.value.kind is ErrorKind.PERMANENT and linkedin.live_posts() == []


def test_an_interrupted_video_upload_whose_addresses_expired_is_made_again(linkedin, page, tmp_path):
    steps, clip = Steps(), video(tmp_path)
    linkedin.fail_next(503, method="PUT", path="/dms-uploads/video/*")
    with pytest.raises(NetworkError) as caught:
        LinkedInConnector(page).publish(steps.request("Clip", (clip,)))
    assert caught.value.kind is ErrorKind.TRANSIENT and not steps.progress["video"]["finalized"]
    first = steps.progress["video"]["urn"]
    linkedin.advance(25 * 3600)  # upload addresses live 24 h
    again = LinkedInConnector(page).publish(steps.request("Clip", (clip,)))
    assert isinstance(again, Pending) and "addresses for the video had expired" in str(again.note)
    assert steps.progress["remade"] and steps.progress["video"]["urn"] != first


# -- exactly once ----------------------------------------------------------------------------
def test_a_lost_answer_is_uncertain_and_the_post_is_then_found(linkedin, page):
    connector, since = LinkedInConnector(page), timezone.now()
    linkedin.lose_next(path="/rest/posts")
    with pytest.raises(NetworkError) as caught:
        connector.publish(Steps().request(RESERVED_TEXT))
    assert caught.value.kind is ErrorKind.TRANSIENT and caught.value.uncertain
    lookup = connector.find_published(Steps().request(RESERVED_TEXT), since)
    assert lookup.presence is Presence.FOUND
    assert [lookup.post.remote_id] == [p.urn for p in linkedin.live_posts()]


def test_a_post_not_on_the_page_is_absent_once_the_list_reaches_back_past_the_attempt(linkedin, page):
    connector = LinkedInConnector(page)
    connector.publish(Steps().request("Ancien"))
    linkedin.advance(3600)
    connector.publish(Steps().request("Autre"))
    lookup = connector.find_published(Steps().request("Jamais parti"), timezone.now() + timedelta(minutes=30))
    assert lookup == Lookup.absent()
    assert connector.find_published(Steps().request("Jamais parti"), timezone.now()).presence is Presence.ABSENT


def test_a_retry_refused_as_a_duplicate_is_the_post_already_there(linkedin, page):
    connector = LinkedInConnector(page)
    first = connector.publish(Steps().request("Ouverture samedi"))
    again = connector.publish(Steps().request("Ouverture samedi"))
    assert again.remote_id == first.remote_id and len(linkedin.live_posts()) == 1


def test_a_duplicate_of_a_deleted_post_is_not_sent_again(linkedin, page):
    connector = LinkedInConnector(page)
    connector.delete(connector.publish(Steps().request("Éphémère")).remote_id)
    with pytest.raises(NetworkError) as caught:
        connector.publish(Steps().request("Éphémère"))
    assert caught.value.kind is ErrorKind.PERMANENT and "duplicate" in caught.value.message
    assert linkedin.live_posts() == []


def test_the_finder_is_read_page_by_page_back_to_the_attempt(linkedin, page, monkeypatch):
    from parvis.networks.linkedin import connector as module

    monkeypatch.setattr(module, "FINDER_PAGE", 2)
    connector, since = LinkedInConnector(page), timezone.now()
    target = connector.publish(Steps().request("Le premier"))
    for n in range(4):
        connector.publish(Steps().request(f"Ensuite {n}"))
    assert connector.find_published(Steps().request("Le premier"), since).post.remote_id == target.remote_id
    assert connector.find_published(Steps().request("Aucun"), since).presence is Presence.ABSENT
    monkeypatch.setattr(module, "FINDER_PAGES", 1)
    assert connector.find_published(Steps().request("Aucun"), since).presence is Presence.UNKNOWN


def test_without_a_total_only_a_short_page_ends_the_list():
    from parvis.networks.linkedin.client import more_after

    assert more_after({"paging": {"links": [{"rel": "next"}]}, "elements": [1]}, 1, 10)
    assert not more_after({"paging": {"total": 3}, "elements": [1, 2, 3]}, 3, 3)
    assert more_after({"paging": {}, "elements": [1, 2]}, 2, 2)
    assert not more_after({"paging": {}, "elements": [1]}, 1, 2)


def test_a_personal_profile_whose_posts_cannot_be_listed_is_unknown(people, linkedin, alice):
    from parvis.networks.linkedin.tests.conftest import connect_as

    profile = connect_as(people, linkedin, alice, alice.urn, handle=f"@[Alice Martin]({alice.urn})")
    connector = LinkedInConnector(profile)
    connector.publish(Steps().request("Mon parcours", visibility="CONNECTIONS"))
    assert linkedin.live_posts()[0].fields["visibility"] == "CONNECTIONS"
    assert connector.find_published(Steps().request("Mon parcours"), timezone.now()).presence is Presence.UNKNOWN


# -- errors ----------------------------------------------------------------------------------
def test_a_server_error_on_the_post_is_transient_and_uncertain(linkedin, page):
    linkedin.fail_next(503, path="/rest/posts")
    with pytest.raises(NetworkError) as caught:
        LinkedInConnector(page).publish(Steps().request("x"))
    assert (caught.value.kind, caught.value.uncertain) == (ErrorKind.TRANSIENT, True)


def test_a_post_never_answered_is_transient_and_uncertain(linkedin, page):
    linkedin.hang_next(path="/rest/posts")
    with pytest.raises(NetworkError) as caught:
        LinkedInConnector(page).publish(Steps().request("x"))
    assert (caught.value.kind, caught.value.uncertain) == (ErrorKind.TRANSIENT, True)


def test_a_server_error_while_looking_keeps_the_publication_unsure(linkedin, page):
    linkedin.fail_next(502, method="GET", path="/rest/posts")
    with pytest.raises(NetworkError) as caught:
        LinkedInConnector(page).find_published(Steps().request("x"), timezone.now())
    assert (caught.value.kind, caught.value.uncertain) == (ErrorKind.TRANSIENT, True)


def test_an_expired_or_revoked_token_asks_for_a_reconnection(linkedin, page):
    linkedin.expire_token(page.credentials["access_token"])
    with pytest.raises(NetworkError) as caught:
        LinkedInConnector(page).publish(Steps().request("x"))
    assert caught.value.kind is ErrorKind.RECONNECT and not caught.value.uncertain


def test_a_sunset_version_is_permanent_and_says_parvis_must_be_updated(linkedin, page):
    linkedin.versions.discard(version.VERSION)
    with pytest.raises(NetworkError) as caught:
        LinkedInConnector(page).publish(Steps().request("x"))
    assert caught.value.kind is ErrorKind.PERMANENT
    assert f"API version {version.VERSION}" in caught.value.message and "updated" in caught.value.message


def test_a_daily_limit_waits_until_midnight_utc(linkedin, page):
    linkedin.throttle_next(path="/rest/posts")
    with pytest.raises(NetworkError) as caught:
        LinkedInConnector(page).publish(Steps().request("x"))
    now = timezone.now()
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    assert caught.value.kind is ErrorKind.TRANSIENT
    assert abs(caught.value.retry_after - (midnight - now).total_seconds()) < 120
    assert linkedin.live_posts() == []


def test_a_too_long_text_is_refused_naming_the_text(linkedin, page):
    with pytest.raises(NetworkError) as caught:
        LinkedInConnector(page).publish(Steps().request("é" * 3001))
    assert (caught.value.kind, caught.value.field) == (ErrorKind.PERMANENT, "text")


def test_a_post_is_deleted_and_deleting_again_is_fine(linkedin, page):
    connector = LinkedInConnector(page)
    posted = connector.publish(Steps().request("Bye"))
    connector.delete(posted.remote_id)
    connector.delete(posted.remote_id)
    assert linkedin.live_posts() == []


def test_retry_after_follows_the_header_or_the_daily_reset():
    import httpx

    from parvis.networks.linkedin.client import retry_after

    assert retry_after(httpx.Response(429, headers={"Retry-After": "120"}, text="{}")) == 120
    assert retry_after(httpx.Response(429, text='{"message": "too many"}')) == 60
    now = timezone.now().replace(hour=23, minute=0, second=0, microsecond=0)
    daily = httpx.Response(429, text='{"message": "Resource level throttle MEMBER DAY limit ..."}')
    assert retry_after(daily, now) == 3600
