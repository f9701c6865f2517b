// Posts typed without a connection are never lost, and never saved twice.
//
// The composer (compose.js) keeps a copy of each new post on this device as it is sent:
// with no connection it stays here; with one, the page it lands on sends the copy again,
// and parvis recognises it by the form's key (`client_key`, one post per key) and only
// answers "already saved". A copy is always saved as a draft: a post meant for "now" or
// for a time long past must not go out late without its author looking at it again.
// Copies are sent again on every page, and as soon as the browser says it is online.
"use strict";
(function () {
  const STORE = "parvis-offline-drafts";
  const banner = document.getElementById("offline-drafts");
  // Whose drafts: a shared browser keeps each person's apart, and sends only its own.
  const me = banner ? banner.dataset.user : "";

  function stored() {
    try { return JSON.parse(localStorage.getItem(STORE) || "[]"); } catch (error) { return []; }
  }
  function all() { return stored().filter(function (d) { return d.user === me; }); }
  function write(mine) {
    const others = stored().filter(function (d) { return d.user !== me; });
    localStorage.setItem(STORE, JSON.stringify(others.concat(mine)));
  }
  function drop(key) { write(all().filter(function (d) { return d.key !== key; })); }

  // A copy of the composer form, always as a draft; files are already in the library.
  function copyOf(form) {
    const fields = [];
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string" && name !== "csrfmiddlewaretoken" && name !== "mode") fields.push([name, value]);
    });
    fields.push(["mode", "draft"]);
    const text = form.querySelector("textarea[name=text]");
    return {key: form.querySelector("input[name=client_key]").value, user: me,
            url: form.getAttribute("action") || window.location.pathname,
            title: text ? text.value.slice(0, 60) : "", fields: fields};
  }

  function keep(form) {
    const draft = copyOf(form);
    draft.offline = !navigator.onLine;
    write(all().filter(function (d) { return d.key !== draft.key; }).concat([draft]));
    return draft;
  }

  function csrf() {
    const found = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return found ? decodeURIComponent(found[1]) : input ? input.value : "";
  }

  function say(kind, drafts, linkOf) {
    if (!banner || !drafts.length) return;
    const line = document.createElement("p");
    line.textContent = banner.dataset[kind] + " ";
    drafts.forEach(function (draft, i) {
      const link = document.createElement("a");
      link.href = linkOf(draft);
      link.textContent = "« " + (draft.title || "…") + " »";
      if (i) line.append(", ");
      line.append(link);
    });
    banner.append(line);
    banner.hidden = false;
  }

  let sending = false;
  async function send() {
    if (sending || !navigator.onLine) return;
    sending = true;
    const saved = [], refused = [];
    try {
      // A form sent online and shown again by parvis (with what it refused) is on this
      // page: its copy stays kept until the form is saved, and is not sent from under it.
      // A copy kept without connection is sent, from whichever page.
      const here = document.querySelector("#composer input[name=client_key]");
      for (const draft of all()) {
        if (here && here.value === draft.key && !draft.offline) continue;
        if (draft.refused) { refused.push(draft); continue; }  // waits for its author
        const body = new URLSearchParams(draft.fields);
        body.set("csrfmiddlewaretoken", csrf());
        let response;
        try {
          response = await fetch(draft.url, {method: "POST", body: body, credentials: "same-origin",
                                             headers: {"Accept": "application/json", "X-CSRFToken": csrf()}});
        } catch (error) { break; }  // still no connection: next time
        const answered = !response.redirected && (response.headers.get("Content-Type") || "").includes("json");
        if (!answered) break;  // signed out (the login page), or not parvis's answer: kept
        if (response.status === 201 || response.status === 200) {
          drop(draft.key);
          if (response.status === 201) saved.push(Object.assign(draft, await response.json()));
        } else if (response.status === 400) {
          draft.refused = true;
          write(all().map(function (d) { return d.key === draft.key ? draft : d; }));
          refused.push(draft);
        } else {
          break;  // signed out, or parvis is restarting: kept, sent again later
        }
      }
    } finally {
      sending = false;
    }
    say("saved", saved, function (d) { return d.url; });
    say("refused", refused, function (d) { return d.url.split("?")[0] + "?restore=" + encodeURIComponent(d.key); });
  }

  // The composer's form, put back as it was typed (after "open it to finish it").
  function restore(form) {
    const key = new URLSearchParams(window.location.search).get("restore");
    const draft = key && all().find(function (d) { return d.key === key; });
    if (!draft) return;
    const values = {};
    draft.fields.forEach(function (pair) { (values[pair[0]] = values[pair[0]] || []).push(pair[1]); });
    Array.from(form.elements).forEach(function (el) {
      if (!el.name || !(el.name in values) || el.name === "csrfmiddlewaretoken") return;
      if (el.type === "checkbox" || el.type === "radio") el.checked = values[el.name].includes(el.value);
      else if (el.type !== "file") el.value = values[el.name][0];
    });
    delete draft.refused;
    draft.offline = false;  // the form on this page holds it now, until it is saved
    write(all().map(function (d) { return d.key === key ? draft : d; }));
    form.dispatchEvent(new Event("change", {bubbles: true}));  // the live check reads it again
  }

  window.parvisDrafts = {keep: keep, restore: restore, all: all};

  document.addEventListener("DOMContentLoaded", function () {
    if (!navigator.onLine) say("waiting", all(), function (d) { return d.url; });
    else send();
  });
  window.addEventListener("online", send);
})();
