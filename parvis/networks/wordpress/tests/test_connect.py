"""Connecting a WordPress site: the real site on loopback for what WordPress answers,
scripted loopback servers for what a hostile or broken address answers. Every refusal
names the field to fix, and the application password never goes anywhere but the API
the site's own address led to."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.urls import reverse

from parvis.core.http import override_policy
from parvis.networks.base import NetworkError
from parvis.networks.models import SocialAccount
from parvis.networks.wordpress.discovery import discover
from parvis.networks.wordpress.views import verify
from parvis.testing.factories import client_for
from parvis.testing.scripted_server import Answer, LoopbackPorts, ScriptedServer, json_answer, redirect

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

INDEX = json.dumps({"name": "Blog", "namespaces": ["oembed/1.0", "wp/v2"], "routes": {},
                    "authentication": {"application-passwords": {"endpoints": {}}}})


@pytest.fixture
def server():
    with ScriptedServer() as running:
        yield running


@pytest.fixture
def other():
    with ScriptedServer() as running:
        yield running


def connect(people: dict[str, Any], site: str, username: str, app_password: str) -> Any:
    return client_for(people["owner"]).post(reverse("wordpress:connect", args=[people["workspace"].pk]),
                                            {"site": site, "username": username, "app_password": app_password})


def form_error(response: Any, field: str) -> str:
    return " ".join(str(e) for e in response.context["form"].errors[field])


def _port(url: str) -> int:
    return urlsplit(url).port or 80


@pytest.mark.slow
def test_a_good_application_password_connects_the_site(people, wordpress_server):
    wp = wordpress_server
    response = connect(people, wp.url, wp.username, wp.app_password)
    assert response.status_code == 302, response.context and response.context["form"].errors
    account = SocialAccount.objects.get(network="wordpress")
    host = wp.url.split("://", 1)[1]
    assert account.handle == f"{wp.username}@{host}"
    assert account.remote_id == str(wp.user_id)
    assert account.server_url == wp.url
    assert account.credentials == {"username": wp.username, "app_password": wp.app_password.replace(" ", "")}
    assert account.config["api_root"] == f"{wp.url}/wp-json/"
    assert account.config["can_upload"] and account.config["can_moderate"]
    with connection.cursor() as cursor:  # encrypted at rest
        cursor.execute("SELECT credentials FROM networks_socialaccount WHERE id = %s", [account.pk])
        assert wp.app_password.replace(" ", "") not in str(cursor.fetchone()[0])


@pytest.mark.slow
def test_a_wrong_application_password_is_blamed_on_that_field(people, wordpress_server):
    response = connect(people, wordpress_server.url, wordpress_server.username, "abcd efgh ijkl mnop qrst uvwx")
    assert response.status_code == 200
    assert "WordPress refused this username and application password (rest_not_logged_in)" in form_error(
        response, "app_password")
    assert not SocialAccount.objects.exists()


@pytest.mark.slow
def test_an_unknown_user_is_blamed_on_the_username_where_wordpress_says_so(people, wordpress_server):
    early = "add_filter('rest_authentication_errors', function ($r) { is_user_logged_in(); return $r; }, 10);"
    with wordpress_server.mu_plugin("parvis-early-user", early):
        response = connect(people, wordpress_server.url, "nobody", wordpress_server.app_password)
    assert "(invalid_username)" in form_error(response, "username")


@pytest.mark.slow
def test_a_user_who_may_not_publish_is_refused(people, wordpress_server):
    password = wordpress_server.php("""
        $id = username_exists('lecteur') ?: wp_insert_user([
            'user_login' => 'lecteur', 'user_pass' => wp_generate_password(),
            'user_email' => 'lecteur@example.com', 'role' => 'subscriber']);
        $name = 'parvis-' . wp_generate_password(6, false);
        [$password] = WP_Application_Passwords::create_new_application_password($id, ['name' => $name]);
        return $password;
    """)
    response = connect(people, wordpress_server.url, "lecteur", password)
    assert "lecteur may not publish posts on this site (roles: subscriber)" in form_error(response, "username")
    assert not SocialAccount.objects.exists()


@pytest.mark.slow
def test_a_private_address_is_refused_unless_the_policy_allows_it(people, wordpress_server, settings):
    settings.PARVIS_ALLOW_PRIVATE_URLS = False
    response = connect(people, wordpress_server.url, wordpress_server.username, wordpress_server.app_password)
    assert "127.0.0.1" in form_error(response, "site") and "loopback" in form_error(response, "site")
    assert not SocialAccount.objects.exists()
    with override_policy(LoopbackPorts(_port(wordpress_server.url))):  # this port stands for a public site
        response = connect(people, wordpress_server.url, wordpress_server.username, wordpress_server.app_password)
    assert response.status_code == 302
    assert SocialAccount.objects.filter(network="wordpress").count() == 1


def test_a_site_that_is_not_wordpress_is_said_so(people, server):
    server.answer("/", Answer(200, {"Content-Type": "text/html"}, b"<html>Hello</html>"))
    response = connect(people, server.url(), "admin", "abcd efgh ijkl mnop qrst uvwx")
    assert "it is not a WordPress site" in form_error(response, "site")
    assert all("users/me" not in r["path"] for r in server.received)


def test_a_site_whose_rest_api_is_switched_off_is_said_so(people, server):
    server.answer("/", Answer(200, {"Content-Type": "text/html", "Link": f'<{server.url("/wp-json/")}>; '
                                    'rel="https://api.w.org/"'}, b"<html></html>"))
    response = connect(people, server.url(), "admin", "abcd efgh ijkl mnop qrst uvwx")
    assert "its REST API does not answer" in form_error(response, "site")


def test_an_api_without_posts_is_said_so(server):
    server.answer("/wp-json/", json_answer(json.dumps({"namespaces": ["oembed/1.0"], "routes": {}})))
    with pytest.raises(NetworkError) as caught:
        discover(server.url())
    assert "offers no posts" in caught.value.message and caught.value.field == "site"


def test_a_site_without_application_passwords_is_said_so(people, server):
    server.answer("/wp-json/", json_answer(json.dumps({"namespaces": ["wp/v2"], "routes": {},
                                                       "authentication": []})))
    response = connect(people, server.url(), "admin", "abcd efgh ijkl mnop qrst uvwx")
    assert "does not offer application passwords" in form_error(response, "app_password")


def test_the_api_root_announced_by_the_home_page_is_used(server):
    # Plain permalinks: /wp-json/ is not routed, the home page announces ?rest_route=/.
    server.answer("/", Answer(200, {"Link": f'<{server.url("/?rest_route=/")}>; rel="https://api.w.org/"'},
                              INDEX.encode()))
    site = discover(server.url())
    assert site.api_root.startswith(server.url("/?rest_route="))
    assert site.name == "Blog"


def test_an_api_root_on_another_host_is_refused(server, other):
    server.answer("/", Answer(200, {"Link": f'<{other.url("/wp-json/")}>; rel="https://api.w.org/"'}, b""))
    with pytest.raises(NetworkError) as caught:
        discover(server.url())
    assert "says its REST API is on another site" in caught.value.message
    assert other.received == []


def test_a_redirect_is_followed_for_discovery_and_checked_at_each_hop(server, other, settings):
    other.answer("/wp-json/", json_answer(INDEX))
    server.answer("/wp-json/", redirect(other.url("/wp-json/"), 301))
    assert discover(server.url()).api_root == other.url("/wp-json/")

    settings.PARVIS_ALLOW_PRIVATE_URLS = False
    received = len(other.received)
    with override_policy(LoopbackPorts(server.port)), pytest.raises(NetworkError) as caught:
        discover(server.url())
    assert "loopback" in caught.value.message and caught.value.field == "site"
    assert len(other.received) == received


def test_the_application_password_never_follows_a_redirect(server, other):
    server.answer("/wp-json/", json_answer(INDEX))
    server.answer("/wp-json/wp/v2/users/me", redirect(other.url("/wp-json/wp/v2/users/me"), 307))
    with pytest.raises(NetworkError) as caught:
        verify(server.url(), "admin", "abcdefghijklmnopqrstuvwx")
    assert "redirect (HTTP 307)" in caught.value.message and caught.value.field == "site"
    assert other.received == []


def test_the_form_says_where_to_create_an_application_password(people):
    page = client_for(people["owner"]).get(reverse("wordpress:connect", args=[people["workspace"].pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Connect a WordPress account" in html
    assert "Users → Profile → Application Passwords" in html


def test_a_rest_api_closed_to_visitors_still_connects_with_the_password(server):
    # "Disable REST API"-style plugins answer 401 to anonymous visitors, even for the index.
    server.answer("/wp-json/", json_answer(json.dumps(
        {"code": "rest_login_required", "message": "REST API restricted", "data": {"status": 401}}), 401))
    server.answer("/wp-json/wp/v2/users/me", json_answer(json.dumps(
        {"id": 3, "username": "redaction", "name": "La rédaction", "roles": ["author"],
         "capabilities": {"publish_posts": True, "upload_files": True}})))
    verified = verify(server.url(), "redaction", "abcdefghijklmnopqrstuvwx")
    assert verified.identity.handle == f"redaction@127.0.0.1:{server.port}"
    assert verified.config["api_root"] == server.url("/wp-json/")
    assert not verified.config["can_moderate"]
    me = next(r for r in server.received if r["path"].startswith("/wp-json/wp/v2/users/me"))
    assert me["headers"]["Authorization"].startswith("Basic ")
