"""La veille: feeds and their reading, keyword monitors, competitors, stories and spikes,
digests, and curation into the composer."""
