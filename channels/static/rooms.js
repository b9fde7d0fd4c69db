/*
 * Pitlane widget extension: the "Salons / Rooms" tab beside the assistant, and the
 * commercial notifications (Server-Sent Events). Loaded by widget.js, which hands over its
 * panel's parts in window.Pitlane._parts. Rooms talk over WS /ws/rooms with the same visitor
 * id as the chat; notifications arrive on an EventSource
 * (/api/widget/notifications/stream), and the last one seen is remembered so a reopened page
 * gets what it missed (last_event_id). Every text from people is set with textContent only.
 */
(function () {
  "use strict";

  var P = window.Pitlane && window.Pitlane._parts;
  if (!P || window.Pitlane.rooms) return;

  var el = P.el;
  var LANG = P.LANG;
  var ORIGIN = P.ORIGIN;
  var NAME_KEY = "pitlane.roomName";
  var LAST_KEY = "pitlane.lastNotification";
  var MAX_CHARS = 500;

  var TEXT = {
    fr: {
      assistant: "Assistant",
      rooms: "Salons",
      tabs: "Choisir la vue",
      intro: "Discutez avec d'autres motards dans les salons ouverts par l'équipe Pitlane.",
      yourName: "Votre pseudo",
      namePlaceholder: "ex. Camille_R1250",
      nameNeeded: "Choisissez un pseudo (2 à 40 caractères) pour rejoindre un salon.",
      join: "Rejoindre",
      openRoom: "Ouvrir",
      full: "Complet",
      banned: "Accès refusé",
      members: " membres",
      none: "Aucun salon ouvert pour le moment.",
      back: "Salons",
      leave: "Quitter",
      input: "Écrire au salon",
      placeholder: "Écrire dans le salon…",
      send: "Envoyer",
      report: "Signaler",
      reported: "Signalé",
      closed: "Ce salon a été supprimé par l'équipe : il est fermé.",
      kickedBanned: "Vous avez été retiré de ce salon par l'équipe.",
      kickedCapacity: "Le salon a été réduit : vous n'en faites plus partie.",
      connecting: "Connexion aux salons…",
      offers: "Recevoir les offres commerciales",
      dismiss: "Fermer la notification",
      seeOffer: "Voir l'offre",
      news: "Nouveauté Pitlane",
      errors: {
        room_full: "Ce salon est complet.",
        room_closed: "Ce salon est fermé.",
        banned_from_room: "Vous ne pouvez pas rejoindre ce salon.",
        not_room_member: "Rejoignez le salon pour y écrire.",
        rate_limited: "Doucement ! Attendez quelques secondes avant le prochain message.",
        message_too_long: "500 caractères maximum.",
        empty_message: "Le message est vide.",
        invalid_display_name: "Le pseudo doit faire 2 à 40 caractères.",
        own_message: "Vous ne pouvez pas signaler votre propre message.",
      },
      error: "Une erreur est survenue, réessayez.",
    },
    en: {
      assistant: "Assistant",
      rooms: "Rooms",
      tabs: "Choose the view",
      intro: "Chat with other riders in the rooms opened by the Pitlane team.",
      yourName: "Your nickname",
      namePlaceholder: "e.g. Sam_R1250",
      nameNeeded: "Choose a nickname (2 to 40 characters) to join a room.",
      join: "Join",
      openRoom: "Open",
      full: "Full",
      banned: "No access",
      members: " members",
      none: "No open room right now.",
      back: "Rooms",
      leave: "Leave",
      input: "Write to the room",
      placeholder: "Write in the room…",
      send: "Send",
      report: "Report",
      reported: "Reported",
      closed: "This room was deleted by the team: it is closed.",
      kickedBanned: "The team removed you from this room.",
      kickedCapacity: "The room was made smaller: you are no longer in it.",
      connecting: "Connecting to the rooms…",
      offers: "Receive commercial offers",
      dismiss: "Dismiss the notification",
      seeOffer: "See the offer",
      news: "Pitlane news",
      errors: {
        room_full: "This room is full.",
        room_closed: "This room is closed.",
        banned_from_room: "You cannot join this room.",
        not_room_member: "Join the room to write in it.",
        rate_limited: "Easy! Wait a few seconds before the next message.",
        message_too_long: "500 characters at most.",
        empty_message: "The message is empty.",
        invalid_display_name: "A nickname has 2 to 40 characters.",
        own_message: "You cannot report your own message.",
      },
      error: "Something went wrong, please try again.",
    },
  }[LANG];

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
  function text(node, value) {
    node.textContent = value;
    return node;
  }

  // ---- styles (in the widget's shadow root) -------------------------------------------
  var sheet = el("link", "", { rel: "stylesheet", href: ORIGIN + "/rooms.css" });
  P.root.parentNode.insertBefore(sheet, P.root);

  // ---- tabs -----------------------------------------------------------------------------
  var tabs = el("div", "pl-tabs", { role: "tablist", "aria-label": TEXT.tabs });
  var tabChat = text(
    el("button", "pl-tab", {
      type: "button",
      role: "tab",
      "aria-selected": "true",
      "data-pitlane": "tab-assistant",
    }),
    TEXT.assistant
  );
  var tabRooms = text(
    el("button", "pl-tab", {
      type: "button",
      role: "tab",
      "aria-selected": "false",
      "data-pitlane": "tab-rooms",
    }),
    TEXT.rooms
  );
  tabs.appendChild(tabChat);
  tabs.appendChild(tabRooms);

  var notes = el("div", "pl-notes", { "aria-live": "polite", "data-pitlane": "notifications" });

  var view = el("div", "pl-rooms", { role: "tabpanel", "data-pitlane": "rooms" });
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
  var status = text(el("p", "pl-rooms-status", { role: "status" }), TEXT.connecting);
  var listScreen = el("div", "pl-rooms-list");
  var intro = text(el("p", "pl-rooms-intro"), TEXT.intro);
  var nameLabel = text(el("label", "pl-rooms-label", { for: "pl-room-name" }), TEXT.yourName);
  var nameInput = el("input", "pl-rooms-name", {
    id: "pl-room-name",
    maxlength: "40",
    autocomplete: "nickname",
    placeholder: TEXT.namePlaceholder,
    "data-pitlane": "room-name",
  });
  nameInput.value = recall(NAME_KEY);
  nameInput.addEventListener("change", function () {
    remember(NAME_KEY, nameInput.value.trim());
  });
  var list = el("ul", "pl-rooms-items", { "data-pitlane": "room-list" });
  var offers = el("label", "pl-offers");
  var offersBox = el("input", "", { type: "checkbox", "data-pitlane": "offers" });
  offersBox.checked = true;
  offers.appendChild(offersBox);
  offers.appendChild(text(el("span"), TEXT.offers));
  listScreen.appendChild(intro);
  listScreen.appendChild(nameLabel);
  listScreen.appendChild(nameInput);
  listScreen.appendChild(list);
  listScreen.appendChild(offers);

  var roomScreen = el("div", "pl-room");
  roomScreen.hidden = true;
  var roomBar = el("div", "pl-room-bar");
  var backButton = text(el("button", "pl-room-back", { type: "button" }), "← " + TEXT.back);
  var roomTitle = el("div", "pl-room-title");
  var roomName = el("strong", "", { "data-pitlane": "room-title" });
  var roomCount = el("span", "pl-room-count");
  roomTitle.appendChild(roomName);
  roomTitle.appendChild(roomCount);
  var leaveButton = text(
    el("button", "pl-room-leave", { type: "button", "data-pitlane": "room-leave" }),
    TEXT.leave
  );
  roomBar.appendChild(backButton);
  roomBar.appendChild(roomTitle);
  roomBar.appendChild(leaveButton);
  var roomLog = el("div", "pl-room-log", {
    role: "log",
    "aria-live": "polite",
    tabindex: "0",
    "data-pitlane": "room-log",
  });
  var roomForm = el("form", "pl-form pl-room-form", { "data-pitlane": "room-form" });
  var roomLabel = text(el("label", "pl-sr", { for: "pl-room-input" }), TEXT.input);
  var roomInput = el("input", "pl-input pl-room-input", {
    id: "pl-room-input",
    maxlength: String(MAX_CHARS),
    placeholder: TEXT.placeholder,
    autocomplete: "off",
    "data-pitlane": "room-input",
  });
  var roomSend = el("button", "pl-send", {
    type: "submit",
    "aria-label": TEXT.send,
    "data-pitlane": "room-send",
  });
  roomSend.appendChild(P.icon(["M3 11.5L21 3l-8.5 18-2.2-7.3L3 11.5z"], 20));
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

  function connect() {
    if (socket && socket.readyState <= 1) return;
    var url =
      ORIGIN.replace(/^http/, "ws") +
      "/ws/rooms?client_id=" +
      encodeURIComponent(P.clientId()) +
      "&lang=" +
      LANG;
    socket = new WebSocket(url);
    status.hidden = false;
    text(status, TEXT.connecting);
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
      attempt += 1;
      status.hidden = false;
      text(status, TEXT.connecting);
      setTimeout(function () {
        if (!view.hidden) connect();
      }, Math.min(30000, 1000 * Math.pow(2, attempt - 1)));
    };
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
    var line = text(el("p", "pl-notice pl-room-notice", { role: "status" }), message);
    if (!roomScreen.hidden) {
      roomLog.appendChild(line);
      roomLog.scrollTop = roomLog.scrollHeight;
    } else {
      listScreen.insertBefore(line, list);
      setTimeout(function () {
        if (line.parentNode) line.parentNode.removeChild(line);
      }, 6000);
    }
  }

  function renderRooms(rooms) {
    while (list.firstChild) list.removeChild(list.firstChild);
    if (!rooms.length) {
      list.appendChild(text(el("li", "pl-rooms-empty"), TEXT.none));
      return;
    }
    rooms.forEach(function (room) {
      var item = el("li", "pl-rooms-item", { "data-room-id": String(room.id) });
      var info = el("div", "pl-rooms-info");
      info.appendChild(text(el("strong", "pl-rooms-title"), room.name));
      if (room.description) info.appendChild(text(el("span", "pl-rooms-desc"), room.description));
      var count = text(
        el("span", "pl-rooms-count", { "data-pitlane": "room-occupancy" }),
        room.members + " / " + room.capacity + TEXT.members
      );
      info.appendChild(count);
      var action = el("button", "pl-rooms-join", { type: "button", "data-pitlane": "room-join" });
      if (room.banned) {
        text(action, TEXT.banned);
        action.disabled = true;
      } else if (room.joined) {
        text(action, TEXT.openRoom);
      } else if (room.full) {
        text(action, TEXT.full);
        action.disabled = true;
      } else {
        text(action, TEXT.join);
      }
      action.addEventListener("click", function () {
        if (nickname().length < 2) {
          notice(TEXT.nameNeeded);
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
    while (roomLog.firstChild) roomLog.removeChild(roomLog.firstChild);
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
    var row = el("div", "pl-msg " + (message.mine ? "pl-user" : "pl-peer"), {
      "data-pitlane": "room-message",
      "data-message-id": String(message.id),
    });
    if (!message.mine) row.appendChild(text(el("p", "pl-author"), message.author));
    var bubble = el("div", "pl-bubble");
    bubble.appendChild(document.createTextNode(message.text)); // never HTML
    row.appendChild(bubble);
    var sent = new Date(message.at);
    if (typeof message.at === "string" && !isNaN(sent.getTime())) {
      var stamp = el("time", "pl-time", { datetime: message.at, "data-pitlane": "room-time" });
      row.appendChild(text(stamp, clock(sent)));
    }
    if (!message.mine) {
      var flag = text(el("button", "pl-report", { type: "button" }), TEXT.report);
      flag.addEventListener("click", function () {
        if (sendFrame({ type: "report", message_id: message.id })) {
          text(flag, TEXT.reported);
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
      if (gone) gone.parentNode.removeChild(gone);
    } else if (frame.type === "room" && current && frame.room && frame.room.id === current.id) {
      text(roomName, frame.room.name);
      updateCount(frame.room);
    } else if (frame.type === "closed" && current && frame.room_id === current.id) {
      closeRoom(TEXT.closed);
    } else if (frame.type === "kicked" && current && frame.room_id === current.id) {
      closeRoom(frame.reason === "banned" ? TEXT.kickedBanned : TEXT.kickedCapacity);
    } else if (frame.type === "left") {
      backToList();
    } else if (frame.type === "error") {
      var known = TEXT.errors[frame.code];
      notice(known || TEXT.error);
      if (frame.code === "room_closed" && current) closeRoom(TEXT.closed);
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
      notice(TEXT.errors.message_too_long);
      return;
    }
    if (sendFrame({ type: "post", room_id: current.id, text: value })) roomInput.value = "";
  });

  // ---- commercial notifications (SSE) ------------------------------------------------------
  var stream = null;
  var seen = {};

  function listen() {
    if (!window.EventSource || stream) return;
    var url =
      ORIGIN +
      "/api/widget/notifications/stream?client_id=" +
      encodeURIComponent(P.clientId());
    var last = recall(LAST_KEY);
    if (/^\d+$/.test(last)) url += "&last_event_id=" + last;
    stream = new EventSource(url);
    stream.addEventListener("notification", function (event) {
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
    stream.onerror = function () {
      if (stream && stream.readyState === 2) stream = null; // closed for good (opted out)
    };
  }

  function stopListening() {
    if (stream) stream.close();
    stream = null;
  }

  function showNotification(data) {
    var card = el("article", "pl-note", { "data-pitlane": "notification" });
    var head = el("div", "pl-note-head");
    head.appendChild(text(el("span", "pl-note-kicker"), TEXT.news));
    var dismiss = el("button", "pl-note-close", { type: "button", "aria-label": TEXT.dismiss });
    dismiss.appendChild(P.icon(["M6 6l12 12M18 6L6 18"], 16));
    dismiss.addEventListener("click", function () {
      card.parentNode.removeChild(card);
    });
    head.appendChild(dismiss);
    card.appendChild(head);
    card.appendChild(text(el("h3", "pl-note-title", { "data-pitlane": "notification-title" }), data.title || ""));
    card.appendChild(text(el("p", "pl-note-body"), data.body || ""));
    if (typeof data.link === "string" && /^https?:\/\//i.test(data.link)) {
      var link = el("a", "pl-note-link", { href: data.link, target: "_blank", rel: "noopener noreferrer" });
      card.appendChild(text(link, TEXT.seeOffer));
    }
    notes.insertBefore(card, notes.firstChild);
    while (notes.children.length > 3) notes.removeChild(notes.lastChild);
    if (P.panel.hidden) {
      P.badge.hidden = false;
    }
  }

  function subscription(on) {
    var body = "client_id=" + encodeURIComponent(P.clientId()) + "&subscribed=" + (on ? "1" : "0");
    return fetch(ORIGIN + "/api/widget/notifications/subscription", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: body,
    });
  }

  offersBox.addEventListener("change", function () {
    var on = offersBox.checked;
    subscription(on).then(function () {
      stopListening();
      if (on) listen();
    });
  });

  fetch(
    ORIGIN +
      "/api/widget/notifications/subscription?client_id=" +
      encodeURIComponent(P.clientId())
  )
    .then(function (answer) {
      return answer.json();
    })
    .then(function (state) {
      offersBox.checked = !state.opted_out;
    })
    .catch(function () {});

  listen();
  window.Pitlane.rooms = { show: show, listen: listen };
})();
