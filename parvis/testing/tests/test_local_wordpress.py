"""The local WordPress harness itself (Debian's 6.1.9 on PHP's built-in server, MariaDB),
driven over its REST API with the administrator's application password, as the parvis
connector will be.

Also pins down the WordPress behaviour that connector will rely on: a second post with the
same slug is created as ``<slug>-2`` rather than refused (so exactly-once needs a lookup
by slug before a retry), posts read back by slug with ``status=any``, comment moderation
statuses, and the error a wrong application password gets. The ``wordpress_server``
fixture skips, saying why, where scripts/install_wordpress.sh has not run or MariaDB
does not answer (CI must run them).
"""

from __future__ import annotations

import os
import secrets
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from parvis.testing.images import png_bytes
from parvis.testing.wordpress_server import (
    INSTALL_COMMAND,
    WORDPRESS_DIR,
    LocalWordPress,
    MySQL,
    WordPressNotInstalledError,
    wordpress_available,
)

WP_DATE = "%Y-%m-%dT%H:%M:%S"  # WordPress's dates: no time zone suffix


def _unique(name: str) -> str:
    return f"{name}-{secrets.token_hex(3)}"


def _created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_rest_index_answers_and_announces_application_passwords(wordpress_server: LocalWordPress) -> None:
    index = wordpress_server.rest("GET", "/")
    assert index.status_code == 200
    body = index.json()
    assert body["url"] == wordpress_server.url
    assert "wp/v2" in body["namespaces"]
    authorization = body["authentication"]["application-passwords"]["endpoints"]["authorization"]
    assert authorization == f"{wordpress_server.url}/wp-admin/authorize-application.php"


def test_front_page_links_to_the_pretty_rest_root(wordpress_server: LocalWordPress) -> None:
    # wp_install() found that the router handles pretty permalinks, so discovery gives /wp-json/.
    assert wordpress_server.permalink_structure == "/%year%/%monthnum%/%day%/%postname%/"
    home = httpx.get(wordpress_server.url + "/")
    assert home.headers["link"] == f'<{wordpress_server.url}/wp-json/>; rel="https://api.w.org/"'
    me = httpx.get(wordpress_server.rest_url("/wp/v2/users/me"), auth=wordpress_server.auth)
    assert me.status_code == 200
    assert me.json()["id"] == wordpress_server.user_id
    assert me.json()["slug"] == wordpress_server.username


def test_application_password_works_without_its_spaces(wordpress_server: LocalWordPress) -> None:
    compact = wordpress_server.app_password.replace(" ", "")
    assert len(compact) == 24 and compact.isalnum()
    me = wordpress_server.rest("GET", "/wp/v2/users/me", auth=(wordpress_server.username, compact))
    assert me.status_code == 200
    assert me.json()["id"] == wordpress_server.user_id


def test_wrong_application_password_runs_the_request_as_anonymous(wordpress_server: LocalWordPress) -> None:
    # WordPress 6.1.9 on its own: serve_request() forgets the anonymous user found by
    # WP::init() (app passwords only count once REST_REQUEST is defined) and checks for
    # app-password errors (rest_authentication_errors, priority 90) before anything looks
    # the user up again; the failure is recorded too late. So no incorrect_password here.
    bad = (wordpress_server.username, "abcd efgh ijkl mnop qrst uvwx")
    me = wordpress_server.rest("GET", "/wp/v2/users/me", auth=bad)
    assert me.status_code == 401
    assert me.json()["code"] == "rest_not_logged_in"
    create = wordpress_server.rest("POST", "/wp/v2/posts", json={"title": "x"}, auth=bad)
    assert create.status_code == 401
    assert create.json()["code"] == "rest_cannot_create"


def test_wrong_application_password_is_incorrect_password_once_the_user_is_looked_up_early(
    wordpress_server: LocalWordPress,
) -> None:
    # Any plugin that asks who is logged in from rest_authentication_errors before priority
    # 90 (security plugins, WooCommerce) makes WordPress report the app-password error.
    early = "add_filter('rest_authentication_errors', function ($r) { is_user_logged_in(); return $r; }, 10);"
    with wordpress_server.mu_plugin("parvis-early-user", early):
        bad = wordpress_server.rest(
            "GET", "/wp/v2/users/me", auth=(wordpress_server.username, "abcd efgh ijkl mnop qrst uvwx")
        )
        unknown = wordpress_server.rest("GET", "/wp/v2/users/me", auth=("nobody", wordpress_server.app_password))
        good = wordpress_server.rest("GET", "/wp/v2/users/me")
    assert bad.status_code == 401
    assert bad.json() == {
        "code": "incorrect_password",
        "message": "The provided password is an invalid application password.",
        "data": {"status": 401},
    }
    assert unknown.status_code == 401
    assert unknown.json()["code"] == "invalid_username"
    assert good.status_code == 200
    assert good.json()["id"] == wordpress_server.user_id


def test_anonymous_cannot_create_posts(wordpress_server: LocalWordPress) -> None:
    response = wordpress_server.rest("POST", "/wp/v2/posts", json={"title": "x"}, auth=None)
    assert response.status_code == 401
    assert response.json()["code"] == "rest_cannot_create"


def test_categories_and_tags_are_created_once(wordpress_server: LocalWordPress) -> None:
    name = _unique("Viennoiseries")
    category = _created(wordpress_server.rest("POST", "/wp/v2/categories", json={"name": name}))
    assert category["name"] == name
    assert category["slug"] == name.lower()
    tag = _created(wordpress_server.rest("POST", "/wp/v2/tags", json={"name": "croissant " + name}))
    assert tag["name"] == "croissant " + name
    assert tag["id"] != category["id"]

    again = wordpress_server.rest("POST", "/wp/v2/categories", json={"name": name})
    assert again.status_code == 400
    assert again.json()["code"] == "term_exists"
    assert again.json()["data"]["term_id"] == category["id"]

    found = wordpress_server.rest_json("GET", "/wp/v2/categories", params={"slug": category["slug"]})
    assert [c["id"] for c in found] == [category["id"]]


def test_uploaded_image_is_an_attachment_served_by_the_site(wordpress_server: LocalWordPress) -> None:
    image = png_bytes((120, 80), "orange")
    media = wordpress_server.upload_media(image, "croissant.png", "image/png", alt_text="Un croissant")
    assert media["media_type"] == "image"
    assert media["mime_type"] == "image/png"
    assert media["alt_text"] == "Un croissant"
    assert (media["media_details"]["width"], media["media_details"]["height"]) == (120, 80)
    assert media["source_url"].startswith(f"{wordpress_server.url}/wp-content/uploads/")
    served = httpx.get(media["source_url"])
    assert served.status_code == 200
    assert served.content == image


def test_upload_without_content_disposition_is_refused(wordpress_server: LocalWordPress) -> None:
    response = wordpress_server.rest(
        "POST", "/wp/v2/media", content=png_bytes(), headers={"Content-Type": "image/png"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "rest_upload_no_content_disposition"


def test_scheduled_post_with_terms_and_image_reads_back_by_slug(wordpress_server: LocalWordPress) -> None:
    category = _created(wordpress_server.rest("POST", "/wp/v2/categories", json={"name": _unique("Pains")}))
    tag = _created(wordpress_server.rest("POST", "/wp/v2/tags", json={"name": _unique("levain")}))
    media = wordpress_server.upload_media(png_bytes(), "pain.png", "image/png")
    when = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    slug = _unique("pain-au-levain")
    post = _created(wordpress_server.rest("POST", "/wp/v2/posts", json={
        "title": "Pain au levain",
        "content": "<p>Cuit ce matin, à la boulangerie.</p>",
        "excerpt": "Cuit ce matin",
        "slug": slug,
        "status": "future",
        "date_gmt": when.strftime(WP_DATE),
        "categories": [category["id"]],
        "tags": [tag["id"]],
        "featured_media": media["id"],
    }))
    assert post["status"] == "future"
    assert post["slug"] == slug
    assert post["date_gmt"] == when.strftime(WP_DATE)
    assert post["title"]["raw"] == "Pain au levain"

    found = wordpress_server.rest_json(
        "GET", "/wp/v2/posts", params={"slug": slug, "status": "any", "context": "edit"}
    )
    assert [p["id"] for p in found] == [post["id"]]
    (read,) = found
    assert read["status"] == "future"
    assert read["date_gmt"] == when.strftime(WP_DATE)
    assert read["title"]["raw"] == "Pain au levain"
    assert read["content"]["raw"] == "<p>Cuit ce matin, à la boulangerie.</p>"
    assert read["excerpt"]["raw"] == "Cuit ce matin"
    assert read["categories"] == [category["id"]]
    assert read["tags"] == [tag["id"]]
    assert read["featured_media"] == media["id"]
    assert read["author"] == wordpress_server.user_id

    # Not published yet: anonymous readers do not see it.
    assert wordpress_server.rest_json("GET", "/wp/v2/posts", params={"slug": slug}, auth=None) == []


def test_second_post_with_the_same_slug_gets_suffix_2(wordpress_server: LocalWordPress) -> None:
    slug = _unique("meme-slug")
    first = _created(wordpress_server.rest(
        "POST", "/wp/v2/posts", json={"title": "Premier", "slug": slug, "status": "publish"}
    ))
    second = _created(wordpress_server.rest(
        "POST", "/wp/v2/posts", json={"title": "Second", "slug": slug, "status": "publish"}
    ))
    assert first["slug"] == slug
    assert second["slug"] == f"{slug}-2"
    assert second["id"] != first["id"]
    # What an exactly-once check sees when it looks the slug up before a retry:
    found = wordpress_server.rest_json("GET", "/wp/v2/posts", params={"slug": slug, "status": "any"})
    assert [p["id"] for p in found] == [first["id"]]


def test_admin_comment_is_moderated_through_hold_approved_and_spam(wordpress_server: LocalWordPress) -> None:
    post = _created(wordpress_server.rest(
        "POST", "/wp/v2/posts", json={"title": "Commentez", "status": "publish"}
    ))
    comment = _created(wordpress_server.rest(
        "POST", "/wp/v2/comments", json={"post": post["id"], "content": "Merci pour vos retours !"}
    ))
    assert comment["post"] == post["id"]
    assert comment["author"] == wordpress_server.user_id
    assert comment["author_name"] == wordpress_server.username
    assert comment["status"] == "approved"
    assert comment["content"]["raw"] == "Merci pour vos retours !"

    for asked, shown in (("hold", "hold"), ("approved", "approved"), ("spam", "spam")):
        changed = wordpress_server.rest("POST", f"/wp/v2/comments/{comment['id']}", json={"status": asked})
        assert changed.status_code == 200, changed.text
        assert changed.json()["status"] == shown

    spam = wordpress_server.rest_json("GET", "/wp/v2/comments", params={"post": post["id"], "status": "spam"})
    assert [c["id"] for c in spam] == [comment["id"]]
    assert wordpress_server.rest_json("GET", "/wp/v2/comments", params={"post": post["id"]}) == []

    # Asking for the status a comment already has succeeds: over HTTP the update always
    # carries the request's IP, so it goes through wp_update_comment(), and the status
    # change's own "nothing to do" is ignored.
    same = wordpress_server.rest("POST", f"/wp/v2/comments/{comment['id']}", json={"status": "spam"})
    assert same.status_code == 200
    assert same.json()["status"] == "spam"


@pytest.mark.slow  # its own server, not the session's
def test_stop_leaves_no_database_process_or_file() -> None:
    available, reason = wordpress_available()
    if not available:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run the WordPress tests: {reason}")
        pytest.skip(reason)
    mysql = MySQL()
    with LocalWordPress(workers=2) as server:
        database, workdir = server.database, server.log_path.parent
        pids = list(server.processes())
        assert len(pids) == 3  # the server and its 2 workers
        assert database in mysql.databases()
        assert server.rest("GET", "/").status_code == 200
    assert database not in mysql.databases()
    assert not workdir.exists()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            continue
        assert state in {"Z", "X"}  # exited; the init process reaps it


def test_unreachable_database_is_reported_with_the_fix() -> None:
    if shutil.which("php") is None or not (WORDPRESS_DIR / "wp-settings.php").is_file():
        pytest.skip(f"WordPress is not installed: run {INSTALL_COMMAND}")
    mysql = MySQL("mysql://root@127.0.0.1:9")
    available, reason = wordpress_available(mysql)
    assert not available
    assert "127.0.0.1:9" in reason
    assert INSTALL_COMMAND in reason
    with pytest.raises(WordPressNotInstalledError, match="does not answer"):
        LocalWordPress(mysql=mysql).start()


def test_due_scheduled_post_is_published_when_cron_runs(wordpress_server: LocalWordPress) -> None:
    when = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    post = _created(wordpress_server.rest("POST", "/wp/v2/posts", json={
        "title": "Bientôt", "status": "future", "date_gmt": when.strftime(WP_DATE),
    }))
    assert post["status"] == "future"
    # Move its date (and its publish_future_post event) into the past, as time passing would.
    wordpress_server.php(f"""
        global $wpdb;
        $past = gmdate('Y-m-d H:i:s', time() - 60);
        $wpdb->update($wpdb->posts, ['post_date' => $past, 'post_date_gmt' => $past], ['ID' => {post['id']}]);
        clean_post_cache({post['id']});
        wp_clear_scheduled_hook('publish_future_post', [{post['id']}]);
        wp_schedule_single_event(time() - 60, 'publish_future_post', [{post['id']}]);
        return true;
    """)
    read = wordpress_server.rest_json("GET", f"/wp/v2/posts/{post['id']}", params={"context": "edit"})
    assert read["status"] == "future"  # nothing publishes it by itself (DISABLE_WP_CRON)

    wordpress_server.run_cron()
    read = wordpress_server.rest_json("GET", f"/wp/v2/posts/{post['id']}", params={"context": "edit"})
    assert read["status"] == "publish"
