"""The WordPress connector against the real WordPress on loopback (Debian's 6.1.9,
parvis/testing/wordpress_server.py): articles published exactly once and read back from
the site as it stores them."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from parvis.networks.base import ErrorKind, MediaFile, NetworkError, Presence, PublishRequest
from parvis.networks.wordpress.client import WordPressError
from parvis.networks.wordpress.connector import WordPressConnector, article_slug, key_suffix
from parvis.testing.images import png_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.slow, pytest.mark.usefixtures("english")]


def _key() -> str:
    return str(uuid.uuid4())


def _image(tmp_path: Path, name: str, colour: str, alt: str) -> MediaFile:
    path = tmp_path / name
    path.write_bytes(png_bytes((90, 60), colour))
    return MediaFile(path=path, mime_type="image/png", alt_text=alt, size=path.stat().st_size)


def _read(wp: Any, post_id: str | int) -> dict[str, Any]:
    return dict(wp.rest_json("GET", f"/wp/v2/posts/{post_id}", params={"context": "edit"}))


def _posts_with_slug(wp: Any, slug: str) -> list[dict[str, Any]]:
    """Every article whose slug starts with `slug` (a duplicate would be `<slug>-2`)."""
    found = wp.rest_json("GET", "/wp/v2/posts", params={"search": "", "status": "any", "per_page": 100,
                                                        "context": "edit"})
    return [p for p in found if p["slug"].startswith(slug)]


def test_an_article_with_every_option_reads_back_from_the_site(connector, wordpress_server, tmp_path):
    wp = wordpress_server
    category = wp.rest_json("POST", "/wp/v2/categories", json={"name": f"Pains {secrets.token_hex(3)}"})
    known_tag = wp.rest_json("POST", "/wp/v2/tags", json={"name": f"levain {secrets.token_hex(3)}"})
    new_tag = f"seigle {secrets.token_hex(3)}"
    cover = _image(tmp_path, "cover.png", "orange", "La vitrine")
    inside = _image(tmp_path, "inside.png", "blue", "Une miche coupée")
    key = _key()
    request = PublishRequest(
        text="Cuit ce matin.\n\nVenez voir https://example.com/pain !", idempotency_key=key,
        media=[cover, inside],
        options={"title": "Pain au levain", "excerpt": "Cuit ce matin", "categories": [category["id"]],
                 "tags": [known_tag["name"], new_tag], "featured_image": 1},
    )

    posted = connector.publish(request)

    read = _read(wp, posted.remote_id)
    assert read["status"] == "publish"
    assert read["title"]["raw"] == "Pain au levain"
    assert read["excerpt"]["raw"] == "Cuit ce matin"
    assert read["slug"] == f"pain-au-levain-{key[:8]}" == article_slug(request)
    assert read["categories"] == [category["id"]]
    tags = wp.rest_json("GET", "/wp/v2/tags", params={"include": ",".join(map(str, read["tags"]))})
    assert sorted(t["name"] for t in tags) == sorted([known_tag["name"], new_tag])
    featured = wp.rest_json("GET", f"/wp/v2/media/{read['featured_media']}", params={"context": "edit"})
    assert featured["alt_text"] == "La vitrine"
    assert httpx.get(featured["source_url"]).content == cover.path.read_bytes()
    body = read["content"]["raw"]
    assert body.startswith("<p>Cuit ce matin.</p>")
    assert '<a href="https://example.com/pain" rel="nofollow noopener">https://example.com/pain</a> !' in body
    assert 'alt="Une miche coupée"' in body and "La vitrine" not in body  # the cover is not repeated
    assert posted.url == read["link"] and posted.url.startswith(wp.url)
    assert posted.created_at is not None and abs(posted.created_at - datetime.now(UTC)) < timedelta(hours=1)


def test_the_slug_given_by_the_person_keeps_the_key_suffix(connector, wordpress_server):
    key = _key()
    posted = connector.publish(PublishRequest(text="Bonjour", idempotency_key=key,
                                              options={"title": "Titre", "slug": "ma-page"}))
    assert _read(wordpress_server, posted.remote_id)["slug"] == f"ma-page-{key_suffix(key)}"


def test_text_is_escaped_not_run(connector, wordpress_server):
    posted = connector.publish(PublishRequest(
        text='<script>alert("x")</script> & <b>gras</b>', idempotency_key=_key(), options={"title": "Sûr"}))
    body = _read(wordpress_server, posted.remote_id)["content"]["raw"]
    assert "<script>" not in body and "<b>" not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;gras&lt;/b&gt;" in body


def test_find_published_is_absent_before_and_found_after(connector):
    request = PublishRequest(text="Une fois", idempotency_key=_key(), options={"title": "Une fois"})
    since = datetime.now(UTC)
    assert connector.find_published(request, since).presence is Presence.ABSENT
    posted = connector.publish(request)
    found = connector.find_published(request, since)
    assert found.presence is Presence.FOUND and found.post == posted


def test_an_article_is_found_by_its_key_even_if_the_title_changed_between_attempts(connector):
    since = datetime.now(UTC)
    key = _key()
    posted = connector.publish(PublishRequest(text="x", idempotency_key=key, options={"title": "Premier titre"}))
    edited = PublishRequest(text="x", idempotency_key=key, options={"title": "Titre corrigé"})
    found = connector.find_published(edited, since).post
    assert found is not None and found.remote_id == posted.remote_id
    other = PublishRequest(text="x", idempotency_key=_key(), options={"title": "Autre"})
    assert connector.find_published(other, since).presence is Presence.ABSENT


def test_an_article_published_is_found_by_the_look_the_engine_makes_before_a_retry(connector, wordpress_server):
    # The engine asks find_published before any attempt that may follow one that reached
    # the site (parvis/networks/wordpress/tests/test_engine.py runs that whole path).
    request = PublishRequest(text="Une seule fois", idempotency_key=_key(), options={"title": "Doublon"})
    first = connector.publish(request)
    found = connector.find_published(request, datetime.now(UTC))
    assert found.presence is Presence.FOUND and found.post is not None and found.post.remote_id == first.remote_id
    assert [p["id"] for p in _posts_with_slug(wordpress_server, article_slug(request))] == [int(first.remote_id)]


def test_an_answer_lost_after_the_site_created_the_article_makes_no_second_one(
        connector, wordpress_server, tmp_path, monkeypatch):
    request = PublishRequest(text="Perdue", idempotency_key=_key(), media=[_image(tmp_path, "a.png", "red", "A")],
                             options={"title": "Réponse perdue"})
    real_post = connector.client.post

    def post_then_lose_the_answer(route: str, json: Any = None, **kwargs: Any) -> Any:
        answer = real_post(route, json, **kwargs)
        if route == "/wp/v2/posts":
            raise WordPressError("the connection dropped", ErrorKind.TRANSIENT, uncertain=True)
        return answer

    monkeypatch.setattr(connector.client, "post", post_then_lose_the_answer)
    posted = connector.publish(request)  # found again by its slug instead of failing
    monkeypatch.undo()
    assert connector.find_published(request, datetime.now(UTC)).post.remote_id == posted.remote_id
    assert len(_posts_with_slug(wordpress_server, article_slug(request))) == 1


def test_a_first_attempt_failing_half_way_leaves_one_article_and_reuses_its_images(
        connector, wordpress_server, tmp_path, monkeypatch):
    request = PublishRequest(text="Deux essais", idempotency_key=_key(),
                             media=[_image(tmp_path, "b.png", "green", "B")], options={"title": "Deux essais"})
    real_post = connector.client.post

    def site_fails_on_the_article(route: str, json: Any = None, **kwargs: Any) -> Any:
        if route == "/wp/v2/posts":
            raise WordPressError("HTTP 503", ErrorKind.TRANSIENT)
        return real_post(route, json, **kwargs)

    monkeypatch.setattr(connector.client, "post", site_fails_on_the_article)
    with pytest.raises(NetworkError) as caught:
        connector.publish(request)
    assert caught.value.kind is ErrorKind.TRANSIENT
    monkeypatch.undo()
    assert connector.find_published(request, datetime.now(UTC)).presence is Presence.ABSENT

    posted = connector.publish(request)

    slug = article_slug(request)
    assert [p["id"] for p in _posts_with_slug(wordpress_server, slug)] == [int(posted.remote_id)]
    images = wordpress_server.rest_json("GET", "/wp/v2/media", params={"slug": f"{slug}-image-1"})
    assert len(images) == 1
    assert f"wp-image-{images[0]['id']}" in _read(wordpress_server, posted.remote_id)["content"]["raw"]


def test_an_article_published_late_is_dated_when_it_was_planned(connector, wordpress_server):
    planned = (datetime.now(UTC) - timedelta(hours=2)).replace(microsecond=0)
    late = connector.publish(PublishRequest(text="En retard", idempotency_key=_key(), scheduled_at=planned,
                                            options={"title": "En retard"}))
    on_time = connector.publish(PublishRequest(text="À l'heure", idempotency_key=_key(),
                                               scheduled_at=datetime.now(UTC), options={"title": "À l'heure"}))
    read = _read(wordpress_server, late.remote_id)
    assert read["status"] == "publish" and read["date_gmt"] == planned.strftime("%Y-%m-%dT%H:%M:%S")
    assert _read(wordpress_server, on_time.remote_id)["status"] == "publish"
    assert on_time.created_at is not None and on_time.created_at > planned + timedelta(hours=1)


def test_categories_are_named_as_typed_and_an_unknown_one_is_refused_by_name(connector, wordpress_server):
    name = f"Brioches {secrets.token_hex(3)}"
    category = wordpress_server.rest_json("POST", "/wp/v2/categories", json={"name": name})
    year = wordpress_server.rest_json("POST", "/wp/v2/categories", json={"name": f"{secrets.randbelow(10**6) + 10**7}"})
    posted = connector.publish(PublishRequest(text="x", idempotency_key=_key(), options={
        "title": "Par nom", "categories": [name.upper(), year["name"], str(category["id"])]}))
    assert sorted(_read(wordpress_server, posted.remote_id)["categories"]) == sorted([category["id"], year["id"]])
    with pytest.raises(NetworkError) as caught:
        connector.publish(PublishRequest(text="x", idempotency_key=_key(),
                                         options={"title": "Inconnue", "categories": [name, "Nulle part"]}))
    assert caught.value.kind is ErrorKind.PERMANENT and caught.value.field == "options.categories"
    assert "named Nulle part (option Categories)" in caught.value.message and name not in caught.value.message


def test_a_tag_made_of_digits_is_a_name_not_an_id(connector, wordpress_server):
    year = str(secrets.randbelow(10**6) + 10**7)
    posted = connector.publish(PublishRequest(text="x", idempotency_key=_key(),
                                              options={"title": "Millésime", "tags": [year]}))
    (tag_id,) = _read(wordpress_server, posted.remote_id)["tags"]
    assert wordpress_server.rest_json("GET", f"/wp/v2/tags/{tag_id}")["name"] == year


def test_a_missing_title_is_refused_before_anything_is_sent(connector):
    with pytest.raises(NetworkError) as caught:
        connector.publish(PublishRequest(text="Sans titre", idempotency_key=_key()))
    assert caught.value.kind is ErrorKind.PERMANENT and caught.value.field == "options.title"


def test_delete_trashes_the_article_and_force_removes_it(connector, wordpress_server):
    posted = connector.publish(PublishRequest(text="À jeter", idempotency_key=_key(), options={"title": "Jeter"}))
    connector.delete(posted.remote_id)
    assert _read(wordpress_server, posted.remote_id)["status"] == "trash"
    connector.delete(posted.remote_id)  # already in the trash: done
    connector.delete(posted.remote_id, force=True)
    assert wordpress_server.rest("GET", f"/wp/v2/posts/{posted.remote_id}").status_code == 404
    connector.delete(posted.remote_id)  # gone: done


def test_a_revoked_application_password_asks_to_reconnect(wp_account):
    wp_account.credentials = {**wp_account.credentials, "app_password": "abcdefghijklmnopqrstuvwx"}
    connector = WordPressConnector(wp_account)
    with pytest.raises(NetworkError) as caught:
        connector.publish(PublishRequest(text="x", idempotency_key=_key(), options={"title": "Refusé"}))
    assert caught.value.kind is ErrorKind.RECONNECT
    with pytest.raises(NetworkError) as caught:
        connector.identity()
    assert caught.value.kind is ErrorKind.RECONNECT


def test_an_invalid_field_is_permanent_and_named(connector):
    with pytest.raises(WordPressError) as caught:
        connector.client.post("/wp/v2/posts", {"title": "x", "status": "nonsense"})
    assert caught.value.kind is ErrorKind.PERMANENT
    assert caught.value.code == "rest_invalid_param" and caught.value.field == "status"


def test_identity_is_the_user_on_the_site(connector, wordpress_server):
    identity = connector.identity()
    host = wordpress_server.url.split("://", 1)[1]
    assert identity.remote_id == str(wordpress_server.user_id)
    assert identity.handle == f"{wordpress_server.username}@{host}"
