// The exports page: while a job is queued or being prepared, asks its status every 2 seconds and
// moves its progress bar; when it has finished, reloads the page to show the download link (or the
// error). Without this file the row's "Refresh" link does the same by hand.
(function () {
  "use strict";
  var INTERVAL = 2000;

  function poll(row) {
    var url = row.getAttribute("data-status-url");
    var bar = row.querySelector("[data-export-progress]");
    var label = row.querySelector("[data-export-label]");
    var text = row.querySelector("[data-export-text]");
    var refresh = row.querySelector("[data-export-refresh]");
    if (refresh) refresh.hidden = true;

    function tick() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.json();
        })
        .then(function (state) {
          if (!state.active) {
            window.location.reload();
            return;
          }
          if (bar) {
            bar.max = state.total || 1;
            bar.value = state.done;
            bar.textContent = state.percent + "%";
          }
          if (label) label.textContent = state.status_label;
          if (text) text.textContent = state.done + " / " + state.total;
          window.setTimeout(tick, INTERVAL);
        })
        .catch(function () {
          if (refresh) refresh.hidden = false;
        });
    }
    window.setTimeout(tick, INTERVAL);
  }

  document.querySelectorAll("tr[data-status-url]").forEach(poll);
})();
