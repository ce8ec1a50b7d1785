// Small progressive enhancements: SLA countdowns, select-all, and showing htmx errors.
(function () {
  "use strict";
  var en = document.documentElement.lang === "en";

  function describe(ms) {
    var overdue = ms < 0, s = Math.floor(Math.abs(ms) / 1000);
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    var span = (h > 0 ? h + "h " : "") + m + "m";
    if (overdue) return en ? "overdue " + span : "quá hạn " + span;
    return en ? span + " left" : "còn " + span;
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-due]").forEach(function (el) {
      var due = Date.parse(el.getAttribute("data-due"));
      if (isNaN(due)) return;
      var ms = due - now;
      el.textContent = describe(ms);
      el.classList.toggle("sla-overdue", ms < 0);
      el.classList.toggle("sla-soon", ms >= 0 && ms < 4 * 3600 * 1000);
    });
  }

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("[data-select-all]")) return;
    var form = box.closest("form") || document;
    form.querySelectorAll("input[type=checkbox][name='" + box.getAttribute("data-select-all") + "']")
      .forEach(function (item) { item.checked = box.checked; });
  });

  // Error fragments come back with HX-Retarget (the flash area); htmx skips swapping 4xx/5xx
  // unless told, so tell it, and the message is read out by the live region.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr.status >= 400 && xhr.getResponseHeader("HX-Retarget")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // The queue refreshes itself only while nobody is selecting or typing in it.
  window.vigilIdle = function () {
    if (document.querySelector("input[name=case_ids]:checked")) return false;
    var active = document.activeElement;
    return !(active && active.closest && active.closest("#queue-rows, #bulk-form"));
  };

  document.addEventListener("DOMContentLoaded", function () { tick(); setInterval(tick, 1000); });
  document.addEventListener("htmx:afterSettle", tick);
})();
