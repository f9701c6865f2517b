// parvis's service worker (served at /sw.js, see parvis/web/views/app.py). It keeps the
// offline page and the files every page needs; a page asked for while the network is gone
// shows the offline page instead of the browser's error. It never caches pages or API
// answers: they are someone's, and must be fresh.
"use strict";
const CACHE = "parvis-shell-{{ version }}";
const OFFLINE = "{{ offline|escapejs }}";
const SHELL = [{% for url in shell %}"{{ url|escapejs }}"{% if not forloop.last %}, {% endif %}{% endfor %}];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(SHELL); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.startsWith("parvis-shell-") && name !== CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  const request = event.request;
  if (request.method !== "GET") return;
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(function () { return caches.match(OFFLINE); }));
    return;
  }
  const url = new URL(request.url);
  if (url.origin === self.location.origin && SHELL.includes(url.pathname)) {
    event.respondWith(caches.match(request).then(function (kept) { return kept || fetch(request); }));
  }
});

// Push notifications (parvis/accounts/webpush.py sends them): a title, a line and the
// page to open. A notice replaces an unread one of the same kind rather than piling up.
self.addEventListener("push", function (event) {
  let data = {};
  try { data = event.data ? event.data.json() : {}; } catch (error) { data = {body: event.data.text()}; }
  event.waitUntil(self.registration.showNotification(data.title || "parvis", {
    body: data.body || "", tag: data.tag || "parvis", renotify: Boolean(data.tag),
    icon: "{{ icon|escapejs }}", badge: "{{ icon|escapejs }}", data: {url: data.url || "/"},
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  const target = new URL(event.notification.data.url, self.location.origin);
  if (target.origin !== self.location.origin) return;  // only parvis's own pages
  event.waitUntil(self.clients.matchAll({type: "window", includeUncontrolled: true}).then(function (windows) {
    const open = windows.find(function (w) { return new URL(w.url).origin === self.location.origin; });
    if (open) {
      return open.focus().then(function (w) { return (w || open).navigate(target.href); })
        .catch(function () { return self.clients.openWindow(target.href); });
    }
    return self.clients.openWindow(target.href);
  }));
});
