// Push notifications on this device (the notification choices page): subscribe with the
// instance's VAPID key, hand the subscription to parvis, and say which device this is.
"use strict";
(function () {
  const box = document.getElementById("push");
  if (!box) return;
  const button = box.querySelector("[data-push-action=subscribe]");

  function show(state) {
    box.querySelectorAll("[data-push-state]").forEach(function (el) { el.hidden = el.dataset.pushState !== state; });
    button.hidden = state !== "off" && state !== "failed";
  }

  function keyBytes(text) {
    const raw = atob((text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(raw, function (c) { return c.charCodeAt(0); });
  }

  function save(subscription) {
    return fetch(box.dataset.subscribe, {
      method: "POST", credentials: "same-origin", body: JSON.stringify(subscription.toJSON()),
      headers: {"Content-Type": "application/json", "X-CSRFToken": box.dataset.csrf, "Accept": "application/json"},
    }).then(function (response) { if (!response.ok) throw new Error("refused"); });
  }

  function thisDevice(subscription) {
    return Array.prototype.find.call(box.querySelectorAll("[data-endpoint]"), function (li) {
      return li.dataset.endpoint === subscription.endpoint;
    });
  }

  if (!window.isSecureContext || !("serviceWorker" in navigator) || !("PushManager" in window) ||
      !("Notification" in window)) { show("unsupported"); return; }
  if (Notification.permission === "denied") { show("denied"); return; }

  navigator.serviceWorker.ready.then(function (registration) {
    return registration.pushManager.getSubscription().then(function (subscription) {
      const row = subscription && thisDevice(subscription);
      if (row) {
        row.classList.add("this-device");
        // Removing this device also ends the browser's subscription, or it would come back.
        row.querySelector("[data-push-remove]").addEventListener("submit", function (event) {
          event.preventDefault();
          const form = event.target;
          subscription.unsubscribe().finally(function () { form.submit(); });
        });
        show("on");
      } else if (subscription) {
        // Removed from parvis (here or on another device): the browser forgets it too.
        subscription.unsubscribe().finally(function () { show("off"); });
      } else {
        show("off");
      }
    });
  });

  button.addEventListener("click", function () {
    button.disabled = true;
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") { show(permission === "denied" ? "denied" : "off"); return null; }
      return navigator.serviceWorker.ready.then(function (registration) {
        return registration.pushManager.subscribe({userVisibleOnly: true, applicationServerKey: keyBytes(box.dataset.key)});
      }).then(save).then(function () { window.location.reload(); });
    }).catch(function () { show("failed"); }).finally(function () { button.disabled = false; });
  });
})();
