"""Check-in at the door in Chromium at 390 px, its camera fed a video of a guest's QR code
(Chromium's fake capture device reads a .y4m file made here from the code's PNG): the code
is decoded in the page (jsQR), recognised offline by its hash, the guest let in (synced
to the events API); a guest without their code is found by name; a second phone,
offline, scans another guest, keeps the scan queued and says so, and sends it when the
connection returns; the server counts each guest once, even when a batch comes again.

Each fake camera is a launch flag, so each phone is its own Chromium."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import expect, sync_playwright

from parvis.relations import qr
from parvis.web.tests.browser import CHROMIUM, CHROMIUM_ARGS, browser_marks, log_in, shot
from parvis.web.tests.test_browser_phone import parvis_json

pytestmark = browser_marks
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "locale": "en-GB"}

SEED = '''
    from datetime import timedelta
    from django.utils import timezone
    from parvis.accounts.actions import create_own_workspace
    from parvis.accounts.models import User
    from parvis.relations import events, rsvp, tokens
    from parvis.relations.models import Contact, Decision

    owner, now = User.objects.get(email="ADMIN"), timezone.now()
    workspace = create_own_workspace(owner, "Maison Lumière", "Europe/Paris", "en")
    event = events.create_event(workspace, {"name": "Spring evening", "starts_at": now + timedelta(hours=1),
                                            "ends_at": now + timedelta(hours=4), "plus_ones": 1}, owner, now)
    codes = []
    for name, companions in (("Ana Blog", ["Paul Martin"]), ("Ben Mag", []), ("Cléo Vlog", [])):
        contact = Contact.objects.create(organisation=workspace.organisation, name=name, email=name[:3] + "@blog.test")
        (guest,) = events.add_contacts(event, [contact], owner, now)
        guest = events.decide(guest, Decision.INVITED, by=owner, now=now)
        rsvp.answer(guest, "yes", companions, now=now)
        codes.append(tokens.door_code(guest))
    print(json.dumps({"workspace": workspace.pk, "event": event.pk, "codes": codes}))
'''

COUNT = '''
    from parvis.relations.models import CheckIn
    rows = CheckIn.objects.filter(guest__event_id=EVENT).values_list("guest__contact__name", "people")
    print(json.dumps(sorted(rows)))
'''


def y4m(code: str, path: Path, size: tuple[int, int] = (320, 240), frames: int = 2) -> Path:
    """A short YUV4MPEG2 video (I420, full range) of the code's QR on white; Chromium
    plays it in a loop as the camera."""
    picture = Image.new("RGB", size, "white")
    side = min(size) - 20
    code_image = Image.open(io.BytesIO(qr.qr_png(code))).convert("RGB").resize((side, side), Image.Resampling.NEAREST)
    picture.paste(code_image, ((size[0] - side) // 2, (size[1] - side) // 2))
    luma, blue, red = picture.convert("YCbCr").split()  # Pillow's YCbCr is JPEG's: full range, as C420jpeg
    half = (size[0] // 2, size[1] // 2)
    planes = luma.tobytes() + blue.resize(half).tobytes() + red.resize(half).tobytes()
    header = f"YUV4MPEG2 W{size[0]} H{size[1]} F10:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + (b"FRAME\n" + planes) * frames)
    return path


@pytest.fixture
def phones(tmp_path: Path) -> Iterator[Any]:
    """Launch a Chromium whose camera shows the given door code."""
    with sync_playwright() as playwright:
        launched: list[Any] = []

        def launch(code: str, name: str) -> Any:
            video = y4m(code, tmp_path / f"{name}.y4m")
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
                *CHROMIUM_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={video}"])
            launched.append(browser)
            return browser

        yield launch
        for browser in launched:
            browser.close()


def test_guests_are_scanned_in_online_and_offline_and_counted_once(phones, parvis):
    made = parvis_json(parvis, SEED.replace("ADMIN", parvis.admin_email))
    ana, ben, _cleo = made["codes"]
    door = f"{parvis.url}/w/{made['workspace']}/relations/events/{made['event']}/door/"

    first = phones(ana, "ana").new_context(**PHONE)
    page = first.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    log_in(page, parvis)
    page.goto(door)
    expect(page.get_by_test_id("door-arrived")).to_have_text("Arrived: 0 of 3")
    page.get_by_test_id("door-scan").click()
    expect(page.get_by_test_id("door-verdict")).to_have_text("Welcome, Ana Blog (+1)", timeout=15_000)
    expect(page.get_by_test_id("door-people")).to_have_value("2")
    with page.expect_response(re.compile(r"/api/v1/workspaces/\d+/events/\d+/check-ins/$")):
        page.get_by_test_id("door-let-in").click()
    expect(page.get_by_test_id("door-queue")).to_have_attribute("data-count", "0")
    expect(page.get_by_test_id("door-arrived")).to_have_text("Arrived: 1 of 3")
    # The code still in front of the camera: read again after a pause, she is already in.
    expect(page.get_by_test_id("door-verdict")).to_have_text(re.compile(r"^Already in at \d\d:\d\d$"),
                                                               timeout=10_000)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # Cléo forgot her code: found by name (accents ignored), let in alone.
    page.get_by_test_id("door-search").fill("cleo")
    page.get_by_test_id("door-matches").get_by_role("button", name="Cléo Vlog").click()
    expect(page.get_by_test_id("door-verdict")).to_have_text("Welcome, Cléo Vlog")
    with page.expect_response(re.compile(r"/door/sync/$")):
        page.get_by_test_id("door-let-in").click()
    expect(page.get_by_test_id("door-arrived")).to_have_text("Arrived: 2 of 3")

    # A second phone, offline after loading the page: the scan waits on the phone.
    second = phones(ben, "ben").new_context(**PHONE, storage_state=first.storage_state())
    other = second.new_page()
    other.on("pageerror", lambda error: errors.append(str(error)))
    sent: list[str] = []
    other.on("request", lambda r: sent.append(r.post_data or "") if r.url.endswith("/check-ins/") else None)
    other.goto(door)
    expect(other.get_by_test_id("door-arrived")).to_have_text("Arrived: 2 of 3")
    second.set_offline(True)
    other.get_by_test_id("door-scan").click()
    expect(other.get_by_test_id("door-verdict")).to_have_text("Welcome, Ben Mag", timeout=15_000)
    other.get_by_test_id("door-let-in").click()
    queue = other.get_by_test_id("door-queue")
    expect(queue).to_have_attribute("data-count", "1")
    expect(queue).to_contain_text("1 scan waiting to sync")
    expect(other.get_by_test_id("door-network")).to_contain_text("No connection")
    shot(other, "door-phone", full_page=False)
    assert sent == []

    with other.expect_response(re.compile(r"/check-ins/$")) as answered:
        second.set_offline(False)
    assert [r["status"] for r in answered.value.json()] == ["in"]
    expect(queue).to_have_attribute("data-count", "0")
    expect(other.get_by_test_id("door-arrived")).to_have_text("Arrived: 3 of 3")

    # The same batch again (an answer lost on the way): counted once all the same.
    again = other.request.post(answered.value.url, data=sent[-1], headers={
        "Content-Type": "application/json", "X-CSRFToken": next(
            c["value"] for c in second.cookies() if c["name"] == "csrftoken"), "Referer": door})
    assert [r["status"] for r in again.json()] == ["duplicate"]
    counted = parvis_json(parvis, COUNT.replace("EVENT", str(made["event"])))
    assert counted == [["Ana Blog", 2], ["Ben Mag", 1], ["Cléo Vlog", 1]]
    assert json.loads(sent[-1])["scans"][0]["code"] == ben
    assert errors == []
