// The door of an event (parvis/web/views/relations_door.py): guests' QR codes scanned by
// the phone's camera and decoded here (jsQR, vendored), recognised without the network,
// and let in; the scans wait on this phone until the connection lets them reach parvis.
//
// The list the page brings holds each guest's door-code hash, never a code: a scanned
// code is hashed (SHA-256) and looked up. Each scan gets its own client_id when it is
// made, so sending a batch again after a lost answer counts nobody twice (the server
// answers "duplicate"). The queue is kept in localStorage: a reload or a closed tab loses
// no scan, and the next visit online sends it.
"use strict";
(function () {
  const root = document.querySelector("[data-testid=door]");
  if (!root) return;
  const texts = JSON.parse(document.getElementById("door-texts").textContent);
  const list = JSON.parse(document.getElementById("door-list").textContent);
  const canCheckIn = root.dataset.canCheckIn === "1";
  // Per person and event: a shared phone never sends one person's scans as another's.
  const KEY = "parvis-door-" + root.dataset.user + "-" + root.dataset.event;
  const HOLD_MS = 3000;  // a code held in front of the camera is read once, then again after this
  const LOOK_MS = 200;  // five looks a second: quick enough at a door, light on a phone's battery
  const BATCH = 100;
  const lang = document.documentElement.lang || "en";
  const plural = new Intl.PluralRules(lang);
  const clock = new Intl.DateTimeFormat(lang, {hour: "2-digit", minute: "2-digit", hourCycle: "h23",
                                               timeZone: root.dataset.tz || undefined});
  const $ = function (id) { return root.querySelector("[data-testid=" + id + "]"); };
  const video = $("door-video"), result = $("door-result"), verdict = $("door-verdict"), detail = $("door-detail");
  const admit = $("door-admit"), people = $("door-people"), queued = $("door-queue"), problems = $("door-problems");
  const network = $("door-network");

  function say(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, name) { return name in values ? values[name] : whole; });
  }
  function load(fallback) {
    try { return JSON.parse(localStorage.getItem(KEY)) || fallback; } catch (error) { return fallback; }
  }
  function keep() {
    try {
      localStorage.setItem(KEY, JSON.stringify({list: list, queue: queue, stored_at: storedAt}));
    } catch (error) { /* storage full or refused: the page still works from memory */ }
  }

  // The list just served is the freshest; scans still waiting are laid over it, since
  // the server does not know them yet.
  const queue = load({}).queue || [];
  const storedAt = new Date().toISOString();
  const byHash = new Map(), byId = new Map();
  list.guests.forEach(function (guest) { byHash.set(guest.code_hash, guest); byId.set(guest.guest_id, guest); });
  queue.forEach(function (scan) { arrive(byId.get(scan.who), scan.scanned_at, scan.people); });
  keep();

  function arrive(guest, at, count) {
    if (guest && (!guest.checked_in_at || new Date(at) < new Date(guest.checked_in_at))) {
      guest.checked_in_at = at;
      guest.arrived = count;
    }
  }

  function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  async function hashOf(code) {
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(code));
    return Array.from(new Uint8Array(digest), function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  // -- what the person at the door sees -------------------------------------------------------

  function render(note) {
    const n = queue.length;
    queued.textContent = n ? say(texts["waiting_" + plural.select(n)] || texts.waiting_other, {n: n}) : texts.synced;
    queued.dataset.count = String(n);
    const came = list.guests.filter(function (guest) { return guest.checked_in_at; }).length;
    $("door-arrived").textContent = say(texts.arrived, {n: came, total: list.guests.length});
    network.textContent = note || (navigator.onLine ? say(texts.stored_at, {time: clock.format(new Date(storedAt))})
      : texts.offline);
  }

  let pending = null;  // the guest shown, waiting for "Let in" or "Next"
  let lastCode = "", lastAt = 0;

  function show(guest, source) {
    result.hidden = false;
    result.classList.remove("error", "warn");
    if (admit) admit.hidden = true;
    pending = null;
    if (!guest) {
      result.classList.add("error");
      verdict.textContent = texts.unknown;
      detail.textContent = texts.unknown_help;
      return;
    }
    const companions = guest.companions || [];
    const lines = [guest.outlet, companions.join(", "), guest.dietary].filter(Boolean);
    if (guest.checked_in_at) {
      result.classList.add("warn");
      verdict.textContent = say(texts.already, {time: clock.format(new Date(guest.checked_in_at))});
      detail.textContent = [guest.name].concat(lines).join(" · ");
      return;
    }
    verdict.textContent = say(texts.welcome, {name: guest.name})
      + (companions.length ? " (+" + companions.length + ")" : "");
    detail.textContent = lines.join(" · ");
    if (!admit) return;
    pending = {guest: guest, source: source};
    people.replaceChildren();
    const most = 1 + Math.max(list.plus_ones, companions.length);
    for (let count = 1; count <= most; count++) people.append(new Option(String(count), String(count)));
    people.value = String(Math.min(1 + companions.length, most));
    admit.hidden = false;
    $("door-let-in").focus();
  }

  function letIn() {
    if (!pending) return;
    const guest = pending.guest, source = pending.source;
    const scan = {client_id: uuid(), scanned_at: source.at.toISOString(), people: Number(people.value),
                  who: guest.guest_id, name: guest.name};
    if (source.code) scan.code = source.code; else scan.guest = guest.guest_id;
    queue.push(scan);
    arrive(guest, scan.scanned_at, scan.people);
    keep();
    pending = null;
    lastAt = Date.now();  // the same code still in front of the camera waits HOLD_MS, then reads "Already in"
    admit.hidden = true;
    result.classList.remove("error", "warn");
    verdict.textContent = say(texts.let_in_done, {name: guest.name});
    render();
    sync();
  }

  function next() {
    pending = null;
    result.hidden = true;
    lastCode = "";
  }

  async function seen(text) {
    const code = text.trim();
    const now = Date.now();
    if (pending || (code === lastCode && now - lastAt < HOLD_MS)) return;
    lastCode = code;
    lastAt = now;
    show(byHash.get(await hashOf(code)), {code: code, at: new Date()});
  }

  // -- the camera -----------------------------------------------------------------------------

  let stream = null, timer = 0;
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", {willReadFrequently: true});

  function look() {
    timer = window.setTimeout(look, LOOK_MS);
    if (video.readyState < 2 || !video.videoWidth || typeof jsQR === "undefined") return;
    const scale = Math.min(1, 640 / video.videoWidth);  // jsQR's time grows with the pixels
    canvas.width = Math.round(video.videoWidth * scale);
    canvas.height = Math.round(video.videoHeight * scale);
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    const image = context.getImageData(0, 0, canvas.width, canvas.height);
    const found = jsQR(image.data, image.width, image.height, {inversionAttempts: "dontInvert"});
    if (found && found.data) seen(found.data);
  }

  async function start() {
    if (!window.isSecureContext || !navigator.mediaDevices) return problem(texts.insecure);
    try {
      stream = await navigator.mediaDevices.getUserMedia({audio: false, video: {facingMode: {ideal: "environment"}}});
    } catch (error) {
      return problem(texts.no_camera);
    }
    video.srcObject = stream;
    video.hidden = false;
    $("door-scan").hidden = true;
    $("door-stop").hidden = false;
    await video.play().catch(function () { /* muted inline video: plays once frames come */ });
    look();
  }

  function stop() {
    window.clearTimeout(timer);
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    video.hidden = true;
    $("door-scan").hidden = false;
    $("door-stop").hidden = true;
  }

  function problem(message) {
    const line = document.createElement("p");
    line.textContent = message;
    problems.append(line);
    problems.hidden = false;
  }

  // -- sending the queue ----------------------------------------------------------------------

  let sending = false, delay = 0, retry = 0;

  function csrf() {
    const found = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    if (found) return decodeURIComponent(found[1]);
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (error) { return ""; }
  }

  function later(message) {
    // Back off (2, 4, 8 … 60 s) so that a phone on a weak signal does not drain its battery.
    delay = Math.min(delay ? delay * 2 : 2, 60);
    window.clearTimeout(retry);
    retry = window.setTimeout(sync, delay * 1000);
    render(message || say(texts.retry, {n: delay}));
  }

  // One POST; the results, or null to try again later (`why` says why when it is known).
  async function post(url, scans, why) {
    const abort = new AbortController();
    const timeout = window.setTimeout(function () { abort.abort(); }, 20000);
    try {
      const response = await fetch(url, {
        method: "POST", credentials: "same-origin", redirect: "manual", signal: abort.signal,
        headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf()},
        body: JSON.stringify({scans: scans})});
      if (response.type === "opaqueredirect" || response.status === 401 || response.status === 403) {
        why.message = texts.signed_out;
        return null;
      }
      if (response.status === 400) {  // never readable however often it is sent: said, not sent again
        return scans.map(function (scan) {
          return {client_id: scan.client_id, status: "refused", message: texts.invalid};
        });
      }
      if (!response.ok) return null;
      const answer = await response.json();
      const results = Array.isArray(answer) ? answer : answer.results;
      return Array.isArray(results) ? results : null;
    } catch (error) {
      return null;  // no network, or too slow
    } finally {
      window.clearTimeout(timeout);
    }
  }

  // Scanned codes go to the events API (`event-check-ins`, the session and its CSRF
  // token); a guest ticked by name has no code on this phone, only a hash, so it goes to
  // the page's own endpoint, which finds the guest by id.
  async function sync() {
    render();
    if (sending || !queue.length || !canCheckIn || !navigator.onLine) return;
    sending = true;
    const batch = queue.slice(0, BATCH);
    const scanned = batch.filter(function (scan) { return scan.code; }).map(function (scan) {
      return {client_id: scan.client_id, code: scan.code, people: scan.people, scanned_at: scan.scanned_at};
    });
    const named = batch.filter(function (scan) { return !scan.code; }).map(function (scan) {
      return {client_id: scan.client_id, guest: scan.guest, people: scan.people, scanned_at: scan.scanned_at};
    });
    const why = {message: ""};
    let results = [], failed = false;
    for (const [url, scans] of [[root.dataset.checkIns, scanned], [root.dataset.sync, named]]) {
      if (!scans.length) continue;
      const answered = await post(url, scans, why);
      if (answered) results = results.concat(answered); else failed = true;
    }
    sending = false;
    const before = queue.length;
    settle(batch, results);
    if (failed) return later(why.message);
    delay = 0;
    if (queue.length && queue.length < before) sync();  // the next batch; never the same one in a loop
  }

  function settle(batch, results) {
    const sent = new Map(batch.map(function (scan) { return [scan.client_id, scan]; }));
    results.forEach(function (outcome) {
      const scan = sent.get(outcome.client_id);
      if (!scan) return;
      const guest = byId.get(scan.who);
      if (outcome.status === "refused") {
        // Not counted by parvis: the guest is no longer marked in on this phone.
        if (guest && guest.checked_in_at === scan.scanned_at) guest.checked_in_at = null;
        problem(say(texts.refused, {name: scan.name || "?", message: outcome.message}));
      } else if (guest && outcome.at) {
        guest.checked_in_at = outcome.at;  // the first scan of them, whichever phone made it
      }
    });
    const done = new Set(results.map(function (outcome) { return outcome.client_id; }));
    for (let i = queue.length - 1; i >= 0; i--) if (done.has(queue[i].client_id)) queue.splice(i, 1);
    keep();
    render();
  }

  // -- the search by name ---------------------------------------------------------------------

  function plain(text) {
    return (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function search(query) {
    const words = plain(query).split(/\s+/).filter(Boolean);
    const matches = $("door-matches");
    matches.replaceChildren();
    if (!words.length) return;
    const found = list.guests.filter(function (guest) {
      const text = plain(guest.name + " " + guest.outlet + " " + (guest.companions || []).join(" "));
      return words.every(function (word) { return text.includes(word); });
    }).slice(0, 8);
    if (!found.length) {
      const none = document.createElement("li");
      none.className = "muted";
      none.textContent = texts.no_match;
      matches.append(none);
    }
    found.forEach(function (guest) {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.guest = String(guest.guest_id);
      button.textContent = guest.name + (guest.outlet ? " · " + guest.outlet : "")
        + (guest.checked_in_at ? " · " + say(texts.already, {time: clock.format(new Date(guest.checked_in_at))}) : "");
      button.addEventListener("click", function () {
        pending = null;
        show(guest, {at: new Date()});
        result.scrollIntoView({block: "nearest"});
      });
      item.append(button);
      matches.append(item);
    });
  }

  $("door-scan").addEventListener("click", start);
  $("door-stop").addEventListener("click", stop);
  $("door-next").addEventListener("click", next);
  if (admit) $("door-let-in").addEventListener("click", letIn);
  if ($("door-sync")) $("door-sync").addEventListener("click", function () { delay = 0; sync(); });
  $("door-search").addEventListener("input", function (event) { search(event.target.value); });
  window.addEventListener("online", function () { delay = 0; window.clearTimeout(retry); sync(); });
  window.addEventListener("offline", function () { render(); });
  if (!window.isSecureContext || !window.crypto || !crypto.subtle) problem(texts.insecure);
  sync();
})();
