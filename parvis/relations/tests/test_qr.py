"""Door codes as QR codes: the PNG and the SVG draw exactly segno's matrix of the code
(with the quiet zone, dark on white), the reminder email carries the guest's, and the RSVP
page shows it once the guest is coming.

No pure-Python QR decoder is at hand: reading the pixels back into modules and comparing
them with segno's matrix checks what we draw; that segno's matrix decodes is checked by
Chromium and jsQR in parvis/web/tests/test_browser_checkin.py."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
import segno
from django.core import mail
from django.test import Client
from django.urls import reverse
from PIL import Image

from parvis.relations import mailing, qr, rsvp, tokens
from parvis.relations.models import Event, Guest, Message
from parvis.relations.tests.eventkit import NOW, STARTS, invite, make_event

CODE = "P1." + "n" * 32 + ".AbCdEfGhIjKlMnOpQrStUv_-"


def _matrix(code: str) -> list[list[bool]]:
    made = segno.make(code, error=qr.ERROR, micro=False, boost_error=False)
    return [[bool(cell) for cell in row] for row in made.matrix]


def _modules(png: bytes) -> list[list[bool]]:
    """The PNG read back module by module (the centre pixel of each), quiet zone included."""
    image = Image.open(io.BytesIO(png)).convert("L")
    assert image.width == image.height and image.width % qr.PNG_SCALE == 0
    size = image.width // qr.PNG_SCALE
    middle = qr.PNG_SCALE // 2
    grey = image.tobytes()  # one byte a pixel, row after row
    return [[grey[(y * qr.PNG_SCALE + middle) * image.width + x * qr.PNG_SCALE + middle] < 128 for x in range(size)]
            for y in range(size)]


def test_the_png_draws_segnos_matrix_dark_on_white_inside_a_quiet_zone():
    modules = _modules(qr.qr_png(CODE))
    matrix = _matrix(CODE)
    border = qr.BORDER
    assert len(modules) == len(matrix) + 2 * border
    assert [row[border:-border] for row in modules[border:-border]] == matrix
    assert not any(modules[y][x] for y in range(len(modules)) for x in range(len(modules))
                   if min(x, y) < border or max(x, y) >= len(modules) - border)  # the quiet zone is white
    # The three finder patterns where a reader looks for them: a 7×7 dark ring.
    assert matrix[0][:7] == [True] * 7 and matrix[6][:7] == [True] * 7 and matrix[0][-7:] == [True] * 7


def test_a_door_code_is_a_version_4_code_of_the_same_size_for_every_guest():
    made = segno.make(CODE, error=qr.ERROR, micro=False, boost_error=False)
    assert (made.version, made.error, made.mode) == (4, "M", "byte")
    assert Image.open(io.BytesIO(qr.qr_png(CODE))).size == ((33 + 8) * qr.PNG_SCALE,) * 2


def test_the_svg_is_an_inline_element_named_for_screen_readers_without_inline_style():
    svg = qr.qr_svg(CODE, "Votre code <d'entrée>")
    root = ET.fromstring(svg)  # noqa: S314 (our own output) well-formed, no XML prolog to break an HTML page
    assert root.tag == "svg" and root.get("role") == "img" and root.get("width") == str((33 + 8) * qr.SVG_SCALE)
    title = root.find("title")
    assert title is not None and title.text == "Votre code <d'entrée>"
    assert "style" not in svg and "<script" not in svg  # the Content-Security-Policy allows neither
    assert CODE not in svg
    assert ET.fromstring(qr.qr_svg(CODE)).get("aria-hidden") == "true"  # noqa: S314


@pytest.mark.django_db
def test_the_reminder_carries_the_guests_door_code_as_a_png_and_the_record_does_not(people, english):
    event = make_event(people, remind_hours=48)
    ana, ben = invite(event, people, "Ana Blog", "Ben Mag")
    rsvp.answer(ana, "yes", now=NOW)
    rsvp.answer(ben, "yes", now=NOW)
    Event.objects.filter(pk=event.pk).update(status=Event.Status.OPEN)
    assert mailing.send_reminders(STARTS - timedelta(hours=48)) == 2
    for guest in (ana, ben):
        message = next(m for m in mail.outbox if m.to == [guest.contact.email])
        (image,) = [part for part in message.attachments if isinstance(part, tuple)]
        name, content, mimetype = image
        assert (name, mimetype) == ("door-code.png", "image/png")
        border = qr.BORDER
        fresh = Guest.objects.select_related("event").get(pk=guest.pk)
        modules = _modules(content)
        assert [row[border:-border] for row in modules[border:-border]] == _matrix(tokens.door_code(fresh))
        assert "Votre code d'entrée est joint (door-code.png)" in message.body  # in the guest's language
    assert Message.objects.count() == 2 and not Message.objects.filter(body__contains="P1.").exists()


@pytest.mark.django_db
def test_the_rsvp_page_shows_the_door_code_once_the_guest_is_coming(people):
    event = make_event(people, plus_ones=1, capacity=10)
    (ana,) = invite(event, people, "Ana Blog")
    url = reverse("web:rsvp", args=[tokens.link_token(ana)])
    client = Client()
    page = client.get(url).content.decode()
    assert 'data-testid="rsvp-door-code"' not in page
    rsvp.answer(ana, "maybe", now=NOW)
    assert 'data-testid="rsvp-door-code"' not in client.get(url).content.decode()
    rsvp.answer(ana, "yes", now=NOW)
    page = client.get(url).content.decode()
    assert 'data-testid="rsvp-door-code"' in page and '<svg role="img"' in page and "<title>" in page
