"""parvis on a phone (390 × 844, French, the longer words): no page scrolls sideways, with
the long handles, links and order numbers real workspaces have; the header's navigation
folds behind a "Menu" button that opens it; the workspace's pages are one strip that
scrolls in its own box; tables read as cards, each value under its column's name; and
nothing breaks the Content-Security-Policy."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from textwrap import dedent

from playwright.sync_api import expect

from parvis.web.tests.browser import browser_marks, log_in, new_workspace, shot

pytestmark = browser_marks

# What makes pages wide, written straight into `parvis up`'s database (its own shell).
SEED = dedent('''
    from datetime import timedelta
    from django.utils import timezone
    from parvis.accounts.models import User, Workspace
    from parvis.inbox.ingest import search_text_for
    from parvis.inbox.models import Author, Item, Thread
    from parvis.networks.models import SocialAccount
    from parvis.publishing.models import Campaign, Post, Publication, State

    workspace, user, now = Workspace.objects.get(name="WORKSPACE"), User.objects.first(), timezone.now()
    accounts = [SocialAccount.objects.create(
        workspace=workspace, network=network, server_url=url, remote_id=f"phone{n}", handle=handle,
        display_name=handle, credentials={"access_token": "x"}) for n, (network, url, handle) in enumerate([
            ("mastodon", "https://mastodon.social", "@boulangerie.dupont.officielle@mastodon.social"),
            ("bluesky", "https://bsky.social", "@boulangerie-dupont-officielle.bsky.social"),
            ("facebook", "https://www.facebook.com", "Boulangerie Dupont — Artisan boulanger depuis 1952")])]
    campaign = Campaign.objects.create(workspace=workspace, name="Galette des rois 2027 — opération fèves collector",
                                       slug="galette-2027", colour="#aa5500")
    text = ("Nouvelle fournée ! https://boulangerie-dupont-officielle.example/produits/galette-des-rois-frangipane"
            "?utm_source=parvis_un_lien_tres_long #GaletteDesRois #BoulangerieArtisanale")
    for k, state in enumerate([State.SCHEDULED, State.PUBLISHED, State.FAILED, State.TO_CHECK]):
        post = Post.objects.create(workspace=workspace, author=user, text=text, campaign=campaign,
                                   scheduled_at=now + timedelta(hours=k + 1))
        for account in accounts:
            Publication.objects.create(
                post=post, account=account, state=state, due_at=post.scheduled_at, next_attempt_at=post.scheduled_at,
                remote_url="https://www.instagram.com/p/C0dEfGhIjKlMnOpQrStUvWxYz0123456789/"
                if state == State.PUBLISHED else "",
                error="Le serveur a répondu HTTP 503 : Service_temporairement_indisponible_réessayez_plus_tard"
                if state == State.FAILED else "")
    author = Author.objects.create(
        workspace=workspace, network="mastodon", key="fidele", remote_id="fidele",
        handle="@une.cliente.tres.fidele.depuis.toujours@mastodon.social",
        display_name="Marie-Christine de la Fontaine-Saint-Germain")
    thread = Thread.objects.create(workspace=workspace, account=accounts[0], key="t1", root_remote_id="t1",
                                   context_fetched_at=now)
    message = ("Bonjour, ma commande n°FR-2026-0012345678 n'est jamais arrivée "
               "https://suivi.laposte.example/colis/6A12345678901234567890 pouvez-vous regarder ?")
    for k in range(3):
        Item.objects.create(
            workspace=workspace, account=accounts[0], thread=thread, author=author, network="mastodon",
            remote_id=f"phone-item{k}", kind="reply", text=message, search_text=search_text_for(message, author),
            created_at=now - timedelta(minutes=k), language="fr", sentiment="negative", status="open")
    from parvis.relations import parcels
    from parvis.relations.models import Contact, Mention
    contact = Contact.objects.create(organisation=workspace.organisation, name=author.display_name,
                                     street="12 rue des Lilas", postal_code="69003", city="Lyon")
    parcel = parcels.create_parcel(workspace, contact, contents="Coffret galettes des rois — édition collector fèves",
                                   declared_value="1250", tracking_number="6A15602676300", now=now)
    Mention.objects.create(contact=contact, workspace=workspace, network="mastodon", remote_id=f"phone{parcel.pk}",
                           url="https://mastodon.social/@une.cliente.tres.fidele.depuis.toujours/11345678901234567",
                           text=text, published_at=now, found_via="inbox", disclosure="missing")
    from parvis.relations import events as relation_events
    from parvis.relations.models import Decision
    event = relation_events.create_event(workspace, {
        "name": "Soirée blogueurs — lancement de la galette des rois 2027", "starts_at": now + timedelta(days=10),
        "ends_at": now + timedelta(days=10, hours=3), "place": "Boulangerie Dupont, atelier du fournil",
        "capacity": 30, "plus_ones": 1, "hashtags": "#GaletteDesRois2027 #BoulangerieArtisanale"}, user, now)
    invited, left_out = relation_events.add_contacts(event, [contact, Contact.objects.create(
        organisation=workspace.organisation, name="Jean-Baptiste de Montmorency-Laval", email="jb@blog.example")],
        user, now)
    relation_events.decide(invited, Decision.INVITED, by=user, now=now)
    relation_events.decide(left_out, Decision.NOT_THIS_TIME, reason="budget",
                           note="Déjà invité au lancement de la bûche de Noël", by=user, now=now)
    import secrets
    from parvis.relations.models import Contest, Entry
    contest = Contest.objects.create(
        workspace=workspace, post=post, name="Grand jeu de Noël 2027 — un panier garni de la Boulangerie Dupont",
        prize="Un panier garni", organiser="Boulangerie Dupont, 1 rue du Pain, 69001 Lyon", ways=["reply", "like"],
        opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=9), status="open", committed_at=now,
        commitment="9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", rules_text="Règlement",
        proof_token=secrets.token_hex(16), exclude_bots=True)
    Entry.objects.create(contest=contest, network="mastodon", stable_id="109876543210987654", handle=author.handle,
                         display_name=author.display_name, ways=["reply", "like"], first_at=now, bot=True,
                         excluded="bot", excluded_detail=None)
    import json
    print(json.dumps({"contest": contest.pk, "post": post.pk, "publication": post.publications.first().pk,
                      "account": accounts[0].pk,
                      "campaign": campaign.pk, "item": Item.objects.filter(workspace=workspace).first().pk,
                      "parcel": parcel.pk, "event": event.pk}))
''')


# What sticks out of a page, innermost first: names the culprit when this test fails.
WIDEST = """() => {
  const edge = document.documentElement.clientWidth + 1;
  const clipped = e => { for (let a = e.parentElement; a; a = a.parentElement) {
    if (getComputedStyle(a).overflowX !== 'visible') return true; } return false; };
  const out = Array.from(document.querySelectorAll('body *'))
    .filter(e => e.getBoundingClientRect().right > edge && !clipped(e))
    .filter(e => !Array.from(e.children).some(c => c.getBoundingClientRect().right > edge));
  return out.slice(0, 4).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right));
}"""


def in_parvis(parvis, code: str) -> str:
    """Run `code` in `parvis up`'s own shell (its database); what it printed."""
    done = subprocess.run([sys.executable, "-m", "parvis", "manage", "shell", "-c", dedent(code)], check=True,
                          capture_output=True, text=True, env={**os.environ, "PARVIS_DATA_DIR": str(parvis.data_dir)})
    return done.stdout


def mastodon_row(parvis, workspace: int, name: str) -> None:
    """A Mastodon account row in the workspace (never reaches a server)."""
    in_parvis(parvis, f'''
        from parvis.networks.models import SocialAccount
        SocialAccount.objects.create(workspace_id={workspace}, network="mastodon", server_url="https://mastodon.social",
                                     remote_id="{name}", handle="@{name}@mastodon.social",
                                     credentials={{"access_token": "x"}})
    ''')


def parvis_json(parvis, code: str):
    """What `code`, run in parvis up's shell, printed as JSON on its last line."""
    return json.loads(in_parvis(parvis, "import json\n" + dedent(code)).strip().splitlines()[-1])


def seed(parvis, workspace: str = "Boulangerie Dupont") -> dict[str, int]:
    """Fill the workspace of that name; the ids of what was made (other tests of the
    module may have made rows before)."""
    return json.loads(in_parvis(parvis, SEED.replace("WORKSPACE", workspace)).strip().splitlines()[-1])


def test_every_page_fits_a_phone_with_a_folding_menu_and_tables_as_cards(browser, parvis):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, parvis)
    workspace = new_workspace(page, parvis, "Boulangerie Dupont")
    for name in ("Fromagerie des Alpes", "Cave à vins du Marché"):
        new_workspace(page, parvis, name)
    made = seed(parvis)

    phone = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844}, is_mobile=True,
                                has_touch=True, storage_state=context.storage_state())
    small = phone.new_page()
    refused: list[str] = []
    small.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    w = f"/w/{workspace}"
    pages = ["/", "/inbox/", "/calendar/?view=agenda", "/calendar/?view=month", "/notifications/", "/settings/",
             "/settings/tokens/", "/settings/notifications/", "/workspaces/new/", f"{w}/compose/", f"{w}/inbox/",
             f"{w}/inbox/settings/",
             f"{w}/inbox/items/{made['item']}/", f"{w}/calendar/?view=agenda", f"{w}/calendar/?view=month",
             f"{w}/calendar/?view=week", f"{w}/mission/", f"{w}/publications/",
             f"{w}/publications/{made['publication']}/", f"{w}/posts/{made['post']}/edit/", f"{w}/series/",
             f"{w}/library/", f"{w}/campaigns/", f"{w}/campaigns/{made['campaign']}/", f"{w}/accounts/",
             f"{w}/accounts/{made['account']}/queue/", f"{w}/members/", f"{w}/settings/", f"{w}/charter/",
             f"{w}/imports/", f"{w}/webhooks/", f"{w}/saved-replies/", f"{w}/approvals/", f"{w}/audit/",
             f"{w}/pause/", f"{w}/inbox/hours/", f"{w}/inbox/rules/", f"{w}/inbox/channels/",
             f"{w}/calendar/feed/", f"{w}/inbox/response-times/", f"{w}/queues/",
             f"{w}/inbox/?sentiment=negative", f"{w}/veille/", f"{w}/veille/sources/", f"{w}/veille/monitors/",
             f"{w}/veille/digest/", f"{w}/veille/competitors/", f"{w}/veille/stories/", f"{w}/analytics/",
             f"{w}/analytics/best-times/", "/analytics/", f"{w}/reports/", f"{w}/reports/new/", "/reports/look/",
             f"{w}/analytics/roi/", f"{w}/relations/parcels/", f"{w}/relations/parcels/new/",
             f"{w}/relations/parcels/{made['parcel']}/", f"{w}/relations/gifts/", f"{w}/relations/settings/",
             f"{w}/relations/events/", f"{w}/relations/events/{made['event']}/",
             f"{w}/relations/events/{made['event']}/door/",
             f"{w}/relations/contests/", f"{w}/relations/contests/{made['contest']}/"]
    wide = {}
    for path in pages:
        # The composer fills in its live check after loading: measure once it has.
        answer = small.goto(parvis.url + path, wait_until="networkidle" if "/compose/" in path or "/edit/" in path
                            else "load")
        assert answer is not None and answer.status == 200, path
        # 390 px (an iPhone 14), then 360 px (the narrowest phones in use) on the same page.
        for phone_width in (390, 360):
            small.set_viewport_size({"width": phone_width, "height": 844})
            width = small.evaluate("document.documentElement.scrollWidth")
            if width > phone_width:
                wide[f"{path} at {phone_width}"] = (width, small.evaluate(WIDEST))
        small.set_viewport_size({"width": 390, "height": 844})
    assert wide == {}, f"pages wider than the phone: {wide}"

    # The inbox's eleven filters fold under one line on a phone, open on a desk.
    small.goto(f"{parvis.url}{w}/inbox/")
    expect(small.locator("select[name=sentiment]")).to_be_hidden()
    small.click("[data-testid=more-filters] summary")
    expect(small.locator("select[name=sentiment]")).to_be_visible()
    page.goto(f"{parvis.url}{w}/inbox/")
    expect(page.locator("select[name=sentiment]")).to_be_visible()

    # The calendar opens as the agenda on a phone, the fortnight's posts day by day.
    small.goto(f"{parvis.url}{w}/calendar/")
    small.wait_for_url(re.compile(r"view=agenda"))
    expect(small.get_by_test_id("agenda").locator(".agenda-day").first).to_contain_text("Nouvelle fournée")

    # The menu: folded, then open with the switcher and the person's own links; the
    # switcher opens in place with every workspace.
    small.goto(f"{parvis.url}{w}/publications/")
    menu = small.locator("[data-testid=menu-toggle]")
    expect(small.locator("#top-menu")).to_be_hidden()
    expect(menu).to_have_attribute("aria-expanded", "false")
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(small.locator("#top-menu [data-testid=nav-inbox]")).to_be_visible()
    small.click("[data-testid=switcher]")
    expect(small.locator("#top-menu").get_by_role("link", name="Cave à vins du Marché").first).to_be_visible()
    assert small.evaluate("document.documentElement.scrollWidth") <= 390
    menu.click()
    expect(small.locator("#top-menu")).to_be_hidden()

    # The workspace's pages scroll in their own strip; the table is cards, labelled.
    strip = small.locator("nav.tabs")
    assert strip.evaluate("e => e.scrollWidth > e.clientWidth")
    cell = small.locator("table.list.publications.cards tbody tr").first.locator("td").nth(1)
    assert cell.get_attribute("data-label") == "Compte"
    assert cell.evaluate("e => getComputedStyle(e, '::before').content") == '"Compte"'
    shot(small, "phone", full_page=False)
    assert refused == []
    phone.close()
    context.close()


def test_the_switcher_finds_a_client_among_many_by_keyboard_and_keeps_favourites_first(browser, parvis):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, parvis)
    names = ["Élan Studio", "Vélos Martin"] + [f"Client {n:02d}" for n in range(10)]
    in_parvis(parvis, f'''
        from parvis.accounts.actions import create_own_workspace
        from parvis.accounts.models import User
        owner = User.objects.get(email="{parvis.admin_email}")
        for name in {names!r}:
            create_own_workspace(owner, name, "Europe/Paris", "fr")
    ''')
    page.goto(f"{parvis.url}/")
    panel = page.locator("#switcher-panel")
    expect(panel).to_be_hidden()
    page.keyboard.press("Control+k")  # from anywhere: open, the search focused
    expect(panel).to_be_visible()
    expect(page.locator("[data-testid=switcher-search]")).to_be_focused()
    page.keyboard.type("elan")  # accents ignored
    visible = panel.locator("[data-testid=switcher-item]:visible a")
    expect(visible).to_have_text(["Élan Studio"])
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/w/\d+/calendar/$"))
    expect(page.locator("[data-testid=switcher]")).to_contain_text("Élan Studio")

    page.click("[data-testid=switcher]")
    page.get_by_role("button", name="Vélos Martin", exact=False).first.click()  # its star
    page.wait_for_load_state()
    page.click("[data-testid=switcher]")
    groups = panel.locator("section h2")
    expect(groups.first).to_have_text(re.compile("Favourites|Favoris"))
    expect(panel.locator("section").first.locator("a")).to_have_text(["Vélos Martin"])
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    assert errors == []
    context.close()


def test_without_network_a_page_says_so_and_parvis_comes_back_with_it(browser, parvis):
    context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    log_in(page, parvis)
    assert page.evaluate("navigator.serviceWorker.ready.then(r => r.active.scriptURL)").endswith("/sw.js")
    context.set_offline(True)
    page.goto(f"{parvis.url}/calendar/")  # the network is gone: the service worker answers
    expect(page.get_by_test_id("offline")).to_be_visible()
    expect(page.locator("h1")).to_have_text("Pas de connexion")
    assert page.evaluate("getComputedStyle(document.querySelector('header.top')).backgroundColor") == "rgb(20, 24, 39)"
    context.set_offline(False)
    page.get_by_role("link", name="Réessayer").click()
    page.wait_for_url(f"{parvis.url}/")
    expect(page.locator("[data-testid=menu-toggle]")).to_be_visible()
    context.close()


def test_on_a_phone_the_composer_takes_a_photo_with_the_camera(browser, parvis, tmp_path):
    from PIL import Image

    photo = tmp_path / "vitrine.jpg"
    Image.new("RGB", (64, 48), "orange").save(photo, "JPEG")
    desk = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = desk.new_page()
    log_in(page, parvis)
    workspace = new_workspace(page, parvis, "Primeur du coin")
    mastodon_row(parvis, workspace, "primeur")
    page.goto(f"{parvis.url}/w/{workspace}/compose/")
    expect(page.locator("#id_media")).to_be_attached()
    expect(page.get_by_test_id("camera")).to_be_hidden()  # no camera button with a mouse

    phone = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844}, is_mobile=True,
                                has_touch=True, storage_state=desk.storage_state())
    small = phone.new_page()
    small.goto(f"{parvis.url}/w/{workspace}/compose/")
    expect(small.get_by_test_id("camera")).to_be_visible()
    small.set_input_files("#id_camera", str(photo))  # what the camera hands back
    item = small.locator("#chosen-media [data-testid=media-choice]")
    expect(item).to_have_count(1)
    assert small.locator("#id_camera").evaluate("e => e.files.length") == 0  # uploaded, not sent twice
    phone.close()
    desk.close()


# The push service itself is out of reach here (Chromium's is Google's): the browser's
# PushManager answers with a subscription as a real one would, kept across reloads. What
# is under test is parvis's page, its script and what the server keeps.
FAKE_PUSH_SERVICE = """
(() => {
  const keep = (json) => json ? {endpoint: json.endpoint, toJSON: () => json,
    unsubscribe: () => { localStorage.removeItem("fake-push"); return Promise.resolve(true); }} : null;
  const kept = () => keep(JSON.parse(localStorage.getItem("fake-push") || "null"));
  PushManager.prototype.getSubscription = function () { return Promise.resolve(kept()); };
  PushManager.prototype.subscribe = function (options) {
    localStorage.setItem("fake-push-key", btoa(String.fromCharCode(...new Uint8Array(options.applicationServerKey))));
    localStorage.setItem("fake-push", JSON.stringify(%s));
    return Promise.resolve(kept());
  };
})();
"""


def test_a_phone_turns_push_notifications_on_and_off(browser, parvis):
    import base64

    subscription = {"endpoint": "https://127.0.0.1:9/push/phone-1", "expirationTime": None,
                    "keys": {"auth": "BTBZMqHH6r4Tts7J_aSIgg",  # RFC 8291's example keys
                             "p256dh": "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6"
                                       "SRpkNtoIAiw4"}}
    context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True)
    context.grant_permissions(["notifications"], origin=parvis.url)
    context.add_init_script(FAKE_PUSH_SERVICE % json.dumps(subscription))
    page = context.new_page()
    log_in(page, parvis)
    email = parvis.admin_email
    page.goto(f"{parvis.url}/settings/notifications/")
    expect(page.get_by_test_id("notification-choices")).to_be_visible()
    page.get_by_role("button", name="Recevoir les notifications push sur cet appareil").click()
    expect(page.get_by_test_id("push-devices").locator("li.this-device")).to_have_count(1)
    expect(page.get_by_text("Cet appareil reçoit les notifications push.")).to_be_visible()
    expect(page.get_by_role("button", name="Recevoir les notifications push sur cet appareil")).to_be_hidden()
    # The browser subscribed with the instance's own VAPID key, the one the server signs with.
    key = page.evaluate("localStorage.getItem('fake-push-key')")
    public = in_parvis(parvis, "from parvis.accounts import webpush; print(webpush.public_key())").split()[-1]
    assert base64.b64decode(key) == base64.urlsafe_b64decode(public + "=")
    kept = parvis_json(parvis, f'''
        from parvis.accounts.models import PushSubscription
        mine = PushSubscription.objects.filter(user__email="{email}")
        print(json.dumps(list(mine.values_list("endpoint", "p256dh"))))
    ''')
    assert kept == [[subscription["endpoint"], subscription["keys"]["p256dh"]]]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.locator("li.this-device").get_by_role("button", name="Retirer").click()
    expect(page.get_by_test_id("push-devices")).to_have_count(0)
    expect(page.get_by_role("button", name="Recevoir les notifications push sur cet appareil")).to_be_visible()
    assert page.evaluate("localStorage.getItem('fake-push')") is None  # the browser forgot it too
    context.close()


def count_posts(parvis, workspace: int) -> list[list]:
    return parvis_json(parvis, f'''
        from parvis.publishing.models import Post
        print(json.dumps(list(Post.objects.filter(workspace_id={workspace}).values_list("text", "is_draft"))))
    ''')


def test_a_post_typed_without_network_is_kept_then_saved_once_as_a_draft(browser, parvis):
    context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    log_in(page, parvis)
    workspace = new_workspace(page, parvis, "Épicerie fine")
    mastodon_row(parvis, workspace, "epicerie")
    compose = f"{parvis.url}/w/{workspace}/compose/"
    page.goto(compose)
    page.locator("input[name=accounts]").first.check()
    page.fill("#id_text", "Arrivage de truffes, tapé dans le métro")
    page.check("input[name=mode][value=now]")

    context.set_offline(True)
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    banner = page.get_by_test_id("offline-drafts")
    expect(banner).to_contain_text("Pas de connexion")
    assert count_posts(parvis, workspace) == []
    page.fill("#id_text", "")  # what is on the screen may change: the kept copy does not

    context.set_offline(False)  # the browser says "online": the kept copy is sent, once
    expect(banner).to_contain_text("Enregistré comme brouillon")
    expect(banner.get_by_role("link")).to_have_text("« Arrivage de truffes, tapé dans le métro »")
    assert count_posts(parvis, workspace) == [["Arrivage de truffes, tapé dans le métro", True]]
    page.goto(f"{parvis.url}/")
    expect(page.get_by_test_id("offline-drafts")).to_be_hidden()
    assert page.evaluate("localStorage.getItem('parvis-offline-drafts')") == "[]"

    # Signed out meanwhile: a kept copy is not lost to the login page; it waits for its
    # author (and only for them, on a shared browser).
    page.goto(compose)
    page.locator("input[name=accounts]").first.check()
    page.fill("#id_text", "Gardé pendant la déconnexion")
    context.set_offline(True)
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(banner).to_contain_text("Pas de connexion")
    context.clear_cookies()
    context.set_offline(False)
    page.wait_for_timeout(500)
    assert [d["title"] for d in json.loads(page.evaluate("localStorage.getItem('parvis-offline-drafts')"))] == [
        "Gardé pendant la déconnexion"]
    log_in(page, parvis)  # back: the home page sends it
    expect(page.get_by_test_id("offline-drafts")).to_contain_text("Enregistré comme brouillon")
    assert "Gardé pendant la déconnexion" in [text for text, _draft in count_posts(parvis, workspace)]

    # Online, the copy kept as the form leaves is sent again by the next page: parvis
    # recognises it and makes no second post.
    page.goto(compose)
    page.locator("input[name=accounts]").first.check()
    page.fill("#id_text", "Dégustation samedi")
    page.check("input[name=mode][value=draft]")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.wait_for_url(re.compile(r"/publications/"))
    page.wait_for_function("localStorage.getItem('parvis-offline-drafts') === '[]'")
    assert sorted(text for text, _draft in count_posts(parvis, workspace)) == [
        "Arrivage de truffes, tapé dans le métro", "Dégustation samedi", "Gardé pendant la déconnexion"]
    context.close()


SWIPE = """([selector, dx]) => {
  const row = document.querySelector(selector), box = row.getBoundingClientRect();
  const at = (x) => [new Touch({identifier: 1, target: row, clientX: x, clientY: box.top + 10})];
  const x0 = box.left + box.width / 2;
  row.dispatchEvent(new TouchEvent('touchstart', {touches: at(x0), bubbles: true}));
  for (let step = 1; step <= 5; step++) {
    row.dispatchEvent(new TouchEvent('touchmove', {touches: at(x0 + dx * step / 5), bubbles: true}));
  }
  row.dispatchEvent(new TouchEvent('touchend', {touches: [], bubbles: true}));
}"""


def item_state(parvis, pk: int) -> list:
    return parvis_json(parvis, f'''
        from parvis.inbox.models import Item
        item = Item.objects.get(pk={pk})
        print(json.dumps([item.status, item.assignee.email if item.assignee else None]))
    ''')


def test_on_a_phone_the_inbox_is_a_list_then_a_conversation_with_large_actions_and_swipes(browser, parvis):
    desk = browser.new_context(locale="fr-FR")
    page = desk.new_page()
    log_in(page, parvis)
    workspace = new_workspace(page, parvis, "Primeur Inbox")
    seed(parvis, "Primeur Inbox")
    rows = parvis_json(parvis, f'''
        from parvis.inbox.models import Item
        print(json.dumps(list(Item.objects.filter(workspace_id={workspace}).order_by("-created_at", "-id")
                               .values_list("pk", flat=True))))
    ''')
    phone = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844}, is_mobile=True,
                                has_touch=True, storage_state=desk.storage_state())
    small = phone.new_page()
    small.goto(f"{parvis.url}/w/{workspace}/inbox/")
    expect(small.locator("#inbox-pane")).to_be_hidden()
    small.locator(f"#row-{rows[0]} a.row-link").click()
    expect(small.get_by_test_id("item-pane")).to_be_visible()
    expect(small.locator(".inbox-side")).to_be_hidden()  # one conversation, full width
    actions = small.get_by_test_id("phone-actions")
    expect(actions).to_be_visible()
    assert actions.locator("button").first.bounding_box()["height"] >= 44  # a thumb's target
    actions.get_by_role("button", name="Prendre").click()
    expect(small.get_by_test_id("done")).to_contain_text("Attribué à")
    assert item_state(parvis, rows[0])[1] == parvis.admin_email
    small.get_by_test_id("phone-actions").get_by_role("button", name="✓ Terminé").click()
    # Done moves on to the next conversation, as on a desk.
    expect(small.get_by_test_id("item-pane")).to_have_attribute("data-item", str(rows[1]))
    assert item_state(parvis, rows[0])[0] == "done"
    small.get_by_test_id("back-to-list").click()
    expect(small.locator(".inbox-side")).to_be_visible()
    expect(small.locator("#inbox-pane")).to_be_hidden()
    assert small.evaluate("document.documentElement.scrollWidth") <= 390

    # Swipe left: done, and Undo brings it back; swipe right: assigned to me.
    small.evaluate(SWIPE, [f"#row-{rows[1]}", -300])
    expect(small.locator("#inbox-toast")).to_contain_text("Marqué comme terminé")
    expect(small.locator(f"#row-{rows[1]}")).to_have_count(0)
    assert item_state(parvis, rows[1])[0] == "done"
    small.locator("#inbox-toast [data-undo]").click()
    expect(small.locator(f"#row-{rows[1]}")).to_be_visible()
    assert item_state(parvis, rows[1])[0] == "open"
    small.evaluate(SWIPE, [f"#row-{rows[2]}", 300])
    expect(small.locator("#inbox-toast")).to_contain_text("Assigné à vous")
    expect(small.locator("#inbox-toast [data-undo]")).to_be_hidden()  # only "done" is undone
    assert item_state(parvis, rows[2]) == ["open", parvis.admin_email]
    small.evaluate(SWIPE, [f"#row-{rows[1]}", -60])  # too short: springs back, nothing changes
    assert item_state(parvis, rows[1])[0] == "open"
    shot(small, "inbox-phone", full_page=False)
    phone.close()
    desk.close()
