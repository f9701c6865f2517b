// What every page shares, by event delegation on data-* attributes (the
// Content-Security-Policy allows no inline handler, so templates never carry one):
//   <select data-autosubmit>       submits its form when changed (htmx forms too);
//   <form data-confirm="Question"> asks before it is sent, and is not sent on "Cancel";
//   <button class="menu-toggle">   opens the header's navigation on a phone;
//   <button class="switcher-toggle"> (or Ctrl/⌘+K) opens the workspace switcher;
//   <table class="list">           becomes cards on a phone (its cells labelled by column).
(function () {
  "use strict";
  if (window.parvisShared) return;
  window.parvisShared = true;

  // Tables of class "list" become cards on a phone (parvis.css): each cell is labelled
  // with its column's heading. Rows with a cell spanning columns (an empty state) are left.
  function labelTables(root) {
    const tables = root.matches && root.matches("table.list") ? [root] : root.querySelectorAll("table.list");
    tables.forEach(function (table) {
      const heads = Array.from(table.querySelectorAll("thead th")).map(function (th) {
        return th.textContent.replace(/\s+/g, " ").trim();
      });
      if (!heads.length) return;
      table.querySelectorAll("tbody tr").forEach(function (row) {
        const cells = Array.from(row.children);
        if (cells.some(function (cell) { return cell.colSpan > 1; })) return;
        cells.forEach(function (cell, i) {
          if (!cell.hasAttribute("data-label")) cell.setAttribute("data-label", heads[i] || "");
        });
      });
      table.classList.add("cards");
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    labelTables(document);
    // Filters folded for a phone show at once on a wide screen.
    if (window.matchMedia("(min-width: 901px)").matches) {
      document.querySelectorAll("details.more-filters").forEach(function (details) { details.open = true; });
    } else {
      // On a phone the settings' sidebar folds above the page: the page comes first.
      document.querySelectorAll("details.settings-nav").forEach(function (details) { details.open = false; });
    }
  });
  document.addEventListener("htmx:load", function (event) {  // rows swapped in later
    const table = event.target instanceof Element && event.target.closest("table.list");
    labelTables(table || event.target);
  });

  // Installable app: the service worker shows an offline page when the network is gone
  // (browsers allow one only over HTTPS or on this machine).
  if ("serviceWorker" in navigator && window.isSecureContext) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js").catch(function () { /* the app still works without */ });
    });
  }

  // The header's "Menu" button (phones): opens and closes the navigation it controls.
  document.addEventListener("click", function (event) {
    const toggle = event.target instanceof Element && event.target.closest(".menu-toggle");
    if (!toggle) return;
    const header = toggle.closest("header");
    const open = !header.classList.contains("open");
    header.classList.toggle("open", open);
    toggle.setAttribute("aria-expanded", String(open));
  });

  // The workspace switcher: its button (or Ctrl/⌘+K) opens it with the search focused;
  // typing keeps the clients and pages whose name holds the words, accents ignored; Enter
  // opens the first one left, Escape or a click elsewhere closes it.
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  function switcherOpen(panel, open) {
    const toggle = document.querySelector("[aria-controls='" + panel.id + "']");
    panel.hidden = !open;
    if (toggle) toggle.setAttribute("aria-expanded", String(open));
    if (open) {
      const header = panel.closest("header");
      if (header && toggle && toggle.offsetParent === null) header.classList.add("open");  // the phone's menu
      const search = panel.querySelector(".switcher-search");
      search.value = "";  // each opening starts from the whole list
      switcherFilter(panel);
      search.focus();
    }
  }
  function switcherFilter(panel) {
    const words = fold(panel.querySelector(".switcher-search").value).split(/\s+/).filter(Boolean);
    let shown = 0;
    panel.querySelectorAll("section").forEach(function (section) {
      let left = 0;
      section.querySelectorAll("li[data-name]").forEach(function (item) {
        const name = fold(item.dataset.name);
        const keep = words.every(function (word) { return name.includes(word); });
        item.hidden = !keep;
        if (keep) left += 1;
      });
      section.hidden = left === 0;
      shown += left;
    });
    panel.querySelector(".switcher-none").hidden = shown > 0;
  }
  document.addEventListener("click", function (event) {
    const target = event.target instanceof Element ? event.target : null;
    const toggle = target && target.closest(".switcher-toggle");
    document.querySelectorAll(".switcher-panel").forEach(function (panel) {
      if (toggle && toggle.getAttribute("aria-controls") === panel.id) {
        switcherOpen(panel, panel.hidden);
      } else if (!panel.hidden && !(target && panel.contains(target))) {
        switcherOpen(panel, false);
      }
    });
  });
  document.addEventListener("keydown", function (event) {
    const panel = document.querySelector(".switcher-panel");
    if (!panel) return;
    // ⌘K on a Mac, where Ctrl+K deletes to the end of the line in a text field; Ctrl+K elsewhere.
    const mac = /Mac|iPhone|iPad/.test(navigator.platform);
    if ((mac ? event.metaKey : event.ctrlKey) && !event.altKey && event.key.toLowerCase() === "k") {
      event.preventDefault();
      switcherOpen(panel, true);
      return;
    }
    if (panel.hidden || !panel.contains(event.target)) return;
    if (event.key === "Escape") {
      switcherOpen(panel, false);
      const toggle = document.querySelector(".switcher-toggle");
      if (toggle) toggle.focus();
    } else if (event.key === "Enter" && event.target.matches(".switcher-search")) {
      const first = Array.from(panel.querySelectorAll("li[data-name] a")).find(function (link) {
        return link.offsetParent !== null;
      });
      if (first) { event.preventDefault(); first.click(); }
    }
  });
  document.addEventListener("input", function (event) {
    if (event.target instanceof Element && event.target.matches(".switcher-search")) {
      switcherFilter(event.target.closest(".switcher-panel"));
    }
  });

  document.addEventListener("change", function (event) {
    const field = event.target;
    if (!(field instanceof Element) || !field.matches("[data-autosubmit]") || !field.form) return;
    field.form.requestSubmit();  // fires "submit": htmx and data-confirm see it
  });

  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.confirm) return;
    if (!window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);  // capture: decided before htmx or any other listener sends the form
})();
