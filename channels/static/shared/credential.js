/*
 * The widget's credential (channels/widget_auth.py): a token the server issues, kept in
 * localStorage, never put in a URL. `credential(origin, store)` gives the widget and its
 * extensions one way to get it, to open an authenticated socket (the token goes in the first
 * frame), to call the API with `Authorization: Bearer`, and to get a single-use ticket for the
 * notification stream (EventSource sends no header), and to revoke it ("forget this
 * device"). A browser of the old widget sends its made-up id once (`legacy_client_id`) to keep
 * its conversation.
 */
var credential = function (origin, store) {
  "use strict";

  var TOKEN_KEY = "pitlane.token";
  var LEGACY_KEY = "pitlane.clientId"; // the old widget's own UUID, sent once then forgotten
  var memory = null; // the token when localStorage is unavailable (private mode)
  var pending = null; // one session request at a time

  function read(key) {
    try {
      return store ? store.getItem(key) : null;
    } catch (e) {
      return null;
    }
  }
  function write(key, value) {
    try {
      if (!store) return;
      if (value === null) store.removeItem(key);
      else store.setItem(key, value);
    } catch (e) {
      /* full or blocked: the token lives as long as the page */
    }
  }

  function stored() {
    return memory || read(TOKEN_KEY);
  }

  // The token: the stored one confirmed by the server once a page, or a new one.
  function token() {
    if (pending) return pending;
    var known = stored();
    var legacy = read(LEGACY_KEY);
    var headers = { "Content-Type": "application/json" };
    if (known) headers.Authorization = "Bearer " + known;
    var body = !known && legacy ? JSON.stringify({ legacy_client_id: legacy }) : "";
    pending = fetch(origin + "/api/widget/session", { method: "POST", headers: headers, body: body })
      .then(function (answer) {
        if (!answer.ok) throw new Error("session " + answer.status);
        return answer.json();
      })
      .then(function (session) {
        memory = session.token;
        write(TOKEN_KEY, session.token);
        write(LEGACY_KEY, null);
        return session.token;
      });
    pending.catch(function () {
      pending = null; // a failed request is tried again on the next call
    });
    return pending;
  }

  // The server refused the token (revoked, unknown): ask for a new one on the next call.
  function forget(refused) {
    if (stored() !== refused) return;
    memory = null;
    write(TOKEN_KEY, null);
    pending = null;
  }

  // "Forget this device": the server revokes the token (a token it no longer knows is gone
  // already), then the browser drops it; the next call gets a new identity.
  function revoke() {
    var current = stored();
    var asked = current
      ? fetch(origin + "/api/widget/session", {
          method: "DELETE",
          headers: { Authorization: "Bearer " + current },
        })
      : Promise.resolve(null);
    return asked.then(function (answer) {
      if (answer && !answer.ok && answer.status !== 401) throw new Error("revoke " + answer.status);
      memory = null;
      write(TOKEN_KEY, null);
      write(LEGACY_KEY, null);
      pending = null;
    });
  }

  // A WebSocket on `path` whose first frame authenticates; the caller sets its handlers.
  function socket(path, lang) {
    return token().then(function (current) {
      var url = origin.replace(/^http/, "ws") + path + "?lang=" + encodeURIComponent(lang);
      var ws = new WebSocket(url);
      ws.addEventListener("open", function () {
        ws.send(JSON.stringify({ type: "auth", token: current }));
      });
      ws.addEventListener("close", function (event) {
        if (event.code === 4401) forget(current); // not valid any more: a new one next time
      });
      return ws;
    });
  }

  // fetch() with the token as Bearer; a 401 drops the token (the next call gets a new one).
  function call(url, options) {
    return token().then(function (current) {
      var init = options || {};
      var headers = init.headers || {};
      headers.Authorization = "Bearer " + current;
      init.headers = headers;
      return fetch(url, init).then(function (answer) {
        if (answer.status === 401) forget(current);
        return answer;
      });
    });
  }

  // A single-use ticket for the notification stream (valid about a minute).
  function ticket() {
    return call(origin + "/api/widget/notifications/stream-ticket", { method: "POST" })
      .then(function (answer) {
        if (!answer.ok) throw new Error("ticket " + answer.status);
        return answer.json();
      })
      .then(function (body) {
        return body.ticket;
      });
  }

  return { token: token, socket: socket, fetch: call, ticket: ticket, revoke: revoke };
};
