"""A connected LinkedIn page day to day: who it is, its checks and options, its tokens
renewed ahead of time (and the refresh token's own end reported in time), comments
read, answered as the page and deleted, its statistics, and the API version's end."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from parvis.networks import registry
from parvis.networks.base import Draft, ErrorKind, Moderation, NetworkError, Presence, PublishRequest, ReplyTarget
from parvis.networks.linkedin import version
from parvis.networks.linkedin.connector import LinkedInConnector
from parvis.networks.linkedin.options import OptionsForm
from parvis.networks.tokens import refresh as sweep_refresh
from parvis.networks.tokens import warn_expiring

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
DAY = 86_400


def post(connector: LinkedInConnector, text: str) -> str:
    return connector.publish(PublishRequest(text=text, idempotency_key=text)).remote_id


# -- identity, checks, options ------------------------------------------------------------
def test_the_page_is_named_with_its_vanity_address(linkedin, page, shop):
    me = LinkedInConnector(page).identity()
    assert (me.remote_id, me.display_name) == (shop.urn, "Brûlerie du Port")
    assert me.handle == f"@[Brûlerie du Port]({shop.urn})"
    assert me.url == "https://www.linkedin.com/company/brulerie-du-port/"


def test_handles_mentions_and_counting_follow_linkedins_rules():
    info = registry.get("linkedin")
    assert info.owns_handle("@[Brûlerie du Port](urn:li:organization:123)")
    assert info.handle_aliases("[Brûlerie du Port](urn:li:organization:123)") >= {"Brûlerie du Port"}
    assert info.mention_re.search("Merci @[Shop](urn:li:organization:9) !").group(1) == "[Shop](urn:li:organization:9)"
    assert info.count("(a)") == 5  # LinkedIn counts the escaped commentary it receives


def test_connections_only_is_refused_for_a_page_naming_the_option(page):
    problems = LinkedInConnector(page).checks(Draft(text="x", options={"visibility": "CONNECTIONS"}))
    assert [(p.field, p.network) for p in problems] == [("options.visibility", "linkedin")]
    assert LinkedInConnector(page).checks(Draft(text="x", options={"visibility": "PUBLIC"})) == []
    assert [p.field for p in LinkedInConnector(page).checks(Draft(text=" "))] == ["text"]


def test_the_options_form_validates_the_visibility():
    assert OptionsForm({"visibility": "CONNECTIONS"}, account_kind="person").is_valid()
    refused = OptionsForm({"visibility": "CONNECTIONS"}, account_kind="organization")
    assert not refused.is_valid() and "visibility" in refused.errors
    assert "visibility" in OptionsForm({"visibility": "FRIENDS"}).errors
    blank = OptionsForm({})
    assert blank.is_valid() and blank.cleaned_data == {"visibility": "PUBLIC"}


# -- tokens ----------------------------------------------------------------------------------
def test_the_access_token_is_renewed_from_the_refresh_token(linkedin, page, shop):
    old = page.credentials["access_token"]
    linkedin.advance(55 * DAY)
    assert sweep_refresh(page.pk) == "refreshed"
    page.refresh_from_db()
    assert page.credentials["access_token"] != old
    assert page.credentials_expire_at > timezone.now() + timedelta(days=59)
    linkedin.advance(10 * DAY)  # the old token has expired; the new one works
    assert LinkedInConnector(page).identity().remote_id == shop.urn


def test_near_the_refresh_tokens_end_the_expiry_reported_is_that_end(linkedin, page):
    ends = timezone.now() + timedelta(days=20)
    page.config = {**page.config, "refresh_expires_at": ends.isoformat()}
    page.credentials_expire_at = timezone.now() + timedelta(days=5)
    renewed = LinkedInConnector(page).refresh_credentials()
    assert renewed.values["access_token"] != page.credentials["access_token"]
    assert renewed.expires_at == ends  # the owners are warned before it, then must reconnect
    page.credentials_expire_at = ends
    assert LinkedInConnector(page).refresh_credentials().expires_at == ends  # nothing more to renew


def test_the_owners_are_warned_a_week_before_the_refresh_token_ends(linkedin, page, people):
    ends = timezone.now() + timedelta(days=20)
    page.config = {**page.config, "refresh_expires_at": ends.isoformat()}
    page.credentials_expire_at = timezone.now() + timedelta(days=5)
    page.save()
    assert sweep_refresh(page.pk) == "refreshed"
    page.refresh_from_db()
    assert page.credentials_expire_at == ends
    assert warn_expiring(timezone.now()) == 0
    assert warn_expiring(ends - timedelta(days=6)) == 1
    assert people["owner"].notifications.filter(kind="account_expiring").exists()


def test_a_revoked_refresh_token_asks_for_a_reconnection(linkedin, page):
    linkedin.revoke_token(page.credentials["refresh_token"])
    with pytest.raises(NetworkError) as caught:
        LinkedInConnector(page).refresh_credentials()
    assert caught.value.kind is ErrorKind.RECONNECT
    assert sweep_refresh(page.pk) == "reconnect"


# -- inbox -----------------------------------------------------------------------------------
def test_comments_are_read_answered_as_the_page_and_deleted(linkedin, page, shop):
    connector = LinkedInConnector(page)
    urn = post(connector, "Votre café préféré ?")
    bob = linkedin.add_member("Bob Durand")
    question = linkedin.comment_as(bob, on=urn, text="Le moka \\(Éthiopie\\)")
    first = connector.fetch_inbox("comments", None)
    [item] = first.items
    assert (item.remote_id, item.text, item.author.key, item.root_id) == (
        question.urn, "Le moka (Éthiopie)", bob.urn, urn)

    answer = PublishRequest(text="Merci (vraiment) !", idempotency_key="r1",
                            reply_to=ReplyTarget(item.remote_id, item.root_id, item.extra))
    assert connector.find_published(answer, timezone.now()).presence is Presence.ABSENT
    replied = connector.publish(answer)
    reply = next(c for c in linkedin.comments.values() if c.actor == shop.urn)
    assert reply.urn == replied.remote_id and reply.parent == question.urn
    assert reply.text.shown == "Merci (vraiment) !"
    assert connector.find_published(answer, timezone.now()).post.remote_id == replied.remote_id

    linkedin.advance(5)
    later = connector.fetch_inbox("comments", first.cursor)
    assert [i.remote_id for i in later.items if i.remote_id != question.urn] == [replied.remote_id]
    assert {i.remote_id: i.kind for i in later.items}[replied.remote_id] == "own"
    ours = next(i for i in later.items if i.remote_id == replied.remote_id)
    assert (ours.author.display_name, ours.author.handle) == (shop.name, f"@[{shop.name}]({shop.urn})")

    connector.delete(question.urn)
    assert connector.refresh_items([question.urn, replied.remote_id])[question.urn] is None


def test_an_answer_to_an_answer_goes_under_the_first_comment(linkedin, page, shop):
    connector = LinkedInConnector(page)
    urn = post(connector, "Question")
    top = linkedin.comment_as(linkedin.add_member("Bob Durand"), on=urn, text="Oui")
    nested = linkedin.comment_as(linkedin.add_member("Eve Roy"), on=urn, text="Non", parent=top.urn)
    item = next(i for i in connector.fetch_inbox("comments", None).items if i.remote_id == nested.urn)
    assert item.in_reply_to_id == top.urn
    assert [c.remote_id for c in connector.thread_context(nested.urn)] == [top.urn]
    connector.publish(PublishRequest(text="Merci", idempotency_key="r2",
                                     reply_to=ReplyTarget(item.remote_id, item.root_id, item.extra)))
    assert next(c for c in linkedin.comments.values() if c.actor == shop.urn).parent == top.urn


def test_a_personal_profile_has_no_inbox_stream(people, linkedin, alice):
    from parvis.networks.linkedin.tests.conftest import connect_as

    assert LinkedInConnector(connect_as(people, linkedin, alice, alice.urn)).inbox_streams() == ()


def test_linkedin_offers_no_moderation_but_deleting(page):
    connector = LinkedInConnector(page)
    assert connector.moderations() == frozenset()
    with pytest.raises(NetworkError) as caught:
        connector.moderate(Moderation.HIDE, None, None)  # type: ignore[arg-type]
    assert caught.value.kind is ErrorKind.PERMANENT


# -- metrics ---------------------------------------------------------------------------------
def test_post_statistics_and_followers_under_parvis_names(linkedin, page, shop):
    connector = LinkedInConnector(page)
    first, second = post(connector, "Un"), post(connector, "Deux")
    linkedin.set_post_stats(first, impressionCount=200, uniqueImpressionsCount=150, clickCount=6, likeCount=4)
    linkedin.comment_as(linkedin.add_member("Bob Durand"), on=first, text="Top")
    linkedin.set_followers(shop, 1234)
    stats = connector.fetch_metrics([first, second])
    assert stats[first] == {"impressions": 200, "reach": 150, "clicks": 6, "reactions": 4, "comments": 1,
                            "shares": 0}
    assert stats[second]["impressions"] == 0
    assert connector.fetch_account_metrics() == {"followers": 1234}


def test_a_profiles_post_statistics_come_from_creator_analytics(people, linkedin, alice):
    from parvis.networks.linkedin.tests.conftest import connect_as

    connector = LinkedInConnector(connect_as(people, linkedin, alice, alice.urn))
    urn = post(connector, "Mon parcours")
    linkedin.set_creator_stats(urn, IMPRESSION=420, REACTION=12)
    assert connector.fetch_metrics([urn])[urn] == {"impressions": 420, "reach": 0, "reactions": 12,
                                                    "comments": 0, "shares": 0}


# -- the API version -------------------------------------------------------------------------
def test_the_version_warning_starts_before_its_sunset():
    assert version.sunset_warning(version.SUNSET - timedelta(days=version.WARN_DAYS + 1)) is None
    soon = version.sunset_warning(version.SUNSET - timedelta(days=10))
    assert soon is not None and version.VERSION in str(soon) and version.SUNSET.isoformat() in str(soon)
    assert "ended" in str(version.sunset_warning(version.SUNSET + timedelta(days=1)))
    assert version.ending_within(30, date(2027, 9, 20)) and not version.ending_within(30, date(2027, 1, 1))


def test_the_account_warnings_carry_the_version_warning_when_near(page, monkeypatch):
    assert LinkedInConnector(page).warnings() == []
    monkeypatch.setattr(version, "SUNSET", timezone.now().date() + timedelta(days=3))
    assert "ends on" in str(LinkedInConnector(page).warnings()[0])


def test_a_version_near_its_end_is_logged_at_startup(monkeypatch, caplog):
    assert not version.log_if_ending()
    monkeypatch.setattr(version, "SUNSET", timezone.now().date() + timedelta(days=3))
    with caplog.at_level("WARNING", logger=version.__name__):
        assert version.log_if_ending()
    assert version.VERSION in caplog.text and "update parvis" in caplog.text
