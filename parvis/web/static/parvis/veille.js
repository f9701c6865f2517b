// La veille by keyboard: j/k move through the entries (the one left behind is marked
// read), o opens the article in a new tab, Enter shows its text, s saves it for later,
// m marks it read or unread, w writes a post from it, / searches. Keys never act while
// the person types in a field. Every key presses a visible control of the entry, and the
// marks are sent in the background (the page works without this script, by its forms).
// Feed text is never put in the page from here: entries come rendered and sanitised.
(function () {
  "use strict";
  const root = document.getElementById("veille");
  if (!root) return;
  const markUrl = root.dataset.markUrl;
  const csrf = (document.querySelector("input[name=csrfmiddlewaretoken]") || {}).value || "";
  let current = null;

  function entries() { return Array.from(document.querySelectorAll("#veille-entries > li.veille-entry")); }

  function send(entry, mark) {
    const body = new URLSearchParams({ entry: entry.dataset.id, mark: mark });
    return fetch(markUrl, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "HX-Request": "true" },
    }).then(function (response) { if (!response.ok) throw new Error(String(response.status)); });
  }

  function swap(button) {
    const value = button.value, label = button.textContent;
    button.value = button.dataset.swap;
    button.textContent = button.dataset.swapLabel;
    button.dataset.swap = value;
    button.dataset.swapLabel = label;
  }

  function press(entry, key) {
    const button = entry.querySelector("button[data-key='" + key + "']");
    if (!button) return;
    const mark = button.value;
    send(entry, mark).then(function () {
      swap(button);
      if (mark === "read" || mark === "unread") entry.classList.toggle("read", mark === "read");
      if (mark === "save" || mark === "unsave") entry.classList.toggle("saved", mark === "save");
    }).catch(function () { button.form.requestSubmit(button); });
  }

  function markRead(entry) {
    const button = entry.querySelector("button[data-key='m']");
    if (button && button.value === "read") press(entry, "m");
  }

  function select(entry) {
    if (!entry) return;
    if (current && current !== entry) markRead(current);
    entries().forEach(function (row) { row.classList.toggle("current", row === entry); });
    current = entry;
    entry.focus({ preventScroll: true });
    entry.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    const all = entries();
    if (!all.length) return;
    const at = current ? all.indexOf(current) : -1;
    const next = all[Math.min(all.length - 1, Math.max(0, at + step))];
    if (next === current && step > 0) { markRead(current); return; }
    select(next);
  }

  root.addEventListener("submit", function (event) {
    const button = event.submitter;
    const entry = button && button.closest("li.veille-entry");
    if (!entry || !button.dataset.key) return;
    event.preventDefault();
    press(entry, button.dataset.key);
  });
  root.addEventListener("click", function (event) {
    const entry = event.target.closest("li.veille-entry");
    if (entry && entry !== current) select(entry);
    if (entry && event.target.closest("a[data-open]")) markRead(entry);
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target.closest && target.closest("input, textarea, select, [contenteditable]")) return;
    const entry = current;
    switch (event.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "o": if (entry && entry.dataset.url) { markRead(entry); window.open(entry.dataset.url, "_blank", "noopener,noreferrer"); } break;
      case "Enter": if (entry) { const text = entry.querySelector("details[data-text]"); if (text) text.open = !text.open; } break;
      case "s": if (entry) press(entry, "s"); break;
      case "m": if (entry) press(entry, "m"); break;
      case "w": if (entry) { const link = entry.querySelector("a[data-key='w']"); if (link) window.location.assign(link.href); } break;
      case "/": { const search = document.querySelector("[data-testid=veille-search]"); if (search) search.focus(); break; }
      default: return;
    }
    event.preventDefault();
  });
})();
