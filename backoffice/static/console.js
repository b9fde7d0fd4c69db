/*
 * Pitlane advisor console. Plain script, no build step, CSP-friendly (no inline code, no
 * eval). The page is rendered by the server; this script fills the queue and the
 * conversations from /ws/console snapshots and acts through the JSON API with the session's
 * CSRF token. Text from customers, the bot or advisors is only ever set with textContent.
 * Served after the shared helpers `dom` and `i18n` (channels/static/shared/) and the texts of
 * both languages (channels/static/i18n/), in one function scope (channels/script_bundle.py).
 */
(function () {
  "use strict";

  var root = document.querySelector('[data-console="root"]');
  if (!root) return;

  var LANG = document.documentElement.lang === "en" ? "en" : "fr";
  var CSRF = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var ROLE = root.getAttribute("data-role");
  var STAFF_ID = Number(root.getAttribute("data-staff-id"));
  var HEARTBEAT_MS = 30000;
  var MAX_CHARS = 2000;
  var PREVIEW = 3;

  var t = i18n.translator(LANG, "console"); // its texts (channels/static/i18n/)
  var LOCALE = t.locale;
  var el = dom.el;

  // ---- small helpers (the DOM helper `dom` is shared: text goes in as text) ----
  function hook(name, scope) {
    return (scope || document).querySelector('[data-console="' + name + '"]');
  }

  function customerName(request) {
    return request.customer_name || t("anonymous");
  }

  function shortId(id) {
    id = String(id);
    return id.length > 12 ? id.slice(0, 8) + "…" : id;
  }

  // "Site web · FR · #1b2c3d4e…": where the customer writes from, in which language.
  function origin(request) {
    var parts = [channelName(request.channel)];
    if (request.language) parts.push(request.language.toUpperCase());
    parts.push("#" + shortId(request.external_id));
    return parts.join(" · ");
  }

  function channelName(channel) {
    return t.has("channels." + channel) ? t("channels." + channel) : channel;
  }

  function clock(iso) {
    return new Date(iso).toLocaleTimeString(LOCALE, { hour: "2-digit", minute: "2-digit" });
  }

  function day(iso) {
    return new Date(iso).toLocaleString(LOCALE, {
      day: "numeric",
      month: "short",
      hour: "2-digit",
      minute: "2-digit",
    });
  }

  function duration(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var h = Math.floor(seconds / 3600);
    var m = Math.floor((seconds % 3600) / 60);
    var s = seconds % 60;
    if (h) return h + " h " + String(m).padStart(2, "0") + " min";
    if (m) return m + " min " + String(s).padStart(2, "0") + " s";
    return s + " s";
  }

  var noticeTimer = null;
  function notice(text, kind) {
    var box = hook("notice");
    box.textContent = text;
    box.setAttribute("data-kind", kind || "error");
    box.hidden = false;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(function () {
      box.hidden = true;
    }, 6000);
  }

  // ---- JSON API ----
  function api(method, path, body) {
    var headers = { Accept: "application/json", "X-CSRF-Token": CSRF };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    return fetch(path, {
      method: method,
      credentials: "same-origin",
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(function (response) {
      return response
        .json()
        .catch(function () {
          return null;
        })
        .then(function (data) {
          if (response.status === 401) location.assign("/staff/login");
          if (!response.ok) {
            var error = (data && data.error) || {};
            throw { status: response.status, code: error.code, message: error.message };
          }
          return data;
        });
    });
  }

  function failed(error) {
    var known = {
      already_taken: t("alreadyTaken"),
      advisor_full: t("advisorFull"),
      invalid_transition: t("notPending"),
      advisor_unavailable: t("transferUnavailable"),
      conversation_moved: t("transferMoved"),
      not_your_conversation: t("transferMoved"),
    };
    notice(known[error && error.code] || (error && error.message) || t("error"));
  }

  // ---- messages (queue previews, conversations, closed transcripts) ----
  function messageItem(message, request) {
    var who = {
      customer: customerName(request),
      bot: t("bot"),
      advisor: message.author || t("advisor"),
      system: t("system"),
    }[message.role] || t("system");
    var item = el("li", {
      class: "msg msg-" + message.role,
      "data-console": "message",
      "data-role": message.role,
      "data-message-id": message.id,
    });
    var head = el("p", { class: "msg-head" });
    head.appendChild(el("span", { class: "msg-who" }, who));
    head.appendChild(el("time", { datetime: message.created_at }, clock(message.created_at)));
    item.appendChild(head);
    if (message.text) item.appendChild(el("p", { class: "msg-text", "data-console": "message-text" }, message.text));
    (message.attachments || []).forEach(function (file) {
      item.appendChild(attachmentItem(file));
    });
    if (message.agencies && message.agencies.length) {
      item.appendChild(el("p", { class: "msg-text msg-agencies", "data-console": "agencies" }, t("agenciesShown", { names: message.agencies.join(", ") })));
    }
    if (message.buttons && message.buttons.length) {
      item.appendChild(el("p", { class: "msg-buttons" }, t("options", { options: message.buttons.join(" · ") })));
    }
    return item;
  }

  // A customer's photo inline (the staff-only file route), another file as a link, a
  // shared place as its coordinates.
  function attachmentItem(file) {
    if (file.kind === "location") {
      var place = t("place", { lat: Number(file.latitude).toFixed(5), lon: Number(file.longitude).toFixed(5) });
      return el("p", { class: "msg-text msg-place", "data-console": "place" }, place);
    }
    var link = el("a", { class: "msg-file", href: file.url, target: "_blank", rel: "noopener", "data-console": "attachment" });
    if (file.kind === "image") {
      link.appendChild(el("img", { class: "msg-photo", src: file.url, alt: t("photo"), loading: "lazy" }));
    } else {
      link.textContent = t("file");
    }
    return link;
  }

  function fillTranscript(list, request, messages) {
    dom.clear(list);
    logEntries(request, messages).forEach(function (entry) {
      list.appendChild(entry.node());
    });
    if (!messages.length) list.appendChild(el("li", { class: "msg-none" }, t("noMessage")));
  }

  // --- staff notes and transfers (issue 17, item 6): in the log among the messages, by time;
  // never sent to the customer (backoffice/api/handoffs.py)
  function noteItem(note) {
    var transfer = note.kind === "transfer";
    var item = el("li", {
      class: "msg msg-note" + (transfer ? " msg-transfer" : ""),
      "data-console": "note",
      "data-note-kind": note.kind,
      "data-note-id": note.id,
    });
    var head = el("p", { class: "msg-head" });
    var who = transfer
      ? t("transferredNote", { from: note.author_name || t("advisor"), to: note.transferred_to || t("advisor") })
      : t("staffNote", { name: note.author_name || t("advisor") });
    head.appendChild(el("span", { class: "msg-who" }, who));
    head.appendChild(el("time", { datetime: note.created_at }, clock(note.created_at)));
    item.appendChild(head);
    if (note.text) item.appendChild(el("p", { class: "msg-text", "data-console": "note-text" }, note.text));
    return item;
  }

  // The request's messages and notes in time order, each with its key in a log's `shown`.
  function logEntries(request, messages) {
    var entries = (messages || []).map(function (message) {
      return { key: "m" + message.id, at: message.created_at, node: function () { return messageItem(message, request); }, message: message };
    });
    (request.notes || []).forEach(function (note) {
      entries.push({ key: "n" + note.id, at: note.created_at, node: function () { return noteItem(note); } });
    });
    return entries.sort(function (a, b) {
      return a.at < b.at ? -1 : a.at > b.at ? 1 : 0;
    });
  }

  // ---- the queue ----
  var queueItems = new Map(); // request id -> {node, request, base, since}

  function renderQueue(requests) {
    var list = hook("queue");
    var seen = new Set();
    requests.forEach(function (request, index) {
      seen.add(request.id);
      var entry = queueItems.get(request.id);
      if (!entry) {
        entry = { node: queueItem(request) };
        queueItems.set(request.id, entry);
      }
      entry.request = request;
      entry.base = request.waiting_seconds;
      entry.since = performance.now();
      updateQueueItem(entry);
      if (list.children[index] !== entry.node) list.insertBefore(entry.node, list.children[index] || null);
    });
    queueItems.forEach(function (entry, id) {
      if (!seen.has(id)) {
        entry.node.remove();
        queueItems.delete(id);
      }
    });
    requests.forEach(function (request) {
      if (alerted.has(request.id)) return;
      alerted.add(request.id);
      if (!firstQueue) alertOf(t("newRequest", { name: customerName(request) }), requestPreview(request), request.id);
    });
    firstQueue = false;
    showQueueSize();
    tickWaiting();
  }

  function queueItem(request) {
    var node = el("li", { class: "request", "data-console": "queue-item", "data-request-id": request.id });
    var head = el("div", { class: "request-head" });
    head.appendChild(el("strong", { class: "request-name", "data-console": "customer-name" }));
    head.appendChild(el("span", { class: "wait", "data-console": "waiting", title: t("waiting") }));
    node.appendChild(head);
    var meta = el("p", { class: "chips" });
    meta.appendChild(el("span", { class: "chip", "data-console": "channel" }));
    meta.appendChild(el("span", { class: "chip", "data-console": "language" }));
    meta.appendChild(el("span", { class: "chip chip-id", "data-console": "external-id" }));
    node.appendChild(meta);
    node.appendChild(el("ol", { class: "preview", "data-console": "transcript-preview" }));
    var details = el("details", { class: "full" });
    details.appendChild(el("summary", { "data-console": "transcript-toggle" }, t("fullTranscript")));
    details.appendChild(el("ol", { class: "transcript", "data-console": "transcript" }));
    node.appendChild(details);

    var actions = el("div", { class: "actions" });
    var accept = el("button", { type: "button", class: "btn", "data-console": "accept" }, t("accept"));
    var refuse = el("button", { type: "button", class: "btn btn-ghost", "data-console": "refuse" }, t("refuse"));
    actions.appendChild(accept);
    actions.appendChild(refuse);
    node.appendChild(actions);

    var form = el("form", { class: "refuse-form", "data-console": "refuse-form", hidden: true });
    var label = el("label", { class: "field" }, t("refuseReason"));
    var hintId = "refuse-hint-" + request.id;
    var reason = el("input", { type: "text", maxlength: 500, "data-console": "refuse-reason", "aria-describedby": hintId });
    label.appendChild(reason);
    form.appendChild(label);
    // the reason reaches the customer as typed: the advisor is told before writing it
    form.appendChild(el("p", { class: "hint", id: hintId, "data-console": "refuse-hint" }, t("refuseHint")));
    var row = el("div", { class: "actions" });
    row.appendChild(el("button", { type: "submit", class: "btn btn-danger", "data-console": "refuse-confirm" }, t("refuseConfirm")));
    var cancel = el("button", { type: "button", class: "btn btn-ghost", "data-console": "refuse-cancel" }, t("cancel"));
    row.appendChild(cancel);
    form.appendChild(row);
    node.appendChild(form);

    accept.addEventListener("click", function () {
      acceptRequest(request.id, accept);
    });
    refuse.addEventListener("click", function () {
      form.hidden = false;
      actions.hidden = true;
      reason.focus();
    });
    cancel.addEventListener("click", function () {
      form.hidden = true;
      actions.hidden = false;
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      refuseRequest(request.id, reason.value.trim());
    });
    return node;
  }

  function updateQueueItem(entry) {
    var request = entry.request;
    var node = entry.node;
    hook("customer-name", node).textContent = customerName(request);
    hook("channel", node).textContent = channelName(request.channel);
    hook("language", node).textContent = (request.language || "").toUpperCase();
    hook("language", node).hidden = !request.language;
    hook("external-id", node).textContent = "#" + shortId(request.external_id);
    hook("external-id", node).title = request.external_id;
    var messages = request.transcript || [];
    var last = messages.length ? messages[messages.length - 1].id : 0;
    if (node.getAttribute("data-last-message") === String(last)) return;
    node.setAttribute("data-last-message", String(last));
    fillTranscript(hook("transcript-preview", node), request, messages.slice(-PREVIEW));
    fillTranscript(hook("transcript", node), request, messages);
  }

  function tickWaiting() {
    var now = performance.now();
    queueItems.forEach(function (entry) {
      var seconds = entry.base + (now - entry.since) / 1000;
      hook("waiting", entry.node).textContent = duration(seconds);
    });
  }

  function acceptRequest(id, button) {
    button.disabled = true;
    api("POST", "/api/handoffs/" + id + "/accept")
      .then(function (request) {
        dropFromQueue(id);
        showConversation(request, true);
      })
      .catch(function (error) {
        button.disabled = false;
        failed(error);
        if (error && (error.code === "already_taken" || error.code === "invalid_transition")) dropFromQueue(id);
      });
  }

  function refuseRequest(id, reason) {
    api("POST", "/api/handoffs/" + id + "/refuse", { reason: reason || null })
      .then(function (request) {
        dropFromQueue(id);
        notice(t("refused", { name: customerName(request) }), "info");
      })
      .catch(failed);
  }

  function dropFromQueue(id) {
    var entry = queueItems.get(id);
    if (!entry) return;
    entry.node.remove();
    queueItems.delete(id);
    showQueueSize();
  }

  function showQueueSize() {
    var count = hook("queue-count");
    count.textContent = String(queueItems.size);
    count.toggleAttribute("data-zero", queueItems.size === 0);
    hook("queue-empty").hidden = queueItems.size > 0;
    updateTitle();
  }

  // ---- alerts: a sound, a desktop notification while the tab is in the background, and
  // the number of waiting requests and unread customer messages in the tab's title ----
  var SOUND_KEY = "pitlane.console.sound";
  var BASE_TITLE = document.title;
  var alerted = new Set(); // requests already announced (a reconnection repeats the queue)
  var firstQueue = true; // the queue found on opening the console is no news
  var prefs = (function () {
    try {
      return window.localStorage;
    } catch (error) {
      return null;
    }
  })();
  var soundOn = !prefs || prefs.getItem(SOUND_KEY) !== "off";
  var audio = null;

  function beep() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!soundOn || !Context) return;
    try {
      audio = audio || new Context();
      if (audio.state === "suspended") audio.resume();
      var tone = audio.createOscillator();
      var gain = audio.createGain();
      tone.frequency.value = 880;
      gain.gain.value = 0.08;
      tone.connect(gain);
      gain.connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.15);
    } catch (error) {
      // no sound device: the title and the notification still tell
    }
  }

  function notifyDesktop(title, body, id) {
    if (!document.hidden || !window.Notification || Notification.permission !== "granted") return;
    try {
      var note = new Notification(title, { body: body, tag: "pitlane-" + id, lang: LANG });
      note.onclick = function () {
        window.focus();
        if (conversations.has(id)) select(id);
        note.close();
      };
    } catch (error) {
      // a browser that only shows notifications from a service worker: the title tells
    }
  }

  function alertOf(title, body, id) {
    beep();
    notifyDesktop(title, String(body).slice(0, 120), id);
  }

  function requestPreview(request) {
    var said = (request.transcript || []).filter(function (m) {
      return m.role === "customer";
    });
    return said.length ? said[said.length - 1].text || "" : "";
  }

  function markUnread(conversation, more) {
    conversation.unread = more ? (conversation.unread || 0) + more : 0;
    var badge = hook("unread", conversation.tab);
    badge.textContent = conversation.unread > 99 ? "99+" : String(conversation.unread);
    badge.hidden = !conversation.unread;
    updateTitle();
  }

  function updateTitle() {
    var waiting = queueItems.size;
    conversations.forEach(function (conversation) {
      waiting += conversation.unread || 0;
    });
    document.title = (waiting ? "(" + waiting + ") " : "") + BASE_TITLE;
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && conversations.has(active)) markUnread(conversations.get(active), 0);
  });

  function setupAlerts() {
    var availability = hook("availability").closest("section");
    var panel = el("section", { class: "panel alerts-panel", "aria-labelledby": "alerts-title" });
    panel.appendChild(el("h2", { id: "alerts-title" }, t("alerts")));
    var label = el("label", { class: "switch" });
    var box = el("input", { type: "checkbox", role: "switch", "data-console": "sound" });
    box.checked = soundOn;
    label.appendChild(box);
    label.appendChild(el("span", { class: "switch-track", "aria-hidden": "true" }));
    label.appendChild(el("span", {}, t("sound")));
    box.addEventListener("change", function () {
      soundOn = box.checked;
      if (prefs) prefs.setItem(SOUND_KEY, soundOn ? "on" : "off");
      beep(); // the sound it will make (and the browser's permission to play it)
    });
    // Asked once, on the advisor's click (browsers refuse to ask otherwise); the browser
    // remembers the answer, which is then only shown.
    var desktop = el("button", { type: "button", class: "btn btn-small", "data-console": "desktop-alerts" }, t("desktopAsk"));
    var answered = el("p", { class: "hint", "data-console": "desktop-alerts-state" });
    function showPermission() {
      var state = window.Notification ? Notification.permission : "denied";
      desktop.hidden = state !== "default";
      answered.hidden = state === "default";
      answered.textContent = t(state === "granted" ? "desktopOn" : "desktopDenied");
    }
    desktop.addEventListener("click", function () {
      Notification.requestPermission().then(showPermission, showPermission);
    });
    showPermission();
    panel.appendChild(label);
    panel.appendChild(desktop);
    panel.appendChild(answered);
    availability.parentNode.insertBefore(panel, availability.nextSibling);
  }

  // ---- conversations in progress ----
  var conversations = new Map(); // request id -> {request, tab, panel, log, shown:Set}
  var active = null; // request id or "closed"

  function showConversation(request, focus) {
    if (request.status !== "accepted" || (request.advisor_id && request.advisor_id !== STAFF_ID)) {
      endConversation(request); // closed, or handed to a colleague
      return;
    }
    var known = conversations.has(request.id); // an opening snapshot alerts nobody
    var conversation = conversations.get(request.id) || openConversation(request);
    conversation.request = request;
    hook("customer-name", conversation.tab).textContent = customerName(request);
    hook("customer-name", conversation.panel).textContent = customerName(request);
    hook("conversation-meta", conversation.panel).textContent =
      origin(request) +
      (request.accepted_at ? " · " + t("acceptedAt", { time: clock(request.accepted_at) }) : "");
    var fresh = [];
    logEntries(request, request.transcript).forEach(function (entry) {
      if (conversation.shown.has(entry.key)) return;
      conversation.shown.add(entry.key);
      conversation.log.appendChild(entry.node());
      if (entry.message && entry.message.role === "customer") fresh.push(entry.message);
    });
    typingIndicators.sync(conversation, fresh.length > 0);
    conversation.log.scrollTop = conversation.log.scrollHeight;
    if (focus || active === null) select(request.id);
    if (known && fresh.length) contextNews(request.id); // customer context panel
    if (known && fresh.length && (active !== request.id || document.hidden)) {
      markUnread(conversation, fresh.length);
      var last = fresh[fresh.length - 1];
      alertOf(t("newMessage", { name: customerName(request) }), last.text || "", request.id);
    }
    updateEmptyState();
  }

  function openConversation(request) {
    var id = request.id;
    var tab = el("button", {
      type: "button",
      class: "tab",
      role: "tab",
      id: "tab-" + id,
      "aria-controls": "panel-" + id,
      "aria-selected": "false",
      "data-console": "tab",
      "data-tab": id,
    });
    tab.appendChild(el("span", { "data-console": "customer-name" }));
    tab.appendChild(el("span", { class: "unread", "data-console": "unread", title: t("unread"), hidden: true }, ""));
    hook("tabs").insertBefore(tab, hook("tabs").lastElementChild);

    var panel = el("section", {
      class: "conversation",
      role: "tabpanel",
      id: "panel-" + id,
      "aria-labelledby": "tab-" + id,
      "data-console": "conversation",
      "data-request-id": id,
      hidden: true,
    });
    var head = el("header", { class: "conversation-head" });
    var title = el("div");
    title.appendChild(el("h2", { "data-console": "customer-name" }));
    title.appendChild(el("p", { class: "meta", "data-console": "conversation-meta" }));
    head.appendChild(title);
    var actions = el("div", { class: "conversation-actions" });
    var transferButton = el("button", { type: "button", class: "btn btn-ghost", "aria-expanded": "false", "aria-controls": "transfer-" + id, "data-console": "transfer" }, t("transfer"));
    var closeButton = el("button", { type: "button", class: "btn btn-danger", "data-console": "close" }, t("close"));
    actions.appendChild(transferButton);
    actions.appendChild(closeButton);
    head.appendChild(actions);
    panel.appendChild(head);
    var transferForm = transferBox(id, transferButton);
    panel.appendChild(transferForm);
    var log = el("ol", { class: "log", "data-console": "log", "aria-live": "polite" });
    panel.appendChild(log);

    var composer = el("form", { class: "composer", "data-console": "composer" });
    var label = el("label", { class: "sr-only", for: "reply-" + id }, t("reply"));
    var input = el("textarea", {
      id: "reply-" + id,
      rows: 2,
      maxlength: MAX_CHARS,
      placeholder: t("replyPlaceholder"),
      "data-console": "composer-input",
    });
    var send = el("button", { type: "submit", class: "btn", "data-console": "send" }, t("send"));
    var noteSwitch = el("label", { class: "note-switch" });
    var noteBox = el("input", { type: "checkbox", "data-console": "note-mode" });
    noteSwitch.appendChild(noteBox);
    noteSwitch.appendChild(el("span", {}, t("noteMode")));
    noteBox.addEventListener("change", function () {
      composer.classList.toggle("composer-note", noteBox.checked);
      input.setAttribute("placeholder", t(noteBox.checked ? "notePlaceholder" : "replyPlaceholder"));
      send.textContent = t(noteBox.checked ? "addNote" : "send");
      input.focus();
    });
    composer.appendChild(label);
    composer.appendChild(input);
    composer.appendChild(noteSwitch);
    composer.appendChild(send);
    panel.appendChild(composer);
    cannedReplies(id, composer, input); // "/" and the button: see "canned replies" below
    hook("conversations").appendChild(panel);

    tab.addEventListener("click", function () {
      select(id);
    });
    closeButton.addEventListener("click", function () {
      if (!window.confirm(t("closeConfirm"))) return;
      closeButton.disabled = true;
      api("POST", "/api/handoffs/" + id + "/close")
        .then(endConversation)
        .catch(function (error) {
          closeButton.disabled = false;
          failed(error);
        });
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        composer.requestSubmit();
      }
    });
    composer.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = input.value.trim();
      if (!text) return;
      if (text.length > MAX_CHARS) return notice(t("tooLong"));
      send.disabled = true;
      var asNote = noteBox.checked;
      var sent = asNote
        ? api("POST", "/api/handoffs/" + id + "/notes", { text: text }).then(function () {
            return api("GET", "/api/handoffs/" + id);
          })
        : api("POST", "/api/handoffs/" + id + "/messages", { text: text });
      sent
        .then(function (request) {
          input.value = "";
          if (asNote) noteBox.click(); // back to replying to the customer
          showConversation(request, false);
        })
        .catch(failed)
        .then(function () {
          send.disabled = false;
          input.focus();
        });
    });

    var conversation = { request: request, tab: tab, panel: panel, log: log, shown: new Set() };
    conversations.set(id, conversation);
    return conversation;
  }

  // --- transfer to a colleague: who can take it now (GET .../transfer-targets), an optional
  // word for them, then POST .../transfer; the conversation then leaves this console
  function transferBox(id, toggle) {
    var form = el("form", { class: "transfer", id: "transfer-" + id, "data-console": "transfer-form", hidden: true });
    var pick = el("label", { for: "transfer-to-" + id }, t("transferTo"));
    var select = el("select", { id: "transfer-to-" + id, required: true, "data-console": "transfer-target" });
    var noteLabel = el("label", { for: "transfer-note-" + id }, t("transferNote"));
    var note = el("input", { id: "transfer-note-" + id, type: "text", maxlength: MAX_CHARS, "data-console": "transfer-note" });
    var submit = el("button", { type: "submit", class: "btn", "data-console": "transfer-submit" }, t("transferConfirm"));
    var cancel = el("button", { type: "button", class: "btn btn-ghost" }, t("cancel"));
    [pick, select, noteLabel, note, submit, cancel].forEach(function (node) {
      form.appendChild(node);
    });
    function shut() {
      form.hidden = true;
      toggle.setAttribute("aria-expanded", "false");
      toggle.focus();
    }
    toggle.addEventListener("click", function () {
      if (!form.hidden) return shut();
      dom.clear(select);
      api("GET", "/api/handoffs/" + id + "/transfer-targets")
        .then(function (targets) {
          targets.forEach(function (target) {
            var label = t(target.available ? "targetFree" : "targetBusy", {
              name: target.name, count: target.conversations, max: target.max_conversations,
            });
            var option = el("option", { value: target.id }, label);
            option.disabled = !target.available;
            select.appendChild(option);
          });
          var free = targets.some(function (target) { return target.available; });
          if (!free) select.appendChild(el("option", { value: "", disabled: true, selected: true }, t("noTarget")));
          submit.disabled = !free;
          form.hidden = false;
          toggle.setAttribute("aria-expanded", "true");
          select.focus();
        })
        .catch(failed);
    });
    cancel.addEventListener("click", shut);
    form.addEventListener("keydown", function (event) {
      if (event.key === "Escape") shut();
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!select.value) return;
      submit.disabled = true;
      var body = { advisor_id: Number(select.value) };
      if (note.value.trim()) body.note = note.value.trim();
      api("POST", "/api/handoffs/" + id + "/transfer", body)
        .then(endConversation)
        .catch(failed)
        .then(function () {
          submit.disabled = false;
        });
    });
    return form;
  }

  function endConversation(request) {
    var conversation = conversations.get(request.id);
    if (!conversation) return;
    conversation.tab.remove();
    conversation.panel.remove();
    conversations.delete(request.id);
    updateTitle();
    var name = customerName(request);
    var text = t(request.status === "closed" ? "closed" : "ended", { name: name });
    if (request.status === "closed" && request.ended_by === "customer") text = t("customerEnded", { name: name });
    if (request.status === "accepted") text = t("transferred", { name: name, advisor: request.advisor_name || t("advisor") });
    notice(text, "info");
    if (active === request.id) {
      var next = conversations.keys().next();
      active = null;
      if (!next.done) select(next.value);
    }
    updateEmptyState();
    if (closedLoaded) searchClosed();
  }

  function renderMine(requests) {
    var seen = new Set();
    requests.forEach(function (request) {
      seen.add(request.id);
      showConversation(request, false);
    });
    conversations.forEach(function (conversation, id) {
      if (!seen.has(id)) endConversation(Object.assign({}, conversation.request, { status: "ended" }));
    });
    if (active === null && conversations.size) select(conversations.keys().next().value);
    updateEmptyState();
  }

  function select(id) {
    active = id;
    document.querySelectorAll('[data-console="tab"]').forEach(function (tab) {
      var on = tab.getAttribute("data-tab") === String(id);
      tab.setAttribute("aria-selected", on ? "true" : "false");
    });
    conversations.forEach(function (conversation, key) {
      conversation.panel.hidden = key !== id;
      if (key === id) {
        markUnread(conversation, 0);
        conversation.log.scrollTop = conversation.log.scrollHeight;
      }
    });
    hook("closed-panel").hidden = id !== "closed";
    hook("conversations").hidden = id === "closed";
    contextSelect(id); // customer context panel
    if (id === "closed" && !closedLoaded) searchClosed();
    updateEmptyState();
  }

  function updateEmptyState() {
    hook("no-conversation").hidden = conversations.size > 0 || active === "closed";
    contextShown(); // customer context panel
  }

  // --- canned replies (issue 17, item 3) ---------------------------------------------------
  // "/" at the start of the reply, or the button beside the composer, opens the replies of
  // the conversation's language, their variables already filled for its customer by the
  // server (GET /api/handoffs/{id}/canned-replies). Typing after "/" filters them (shortcuts
  // that start with what was typed first, then shortcuts and titles that contain it); the
  // arrows move, Enter or Tab inserts the text into the composer, to edit before sending;
  // Escape closes. The textarea is an ARIA combobox controlling a listbox of options; the
  // first option is active, so "/" + a shortcut's first letter + Enter inserts it.
  var SLASH_QUERY = /^\/(\S*)$/;

  function cannedReplies(id, composer, input) {
    var listId = "canned-list-" + id;
    var replies = null; // the last list the server sent (null: none yet)
    var failedLoad = false;
    var shown = []; // the replies matching what was typed, in the list's order
    var current = -1; // the active option's index in `shown`
    var open = false;
    var typed = false; // opened by "/": the "/..." typed is replaced by the reply
    var box = el("div", { class: "canned", "data-console": "canned", hidden: true });
    var list = el("ul", { class: "canned-list", id: listId, role: "listbox", "aria-label": t("canned.label") });
    var status = el("p", { class: "canned-status", role: "status", "data-console": "canned-status" });
    box.appendChild(list);
    box.appendChild(status);
    box.appendChild(el("p", { class: "canned-keys", "aria-hidden": "true" }, t("canned.keys")));
    var button = el(
      "button",
      {
        type: "button",
        class: "btn btn-ghost canned-button",
        "data-console": "canned-button",
        title: t("canned.buttonHint"),
        "aria-haspopup": "listbox",
        "aria-controls": listId,
        "aria-expanded": "false",
      },
      t("canned.button")
    );
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", listId);
    input.setAttribute("aria-expanded", "false");
    composer.insertBefore(button, hook("send", composer));
    composer.appendChild(box);

    function load() {
      return api("GET", "/api/handoffs/" + id + "/canned-replies")
        .then(function (data) {
          replies = data || [];
          failedLoad = false;
        })
        .catch(function () {
          failedLoad = replies === null;
        })
        .then(function () {
          if (open) render(true);
        });
    }

    function plain(text) {
      return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
    }

    function matching(query) {
      query = plain(query);
      var ranked = (replies || []).map(function (reply, order) {
        var at = reply.shortcut.indexOf(query);
        var rank = 3; // no match
        if (at === 0) rank = 0;
        else if (at > 0) rank = 1;
        else if (plain(reply.title).indexOf(query) >= 0) rank = 2;
        return { reply: reply, rank: rank, order: order };
      });
      return ranked
        .filter(function (item) {
          return item.rank < 3;
        })
        .sort(function (a, b) {
          return a.rank - b.rank || a.order - b.order;
        })
        .map(function (item) {
          return item.reply;
        });
    }

    // The options for what was typed; the first is active, or the one that was when the
    // server's fresh list comes (`keepActive`).
    function render(keepActive) {
      var match = typed ? SLASH_QUERY.exec(input.value) : null;
      var kept = keepActive && current >= 0 && shown[current] ? shown[current].id : null;
      shown = matching(match ? match[1] : "");
      current = shown.length ? 0 : -1;
      shown.forEach(function (reply, index) {
        if (reply.id === kept) current = index;
      });
      dom.clear(list);
      shown.forEach(function (reply, index) {
        var option = el("li", {
          class: "canned-option",
          id: listId + "-" + reply.id,
          role: "option",
          "aria-selected": index === current ? "true" : "false",
          "data-console": "canned-option",
          "data-shortcut": reply.shortcut,
        });
        option.appendChild(el("span", { class: "canned-shortcut" }, "/" + reply.shortcut));
        var about = el("span", { class: "canned-about" });
        about.appendChild(el("span", { class: "canned-title" }, reply.title));
        // what will be inserted, for the eyes (the option's name stays shortcut and title)
        about.appendChild(el("span", { class: "canned-text", "aria-hidden": "true" }, reply.text));
        option.appendChild(about);
        option.addEventListener("click", function () {
          insert(reply);
        });
        list.appendChild(option);
      });
      var state = "";
      if (replies === null) state = failedLoad ? "failed" : "loading";
      else if (!replies.length) state = "none";
      else if (!shown.length) state = "empty";
      status.textContent = state ? t("canned." + state) : "";
      list.hidden = !shown.length;
      showActive();
    }

    function showActive() {
      Array.prototype.forEach.call(list.children, function (option, index) {
        option.setAttribute("aria-selected", index === current ? "true" : "false");
        if (index === current) option.scrollIntoView({ block: "nearest" });
      });
      if (current >= 0) input.setAttribute("aria-activedescendant", listId + "-" + shown[current].id);
      else input.removeAttribute("aria-activedescendant");
    }

    function show(byTyping) {
      typed = byTyping;
      if (!open) load(); // what is known now at once, the server's fresh list when it comes
      open = true;
      box.hidden = false;
      input.setAttribute("aria-expanded", "true");
      button.setAttribute("aria-expanded", "true");
      render();
    }

    function hide() {
      open = false;
      typed = false;
      current = -1;
      box.hidden = true;
      input.setAttribute("aria-expanded", "false");
      button.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    // "/rdv" becomes the reply; from the button, the reply goes where the caret is.
    function insert(reply) {
      var before = "";
      var after = "";
      var text = reply.text;
      if (!typed) {
        before = input.value.slice(0, input.selectionStart || 0);
        after = input.value.slice(input.selectionEnd || before.length);
        if (before && !/\s$/.test(before)) text = " " + text;
        if (after && !/^\s/.test(after)) text += " ";
      }
      input.value = before + text + after;
      hide();
      input.focus();
      input.setSelectionRange((before + text).length, (before + text).length);
      input.dispatchEvent(new Event("input", { bubbles: true })); // as if typed (drafts, typing)
    }

    input.addEventListener("input", function () {
      if (SLASH_QUERY.test(input.value)) show(true);
      else if (open) hide();
    });
    // Caught before the composer's own Enter (which sends): while the list is open, the keys
    // belong to it.
    composer.addEventListener(
      "keydown",
      function (event) {
        if (event.target !== input || event.isComposing) return;
        if (!open) {
          if (event.key === "ArrowDown" && event.altKey) {
            event.preventDefault();
            show(SLASH_QUERY.test(input.value));
          }
          return;
        }
        var key = event.key;
        if (key === "ArrowDown" || key === "ArrowUp") {
          var step = key === "ArrowDown" ? 1 : -1;
          if (shown.length) current = (current + step + shown.length) % shown.length;
          showActive();
        } else if ((key === "Enter" || key === "Tab") && !event.shiftKey && current >= 0) {
          insert(shown[current]);
        } else if (key === "Escape") {
          hide();
        } else if (key === "Enter" && !event.shiftKey) {
          // nothing matches: "/..." is not sent by mistake (Escape, then Enter, sends it)
        } else {
          return;
        }
        event.preventDefault();
        event.stopPropagation();
      },
      true
    );
    [button, box].forEach(function (node) {
      node.addEventListener("mousedown", function (event) {
        event.preventDefault(); // a click keeps the focus in the composer (and the list open)
      });
    });
    button.addEventListener("click", function () {
      if (open) hide();
      else show(SLASH_QUERY.test(input.value));
      input.focus();
    });
    input.addEventListener("blur", hide);
    composer.addEventListener("submit", hide);
    load(); // at once: "/" + a letter + Enter must not wait for the server
  }
  // --- end of canned replies ---------------------------------------------------------------

  // ---- closed conversations ----
  var closedLoaded = false;

  function searchClosed() {
    closedLoaded = true;
    var term = hook("closed-search-input").value.trim();
    var path = "/api/handoffs/closed" + (term ? "?search=" + encodeURIComponent(term) : "");
    api("GET", path)
      .then(function (requests) {
        var list = hook("closed-list");
        dom.clear(list);
        requests.forEach(function (request) {
          var item = el("li");
          var button = el("button", {
            type: "button",
            class: "closed-item",
            "data-console": "closed-item",
            "data-request-id": request.id,
          });
          button.appendChild(el("strong", {}, customerName(request)));
          button.appendChild(
            el(
              "span",
              { class: "meta" },
              origin(request) +
                " · " +
                t("endedAt", { date: day(request.ended_at || request.created_at) }) +
                (request.advisor_name ? " · " + t("takenBy", { name: request.advisor_name }) : "")
            )
          );
          button.addEventListener("click", function () {
            showClosed(request.id, button);
          });
          item.appendChild(button);
          list.appendChild(item);
        });
        if (!requests.length) list.appendChild(el("li", { class: "empty" }, t("noResult")));
        var view = hook("closed-view");
        dom.clear(view).appendChild(el("p", { class: "empty" }, t("pickOne")));
      })
      .catch(failed);
  }

  function showClosed(id, button) {
    document.querySelectorAll('[data-console="closed-item"]').forEach(function (item) {
      item.setAttribute("aria-current", item === button ? "true" : "false");
    });
    api("GET", "/api/handoffs/" + id)
      .then(function (request) {
        var view = hook("closed-view");
        dom.clear(view);
        view.appendChild(el("h3", {}, customerName(request)));
        view.appendChild(
          el(
            "p",
            { class: "meta" },
            origin(request) +
              " · " +
              t("endedAt", { date: day(request.ended_at || request.created_at) }) +
              (request.advisor_name ? " · " + t("takenBy", { name: request.advisor_name }) : "")
          )
        );
        var log = el("ol", { class: "log", "data-console": "closed-transcript" });
        fillTranscript(log, request, request.transcript || []);
        view.appendChild(log);
      })
      .catch(failed);
  }

  // --- customer context panel (issue 17, item 4) ---------------------------------------
  // Beside the open conversation, what the advisor should know without asking: who the
  // customer is, their vehicles, their bookings to come (each linked to the staff bookings
  // page), open complaints and callback requests, their earlier requests for an advisor.
  // One panel for the console, filled from GET /api/handoffs/{id}/context for the
  // conversation in view: loaded when one is selected, reloaded when its customer writes
  // (they may just have identified themselves). Collapsible; the choice is kept in
  // localStorage. Below the chat on narrow screens (staff.css).
  var CONTEXT_KEY = "pitlane.console.context";
  var CONTEXT_RELOAD_MS = 400; // a burst of customer messages reloads it once
  var context = { aside: null, body: null, toggle: null, shown: null, seq: 0, timer: null };
  var contextCache = new Map(); // request id -> its last context, shown at once on return

  function setupContext() {
    var aside = el("aside", { class: "context", "aria-labelledby": "context-title", "data-console": "context", hidden: true });
    var head = el("header", { class: "context-head" });
    head.appendChild(el("h2", { id: "context-title" }, t("context.title")));
    var toggle = el("button", { type: "button", class: "context-toggle", "aria-controls": "context-body", "data-console": "context-toggle" });
    toggle.appendChild(dom.icon(["M15 6l-6 6 6 6"], 18));
    head.appendChild(toggle);
    aside.appendChild(head);
    var body = el("div", { class: "context-body", id: "context-body", "data-console": "context-body" });
    aside.appendChild(body);
    hook("conversations").appendChild(aside);
    context.aside = aside;
    context.body = body;
    context.toggle = toggle;
    toggle.addEventListener("click", function () {
      var open = aside.hasAttribute("data-collapsed");
      if (prefs) prefs.setItem(CONTEXT_KEY, open ? "open" : "collapsed");
      showContextOpen(open);
    });
    showContextOpen(!prefs || prefs.getItem(CONTEXT_KEY) !== "collapsed");
  }

  function showContextOpen(open) {
    context.aside.toggleAttribute("data-collapsed", !open);
    context.body.hidden = !open;
    context.toggle.setAttribute("aria-expanded", open ? "true" : "false");
    var label = t(open ? "context.collapse" : "context.expand");
    context.toggle.setAttribute("aria-label", label);
    context.toggle.title = label;
  }

  // Hooked into select(): the panel follows the conversation in view.
  function contextSelect(id) {
    if (!conversations.has(id)) return;
    if (context.shown !== id) {
      var known = contextCache.get(id);
      if (known) renderContext(known);
      else contextStatus(t("context.loading"));
    }
    loadContext(id);
  }

  // Hooked into showConversation(): the customer wrote in conversation `id`.
  function contextNews(id) {
    if (id !== active) return; // selecting it later loads it afresh
    clearTimeout(context.timer);
    context.timer = setTimeout(function () {
      if (id === active) loadContext(id);
    }, CONTEXT_RELOAD_MS);
  }

  // Hooked into updateEmptyState(): shown only beside a conversation.
  function contextShown() {
    if (!context.aside) return;
    context.aside.hidden = !conversations.has(active);
    contextCache.forEach(function (_, id) {
      if (!conversations.has(id)) contextCache.delete(id);
    });
  }

  function loadContext(id) {
    var seq = ++context.seq;
    api("GET", "/api/handoffs/" + id + "/context")
      .then(function (data) {
        contextCache.set(id, data);
        if (seq === context.seq && id === active) renderContext(data);
      })
      .catch(function () {
        if (seq !== context.seq || id !== active) return;
        if (context.shown === id) return; // keep what is on screen; the next load may work
        contextStatus(t("context.failed"), function () {
          contextSelect(id);
        });
      });
  }

  function contextStatus(text, retry) {
    context.shown = null;
    var body = dom.clear(context.body);
    var line = el("p", { class: "context-status", "data-console": "context-status" }, text);
    if (retry) {
      var again = el("button", { type: "button", class: "btn btn-small btn-ghost" }, t("context.retry"));
      again.addEventListener("click", retry);
      line.appendChild(again);
    }
    body.appendChild(line);
  }

  function renderContext(data) {
    context.shown = data.request_id;
    var body = dom.clear(context.body);
    body.setAttribute("data-request-id", data.request_id);
    body.appendChild(contextWho(data));
    if (data.identified) {
      body.appendChild(contextSection("vehicles", t("context.vehicles"), data.vehicles, t("context.noVehicle"), contextVehicle));
      var bookings = contextSection("bookings", t("context.bookings"), data.bookings, t("context.noBooking"), function (booking) {
        return contextBooking(booking, data.timezone);
      });
      if (data.bookings_total > data.bookings.length && data.bookings_url) {
        bookings.appendChild(contextLink(data.bookings_url, t("context.allBookings", { count: data.bookings_total }), "context-more"));
      }
      body.appendChild(bookings);
    }
    var open = data.complaints.map(function (c) {
      return { kind: "complaint", item: c };
    }).concat(data.callbacks.map(function (c) {
      return { kind: "callback", item: c };
    }));
    body.appendChild(contextSection("open", t("context.open"), open, t("context.nothingOpen"), function (entry) {
      return entry.kind === "complaint" ? contextComplaint(entry.item, data.timezone) : contextCallback(entry.item, data.timezone);
    }));
    body.appendChild(contextSection("earlier", t("context.earlier"), data.earlier, t("context.noEarlier"), function (request) {
      return contextEarlier(request, data.timezone);
    }));
  }

  function contextWho(data) {
    var who = el("section", { class: "context-who", "data-context": "who" });
    who.appendChild(el("p", { class: "context-name", "data-console": "context-name" }, data.customer_name || t("anonymous")));
    var chips = el("p", { class: "chips" });
    chips.appendChild(el("span", { class: "chip", "data-console": "context-channel" }, channelName(data.channel)));
    if (data.language) {
      var language = t.has("context.languages." + data.language) ? t("context.languages." + data.language) : data.language.toUpperCase();
      chips.appendChild(el("span", { class: "chip", "data-console": "context-language" }, language));
    }
    who.appendChild(chips);
    if (!data.identified) {
      who.appendChild(el("p", { class: "context-unknown", "data-console": "context-unknown" }, t("context.notIdentified")));
    }
    return who;
  }

  function contextSection(name, title, items, empty, render) {
    var section = el("section", { class: "context-section", "data-context": name });
    section.appendChild(el("h3", {}, title));
    if (!items.length) {
      section.appendChild(el("p", { class: "context-empty" }, empty));
      return section;
    }
    var list = el("ul", { class: "context-list" });
    items.forEach(function (item) {
      list.appendChild(render(item));
    });
    section.appendChild(list);
    return section;
  }

  // A staff page, in a new tab: the conversation stays open here.
  function contextLink(href, text, className) {
    return el("a", { href: href, target: "_blank", rel: "noopener", class: className || null }, text);
  }

  function contextVehicle(vehicle) {
    var item = el("li", { class: "context-item", "data-console": "context-vehicle", "data-vehicle-id": vehicle.id });
    var name = [vehicle.brand, vehicle.model].join(" ") + (vehicle.year ? " · " + vehicle.year : "");
    var title = el("p", { class: "context-title" });
    title.appendChild(contextLink(vehicle.url, name));
    item.appendChild(title);
    var chips = el("p", { class: "chips" });
    if (vehicle.plate) chips.appendChild(el("span", { class: "chip chip-id", "data-console": "context-plate" }, vehicle.plate));
    if (vehicle.identified) chips.appendChild(el("span", { class: "chip chip-ok" }, t("context.identifiedVehicle")));
    if (chips.firstChild) item.appendChild(chips);
    var facts = [
      vehicle.last_service ? t("context.lastService", { date: contextDay(vehicle.last_service) }) : t("context.noService"),
    ];
    if (vehicle.latest_km !== null && vehicle.latest_km !== undefined) {
      facts.push(t("context.mileage", { km: new Intl.NumberFormat(LOCALE).format(vehicle.latest_km) }));
    }
    item.appendChild(el("p", { class: "meta" }, facts.join(" · ")));
    return item;
  }

  function contextBooking(booking, timezone) {
    var item = el("li", { class: "context-item", "data-console": "context-booking", "data-reference": booking.reference });
    var title = el("p", { class: "context-title" });
    title.appendChild(el("time", { datetime: booking.start }, contextWhen(booking.start, timezone, false)));
    title.appendChild(el("span", { class: "chip" }, t("context.kinds." + (booking.kind === "test_ride" ? "test_ride" : "workshop"))));
    item.appendChild(title);
    var service = LANG === "en" ? booking.service_en : booking.service_fr;
    item.appendChild(el("p", { class: "meta" }, service + " · " + booking.agency_name));
    var ref = el("p", { class: "meta" });
    ref.appendChild(contextLink(booking.url, booking.reference, "context-ref"));
    item.appendChild(ref);
    return item;
  }

  function contextComplaint(complaint, timezone) {
    var item = el("li", { class: "context-item", "data-console": "context-complaint", "data-reference": complaint.reference });
    var title = el("p", { class: "context-title" });
    title.appendChild(el("span", { class: "chip chip-warn" }, t("context.complaint." + (complaint.status === "answered" ? "answered" : "open"))));
    title.appendChild(contextLink(complaint.url, complaint.reference, "context-ref"));
    item.appendChild(title);
    item.appendChild(el("p", { class: "context-text" }, complaint.excerpt));
    item.appendChild(el("p", { class: "meta" }, contextWhen(complaint.created_at, timezone, true)));
    return item;
  }

  function contextCallback(callback, timezone) {
    var item = el("li", { class: "context-item", "data-console": "context-callback", "data-reference": callback.reference });
    var title = el("p", { class: "context-title" });
    title.appendChild(el("span", { class: "chip chip-warn" }, t(callback.kind === "repair_quote" ? "context.quoteCallback" : "context.callback")));
    title.appendChild(contextLink(callback.url, callback.reference, "context-ref"));
    item.appendChild(title);
    if (callback.note) item.appendChild(el("p", { class: "context-text" }, callback.note));
    item.appendChild(el("p", { class: "meta" }, contextWhen(callback.created_at, timezone, true)));
    return item;
  }

  function contextEarlier(request, timezone) {
    var item = el("li", { class: "context-item", "data-console": "context-earlier", "data-request-id": request.id });
    var status = t.has("context.statuses." + request.status) ? t("context.statuses." + request.status) : request.status;
    var title = el("p", { class: "context-title" });
    title.appendChild(el("time", { datetime: request.created_at }, contextWhen(request.created_at, timezone, true)));
    title.appendChild(el("span", { class: "chip" }, status));
    item.appendChild(title);
    item.appendChild(el("p", { class: "meta" }, request.advisor_name ? t("takenBy", { name: request.advisor_name }) : t("context.noAdvisor")));
    return item;
  }

  // A moment in the group's time zone (Europe/Paris), in the console's language.
  function contextWhen(iso, timezone, withYear) {
    var options = { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", timeZone: timezone };
    if (withYear) {
      delete options.weekday;
      options.year = "numeric";
    }
    return new Date(iso).toLocaleString(LOCALE, options);
  }

  // A calendar day ("2025-05-03"), whatever the browser's time zone.
  function contextDay(text) {
    return new Date(text + "T12:00:00Z").toLocaleDateString(LOCALE, { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
  }
  // --- end of the customer context panel ------------------------------------------------

  // ---- availability ----
  function setupAvailability() {
    var toggle = hook("availability");
    var max = hook("max-conversations");
    function save() {
      var body = { available: toggle.checked };
      if (ROLE === "admin") body.max_conversations = Number(max.value);
      toggle.disabled = true;
      api("PUT", "/api/staff/me/availability", body)
        .then(function (staff) {
          toggle.checked = staff.available;
          max.value = String(staff.max_conversations);
        })
        .catch(function (error) {
          toggle.checked = !toggle.checked;
          failed(error);
        })
        .then(function () {
          toggle.disabled = false;
        });
    }
    toggle.addEventListener("change", save);
    if (ROLE === "admin") max.addEventListener("change", save);
  }

  // ---- live feed ----
  var socket = null;
  var retries = 0;
  var SESSION_ENDED = 4401; // backoffice/console_socket.py
  var leaving = false; // a form left to the browser (sign out) was submitted: the page goes
  document.addEventListener("submit", function (event) {
    if (!event.defaultPrevented) leaving = true; // the console's own forms stay on the page
  });

  function connection(state) {
    var status = hook("connection");
    status.setAttribute("data-state", state);
    status.textContent = t(state);
  }

  function connect() {
    connection("connecting");
    var scheme = location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(scheme + "//" + location.host + "/ws/console");
    socket.addEventListener("open", function () {
      retries = 0;
      connection("online");
    });
    socket.addEventListener("message", function (event) {
      var frame;
      try {
        frame = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      if (frame.type === "queue") renderQueue(frame.requests || []);
      else if (frame.type === "mine") renderMine(frame.requests || []);
      else if (frame.type === "conversation" && frame.request) showConversation(frame.request, false);
      else if (frame.type === "typing") typingIndicators.frame(frame);
    });
    socket.addEventListener("close", function (event) {
      connection("offline");
      if (event.code === SESSION_ENDED) {
        // deactivated, signed out elsewhere, password reset: sign in again, no reconnection
        // (unless this page is signing out itself: its form leads to the sign-in page)
        if (!leaving) location.assign("/staff/login?ended=1");
        return;
      }
      if (event.code === 1008) {
        // the session may have ended: the API says so with a 401 (and we go to sign in)
        api("GET", "/api/staff/me").catch(function () {});
      }
      retries += 1;
      setTimeout(connect, Math.min(15000, 1000 * Math.pow(2, retries - 1)));
    });
  }

  setInterval(function () {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "heartbeat" }));
  }, HEARTBEAT_MS);
  setInterval(tickWaiting, 500);

  // --- typing indicators ---------------------------------------------------------------
  // Both ways during a conversation (backoffice/console_socket.py). The advisor typing in a
  // composer sends {"type": "typing", "request_id", "state"}: "on" at most every 3 s, "off"
  // when the input is emptied or the reply sent. The customer typing shows "Camille
  // écrit…" under the conversation's log (a polite status: heard once, when it starts) and
  // dots on its tab, until 6 s after their last signal or their message.
  var typingIndicators = (function () {
    var EVERY_MS = 3000;
    var SHOWN_MS = 6000;
    var sentAt = {}; // request id -> when its last "on" went; absent after an "off"

    function signal(id, state) {
      if (!socket || socket.readyState !== WebSocket.OPEN) return false;
      socket.send(JSON.stringify({ type: "typing", request_id: id, state: state }));
      return true;
    }

    function requestOf(node, selector) {
      var panel = node && node.matches && node.matches(selector) && node.closest('[data-console="conversation"]');
      return panel ? Number(panel.getAttribute("data-request-id")) : null;
    }

    function stopped(id) {
      if (sentAt[id] && signal(id, "off")) delete sentAt[id];
    }

    document.addEventListener("input", function (event) {
      var id = requestOf(event.target, '[data-console="composer-input"]');
      if (!id) return;
      if (!event.target.value.trim()) stopped(id);
      else if (Date.now() - (sentAt[id] || 0) >= EVERY_MS && signal(id, "on")) sentAt[id] = Date.now();
    });
    document.addEventListener("submit", function (event) {
      var id = requestOf(event.target, '[data-console="composer"]');
      if (id) stopped(id);
    });

    // The status line under the log and the tab's dots, made once per conversation (the
    // status exists before it speaks, so that screen readers hear it).
    function partsOf(conversation) {
      if (!conversation.typing) {
        var line = el("p", { class: "typing-line", role: "status", "data-console": "typing" });
        conversation.log.parentNode.insertBefore(line, conversation.log.nextSibling);
        var dots = el("span", { class: "tab-typing", "aria-hidden": "true", "data-console": "tab-typing", hidden: true });
        [0, 1, 2].forEach(function () {
          dots.appendChild(el("span"));
        });
        conversation.tab.appendChild(dots);
        conversation.typing = { line: line, dots: dots, timer: null };
      }
      return conversation.typing;
    }

    function hide(conversation) {
      var parts = partsOf(conversation);
      clearTimeout(parts.timer);
      parts.line.textContent = "";
      parts.dots.hidden = true;
    }

    function show(frame) {
      var conversation = conversations.get(frame.request_id);
      if (!conversation) return;
      if (frame.state !== "on") return hide(conversation);
      var parts = partsOf(conversation);
      var text = t("customerTyping", { name: customerName(conversation.request) });
      if (parts.line.textContent !== text) parts.line.textContent = text; // a repeat says nothing
      parts.dots.hidden = false;
      parts.dots.title = text;
      clearTimeout(parts.timer);
      parts.timer = setTimeout(function () {
        hide(conversation);
      }, SHOWN_MS);
    }

    return {
      frame: show,
      sync: function (conversation, messageArrived) {
        if (messageArrived) hide(conversation);
        else partsOf(conversation);
      },
    };
  })();
  // --- end of typing indicators ----------------------------------------------------------

  // ---- wiring ----
  hook("tabs")
    .querySelector('[data-tab="closed"]')
    .addEventListener("click", function () {
      select("closed");
    });
  hook("closed-search").addEventListener("submit", function (event) {
    event.preventDefault();
    searchClosed();
  });
  setupAvailability();
  setupAlerts();
  setupContext();
  connect();
})();
