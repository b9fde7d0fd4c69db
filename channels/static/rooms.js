/*
 * Pitlane widget extension: the "Salons / Rooms" tab beside the assistant, and the
 * commercial notifications (Server-Sent Events). Loaded by widget.js, which hands over its
 * panel's parts in window.Pitlane._parts. Rooms talk over WS /ws/rooms, authenticated with
 * the same token as the chat (P.auth, shared/credential.js); notifications arrive on an
 * EventSource (/api/widget/notifications/stream) opened with a single-use ticket, and the
 * last one seen is remembered so a reopened stream (a new ticket each time) gets what it
 * missed (last_event_id). Every text from people is set with textContent only.
 * The DOM and i18n helpers are the widget's (P.dom, P.i18n).
 */
(function () {
  "use strict";

  var P = window.Pitlane && window.Pitlane._parts;
  if (!P || window.Pitlane.rooms) return;

  var dom = P.dom;
  var el = dom.el;
  var text = dom.text;
  var LANG = P.LANG;
  var ORIGIN = P.ORIGIN;
  var NAME_KEY = "pitlane.roomName";
  var LAST_KEY = "pitlane.lastNotification";
  var MAX_CHARS = 500;

  // Its texts in the language the widget started in (channels/static/i18n/, "rooms").
  var t = P.i18n.translator(LANG, "rooms");

  function store() {
    try {
      return window.localStorage;
    } catch (e) {
      return null;
    }
  }
  var local = store();
  function remember(key, value) {
    if (local) {
      try {
        local.setItem(key, value);
      } catch (e) {
        /* full or blocked: the value lasts as long as the page */
      }
    }
  }
  function recall(key) {
    return local ? local.getItem(key) || "" : "";
  }

  // ---- styles (in the widget's shadow root) -------------------------------------------
  // (The built widget's one style sheet already holds them.)
  if (!P.built) {
    var sheet = el("link", { rel: "stylesheet", href: ORIGIN + "/rooms.css" });
    P.root.parentNode.insertBefore(sheet, P.root);
  }

  // ---- tabs -----------------------------------------------------------------------------
  var tabs = el("div", { class: "pl-tabs", role: "tablist", "aria-label": t("tabs") });
  var tabChat = text(
    el("button", {
      class: "pl-tab",
      type: "button",
      role: "tab",
      "aria-selected": "true",
      "data-pitlane": "tab-assistant",
    }),
    t("assistant")
  );
  var tabRooms = text(
    el("button", {
      class: "pl-tab",
      type: "button",
      role: "tab",
      "aria-selected": "false",
      "data-pitlane": "tab-rooms",
    }),
    t("rooms")
  );
  tabs.appendChild(tabChat);
  tabs.appendChild(tabRooms);

  var notes = el("div", { class: "pl-notes", "aria-live": "polite", "data-pitlane": "notifications" });

  var view = el("div", { class: "pl-rooms", role: "tabpanel", "data-pitlane": "rooms" });
  view.hidden = true;
  P.header.parentNode.insertBefore(notes, P.header.nextSibling);
  P.panel.insertBefore(tabs, notes.nextSibling);
  P.panel.insertBefore(view, P.log);

  var assistantParts = [P.log, P.form, P.counter];

  function show(rooms) {
    tabChat.setAttribute("aria-selected", rooms ? "false" : "true");
    tabRooms.setAttribute("aria-selected", rooms ? "true" : "false");
    assistantParts.forEach(function (node) {
      node.hidden = rooms;
    });
    view.hidden = !rooms;
    P.root.classList.toggle("pl-rooms-open", rooms);
    if (rooms) connect();
  }
  tabChat.addEventListener("click", function () {
    show(false);
  });
  tabRooms.addEventListener("click", function () {
    show(true);
  });

  // ---- the rooms view: list screen and room screen ---------------------------------------
  var status = text(el("p", { class: "pl-rooms-status", role: "status" }), t("connecting"));
  var listScreen = el("div", { class: "pl-rooms-list" });
  var intro = text(el("p", { class: "pl-rooms-intro" }), t("intro"));
  var nameLabel = text(el("label", { class: "pl-rooms-label", for: "pl-room-name" }), t("yourName"));
  var nameInput = el("input", {
    class: "pl-rooms-name",
    id: "pl-room-name",
    maxlength: "40",
    autocomplete: "nickname",
    placeholder: t("namePlaceholder"),
    "data-pitlane": "room-name",
  });
  nameInput.value = recall(NAME_KEY);
  nameInput.addEventListener("change", function () {
    remember(NAME_KEY, nameInput.value.trim());
  });
  var list = el("ul", { class: "pl-rooms-items", "data-pitlane": "room-list" });
  var offers = el("label", { class: "pl-offers" });
  var offersBox = el("input", { type: "checkbox", "data-pitlane": "offers" });
  offersBox.checked = true;
  offers.appendChild(offersBox);
  offers.appendChild(text(el("span"), t("offers")));
  listScreen.appendChild(intro);
  listScreen.appendChild(nameLabel);
  listScreen.appendChild(nameInput);
  listScreen.appendChild(list);
  listScreen.appendChild(offers);

  var roomScreen = el("div", { class: "pl-room" });
  roomScreen.hidden = true;
  var roomBar = el("div", { class: "pl-room-bar" });
  var backButton = text(el("button", { class: "pl-room-back", type: "button" }), t("back"));
  var roomTitle = el("div", { class: "pl-room-title" });
  var roomName = el("strong", { "data-pitlane": "room-title" });
  var roomCount = el("span", { class: "pl-room-count" });
  roomTitle.appendChild(roomName);
  roomTitle.appendChild(roomCount);
  var leaveButton = text(
    el("button", { class: "pl-room-leave", type: "button", "data-pitlane": "room-leave" }),
    t("leave")
  );
  roomBar.appendChild(backButton);
  roomBar.appendChild(roomTitle);
  roomBar.appendChild(leaveButton);
  var roomLog = el("div", {
    class: "pl-room-log",
    role: "log",
    "aria-live": "polite",
    tabindex: "0",
    "data-pitlane": "room-log",
  });
  var roomForm = el("form", { class: "pl-form pl-room-form", "data-pitlane": "room-form" });
  var roomLabel = text(el("label", { class: "pl-sr", for: "pl-room-input" }), t("input"));
  var roomInput = el("input", {
    class: "pl-input pl-room-input",
    id: "pl-room-input",
    maxlength: String(MAX_CHARS),
    placeholder: t("placeholder"),
    autocomplete: "off",
    "data-pitlane": "room-input",
  });
  var roomSend = el("button", {
    class: "pl-send",
    type: "submit",
    "aria-label": t("send"),
    "data-pitlane": "room-send",
  });
  roomSend.appendChild(dom.icon(["M3 11.5L21 3l-8.5 18-2.2-7.3L3 11.5z"], 20));
  roomForm.appendChild(roomLabel);
  roomForm.appendChild(roomInput);
  roomForm.appendChild(roomSend);
  roomScreen.appendChild(roomBar);
  roomScreen.appendChild(roomLog);
  roomScreen.appendChild(roomForm);

  view.appendChild(status);
  view.appendChild(listScreen);
  view.appendChild(roomScreen);

  var socket = null;
  var attempt = 0;
  var current = null; // the open room: {id, name, capacity, members}

  var opening = false;

  function connect() {
    if (opening || (socket && socket.readyState <= 1)) return;
    status.hidden = false;
    text(status, t("connecting"));
    opening = true;
    P.auth.socket("/ws/rooms", LANG).then(
      function (ws) {
        opening = false;
        listenTo(ws);
      },
      function () {
        opening = false;
        retry();
      }
    );
  }

  function listenTo(ws) {
    socket = ws;
    socket.onopen = function () {
      attempt = 0;
      status.hidden = true;
      if (current) sendFrame({ type: "join", room_id: current.id, name: nickname() });
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
      retry();
    };
  }

  // "Forget this device" (widget.js): the old identity's room socket closes (the next one
  // opens with the new credential) and its notification stream ends.
  if (P.onForget) {
    P.onForget(function () {
      current = null;
      if (socket) socket.close();
      stopListening();
    });
  }

  function retry() {
    attempt += 1;
    status.hidden = false;
    text(status, t("connecting"));
    setTimeout(function () {
      if (!view.hidden) connect();
    }, Math.min(30000, 1000 * Math.pow(2, attempt - 1)));
  }

  function sendFrame(frame) {
    if (!socket || socket.readyState !== 1) return false;
    socket.send(JSON.stringify(frame));
    return true;
  }

  function nickname() {
    return nameInput.value.trim();
  }

  function notice(message) {
    var line = text(el("p", { class: "pl-notice pl-room-notice", role: "status" }), message);
    if (!roomScreen.hidden) {
      roomLog.appendChild(line);
      roomLog.scrollTop = roomLog.scrollHeight;
    } else {
      listScreen.insertBefore(line, list);
      setTimeout(function () {
        dom.remove(line);
      }, 6000);
    }
  }

  function renderRooms(rooms) {
    dom.clear(list);
    if (!rooms.length) {
      list.appendChild(text(el("li", { class: "pl-rooms-empty" }), t("none")));
      return;
    }
    rooms.forEach(function (room) {
      var item = el("li", { class: "pl-rooms-item", "data-room-id": String(room.id) });
      var info = el("div", { class: "pl-rooms-info" });
      info.appendChild(text(el("strong", { class: "pl-rooms-title" }), room.name));
      if (room.description) info.appendChild(text(el("span", { class: "pl-rooms-desc" }), room.description));
      var count = text(
        el("span", { class: "pl-rooms-count", "data-pitlane": "room-occupancy" }),
        t("occupancy", { members: room.members, capacity: room.capacity })
      );
      info.appendChild(count);
      var action = el("button", { class: "pl-rooms-join", type: "button", "data-pitlane": "room-join" });
      if (room.banned) {
        text(action, t("banned"));
        action.disabled = true;
      } else if (room.joined) {
        text(action, t("openRoom"));
      } else if (room.full) {
        text(action, t("full"));
        action.disabled = true;
      } else {
        text(action, t("join"));
      }
      action.addEventListener("click", function () {
        if (nickname().length < 2) {
          notice(t("nameNeeded"));
          nameInput.focus();
          return;
        }
        remember(NAME_KEY, nickname());
        sendFrame({ type: "join", room_id: room.id, name: nickname() });
      });
      item.appendChild(info);
      item.appendChild(action);
      list.appendChild(item);
      if (current && current.id === room.id) updateCount(room);
    });
  }

  function updateCount(room) {
    text(roomCount, room.members + " / " + room.capacity);
  }

  function openRoom(room, messages) {
    current = room;
    text(roomName, room.name);
    updateCount(room);
    dom.clear(roomLog);
    messages.forEach(addRoomMessage);
    listScreen.hidden = true;
    roomScreen.hidden = false;
    roomInput.disabled = false;
    roomSend.disabled = false;
    roomInput.focus();
  }

  function backToList() {
    current = null;
    roomScreen.hidden = true;
    listScreen.hidden = false;
    sendFrame({ type: "list" });
  }

  function addRoomMessage(message) {
    var row = el("div", {
      class: "pl-msg " + (message.mine ? "pl-user" : "pl-peer"),
      "data-pitlane": "room-message",
      "data-message-id": String(message.id),
    });
    if (!message.mine) row.appendChild(text(el("p", { class: "pl-author" }), message.author));
    var bubble = el("div", { class: "pl-bubble" });
    bubble.appendChild(document.createTextNode(message.text)); // never HTML
    row.appendChild(bubble);
    var sent = new Date(message.at);
    if (typeof message.at === "string" && !isNaN(sent.getTime())) {
      var stamp = el("time", { class: "pl-time", datetime: message.at, "data-pitlane": "room-time" });
      row.appendChild(text(stamp, clock(sent)));
    }
    if (!message.mine) {
      var flag = text(el("button", { class: "pl-report", type: "button" }), t("report"));
      flag.addEventListener("click", function () {
        if (sendFrame({ type: "report", message_id: message.id })) {
          text(flag, t("reported"));
          flag.disabled = true;
        }
      });
      row.appendChild(flag);
    }
    roomLog.appendChild(row);
    roomLog.scrollTop = roomLog.scrollHeight;
  }

  function clock(date) {
    // HH:MM in the visitor's own time zone
    return ("0" + date.getHours()).slice(-2) + ":" + ("0" + date.getMinutes()).slice(-2);
  }

  function closeRoom(message) {
    notice(message);
    roomInput.disabled = true;
    roomSend.disabled = true;
  }

  function receive(frame) {
    if (!frame || typeof frame !== "object") return;
    if (frame.type === "rooms" && Array.isArray(frame.rooms)) {
      renderRooms(frame.rooms);
    } else if (frame.type === "joined" && frame.room) {
      openRoom(frame.room, frame.messages || []);
    } else if (frame.type === "message" && current && frame.room_id === current.id) {
      addRoomMessage(frame.message);
    } else if (frame.type === "removed" && current && frame.room_id === current.id) {
      var gone = roomLog.querySelector('[data-message-id="' + Number(frame.message_id) + '"]');
      dom.remove(gone);
    } else if (frame.type === "room" && current && frame.room && frame.room.id === current.id) {
      text(roomName, frame.room.name);
      updateCount(frame.room);
    } else if (frame.type === "closed" && current && frame.room_id === current.id) {
      closeRoom(t("closed"));
    } else if (frame.type === "kicked" && current && frame.room_id === current.id) {
      closeRoom(frame.reason === "banned" ? t("kickedBanned") : t("kickedCapacity"));
    } else if (frame.type === "left") {
      backToList();
    } else if (frame.type === "error") {
      var known = t.has("errors." + frame.code);
      notice(known ? t("errors." + frame.code) : t("error"));
      if (frame.code === "room_closed" && current) closeRoom(t("closed"));
    }
  }

  backButton.addEventListener("click", backToList);
  leaveButton.addEventListener("click", function () {
    if (current) sendFrame({ type: "leave", room_id: current.id });
  });
  roomForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var value = roomInput.value.trim();
    if (!value || !current) return;
    if (value.length > MAX_CHARS) {
      notice(t("errors.message_too_long"));
      return;
    }
    if (sendFrame({ type: "post", room_id: current.id, text: value })) roomInput.value = "";
  });

  // ---- commercial notifications (SSE) ------------------------------------------------------
  var stream = null;
  var seen = {};
  var streamAttempt = 0;
  var streamTimer = null;

  // Each (re)opening takes a new single-use ticket; EventSource's own reconnection would reuse
  // a spent one, so the widget closes a failed stream and opens a new one itself.
  function listen() {
    if (!window.EventSource || stream) return;
    clearTimeout(streamTimer);
    stream = "opening";
    P.auth.ticket().then(open, function () {
      stream = null;
      relisten();
    });
  }

  function open(ticket) {
    var url = ORIGIN + "/api/widget/notifications/stream?ticket=" + encodeURIComponent(ticket);
    var last = recall(LAST_KEY);
    if (/^\d+$/.test(last)) url += "&last_event_id=" + last;
    var source = new EventSource(url);
    stream = source;
    source.onopen = function () {
      streamAttempt = 0;
    };
    source.addEventListener("notification", function (event) {
      var data;
      try {
        data = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      if (!data || seen[data.id]) return;
      seen[data.id] = true;
      if (!/^\d+$/.test(recall(LAST_KEY)) || Number(recall(LAST_KEY)) < data.id) {
        remember(LAST_KEY, String(data.id));
      }
      showNotification(data);
    });
    source.onerror = function () {
      if (stream !== source) return;
      source.close();
      stream = null;
      relisten();
    };
  }

  function relisten() {
    if (!offersBox.checked) return; // opted out: no stream
    streamAttempt += 1;
    streamTimer = setTimeout(listen, Math.min(60000, 5000 * Math.pow(2, streamAttempt - 1)));
  }

  function stopListening() {
    clearTimeout(streamTimer);
    if (stream && stream !== "opening") stream.close();
    stream = null;
  }

  function showNotification(data) {
    var card = el("article", { class: "pl-note", "data-pitlane": "notification" });
    var head = el("div", { class: "pl-note-head" });
    head.appendChild(text(el("span", { class: "pl-note-kicker" }), t("news")));
    var dismiss = el("button", { class: "pl-note-close", type: "button", "aria-label": t("dismiss") });
    dismiss.appendChild(dom.icon(["M6 6l12 12M18 6L6 18"], 16));
    dismiss.addEventListener("click", function () {
      dom.remove(card);
    });
    head.appendChild(dismiss);
    card.appendChild(head);
    // The title opens and closes the rest (accordion pattern: a heading holding a button).
    // On a phone the card starts closed, one line high, so it never covers the conversation.
    var heading = el("h3", { class: "pl-note-title" });
    var toggle = el("button", { class: "pl-note-toggle", type: "button", "data-pitlane": "notification-title" });
    heading.appendChild(text(toggle, data.title || ""));
    card.appendChild(heading);
    var more = el("div", { class: "pl-note-more", "data-pitlane": "notification-more" });
    more.appendChild(text(el("p", { class: "pl-note-body" }), data.body || ""));
    if (typeof data.link === "string" && /^https?:\/\//i.test(data.link)) {
      var link = el("a", { class: "pl-note-link", href: data.link, target: "_blank", rel: "noopener noreferrer" });
      more.appendChild(text(link, t("seeOffer")));
    }
    card.appendChild(more);
    function expand(on) {
      more.hidden = !on;
      toggle.setAttribute("aria-expanded", on ? "true" : "false");
      card.classList.toggle("pl-note-closed", !on);
    }
    toggle.addEventListener("click", function () {
      expand(more.hidden);
    });
    expand(!(window.matchMedia && matchMedia("(max-width: 480px)").matches));
    notes.insertBefore(card, notes.firstChild);
    while (notes.children.length > 3) notes.removeChild(notes.lastChild);
    if (P.panel.hidden) P.markUnread(data.title || "");
  }

  function subscription(on) {
    return P.auth.fetch(ORIGIN + "/api/widget/notifications/subscription", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "subscribed=" + (on ? "1" : "0"),
    });
  }

  offersBox.addEventListener("change", function () {
    var on = offersBox.checked;
    subscription(on).then(function () {
      stopListening();
      if (on) listen();
    });
  });

  P.auth
    .fetch(ORIGIN + "/api/widget/notifications/subscription")
    .then(function (answer) {
      return answer.json();
    })
    .then(function (state) {
      offersBox.checked = !state.opted_out;
      if (!state.opted_out) listen();
    })
    .catch(function () {});

  window.Pitlane.rooms = { show: show, listen: listen };
})();
