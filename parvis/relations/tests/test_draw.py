"""parvis-draw-v1 (parvis/relations/draw.py) and `parvis draw verify`.

The KNOWN VECTORS below were not computed by parvis's Python code: they come from a second
implementation of the spec in Node.js (its own SHA-256, BigInt, NFC and UTF-8 byte
comparison), committed next to this file. Anyone recomputes them with

    node parvis/relations/tests/draw_vectors.mjs

which prints them as JSON; `test_the_vectors_are_what_the_node_implementation_prints`
checks that they still match (skipped where there is no `node`)."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from parvis.cli import main
from parvis.relations import draw
from parvis.relations.draw import (
    MAX_PICKS,
    DrawError,
    EntryError,
    Proof,
    canonical_entries,
    commitment,
    draw_key,
    entries_hash,
    make_proof,
    new_seed,
    pick,
    verify,
)

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
SEED = bytes(range(32))
CLOSES_AT = datetime(2026, 12, 24, 18, 0, tzinfo=UTC)

TRICKY_IDS = [
    "mastodon:\xe9",  # U+00E9, NFC
    "mastodon:e\u0301",  # e + combining acute: the same entrant once NFC
    "mastodon:a",
    "mastodon:Z",  # upper case sorts before lower case in bytes, not in a locale
    "mastodon:a",  # an exact duplicate
    "mastodon:z",  # and "é" after "z"
    "mastodon:E\u0301lodie",  # NFD of Élodie
    "mastodon:\xc9lodie",
    "bluesky:\U0001f600",  # emoji: F0… in UTF-8 (after U+FF21), D83D… in UTF-16 (before)
    "bluesky:\uff21",  # fullwidth A, EF BC A1
    "bluesky:\ufffd",
    "bluesky:\u1100\u1161",  # two jamo, U+AC00 once NFC
    "bluesky:did:plc:ewvi7nxzyoun6zhxrhs64oiz",
    "instagram:17841400008460056",
]

VECTORS: dict[str, dict[str, Any]] = {
    "tricky_ids_without_public_value": {
        "seed": "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
        "public_value": "",
        "winners": 3,
        "alternates": 2,
        "ids": TRICKY_IDS,
        "entries": [
            "bluesky:did:plc:ewvi7nxzyoun6zhxrhs64oiz",
            "bluesky:\uac00",
            "bluesky:\uff21",
            "bluesky:\ufffd",
            "bluesky:\U0001f600",
            "instagram:17841400008460056",
            "mastodon:Z",
            "mastodon:a",
            "mastodon:z",
            "mastodon:\xc9lodie",
            "mastodon:\xe9",
        ],
        "commitment": "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd",
        "entries_hash": "69752d730716a6bf1c09cff71cdd2d0296ec00e65b6f9aa6eeadc22e31e4cb57",
        "key": "39a0b9b012eba4cf2284e5795a8785663ed9f6fa1b6381c58d7e3178bf797b45",
        "picks": [
            "mastodon:\xc9lodie",
            "bluesky:\U0001f600",
            "mastodon:Z",
            "instagram:17841400008460056",
            "bluesky:\uff21",
        ],
    },
    "tricky_ids_with_a_non_ascii_public_value": {
        "seed": "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
        "public_value": "EuroMillions du 12 d\xe9cembre : 01-02-03-04-05/06-07 \u2605",
        "winners": 3,
        "alternates": 2,
        "ids": TRICKY_IDS,
        "entries": [
            "bluesky:did:plc:ewvi7nxzyoun6zhxrhs64oiz",
            "bluesky:\uac00",
            "bluesky:\uff21",
            "bluesky:\ufffd",
            "bluesky:\U0001f600",
            "instagram:17841400008460056",
            "mastodon:Z",
            "mastodon:a",
            "mastodon:z",
            "mastodon:\xc9lodie",
            "mastodon:\xe9",
        ],
        "commitment": "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd",
        "entries_hash": "69752d730716a6bf1c09cff71cdd2d0296ec00e65b6f9aa6eeadc22e31e4cb57",
        "key": "c30b55d7e5569dd0045cbab05d4709020863a5e07e8debd646778856b7bef247",
        "picks": [
            "bluesky:\uff21",
            "instagram:17841400008460056",
            "bluesky:did:plc:ewvi7nxzyoun6zhxrhs64oiz",
            "mastodon:\xc9lodie",
            "mastodon:z",
        ],
    },
    "more_picks_than_entries": {
        "seed": "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "public_value": "x",
        "winners": 2,
        "alternates": 5,
        "ids": ["mastodon:3", "mastodon:1", "mastodon:2", "mastodon:1"],
        "entries": ["mastodon:1", "mastodon:2", "mastodon:3"],
        "commitment": "af9613760f72635fbdb44a5a0a63c39f12af30f950a6ee5c971be188e89c4051",
        "entries_hash": "d866bac80c567107e36dee5629997a2819e58ac66c0a19065e238684365b690a",
        "key": "cfa2db9f2e0c5f4df41b44fa0caede17b7d052dfcd720ba33f98e459b67019a1",
        "picks": ["mastodon:1", "mastodon:2", "mastodon:3"],
    },
    "a_thousand_numbered_ids": {
        "seed": "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
        "public_value": "",
        "winners": 10,
        "alternates": 5,
        "commitment": "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd",
        "entries_hash": "bfe93554048b390a037ee86e4d893cd05121422b7aae840f9862030e36897f71",
        "key": "1707f02b4232b665405df3a97085bdf82f6c7dbc8596955b0e288ad1b2293d89",
        "picks": [
            "bluesky:user941",
            "bluesky:user862",
            "bluesky:user131",
            "bluesky:user211",
            "bluesky:user345",
            "bluesky:user58",
            "bluesky:user189",
            "bluesky:user969",
            "bluesky:user88",
            "bluesky:user707",
            "bluesky:user745",
            "bluesky:user717",
            "bluesky:user787",
            "bluesky:user633",
            "bluesky:user768",
        ],
    },
}


def _ids(case: dict[str, Any]) -> list[str]:
    # The thousand ids are generated alike by the Node script: "bluesky:user999" … "bluesky:user0".
    return case.get("ids") or [f"bluesky:user{999 - i}" for i in range(1000)]


@pytest.fixture(autouse=True)
def _english() -> Any:
    # The sentences are asserted in English whatever LANGUAGE_CODE says.
    with translation.override("en"):
        yield


def _proof(**changes: Any) -> dict[str, Any]:
    data = json.loads(make_proof(SEED, TRICKY_IDS, "01-02-03-04-05/06-07", 3, 2, CLOSES_AT, "Follow and reply.")
                      .to_json())
    data.update(changes)
    return data


def _failed(data: Any) -> set[str]:
    return {check.name for check in verify(data).failed()}


# The known vectors

@pytest.mark.parametrize("name", VECTORS)
def test_known_vectors_from_the_node_implementation(name: str) -> None:
    case = VECTORS[name]
    seed = bytes.fromhex(case["seed"])
    entries = canonical_entries(_ids(case))
    if "entries" in case:
        assert entries == case["entries"]
    assert commitment(seed) == case["commitment"]
    assert entries_hash(entries).hex() == case["entries_hash"]
    key = draw_key(entries_hash(entries), seed, case["public_value"])
    assert key.hex() == case["key"]
    assert pick(entries, key, case["winners"], case["alternates"]) == case["picks"]


@pytest.mark.parametrize("name", VECTORS)
def test_a_proof_made_from_unsorted_ids_carries_the_known_vector(name: str) -> None:
    case = VECTORS[name]
    proof = make_proof(bytes.fromhex(case["seed"]), _ids(case), case["public_value"], case["winners"],
                       case["alternates"], CLOSES_AT, "")
    assert (proof.commitment, proof.entries_hash, proof.key, list(proof.picks)) == (
        case["commitment"], case["entries_hash"], case["key"], case["picks"])
    assert list(proof.winners()) == case["picks"][:case["winners"]]
    assert list(proof.alternates()) == case["picks"][case["winners"]:]
    assert verify(json.loads(proof.to_json())).holds


@pytest.mark.skipif(shutil.which("node") is None, reason="no `node` on this machine to recompute the vectors")
def test_the_vectors_are_what_the_node_implementation_prints() -> None:
    printed = subprocess.run(["node", str(HERE / "draw_vectors.mjs")], capture_output=True, check=True, timeout=60)
    assert json.loads(printed.stdout) == VECTORS


def test_more_winners_and_alternates_than_entries_picks_everyone_once() -> None:
    case = VECTORS["more_picks_than_entries"]
    assert case["winners"] + case["alternates"] > len(case["entries"])
    assert sorted(case["picks"]) == case["entries"]
    assert pick([], b"\0" * 32, 3, 2) == []


# Canonical entries

def test_entries_are_sorted_by_utf8_bytes_not_utf16_nor_locale_order() -> None:
    ids = ["mastodon:\xe9", "mastodon:a", "mastodon:Z", "bluesky:\U0001f600", "bluesky:\uff21"]
    expected = ["bluesky:\uff21", "bluesky:\U0001f600", "mastodon:Z", "mastodon:a", "mastodon:\xe9"]
    assert canonical_entries(ids) == expected
    assert expected == sorted(expected, key=lambda entry: entry.encode("utf-8"))
    utf16 = sorted(expected, key=lambda entry: entry.encode("utf-16-be"))
    assert utf16 != expected  # JavaScript's default order: what the vectors guard against


def test_an_accented_id_in_nfc_and_nfd_is_one_entrant() -> None:
    assert canonical_entries(["mastodon:E\u0301lodie", "mastodon:\xc9lodie", "mastodon:\xc9lodie"]) == [
        "mastodon:\xc9lodie"]


@pytest.mark.parametrize(("bad", "code"), [
    ("", "empty"), ("elodie", "format"), (":elodie", "format"), ("mastodon:", "format"), ("Mastodon:x", "format"),
    ("mastodon:a\nmastodon:b", "control"), ("mastodon:a\x00", "control"), ("mastodon:\x85", "control"),
    ("mastodon:a\u2028b", "control"), ("mastodon:\ud800", "encoding"), (42, "type"), (None, "type"),
])
def test_an_id_that_cannot_be_drawn_is_refused_by_name(bad: Any, code: str) -> None:
    with pytest.raises(EntryError) as refused:
        canonical_entries(["mastodon:fine", bad])
    assert isinstance(refused.value, ValueError)
    assert (refused.value.entry, refused.value.code, refused.value.field) == (bad, code, "entries")
    if isinstance(bad, str) and bad.isprintable() and bad:
        assert bad in str(refused.value)


def test_a_control_character_is_shown_escaped_in_the_message() -> None:
    with pytest.raises(EntryError) as refused:
        canonical_entries(["mastodon:a\x1b[2J"])
    assert "\x1b" not in str(refused.value)
    assert "mastodon:a\\u001b[2J" in str(refused.value)


# Seeds, keys and counts

def test_a_new_seed_is_32_random_bytes_and_its_commitment_is_hex_sha256() -> None:
    seeds = {new_seed() for _ in range(3)}
    assert len(seeds) == 3 and all(len(seed) == 32 for seed in seeds)
    assert commitment(SEED) == VECTORS["tricky_ids_without_public_value"]["commitment"]
    with pytest.raises(DrawError):
        commitment(b"short")


def test_the_public_value_changes_the_key_and_is_taken_as_utf8_without_normalising() -> None:
    hashed = entries_hash(["mastodon:a"])
    assert draw_key(hashed, SEED, "\xe9") != draw_key(hashed, SEED, "e\u0301") != draw_key(hashed, SEED, "")
    with pytest.raises(DrawError) as refused:
        draw_key(hashed, SEED, "\ud800")
    assert refused.value.field == "public_value"


@pytest.mark.parametrize(("winners", "alternates", "field"), [
    (0, 0, "winner_count"), (-1, 0, "winner_count"), (True, 0, "winner_count"), (1.0, 0, "winner_count"),
    (MAX_PICKS + 1, 0, "winner_count"), (1, -1, "alternate_count"), (MAX_PICKS, 1, "alternate_count"),
    (10**100, 0, "winner_count"),
])
def test_counts_out_of_range_are_refused(winners: Any, alternates: Any, field: str) -> None:
    with pytest.raises(DrawError) as refused:
        make_proof(SEED, ["mastodon:a"], "", winners, alternates, CLOSES_AT, "")
    assert refused.value.field == field


def test_a_proof_needs_a_close_time_with_its_zone() -> None:
    with pytest.raises(DrawError) as refused:
        make_proof(SEED, ["mastodon:a"], "", 1, 0, datetime(2026, 12, 24, 18, 0), "")
    assert refused.value.field == "closes_at"


# The proof as JSON

def test_the_proof_json_round_trips_in_a_stable_order_as_utf8() -> None:
    proof = make_proof(SEED, TRICKY_IDS, "d\xe9cembre \u2605", 3, 2, CLOSES_AT, "R\xe8gles")
    text = proof.to_json()
    assert Proof.from_json(text) == proof
    assert Proof.from_json(text.encode("utf-8")) == proof
    assert list(json.loads(text)) == ["algorithm", "commitment", "closes_at", "winner_count", "alternate_count",
                                      "rules", "public_value", "seed", "entries_hash", "key", "picks", "entries"]
    assert "d\xe9cembre \u2605" in text and "\\u" not in text
    assert text.startswith('{\n  "algorithm": "parvis-draw-v1",\n')
    assert make_proof(SEED, reversed(TRICKY_IDS), "d\xe9cembre \u2605", 3, 2, CLOSES_AT, "R\xe8gles").to_json() == text


@pytest.mark.parametrize(("text", "field"), [
    ("[]", ""), ("{", ""), ("{}", "algorithm"), ('{"algorithm": "parvis-draw-v2"}', "algorithm"),
])
def test_reading_a_bad_proof_names_the_field(text: str, field: str) -> None:
    with pytest.raises(DrawError) as refused:
        Proof.from_json(text)
    assert refused.value.field == field


def test_reading_a_proof_names_its_first_bad_field() -> None:
    for field, value in (("seed", "zz"), ("winner_count", "3"), ("entries", "mastodon:a"), ("closes_at", "soon")):
        with pytest.raises(DrawError) as refused:
            Proof.from_json(json.dumps(_proof(**{field: value})))
        assert refused.value.field == field


def test_a_key_given_twice_is_refused() -> None:
    with pytest.raises(DrawError) as refused:
        Proof.from_json('{"seed": "a", "seed": "b"}')
    assert refused.value.code == "duplicate" and "seed" in str(refused.value)


# Verifying

def test_a_good_proof_holds_with_a_sentence_per_check() -> None:
    verification = verify(_proof())
    assert verification.holds
    assert [check.name for check in verification.checks] == [
        "algorithm", "details", "commitment", "entries", "entries_hash", "key", "picks"]
    assert all(check.ok and check.sentence for check in verification.checks)


def _swap_first_picks(data: dict[str, Any]) -> None:
    data["picks"][0], data["picks"][1] = data["picks"][1], data["picks"][0]


def _add_an_entry(data: dict[str, Any]) -> None:
    data["entries"] = sorted([*data["entries"], "mastodon:b"])


def _unsort(data: dict[str, Any]) -> None:
    data["entries"][0], data["entries"][1] = data["entries"][1], data["entries"][0]


TAMPERINGS = {
    "seed changed": (lambda data: data.update(seed="ff" * 32), {"commitment", "key"}),
    "commitment changed": (lambda data: data.update(commitment="00" * 32), {"commitment"}),
    "an entry added": (_add_an_entry, {"entries_hash", "picks"}),
    "an entry removed": (lambda data: data["entries"].remove(data["picks"][-1]), {"entries_hash", "picks"}),
    "picks swapped": (_swap_first_picks, {"picks"}),
    "a pick replaced": (lambda data: data["picks"].__setitem__(0, "mastodon:b"), {"picks"}),
    "a pick dropped": (lambda data: data["picks"].pop(), {"picks"}),
    "public value changed": (lambda data: data.update(public_value="01-02-03-04-05/06-08"), {"key"}),
    "entries not sorted": (_unsort, {"entries", "entries_hash", "picks"}),
    "an entry twice": (lambda data: data["entries"].insert(1, data["entries"][0]),
                       {"entries", "entries_hash", "picks"}),
    "an entry not NFC": (lambda data: data["entries"].__setitem__(-1, "mastodon:e\u0301"), {"entries", "entries_hash"}),
    "H changed": (lambda data: data.update(entries_hash="00" * 32), {"entries_hash", "key"}),
    "K changed": (lambda data: data.update(key="00" * 32), {"key", "picks"}),
    "fewer alternates": (lambda data: data.update(alternate_count=1), {"picks"}),
    "another algorithm": (lambda data: data.update(algorithm="parvis-draw-v0"), {"algorithm"}),
}


@pytest.mark.parametrize("tampering", TAMPERINGS)
def test_a_tampered_proof_fails_the_check_of_what_was_changed(tampering: str) -> None:
    change, expected = TAMPERINGS[tampering]
    data = _proof()
    change(data)
    verification = verify(data)
    assert not verification.holds
    assert _failed(data) == expected
    assert all(check.sentence for check in verification.failed())


def test_the_failed_sentences_say_what_differs() -> None:
    data = _proof()
    _unsort(data)
    entries = next(check for check in verify(data).checks if check.name == "entries")
    assert entries.sentence.startswith("Entry 2, ") and "out of order" in entries.sentence
    data = _proof()
    _swap_first_picks(data)
    picks = next(check for check in verify(data).checks if check.name == "picks")
    assert picks.sentence == f"Pick 1 should be “{data['picks'][1]}”, but the proof says “{data['picks'][0]}”."


HOSTILE: list[tuple[Any, str]] = [
    ([], "a JSON object"), ("proof", "a JSON object"), (None, "a JSON object"), ({}, "“algorithm” is missing"),
    (_proof(seed="not hex"), "“seed” should be 64 hexadecimal digits"),
    (_proof(seed="00" * 31), "“seed” should be 64 hexadecimal digits"),
    (_proof(seed=" " + "00" * 32), "“seed” should be 64 hexadecimal digits"),
    (_proof(key=None), "“key” should be 64 hexadecimal digits"),
    (_proof(winner_count=10**100), "“winner_count” should be a whole number from 1 to 10000"),
    (_proof(winner_count=True), "“winner_count” should be a whole number"),
    (_proof(alternate_count=-1), "“alternate_count” should be a whole number"),
    (_proof(alternate_count=2.5), "“alternate_count” should be a whole number"),
    (_proof(entries="mastodon:a"), "“entries” should be a list of texts"),
    (_proof(entries=[1, 2]), "“entries” should be a list of texts"),
    (_proof(entries=[{"id": "mastodon:a"}]), "“entries” should be a list of texts"),
    (_proof(entries=["mastodon:\ud800"]), "An entry is not valid Unicode text"),
    (_proof(entries=["no-prefix"]), "At position 1: Entry “no-prefix” is not written network:id"),
    (_proof(public_value=7), "“public_value” should be text"),
    (_proof(public_value="\udfff"), "The public value is not valid Unicode text"),
    (_proof(picks={"0": "mastodon:a"}), "“picks” should be a list of texts"),
    (_proof(closes_at="2026-12-24T18:00:00"), "“closes_at” should be a date and time in ISO 8601"),
    (_proof(closes_at=20261224), "“closes_at” should be text"),
    (_proof(rules=None), "“rules” should be text"),
    (_proof(algorithm=["parvis-draw-v1"]), "“algorithm” should be text"),
]


@pytest.mark.parametrize(("data", "sentence"), HOSTILE)
def test_a_hostile_file_gets_a_failed_check_naming_the_field_never_an_exception(data: Any, sentence: str) -> None:
    verification = verify(copy.deepcopy(data))
    assert not verification.holds
    assert any(sentence in check.sentence for check in verification.failed()), verification.failed()


def test_an_unexpected_error_in_a_check_is_a_failed_check(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any) -> list[str]:
        raise ZeroDivisionError

    data = _proof()
    monkeypatch.setattr(draw, "pick", broken)
    picks = verify(data).checks[-1]
    assert (picks.name, picks.ok) == ("picks", False) and "ZeroDivisionError" in picks.sentence


def test_without_django_the_sentences_come_from_parvis_catalogue_in_the_shell_language(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # As on a verifier's laptop: Django not loaded, the language from the environment.
    monkeypatch.delitem(sys.modules, "django.apps")
    monkeypatch.setenv("LANGUAGE", "fr")
    draw._catalogue.cache_clear()
    try:
        assert draw.gettext("English") == "Anglais"  # a msgid the French catalogue already has
    finally:
        draw._catalogue.cache_clear()


# The command line

def _write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "proof.json"
    path.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def _main(*argv: str) -> int:
    with pytest.raises(SystemExit) as stopped:
        main(list(argv))
    return int(stopped.value.code or 0)


def test_the_command_says_a_good_proof_holds_and_names_the_winners(tmp_path: Path, capsys: Any) -> None:
    data = _proof()
    assert _main("draw", "verify", str(_write(tmp_path, data))) == 0
    out = capsys.readouterr().out
    assert out.count("\nok ") + out.startswith("ok ") == 7 and "FAILED" not in out
    assert "The draw holds: every check passed." in out
    assert f"Winners: {', '.join(data['picks'][:3])}\nAlternates: {', '.join(data['picks'][3:])}" in out


def test_the_command_says_a_tampered_proof_does_not_hold(tmp_path: Path, capsys: Any) -> None:
    data = _proof()
    _swap_first_picks(data)
    assert _main("draw", "verify", str(_write(tmp_path, data))) == 1
    out = capsys.readouterr().out
    assert "FAILED   Pick 1 should be" in out
    assert "The draw does NOT hold: 1 of 7 checks failed." in out and "Winners" not in out


@pytest.mark.parametrize(("content", "problem"), [
    ("not json", "The file is not valid JSON"), ("[1, 2]", "A proof is a JSON object."),
    ('{"a": 1, "a": 2}', "The key “a” appears twice."), ("[" * 100_000, "The file is not valid JSON"),
    ('{"n": ' + "9" * 5000 + "}", "The file is not valid JSON"), (b"\xff\xfe{}", "The file is not UTF-8 text."),
])
def test_an_unreadable_file_exits_2_naming_the_problem(tmp_path: Path, capsys: Any, content: str | bytes,
                                                        problem: str) -> None:
    path = tmp_path / "proof.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    assert _main("draw", "verify", str(path)) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"parvis draw verify: {path}: ") and problem in captured.err


def test_a_missing_file_or_a_bad_usage_exits_2(tmp_path: Path, capsys: Any) -> None:
    assert _main("draw", "verify", str(tmp_path / "nowhere.json")) == 2
    assert "nowhere.json: No such file or directory" in capsys.readouterr().err
    assert _main("draw") == 2
    assert _main("draw", "verify") == 2
    assert "usage: parvis draw verify" in capsys.readouterr().err


def test_the_command_escapes_what_a_hostile_file_would_print(tmp_path: Path, capsys: Any) -> None:
    data = _proof()
    data["entries"][0] = "mastodon:\x1b[2J\x1b[32mok"
    assert _main("draw", "verify", str(_write(tmp_path, data))) == 1
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\\u001b[2J" in out


# Not marked slow: the command imports neither Django nor parvis's settings, ~0.1 s.
def test_anyone_verifies_with_python_m_parvis_without_settings_nor_database(tmp_path: Path) -> None:
    path = _write(tmp_path, _proof())
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_"))}
    env.update(PARVIS_DATA_DIR=str(data_dir), LANGUAGE="en", PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, "-m", "parvis", "draw", "verify", str(path)], capture_output=True,
                          text=True, env=env, cwd=tmp_path, timeout=120)
    assert (done.returncode, done.stderr) == (0, "")
    assert "The draw holds: every check passed." in done.stdout
    assert list(data_dir.iterdir()) == []  # no database, no settings read
