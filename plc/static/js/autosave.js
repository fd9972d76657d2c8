// Autosave for reflection logs, for slow and dropping rural connections.
//
// Every change is kept at once in localStorage (one key per user and reflection, or per new draft);
// every ~5 seconds, when something changed and the browser is online, the form is posted to the
// server's autosave URL, which keeps the draft. The status line says whether the text is saved on
// the server, on this device only, or offline. After a reload or a dropped connection, a device copy
// that is newer than the server's is put back into the form. A successful normal save clears it (the
// page it leads to carries data-autosave-clear). Works without this file: the form posts as usual.
(function () {
  "use strict";

  var INTERVAL = 5000;

  function storage() {
    try {
      var probe = "plc-autosave-probe";
      window.localStorage.setItem(probe, "1");
      window.localStorage.removeItem(probe);
      return window.localStorage;
    } catch (e) {
      return null;
    }
  }

  var store = storage();

  // After a successful save the server names the device copies that are no longer needed.
  Array.prototype.forEach.call(document.querySelectorAll("[data-autosave-clear]"), function (el) {
    (el.getAttribute("data-autosave-clear") || "").split(/\s+/).forEach(function (key) {
      if (key && store) {
        store.removeItem(key);
      }
    });
  });

  var form = document.querySelector("form[data-autosave-key]");
  if (!form) {
    return;
  }

  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrfToken = meta ? meta.getAttribute("content") : "";
  var key = form.getAttribute("data-autosave-key");
  var url = form.getAttribute("data-autosave-url");
  var serverSavedAt = Date.parse(form.getAttribute("data-server-saved-at") || "") || 0;
  var statusEl = document.getElementById(form.getAttribute("data-autosave-status") || "");
  var SKIP = { csrf_token: true, draft_key: true, action: true };

  var dirty = false;
  var version = 0;
  var inFlight = false;

  function message(name) {
    return form.getAttribute("data-msg-" + name) || "";
  }

  function setStatus(text) {
    if (statusEl) {
      statusEl.textContent = text;
    }
  }

  function clock(date) {
    var h = String(date.getHours()).padStart(2, "0");
    var m = String(date.getMinutes()).padStart(2, "0");
    return h + ":" + m;
  }

  function controls() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && !SKIP[el.name] && el.type !== "submit" && el.type !== "button" && el.type !== "file";
    });
  }

  function snapshot() {
    var data = {};
    controls().forEach(function (el) {
      if (el.type === "radio" || el.type === "checkbox") {
        if (el.checked) {
          data[el.name] = el.value;
        } else if (!(el.name in data)) {
          data[el.name] = null;
        }
      } else {
        data[el.name] = el.value;
      }
    });
    return data;
  }

  function apply(data) {
    controls().forEach(function (el) {
      if (!(el.name in data)) {
        return;
      }
      var value = data[el.name];
      if (el.type === "radio" || el.type === "checkbox") {
        el.checked = value !== null && el.value === value;
      } else if (el.tagName === "SELECT") {
        var known = Array.prototype.some.call(el.options, function (o) { return o.value === value; });
        if (known) {
          el.value = value;
        }
      } else if (typeof value === "string") {
        el.value = value;
      }
    });
  }

  function read(storageKey) {
    if (!store) {
      return null;
    }
    try {
      var parsed = JSON.parse(store.getItem(storageKey) || "null");
      return parsed && parsed.data ? parsed : null;
    } catch (e) {
      return null;
    }
  }

  function keep() {
    if (!store) {
      return false;
    }
    try {
      store.setItem(key, JSON.stringify({
        savedAt: Date.now(), serverSavedAt: serverSavedAt, pending: dirty, data: snapshot()
      }));
      return true;
    } catch (e) {
      return false; // quota full or storage disabled: the server copy still works
    }
  }

  function localStatus() {
    setStatus(navigator.onLine === false ? message("offline") : message("local"));
  }

  function firstError(body) {
    var errors = body && body.errors;
    if (!errors) {
      return "";
    }
    for (var name in errors) {
      if (Object.prototype.hasOwnProperty.call(errors, name) && errors[name] && errors[name].length) {
        return String(errors[name][0]);
      }
    }
    return "";
  }

  function adopt(body) {
    // A new draft now exists on the server: later saves and the final submit go to it.
    if (body.storage_key && body.storage_key !== key) {
      if (store) {
        store.removeItem(key);
      }
      key = body.storage_key;
      form.setAttribute("data-autosave-key", key);
    }
    if (body.autosave_url) {
      url = body.autosave_url;
      form.setAttribute("data-autosave-url", url);
    }
    if (body.edit_url && form.getAttribute("action") !== body.edit_url) {
      form.setAttribute("action", body.edit_url);
      if (window.history && window.history.replaceState) {
        window.history.replaceState(null, "", body.edit_url);
      }
    }
  }

  function send() {
    if (inFlight || !dirty || !url || navigator.onLine === false) {
      return;
    }
    inFlight = true;
    var sent = version;
    setStatus(message("saving"));
    fetch(url, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken, "Accept": "application/json" }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        return { ok: response.ok, body: body };
      });
    }).then(function (result) {
      if (result.ok && result.body && result.body.ok) {
        serverSavedAt = Date.parse(result.body.saved_at) || Date.now();
        adopt(result.body);
        if (version === sent) {
          dirty = false;
        }
        keep();
        setStatus(message("saved") + " · " + clock(new Date()));
      } else {
        var why = firstError(result.body);
        setStatus(message("local") + (why ? " – " + why : ""));
      }
    }).catch(function () {
      localStatus();
    }).then(function () {
      inFlight = false;
    });
  }

  function changed() {
    dirty = true;
    version += 1;
    keep();
    localStatus();
  }

  // Put back what this device kept if it is newer than what the server has.
  var saved = read(key);
  if (saved && saved.pending) {
    var differs = JSON.stringify(saved.data) !== JSON.stringify(snapshot());
    var newer = saved.savedAt > serverSavedAt || (saved.serverSavedAt || 0) >= serverSavedAt;
    if (differs && newer) {
      apply(saved.data);
      dirty = true;
      version += 1;
      setStatus(message("restored"));
    }
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  window.addEventListener("online", send);
  window.addEventListener("offline", localStatus);
  window.setInterval(send, INTERVAL);
})();
