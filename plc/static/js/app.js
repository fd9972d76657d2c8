// Progressive enhancements only: every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrfToken = meta ? meta.getAttribute("content") : "";

  // htmx requests carry the CSRF token like forms do.
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRFToken"] = csrfToken;
  });

  // Invitation links: select the whole link when the field gets focus, for easy copying.
  document.addEventListener("focusin", function (event) {
    var el = event.target;
    if (el && el.hasAttribute && el.hasAttribute("data-select-on-focus")) {
      el.select();
    }
  });

  // Logging out forgets the reflection drafts kept on this device: school computers are shared.
  // (Autosave has already sent them to the server while the connection was up.)
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var prefix = form && form.getAttribute && form.getAttribute("data-clear-device-drafts");
    if (!prefix) {
      return;
    }
    try {
      for (var i = window.localStorage.length - 1; i >= 0; i--) {
        var key = window.localStorage.key(i);
        if (key && prefix.split(/\s+/).some(function (p) { return p && key.indexOf(p) === 0; })) {
          window.localStorage.removeItem(key);
        }
      }
    } catch (e) { /* storage unavailable: nothing kept */ }
  });

  // A form that removes something asks first (data-confirm holds the question).
  document.addEventListener("submit", function (event) {
    var question = event.target && event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  // On narrow screens the main menu folds behind a button.
  var toggle = document.querySelector(".menu-toggle");
  var nav = document.getElementById("main-nav");
  if (toggle && nav) {
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
})();
