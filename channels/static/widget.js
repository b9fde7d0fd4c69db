/*
 * Pitlane chat widget. Embed with one tag, no build step:
 *   <script src="https://HOST/widget.js" defer></script>
 * It finds its server from its own src, injects its stylesheet and a launcher button and
 * panel (inside a shadow root, so the host page's CSS cannot leak in), and talks to the hub
 * over a WebSocket on the same server, authenticated in its first frame by a token the server
 * issued (shared/credential.js: never in a URL). Text from the user, the bot or an advisor is only ever
 * set with textContent. When a human advisor takes the conversation, their messages arrive
 * on the same socket at any time ({"type": "advisor", "text", "author"}) and are shown with
 * their name, in their own colour.
 * The server serves this file after the shared helpers `dom` and `i18n` (channels/static/
 * shared/) and the texts of both languages (channels/static/i18n/), in one function scope
 * (channels/script_bundle.py); it hands them over to its extensions in its parts.
 * `build` is null in that join; in the built package (widget/, docs/widget.md) it names the
 * one minified style sheet and its integrity, and the extensions follow this script in the
 * same scope instead of being loaded as files.
 */
(function () {
  "use strict";

  if (window.Pitlane && window.Pitlane.version) return; // embedded twice: keep the first

  var script = document.currentScript;
  var ORIGIN = script && script.src ? new URL(script.src, location.href).origin : location.origin;
  var MAX_CHARS = 2000;
  var COUNTER_FROM = 1800;
  var OPEN_KEY = "pitlane.open";
  var LANG_KEY = "pitlane.lang";
  var LANG = /^en\b/i.test(navigator.language || "") ? "en" : "fr";

  var t = i18n.translator(LANG, "widget"); // the panel's texts (channels/static/i18n/)
  var el = dom.el;
  var icon = dom.icon;

  var ICON_CHAT = [
    "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z",
  ];
  var ICON_CLOSE = ["M6 6l12 12M18 6L6 18"];
  var ICON_SEND = ["M3 11.5L21 3l-8.5 18-2.2-7.3L3 11.5z"];
  var ICON_HELMET = [
    "M3 14a9 9 0 0 1 18 0v3H3v-3z",
    "M12 5v5h9",
    "M3 17h18",
  ];

  function storage(kind) {
    try {
      var store = window[kind];
      store.setItem("pitlane.probe", "1");
      store.removeItem("pitlane.probe");
      return store;
    } catch (e) {
      return null; // private mode or blocked: the conversation lasts as long as the page
    }
  }
  var local = storage("localStorage");
  var session = storage("sessionStorage");
  // The language chosen with the header's control wins over the browser's.
  var chosenLang = local && local.getItem(LANG_KEY);
  if (chosenLang === "fr" || chosenLang === "en") {
    LANG = chosenLang;
    t = i18n.translator(LANG, "widget");
  }

  var auth = credential(ORIGIN, local); // the widget's token (shared/credential.js)

  // ---- the DOM ---------------------------------------------------------------------------
  var host = el("div", { id: "pitlane-widget" });
  var shadow = host.attachShadow({ mode: "open" });
  var style = el(
    "link",
    build
      ? { rel: "stylesheet", href: ORIGIN + build.style, integrity: build.integrity, crossorigin: "anonymous" }
      : { rel: "stylesheet", href: ORIGIN + "/widget.css" }
  );
  var root = el("div", { class: "pl-root", "data-pitlane": "root", lang: LANG });
  root.hidden = true; // shown once the stylesheet is there (no flash of unstyled widget)

  var launcher = el("button", {
    class: "pl-launcher",
    type: "button",
    "aria-label": t("launcher"),
    "aria-expanded": "false",
    "aria-controls": "pl-panel",
    "data-pitlane": "launcher",
  });
  var chatIcon = icon(ICON_CHAT, 28);
  var closeIcon = icon(ICON_CLOSE, 26);
  chatIcon.setAttribute("class", "pl-icon-chat");
  closeIcon.setAttribute("class", "pl-icon-close");
  launcher.appendChild(chatIcon);
  launcher.appendChild(closeIcon);
  var badge = el("span", { class: "pl-badge", "aria-hidden": "true", "data-pitlane": "unread" });
  badge.hidden = true;
  launcher.appendChild(badge);
  // The latest message received while the panel is closed, on one line beside the launcher.
  var preview = el("button", { class: "pl-preview", type: "button", "data-pitlane": "preview" });
  preview.hidden = true;

  var panel = el("section", {
    class: "pl-panel",
    id: "pl-panel",
    role: "dialog",
    "aria-labelledby": "pl-title",
    "data-pitlane": "panel",
  });
  panel.hidden = true;

  var header = el("header", { class: "pl-header" });
  var avatar = el("div", { class: "pl-avatar" });
  avatar.appendChild(icon(ICON_HELMET, 22));
  var heading = el("div", { class: "pl-heading" });
  var title = el("h2", { class: "pl-title", id: "pl-title" });
  title.textContent = t("title");
  var status = el("p", { class: "pl-status", "aria-live": "polite", "data-pitlane": "status" });
  status.textContent = t("connecting");
  heading.appendChild(title);
  heading.appendChild(status);
  var closeButton = el("button", {
    class: "pl-close",
    type: "button",
    "aria-label": t("close"),
    "data-pitlane": "close",
  });
  closeButton.appendChild(icon(ICON_CLOSE, 20));
  var langButton = el("button", { class: "pl-lang", type: "button", "data-pitlane": "language" });
  header.appendChild(avatar);
  header.appendChild(heading);
  header.appendChild(langButton);
  header.appendChild(closeButton);

  // --- ending a human chat: a bar under the header while an advisor holds the conversation
  // (hub/chat_end.py takes the payload; the hub then asks for a 1-5 rating)
  var endBar = el("div", { class: "pl-endbar", "data-pitlane": "end-bar" });
  endBar.hidden = true;
  var endButton = el("button", { class: "pl-end", type: "button", "data-pitlane": "end-chat" });
  endBar.appendChild(endButton);
  endButton.addEventListener("click", function () {
    if (send("/end_advisor_chat", t("endChat"))) endButton.disabled = true;
  });

  var log = el("div", {
    class: "pl-log",
    role: "log",
    "aria-live": "polite",
    "aria-label": t("log"),
    tabindex: "0",
    "data-pitlane": "log",
  });

  var typing = el("div", { class: "pl-msg pl-bot pl-typing", "data-pitlane": "typing" });
  var dots = el("div", { class: "pl-bubble pl-dots", "aria-hidden": "true" });
  dots.appendChild(el("span"));
  dots.appendChild(el("span"));
  dots.appendChild(el("span"));
  var typingLabel = el("span", { class: "pl-sr" });
  typingLabel.textContent = t("typing");
  typing.appendChild(dots);
  typing.appendChild(typingLabel);
  typing.hidden = true;

  var form = el("form", { class: "pl-form", "data-pitlane": "form" });
  var label = el("label", { class: "pl-sr", for: "pl-input" });
  label.textContent = t("input");
  var input = el("textarea", {
    class: "pl-input",
    id: "pl-input",
    rows: "1",
    maxlength: String(MAX_CHARS),
    placeholder: t("placeholder"),
    autocomplete: "off",
    "aria-describedby": "pl-counter",
    "data-pitlane": "input",
  });
  var sendButton = el("button", {
    class: "pl-send",
    type: "submit",
    "aria-label": t("send"),
    "data-pitlane": "send",
  });
  sendButton.appendChild(icon(ICON_SEND, 20));
  form.appendChild(label);
  form.appendChild(input);
  form.appendChild(sendButton);
  var counter = el("p", { class: "pl-counter", id: "pl-counter", "aria-live": "polite" });
  var footer = el("p", { class: "pl-footer" });
  var footerText = el("span");
  var forgetButton = el("button", { class: "pl-forget", type: "button", "data-pitlane": "forget" });
  footer.appendChild(footerText);
  footer.appendChild(document.createTextNode(" · "));
  footer.appendChild(forgetButton);

  // Every label of the panel in the current language (again after a switch).
  var advisorName = null; // the advisor holding the conversation (custom.advisor_chat)

  function applyTexts() {
    root.setAttribute("lang", LANG);
    launcher.setAttribute("aria-label", t("launcher"));
    title.textContent = advisorName || t("title");
    closeButton.setAttribute("aria-label", t("close"));
    langButton.textContent = t("switchTo");
    langButton.setAttribute("aria-label", t("switchLabel"));
    langButton.setAttribute("lang", LANG === "fr" ? "en" : "fr");
    log.setAttribute("aria-label", t("log"));
    typingLabel.textContent = t("typing");
    label.textContent = t("input");
    input.setAttribute("placeholder", t("placeholder"));
    sendButton.setAttribute("aria-label", t("send"));
    footerText.textContent = t("footer");
    forgetButton.textContent = t("forget");
    forgetButton.setAttribute("title", t("forgetHint"));
    endButton.textContent = t("endChat");
  }
  applyTexts();

  panel.appendChild(header);
  panel.appendChild(endBar);
  panel.appendChild(log);
  panel.appendChild(form);
  panel.appendChild(counter);
  panel.appendChild(footer);
  root.appendChild(panel);
  root.appendChild(preview);
  root.appendChild(launcher);
  shadow.appendChild(style);
  shadow.appendChild(root);

  function reveal() {
    root.hidden = false;
  }
  style.addEventListener("load", reveal);
  style.addEventListener("error", reveal);
  setTimeout(reveal, 3000);

  // ---- rendering -------------------------------------------------------------------------
  function scrollDown() {
    log.scrollTop = log.scrollHeight;
  }

  // The first answer to the customer's latest message: kept in view when the answer is
  // taller than the log (a booking's confirmation above the buttons that follow it).
  var turnStart = null;
  function scrollToTurn() {
    if (!turnStart || !turnStart.isConnected || turnStart.hidden) {
      scrollDown();
      return;
    }
    var top = turnStart.getBoundingClientRect().top - log.getBoundingClientRect().top;
    log.scrollTop = Math.min(log.scrollHeight, Math.max(0, log.scrollTop + top - 12));
  }

  // Where the keyboard goes inside the panel: the input, or the conversation on a touch
  // screen (focusing the input would pop the keyboard over it).
  function focusHome() {
    return window.matchMedia && matchMedia("(pointer: coarse)").matches ? log : input;
  }

  function freezeChoices() {
    var focused = shadow.activeElement;
    Array.prototype.forEach.call(log.querySelectorAll(".pl-choice"), function (b) {
      b.disabled = true;
    });
    // A disabled button drops the focus to the page: keep it in the panel (WAI-ARIA dialog).
    if (focused && focused.classList && focused.classList.contains("pl-choice")) focusHome().focus();
  }

  function addMessage(role, message) {
    if (role === "user") freezeChoices(); // only the latest offer stays clickable
    var row = el("div", { class: "pl-msg pl-" + role, "data-pitlane": role + "-message" });
    var hasText = typeof message.text === "string" && message.text.length > 0;
    if (hasText && role === "advisor" && typeof message.author === "string" && message.author) {
      var author = el("p", { class: "pl-author", "data-pitlane": "advisor-name" });
      author.textContent = message.author;
      row.appendChild(author);
    }
    if (hasText) {
      var bubble = el("div", { class: "pl-bubble" });
      var who = el("span", { class: "pl-sr" });
      who.textContent = role === "user" ? t("you") : role === "advisor" ? t("advisor") : t("bot");
      bubble.appendChild(who);
      bubble.appendChild(document.createTextNode(message.text));
      row.appendChild(bubble);
    }
    if (typeof message.image === "string" && /^https?:\/\//.test(message.image)) {
      row.appendChild(el("img", { class: "pl-image", src: message.image, alt: "" }));
    }
    if (role === "bot" && Array.isArray(message.buttons) && message.buttons.length) {
      var group = el("div", { class: "pl-choices", role: "group" });
      message.buttons.forEach(function (b) {
        if (!b || typeof b.title !== "string" || typeof b.payload !== "string") return;
        var choice = el("button", { class: "pl-choice", type: "button", "data-pitlane": "choice" });
        choice.textContent = b.title;
        choice.addEventListener("click", function () {
          send(b.payload, b.title);
        });
        group.appendChild(choice);
      });
      row.appendChild(group);
    }
    if (role === "bot" && message.custom && typeof message.custom === "object") {
      // Drawn by an extension (widget-map.js: the agencies map), now or once it is loaded.
      var custom = el("div", { class: "pl-custom", "data-pitlane": "custom" });
      custom.pitlaneCustom = message.custom;
      row.appendChild(custom);
      customRenderers.forEach(function (render) { render(custom, message.custom); });
      row.hidden = row.firstChild === custom && !custom.firstChild;
      // Not a message yet for anyone counting messages: only once an extension draws it.
      if (row.hidden) row.setAttribute("data-pitlane", "pending-custom");
    }
    if (!row.firstChild) return;
    log.insertBefore(row, typing.parentNode === log ? typing : null);
    if (role === "user") turnStart = null;
    else if (!turnStart && !row.hidden) turnStart = row;
    scrollToTurn();
    if (role !== "user" && panel.hidden) markUnread(hasText ? message.text : "");
  }

  // Messages that arrived while the panel was closed: their count on the launcher (and in
  // its label), the latest one's first line beside it; cleared when the panel opens.
  var unread = 0;
  function markUnread(text) {
    unread += 1;
    badge.textContent = unread > 9 ? "9+" : String(unread);
    badge.hidden = false;
    var count = unread === 1 ? t("unreadOne") : t("unreadMany", { count: unread });
    launcher.setAttribute("aria-label", t("launcher") + " (" + count + ")");
    var line = String(text || "").split("\n")[0].trim();
    if (line) {
      preview.textContent = line;
      preview.hidden = false;
    }
  }

  function clearUnread() {
    unread = 0;
    badge.hidden = true;
    badge.textContent = "";
    preview.hidden = true;
    launcher.setAttribute("aria-label", t("launcher"));
  }

  function addNotice(text) {
    var notice = el("p", { class: "pl-notice", role: "status" });
    notice.textContent = text;
    log.insertBefore(notice, typing.parentNode === log ? typing : null);
    scrollDown();
  }

  var typingTimer = null;
  function setTyping(on) {
    clearTimeout(typingTimer);
    typing.hidden = !on;
    if (on) {
      log.appendChild(typing);
      scrollDown();
      typingTimer = setTimeout(function () {
        setTyping(false);
      }, 30000);
    }
  }

  function updateCounter() {
    var n = input.value.length;
    counter.textContent = n >= COUNTER_FROM ? n + " / " + MAX_CHARS + (n >= MAX_CHARS ? " · " + t("tooLong") : "") : "";
    counter.classList.toggle("pl-counter-full", n >= MAX_CHARS);
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 120) + "px";
  }

  // ---- the connection --------------------------------------------------------------------
  var socket = null;
  var connected = false;
  var attempt = 0;
  var retryTimer = null;
  var opening = false; // waiting for the token before the socket exists

  function onlineText() {
    return advisorName ? t("advisorOnline") : t("online");
  }

  function setConnected(on) {
    connected = on;
    sendButton.disabled = !on;
    status.textContent = on ? onlineText() : attempt ? t("reconnecting") : t("connecting");
    root.classList.toggle("pl-offline", !on);
  }

  function connect() {
    clearTimeout(retryTimer);
    if (opening || (socket && socket.readyState <= 1)) return;
    setConnected(false);
    opening = true;
    auth.socket("/ws/chat", LANG).then(
      function (ws) {
        opening = false;
        listenTo(ws);
      },
      function () {
        opening = false; // no token (server unreachable): try again later
        retry();
      }
    );
  }

  function listenTo(ws) {
    socket = ws;
    socket.onopen = function () {
      attempt = 0;
      setConnected(true);
    };
    socket.onmessage = function (event) {
      var frame;
      try {
        frame = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      receive(frame);
    };
    socket.onclose = function () {
      socket = null;
      setTyping(false);
      retry(); // a refused token (4401) was dropped: the next socket gets a new one
    };
  }

  function retry() {
    attempt += 1;
    setConnected(false);
    var delay = Math.min(30000, 1000 * Math.pow(2, attempt - 1)) * (0.8 + Math.random() * 0.4);
    retryTimer = setTimeout(connect, delay);
  }

  function reconnectNow() {
    if (!socket && retryTimer !== null) {
      attempt = 0;
      connect();
    }
  }
  window.addEventListener("online", reconnectNow);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") reconnectNow();
  });

  function receive(frame) {
    if (!frame || typeof frame !== "object") return;
    if (frame.type === "history") {
      dom.clear(log);
      (frame.messages || []).forEach(function (m) {
        addMessage(m.type === "user" || m.type === "advisor" ? m.type : "bot", m);
      });
      turnStart = null;
      scrollDown();
      if (!(frame.messages || []).length) send("/greet", null); // a new conversation
    } else if (frame.type === "bot") {
      setTyping(false);
      addMessage("bot", frame);
    } else if (frame.type === "advisor") {
      addMessage("advisor", frame); // live, at any time: the typing indicator is the bot's
    } else if (frame.type === "typing") {
      advisorTyping(frame); // the advisor's, below
    } else if (frame.type === "done") {
      setTyping(false);
    } else if (frame.type === "error") {
      setTyping(false);
      var known = frame.code === "empty_message" || frame.code === "message_too_long" ||
        frame.code === "frame_too_large" || frame.code === "unavailable" ||
        frame.code === "internal_error" || frame.code === "rate_limited";
      addNotice(known && typeof frame.message === "string" ? frame.message : t("error"));
    }
  }

  function send(text, shown, metadata) {
    if (!connected || !socket) {
      addNotice(t("offline"));
      return false;
    }
    var frame = { type: "message", text: text };
    if (metadata) frame.metadata = metadata; // e.g. {location: {latitude, longitude}}
    socket.send(JSON.stringify(frame));
    if (shown) addMessage("user", { text: shown });
    setTyping(true);
    return true;
  }

  // ---- interactions ----------------------------------------------------------------------
  function open() {
    panel.hidden = false;
    root.classList.add("pl-open");
    launcher.setAttribute("aria-expanded", "true");
    clearUnread();
    if (session) session.setItem(OPEN_KEY, "1");
    if (!socket && retryTimer === null) connect();
    scrollDown();
    // On a touch screen, focusing the input would pop the keyboard over the conversation.
    (focusHome() === input ? input : closeButton).focus();
  }

  function close() {
    panel.hidden = true;
    root.classList.remove("pl-open");
    launcher.setAttribute("aria-expanded", "false");
    if (session) session.removeItem(OPEN_KEY);
    launcher.focus();
  }

  launcher.addEventListener("click", function () {
    if (panel.hidden) open();
    else close();
  });
  closeButton.addEventListener("click", close);
  preview.addEventListener("click", open);
  // "Forget this device": the server revokes the credential, the browser drops it, and the
  // widget starts again as a new visitor (its extensions too, through parts.onForget).
  var forgetHooks = [];
  forgetButton.addEventListener("click", function () {
    if (!window.confirm(t("forgetConfirm"))) return;
    forgetButton.disabled = true;
    auth.revoke().then(
      function () {
        forgetButton.disabled = false;
        if (socket) {
          socket.onclose = null;
          socket.close();
          socket = null;
        }
        clearTimeout(retryTimer);
        retryTimer = null;
        attempt = 0;
        dom.clear(log);
        forgetHooks.forEach(function (hook) {
          hook();
        });
        connect(); // a new identity, an empty history, a greeting
      },
      function () {
        forgetButton.disabled = false;
        addNotice(t("error"));
      }
    );
  });
  // The language control: the panel's labels switch at once, and the assistant is told (it
  // answers in that language from now on, whatever the language of the messages).
  langButton.addEventListener("click", function () {
    var next = LANG === "fr" ? "en" : "fr";
    if (!send("/set_language" + JSON.stringify({ language_choice: next }), null)) return;
    LANG = next;
    t = i18n.translator(LANG, "widget");
    if (local) local.setItem(LANG_KEY, LANG);
    window.Pitlane._parts.LANG = LANG;
    applyTexts();
    status.textContent = connected ? onlineText() : t("connecting");
  });
  // Escape closes the open panel while the keyboard is in the widget, or nowhere (on the
  // page's body, where a removed element leaves it); never while the visitor types in the
  // host page.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || panel.hidden) return;
    var page = document.activeElement;
    if (shadow.activeElement || !page || page === document.body) close();
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    if (text.length > MAX_CHARS) {
      addNotice(t("tooLong"));
      return;
    }
    if (send(text, text)) {
      input.value = "";
      updateCounter();
    }
    input.focus();
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      if (form.requestSubmit) form.requestSubmit();
      else form.dispatchEvent(new Event("submit", { cancelable: true }));
    }
  });
  input.addEventListener("input", updateCounter);
  // Any element of the host page with data-pitlane-open opens the chat.
  document.addEventListener("click", function (event) {
    var opener = event.target && event.target.closest && event.target.closest("[data-pitlane-open]");
    if (opener) {
      event.preventDefault();
      open();
    }
  });

  // --- typing indicator ------------------------------------------------------------------
  // During a human chat, both ways (hub/typing_signals.py). The customer typing sends
  // {"type": "typing", "state"}: "on" at most every 3 s, "off" when the input is emptied or
  // the message sent. The advisor typing shows "Nina écrit…" under the last message until
  // 6 s after their last signal or a message; screen readers hear it once, when it starts
  // (a polite status outside the log: the dots row in the log is hidden from them).
  var TYPING_EVERY_MS = 3000;
  var TYPING_SHOWN_MS = 6000;
  var typingSentAt = 0; // when the last "on" went; 0 after an "off"

  function customerTyping(state) {
    if (!advisorName || !connected || !socket) return false;
    socket.send(JSON.stringify({ type: "typing", state: state }));
    return true;
  }
  function customerTyped() {
    if (!input.value.trim()) {
      if (typingSentAt && customerTyping("off")) typingSentAt = 0;
    } else if (Date.now() - typingSentAt >= TYPING_EVERY_MS && customerTyping("on")) {
      typingSentAt = Date.now();
    }
  }
  input.addEventListener("input", customerTyped);
  form.addEventListener("submit", customerTyped); // after the form's own: sent, it is empty

  var advisorTypingRow = el("div", { class: "pl-advisor-typing", "aria-hidden": "true", "data-pitlane": "advisor-typing" });
  var advisorTypingDots = el("span", { class: "pl-dots" });
  [0, 1, 2].forEach(function () {
    advisorTypingDots.appendChild(el("span"));
  });
  var advisorTypingText = el("span");
  advisorTypingRow.appendChild(advisorTypingDots);
  advisorTypingRow.appendChild(advisorTypingText);
  var advisorTypingStatus = el("p", { class: "pl-sr", role: "status", "data-pitlane": "advisor-typing-status" });
  panel.insertBefore(advisorTypingStatus, form);
  var advisorTypingTimer = null;

  function advisorTyping(frame) {
    var name = typeof frame.author === "string" && frame.author ? frame.author : advisorName;
    if (frame.state !== "on" || !name) return hideAdvisorTyping();
    var line = t("advisorTyping", { name: name });
    advisorTypingText.textContent = line;
    if (advisorTypingRow.parentNode !== log) { // it starts: shown, and said once
      log.appendChild(advisorTypingRow);
      advisorTypingStatus.textContent = line;
      scrollDown();
    }
    clearTimeout(advisorTypingTimer);
    advisorTypingTimer = setTimeout(hideAdvisorTyping, TYPING_SHOWN_MS);
  }
  function hideAdvisorTyping() {
    clearTimeout(advisorTypingTimer);
    if (advisorTypingRow.parentNode) advisorTypingRow.parentNode.removeChild(advisorTypingRow);
    advisorTypingStatus.textContent = "";
  }
  // Under the last message: a message of the advisor or the bot hides it, the customer's
  // own (or a notice) goes above it.
  new MutationObserver(function (changes) {
    if (advisorTypingRow.parentNode !== log) return;
    var answered = changes.some(function (change) {
      return Array.prototype.some.call(change.addedNodes, function (node) {
        if (node === advisorTypingRow || node === typing || node.nodeType !== 1) return false;
        return node.classList.contains("pl-advisor") || node.classList.contains("pl-bot");
      });
    });
    if (answered) hideAdvisorTyping();
    else if (log.lastChild !== advisorTypingRow) log.appendChild(advisorTypingRow);
  }).observe(log, { childList: true });
  // --- end of typing indicator -----------------------------------------------------------

  function mount() {
    document.body.appendChild(host);
    if (session && session.getItem(OPEN_KEY)) open();
  }
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);

  window.Pitlane = { version: build ? build.version : "1", open: open, close: close };
  // Extensions get the panel's parts: rooms.js adds the rooms tab and the notifications.
  window.Pitlane._parts = {
    ORIGIN: ORIGIN, LANG: LANG, dom: dom, i18n: i18n, root: root, panel: panel,
    header: header, log: log, form: form, counter: counter, markUnread: markUnread,
    auth: auth, style: style, built: !!build,
  };
  // widget-map.js: the agencies map, the location button, the picture upload.
  var customRenderers = [];
  // The human chat, from the hub's notices (`{"advisor_chat": {"status", "advisor"}}`,
  // hub/announce.py): the header names the advisor while they hold the conversation, and
  // the queue's "cancel my request" can no longer be clicked; the bot's header again after.
  customRenderers.push(function (container, custom) {
    var chat = custom && custom.advisor_chat;
    if (!chat || typeof chat !== "object") return;
    var accepted = chat.status === "accepted" && typeof chat.advisor === "string";
    advisorName = accepted ? chat.advisor : null;
    if (accepted) freezeChoices();
    title.textContent = advisorName || t("title");
    if (connected) status.textContent = onlineText();
    root.classList.toggle("pl-human", accepted);
    endBar.hidden = !accepted;
    endButton.disabled = false;
  });
  // A booking's documents, `{"links": [{"title", "url"}]}` (actions/booking_links.py): links
  // opened in a new tab; a relative URL is the widget's own server's (no public base URL).
  customRenderers.push(function (container, custom) {
    if (!custom || !Array.isArray(custom.links) || container.querySelector(".pl-links")) return;
    var group = el("div", { class: "pl-links", "data-pitlane": "links" });
    custom.links.forEach(function (link) {
      if (!link || typeof link.title !== "string" || typeof link.url !== "string") return;
      var href;
      try {
        href = new URL(link.url, ORIGIN);
      } catch (e) {
        return;
      }
      if (href.protocol !== "https:" && href.protocol !== "http:") return;
      var a = el("a", {
        class: "pl-link", href: href.href, target: "_blank", rel: "noopener noreferrer",
        "data-pitlane": "document-link",
      });
      a.textContent = link.title;
      group.appendChild(a);
    });
    if (group.firstChild) container.appendChild(group);
  });
  var parts = window.Pitlane._parts;
  parts.shadow = shadow;
  parts.input = input;
  parts.send = send;
  parts.addMessage = addMessage;
  parts.addNotice = addNotice;
  parts.setTyping = setTyping;
  parts.onForget = function (hook) {
    forgetHooks.push(hook);
  };
  parts.onCustom = function (render) {
    customRenderers.push(render);
    Array.prototype.forEach.call(log.querySelectorAll('[data-pitlane="custom"]'), function (c) {
      render(c, c.pitlaneCustom);
    });
  };
  if (build) return; // built: the extensions follow in this scope, their styles are in style
  var mapScript = el("script", { src: ORIGIN + "/widget-map.js", defer: "" });
  (document.head || document.documentElement).appendChild(mapScript);
  var roomsScript = el("script", { src: ORIGIN + "/rooms.js", defer: "" });
  (document.head || document.documentElement).appendChild(roomsScript);
})();
