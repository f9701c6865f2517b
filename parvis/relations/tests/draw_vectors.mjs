// Known vectors for parvis-draw-v1, computed apart from parvis's Python code (Node's own
// crypto, BigInt, String.prototype.normalize and Buffer.compare), so that the tests in
// test_draw.py check Python against a second implementation of the spec, not against itself.
//
//     node parvis/relations/tests/draw_vectors.mjs        # prints the vectors as JSON
//
// The spec (parvis/relations/draw.py has it in full):
//   L = the ids NFC-normalised, deduplicated, sorted by their UTF-8 bytes, each followed by "\n";
//   H = SHA-256(L); K = SHA-256("parvis-draw-v1\n" ‖ H ‖ S ‖ UTF-8(B));
//   pick i: j = (big-endian integer of SHA-256(K ‖ i as 4 big-endian bytes)) mod len(remaining).
//
// JavaScript's default sort compares UTF-16 code units, which puts an emoji (a surrogate
// pair, 0xD83D…) before U+FF21; UTF-8 byte order puts it after. Hence Buffer.compare below.

import { createHash } from "node:crypto";

const sha256 = (...parts) => {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest();
};

function canonical(ids) {
  const unique = [...new Set(ids.map((id) => id.normalize("NFC")))];
  return unique
    .map((id) => Buffer.from(id, "utf8"))
    .sort(Buffer.compare)
    .map((bytes) => bytes.toString("utf8"));
}

function draw({ seedHex, ids, publicValue, winners, alternates }) {
  const seed = Buffer.from(seedHex, "hex");
  const entries = canonical(ids);
  const list = Buffer.from(entries.map((id) => id + "\n").join(""), "utf8");
  const entriesHash = sha256(list);
  const key = sha256(Buffer.from("parvis-draw-v1\n", "utf8"), entriesHash, seed, Buffer.from(publicValue, "utf8"));
  const remaining = [...entries];
  const picks = [];
  for (let i = 0; i < winners + alternates && remaining.length > 0; i++) {
    const index = Buffer.alloc(4);
    index.writeUInt32BE(i);
    const x = BigInt("0x" + sha256(key, index).toString("hex"));
    const j = Number(x % BigInt(remaining.length));
    picks.push(remaining.splice(j, 1)[0]);
  }
  return {
    commitment: sha256(seed).toString("hex"),
    entries,
    entries_hash: entriesHash.toString("hex"),
    key: key.toString("hex"),
    picks,
  };
}

const SEED_0_TO_31 = Buffer.from([...Array(32).keys()]).toString("hex");
const SEED_FF = "ff".repeat(32);

// Accents in NFC and NFD (they must meet after NFC), exact duplicates, upper case before
// lower case and "é" after "z" (byte order, not a French locale's order), a Hangul
// syllable written as two jamo, an emoji (outside the BMP) against U+FF21 and U+FFFD.
const TRICKY = [
  "mastodon:é", // U+00E9, NFC
  "mastodon:e\u0301", // e + combining acute: the same id once normalised
  "mastodon:a",
  "mastodon:Z",
  "mastodon:a", // an exact duplicate
  "mastodon:z",
  "mastodon:E\u0301lodie", // NFD of Élodie
  "mastodon:\u00C9lodie", // NFC of Élodie
  "bluesky:\u{1F600}", // 😀, F0 9F 98 80 in UTF-8, D83D DE00 in UTF-16
  "bluesky:\uFF21", // Ａ, EF BC A1
  "bluesky:\uFFFD", // EF BF BD
  "bluesky:\u1100\u1161", // ᄀ + ᅡ: NFC makes it 가 (U+AC00)
  "bluesky:did:plc:ewvi7nxzyoun6zhxrhs64oiz",
  "instagram:17841400008460056",
];

const CASES = {
  tricky_ids_without_public_value: { seedHex: SEED_0_TO_31, ids: TRICKY, publicValue: "", winners: 3, alternates: 2 },
  tricky_ids_with_a_non_ascii_public_value: {
    seedHex: SEED_0_TO_31,
    ids: TRICKY,
    publicValue: "EuroMillions du 12 décembre : 01-02-03-04-05/06-07 ★",
    winners: 3,
    alternates: 2,
  },
  more_picks_than_entries: {
    seedHex: SEED_FF,
    ids: ["mastodon:3", "mastodon:1", "mastodon:2", "mastodon:1"],
    publicValue: "x",
    winners: 2,
    alternates: 5,
  },
  // "bluesky:user10" sorts before "bluesky:user9": the ids are text, not numbers.
  a_thousand_numbered_ids: {
    seedHex: SEED_0_TO_31,
    ids: Array.from({ length: 1000 }, (_, i) => `bluesky:user${999 - i}`),
    publicValue: "",
    winners: 10,
    alternates: 5,
  },
};

const out = {};
for (const [name, spec] of Object.entries(CASES)) {
  const { entries, ...result } = draw(spec);
  out[name] = { seed: spec.seedHex, public_value: spec.publicValue, winners: spec.winners, alternates: spec.alternates };
  // The thousand ids are generated again by the test: only what they give is printed.
  if (spec.ids.length < 1000) Object.assign(out[name], { ids: spec.ids, entries });
  Object.assign(out[name], result);
}
console.log(JSON.stringify(out, null, 2));
