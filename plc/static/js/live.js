// Chat of a live PLC session (namespace /live, DESIGN §6). User text only ever goes through
// textContent; UI text comes from data-t-* attributes the server translated.
(function () {
  "use strict";
  var root = document.getElementById("chat");
  if (!root || typeof io !== "function") return;
  var d = root.dataset;
  var sid = Number(d.sessionId), me = Number(d.userId), isHost = d.host === "1";
  var state = d.state, readOnly = d.readOnly === "1", muted = d.muted === "1";
  var ACK_MS = 5000, MAX_TRIES = 3, TYPING_MS = 3000, HEARTBEAT_MS = 30000;
  var KEY = "plc-live-last-" + sid, RELOAD_KEY = "plc-live-reload-" + sid;
  var $ = function (id) { return document.getElementById(id); };
  var log = $("chat-log"), form = $("chat-form"), input = $("chat-input"), sendBtn = $("chat-send");
  var banner = $("live-offline"), notice = $("live-notice"), typingEl = $("live-typing");
  var presenceList = $("presence-list"), stateEl = $("session-state"), roEl = $("session-read-only");
  var msgs = {}, pending = {}, typers = {};
  var joined = false, manualOff = false, composing = false, lastTyping = 0;

  function t(name) { return d["t" + name] || ""; }
  function store(key, value) { // sessionStorage may be unavailable (private mode)
    try { if (value === undefined) return sessionStorage.getItem(key); sessionStorage.setItem(key, value); } catch (e) {}
    return null;
  }
  var lastEvent = Math.max(Number(d.lastEvent) || 0, Number(store(KEY)) || 0);

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function button(text, handler, label) {
    var b = el("button", "link-button", text);
    b.type = "button";
    if (label) b.setAttribute("aria-label", label);
    b.addEventListener("click", handler);
    return b;
  }
  var clockFmt = new Intl.DateTimeFormat(d.lang === "th" ? "th-TH" : "en-GB",
    { hour: "2-digit", minute: "2-digit", hour12: false, timeZone: "Asia/Bangkok" });
  function clock(iso) {
    var when = new Date(iso);
    return isNaN(when) ? "" : clockFmt.format(when);
  }
  function newId() {
    var c = window.crypto, r = function () { return Math.random().toString(36).slice(2, 10); };
    return c && c.randomUUID ? c.randomUUID() : "c-" + Date.now().toString(36) + "-" + r() + r() + r();
  }
  function nearBottom() { return log.scrollHeight - log.scrollTop - log.clientHeight < 80; }
  function toBottom() { log.scrollTop = log.scrollHeight; }

  // -- rendering
  function fill(li, m) {
    var own = m.author && m.author.id === me;
    li.className = "msg" + (own ? " own" : "") + (m.deleted ? " deleted" : "");
    li.id = "msg-" + m.id;
    li.dataset.id = m.id;
    li.dataset.event = m.event_id;
    li.textContent = "";
    var head = el("div", "msg-head");
    head.appendChild(el("span", "msg-author", (m.author && m.author.name) || ""));
    var time = el("time", "", clock(m.created_at));
    time.setAttribute("datetime", m.created_at || "");
    head.appendChild(time);
    if (m.edited_at && !m.deleted) head.appendChild(el("span", "msg-edited", "(" + t("Edited") + ")"));
    if (!m.deleted && (own || isHost)) {
      var actions = el("span", "msg-actions");
      if (own) actions.appendChild(button(t("Edit"), function () { startEdit(m.id); }, t("EditLabel")));
      actions.appendChild(button(t("Delete"), function () { remove(m.id); }));
      head.appendChild(actions);
    }
    li.appendChild(head);
    li.appendChild(el("p", "msg-body", m.deleted ? t("Deleted") : m.body));
  }
  function insert(li, id) {
    var before = null, kids = log.children;
    for (var i = 0; i < kids.length; i++) {
      var other = kids[i].dataset.id;
      if (!other || Number(other) > id) { before = kids[i]; break; }
    }
    log.insertBefore(li, before);
  }
  function saveLast(eventId) {
    if (eventId > lastEvent) { lastEvent = eventId; store(KEY, String(lastEvent)); }
  }
  function upsert(m) {
    if (!m || m.session_id !== sid) return;
    saveLast(m.event_id || 0);
    if (m.author && m.author.id === me && pending[m.client_id]) dropPending(m.client_id);
    var bottom = nearBottom(), cur = msgs[m.id];
    if (cur) {
      if ((m.event_id || 0) < (cur.m.event_id || 0)) return;
      cur.m = m;
      if (!cur.editing) fill(cur.li, m);
      return;
    }
    var li = el("li");
    fill(li, m);
    msgs[m.id] = { m: m, li: li, editing: false };
    insert(li, m.id);
    if (bottom) toBottom();
  }

  // -- sending
  function renderPending(p, status, detail) {
    var li = p.li;
    li.className = "msg own pending" + (status === "failed" ? " failed" : "");
    li.textContent = "";
    var head = el("div", "msg-head");
    head.appendChild(el("span", "msg-author", d.userName || ""));
    li.appendChild(head);
    li.appendChild(el("p", "msg-body", p.body));
    var line = el("p", "msg-status", status === "failed" ? (detail || t("NotSent")) :
      status === "waiting" ? t("Waiting") : t("Sending"));
    if (status === "failed") {
      line.appendChild(document.createTextNode(" "));
      line.appendChild(button(t("Retry"), function () { p.tries = 0; p.refused = false; attempt(p); }));
    }
    li.appendChild(line);
  }
  function dropPending(cid) {
    var p = pending[cid];
    delete pending[cid];
    if (p && p.li.parentNode) p.li.parentNode.removeChild(p.li);
  }
  function attempt(p) {
    if (!pending[p.cid] || p.inflight) return;
    if (!joined) { renderPending(p, "waiting"); return; }
    p.tries += 1;
    p.inflight = true;
    renderPending(p, "sending");
    socket.timeout(ACK_MS).emit("send_message", { session_id: sid, body: p.body, client_id: p.cid }, function (err, ack) {
      p.inflight = false;
      if (!pending[p.cid]) return; // the broadcast got here first
      if (err) { // no answer in time: same client_id again, the server keeps one copy
        if (!joined) renderPending(p, "waiting");
        else if (p.tries < MAX_TRIES) attempt(p);
        else renderPending(p, "failed");
        return;
      }
      if (ack && ack.ok) { upsert(ack.message); return; }
      p.refused = true;
      if (ack && ack.error === "muted") { muted = true; updateInput(); }
      if (ack && ack.error === "read_only") { readOnly = true; updateInput(); }
      renderPending(p, "failed", (ack && ack.message) || t("NotSent"));
    });
  }
  function send(body) {
    var p = { cid: newId(), body: body, tries: 0, inflight: false, refused: false, li: el("li") };
    pending[p.cid] = p;
    log.appendChild(p.li);
    renderPending(p, joined ? "sending" : "waiting");
    toBottom();
    attempt(p);
  }
  function flushPending() {
    Object.keys(pending).forEach(function (cid) {
      var p = pending[cid];
      if (!p.refused && !p.inflight) { p.tries = 0; attempt(p); }
    });
  }
  function submit() {
    var body = input.value.trim();
    if (!body || input.disabled) return;
    input.value = "";
    send(body);
    input.focus();
  }

  // -- edit and delete
  function startEdit(id) {
    var cur = msgs[id];
    if (!cur || cur.editing) return;
    cur.editing = true;
    var body = cur.li.querySelector(".msg-body");
    var box = el("div", "msg-edit"), area = el("textarea");
    area.value = cur.m.body;
    area.rows = 2;
    area.maxLength = 2000;
    area.setAttribute("aria-label", t("EditLabel"));
    var status = el("p", "msg-status");
    function close() { cur.editing = false; fill(cur.li, cur.m); var b = cur.li.querySelector(".msg-actions button"); if (b) b.focus(); }
    function save() {
      var text = area.value.trim();
      if (!text || text === cur.m.body) { close(); return; }
      socket.timeout(ACK_MS).emit("edit_message", { session_id: sid, message_id: id, body: text }, function (err, ack) {
        if (!err && ack && ack.ok) { cur.editing = false; upsert(ack.message); fill(cur.li, cur.m); return; }
        status.textContent = (ack && ack.message) || t("Error");
      });
    }
    area.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { e.preventDefault(); close(); }
      if (e.key === "Enter" && !e.shiftKey && !(e.isComposing || composing || e.keyCode === 229)) { e.preventDefault(); save(); }
    });
    box.appendChild(area);
    box.appendChild(button(t("Save"), save));
    box.appendChild(button(t("Cancel"), close));
    box.appendChild(status);
    cur.li.replaceChild(box, body);
    area.focus();
  }
  function remove(id) {
    if (!window.confirm(t("ConfirmDelete"))) return;
    socket.timeout(ACK_MS).emit("delete_message", { session_id: sid, message_id: id }, function (err, ack) {
      if (!err && ack && ack.ok) upsert(ack.message);
      else setBanner((ack && ack.message) || t("Error"));
    });
  }

  // -- state, presence, typing
  function setBanner(text) {
    banner.textContent = text || "";
    banner.hidden = !text;
  }
  function updateInput() {
    var canWrite = state === "live" && (!readOnly || isHost) && !muted;
    input.disabled = sendBtn.disabled = !canWrite;
    var text = state === "scheduled" ? t("NoticeScheduled") : state === "ended" ? t("NoticeEnded") :
      muted ? t("NoticeMuted") : (readOnly && !isHost) ? t("NoticeReadOnly") : "";
    notice.textContent = text;
    notice.hidden = !text;
  }
  function applyState(s) {
    if (!s || s.session_id !== sid) return;
    var before = state;
    state = s.state;
    readOnly = !!s.read_only;
    if (stateEl) {
      stateEl.textContent = t("State" + state.charAt(0).toUpperCase() + state.slice(1)) || state;
      stateEl.className = "badge live-state state-" + state;
    }
    if (roEl) roEl.hidden = !readOnly || state === "ended";
    updateInput();
    if (before === "scheduled" && state === "live" && joined) join(); // opens this visit's attendance
  }
  function renderPresence(list) {
    presenceList.textContent = "";
    var seen = {};
    (list || []).forEach(function (p) {
      if (seen[p.id]) return;
      seen[p.id] = true;
      var li = el("li", "", p.name);
      li.dataset.userId = p.id;
      presenceList.appendChild(li);
    });
    if (!presenceList.children.length) presenceList.appendChild(el("li", "muted", t("Nobody")));
  }
  function renderTyping() {
    var now = Date.now(), names = [];
    Object.keys(typers).forEach(function (id) {
      if (typers[id].until > now) names.push(typers[id].name); else delete typers[id];
    });
    typingEl.textContent = names.length ? t("Typing").replace("{name}", names.join(", ")) : "";
  }

  // -- the socket
  var socket = io("/live", {
    transports: ["websocket", "polling"],
    tryAllTransports: true,
    auth: function (cb) {
      var meta = document.querySelector('meta[name="csrf-token"]');
      cb({ csrf_token: meta ? meta.getAttribute("content") : "" });
    },
    reconnection: true,
    reconnectionDelay: 1000,
    reconnectionDelayMax: 30000,
    randomizationFactor: 0.5,
    timeout: 10000
  });

  function reloadOnce() {
    var last = Number(store(RELOAD_KEY)) || 0;
    if (Date.now() - last < 60000) return false;
    store(RELOAD_KEY, String(Date.now()));
    location.reload();
    return true;
  }
  function join() {
    joined = false;
    socket.timeout(2 * ACK_MS).emit("join", { session_id: sid, since_id: lastEvent }, function (err, ack) {
      if (err) { if (socket.connected) setTimeout(join, 1000); return; }
      if (!ack || !ack.ok) { setBanner((ack && ack.message) || t("Error")); return; }
      if (ack.truncated && reloadOnce()) return; // too much missed: the page brings the latest history
      (ack.messages || []).forEach(upsert);
      applyState(ack.state);
      renderPresence(ack.presence);
      joined = true;
      setBanner(navigator.onLine === false ? t("Offline") : "");
      flushPending();
    });
  }
  function lost() { setBanner(navigator.onLine === false || manualOff ? t("Offline") : t("Reconnecting")); }
  socket.on("connect", join);
  socket.on("disconnect", function (reason) {
    joined = false;
    lost();
    if (reason === "io server disconnect") setTimeout(function () { location.reload(); }, 2000);
  });
  socket.on("connect_error", function (error) {
    lost();
    if (!socket.active && error && error.message === "unauthorized") reloadOnce();
  });
  socket.on("message", upsert);
  socket.on("message_deleted", upsert);
  socket.on("session_state", applyState);
  socket.on("muted", function (data) {
    if (!data || data.session_id !== sid) return;
    muted = !!data.muted;
    updateInput();
  });
  socket.on("presence", function (p) { if (p && p.session_id === sid) renderPresence(p.present); });
  socket.on("typing", function (data) {
    if (!data || data.session_id !== sid || !data.user || data.user.id === me) return;
    typers[data.user.id] = { name: data.user.name, until: Date.now() + TYPING_MS + 1000 };
    renderTyping();
    setTimeout(renderTyping, TYPING_MS + 1100);
  });

  // The browser knows first when the network is gone: say so, and reconnect as soon as it is back.
  window.addEventListener("offline", function () {
    manualOff = true;
    setBanner(t("Offline"));
    if (socket.connected) socket.disconnect();
    joined = false;
  });
  window.addEventListener("online", function () {
    manualOff = false;
    setBanner(t("Reconnecting"));
    if (!socket.connected) socket.connect();
  });
  setInterval(function () {
    if (joined) socket.emit("heartbeat", { session_id: sid });
    else if (!socket.connected && !socket.active && navigator.onLine !== false) socket.connect();
  }, HEARTBEAT_MS);

  // -- the input (Thai IME aware)
  root.addEventListener("compositionstart", function () { composing = true; });
  root.addEventListener("compositionend", function () { composing = false; });
  input.addEventListener("keydown", function (e) {
    if (e.key !== "Enter" || e.shiftKey) return;
    if (e.isComposing || composing || e.keyCode === 229) return; // Enter that ends a composition
    e.preventDefault();
    submit();
  });
  input.addEventListener("input", function () {
    var now = Date.now();
    if (joined && now - lastTyping > TYPING_MS && input.value.trim()) {
      lastTyping = now;
      socket.emit("typing", { session_id: sid });
    }
  });
  form.addEventListener("submit", function (e) { e.preventDefault(); submit(); });

  // Take over the messages the server rendered, then show the form.
  Array.prototype.slice.call(log.querySelectorAll("li.msg")).forEach(function (li) {
    var body = li.querySelector(".msg-body"), deleted = li.classList.contains("deleted");
    var m = {
      id: Number(li.dataset.id), event_id: Number(li.dataset.event), session_id: sid,
      author: { id: li.dataset.authorId ? Number(li.dataset.authorId) : null, name: li.dataset.author || "" },
      client_id: li.dataset.clientId, created_at: li.dataset.created, edited_at: li.dataset.edited || null,
      deleted: deleted, body: deleted || !body ? "" : body.textContent
    };
    log.removeChild(li);
    upsert(m);
  });
  form.hidden = false;
  updateInput();
  toBottom();
  if (navigator.onLine === false) setBanner(t("Offline"));
})();
