/*
 * Pitlane chat widget, extras loaded by widget.js (which gives its parts in
 * window.Pitlane._parts):
 *  - the bot's `{"agencies": {...}}` message (docs/workshop.md) drawn as a Leaflet map with
 *    numbered markers and the list beside it; choosing an agency (list or marker) sends the
 *    same payload as its button. Leaflet comes from this server (/vendor/leaflet, see
 *    /widget/map-config); without it, or without tiles, the list and markers still work;
 *  - a "My location" button on that message (browser geolocation -> a message whose
 *    metadata carries the place);
 *  - a paperclip to send pictures (POST /api/chat/upload), shown as thumbnails.
 * Text from the bot is only ever set with textContent. The DOM and i18n helpers are the
 * widget's (P.dom, P.i18n).
 */
(function () {
  "use strict";

  var P = window.Pitlane && window.Pitlane._parts;
  if (!P || !P.onCustom || P.mapExtras) return;
  P.mapExtras = true;

  var ORIGIN = P.ORIGIN;
  var dom = P.dom;
  var el = dom.el;
  var MAX_FILE_BYTES = 10 * 1024 * 1024;
  var MAX_FILES = 5;
  var IMAGE_TYPES = "image/jpeg,image/png,image/webp,image/gif";

  // Its texts in the language the widget started in (channels/static/i18n/, "map").
  var t = P.i18n.translator(P.LANG === "en" ? "en" : "fr", "map");

  // A distance: one decimal under 10 km, in the language's way ("2,5 km", "2.5 km").
  function km(distance) {
    return t("km", { distance: t.number(distance, distance < 10 ? 1 : 0) });
  }

  // ---- styles and Leaflet ---------------------------------------------------------------
  // After widget.css; Leaflet's before the built widget's one sheet, which holds ours.
  function stylesheet(href) {
    var link = el("link", { rel: "stylesheet", href: href });
    P.shadow.insertBefore(link, P.built ? P.style : P.shadow.firstChild.nextSibling);
    return link;
  }

  var config = fetch(ORIGIN + "/widget/map-config")
    .then(function (response) {
      return response.ok ? response.json() : {};
    })
    .catch(function () {
      return {};
    });

  // Our Leaflet, or null (not installed, blocked): then the agencies are a list only.
  var leaflet = config.then(function (cfg) {
    if (!cfg || typeof cfg.leaflet !== "string") return null;
    return new Promise(function (resolve) {
      stylesheet(ORIGIN + cfg.leaflet + "/leaflet.css");
      var hadL = Object.prototype.hasOwnProperty.call(window, "L");
      var script = el("script", { src: ORIGIN + cfg.leaflet + "/leaflet.js" });
      script.onload = function () {
        var L = window.L;
        if (!L || !L.map) return resolve(null);
        // Give the host page its own window.L back (it may use another Leaflet).
        if (L.noConflict && hadL) L = L.noConflict();
        resolve(L);
      };
      script.onerror = function () {
        resolve(null);
      };
      (document.head || document.documentElement).appendChild(script);
    });
  });
  if (!P.built) stylesheet(ORIGIN + "/static/widget-map.css");

  // ---- the agencies message ---------------------------------------------------------------
  function isNumber(v) {
    return typeof v === "number" && isFinite(v);
  }

  function validAgencies(raw) {
    var items = raw && Array.isArray(raw.items) ? raw.items : [];
    return items.filter(function (a) {
      return (
        a && typeof a.code === "string" && typeof a.name === "string" &&
        isNumber(a.latitude) && isNumber(a.longitude) &&
        Math.abs(a.latitude) <= 90 && Math.abs(a.longitude) <= 180
      );
    });
  }

  function payloadOf(agency) {
    // The buttons' payload (actions: json.dumps with compact separators).
    return "/choose" + JSON.stringify({ agency: agency.code });
  }

  function addressOf(a) {
    var town = [a.postcode, a.city].filter(function (x) { return typeof x === "string" && x; });
    return [a.address, town.join(" ")].filter(function (x) { return typeof x === "string" && x; }).join(", ");
  }

  function renderAgencies(container, custom) {
    if (container.pitlaneDrawn || !custom || typeof custom.agencies !== "object") return;
    var agencies = validAgencies(custom.agencies);
    if (!agencies.length) return;
    container.pitlaneDrawn = true;
    var row = container.parentNode;
    if (row && row.classList) row.classList.add("pl-wide");
    if (row) {
      row.hidden = false;
      row.setAttribute("data-pitlane", "bot-message");
    }

    var block = el("div", { class: "pl-agencies", "data-pitlane": "agencies" });
    var head = el("div", { class: "pl-agencies-head" });
    head.appendChild(el("p", { class: "pl-agencies-title" }, t("agencies")));
    var locate = el("button", { class: "pl-choice pl-locate", type: "button", "data-pitlane": "locate" });
    locate.textContent = t("locate");
    if (navigator.geolocation) head.appendChild(locate);
    block.appendChild(head);

    var mapBox = el("div", { class: "pl-map", "data-pitlane": "map", role: "presentation" });
    mapBox.hidden = true;
    block.appendChild(mapBox);

    var list = el("ol", { class: "pl-agency-list", "data-pitlane": "agency-list" });
    var buttons = [];
    // With a service, each agency is a choice of the booking; without one (the answer to
    // "where are your agencies?") the list only informs.
    var bookable = typeof custom.agencies.service === "string" && custom.agencies.service !== "";
    agencies.forEach(function (a, i) {
      var item = el("li");
      var choice = bookable
        ? el("button", { class: "pl-choice pl-agency", type: "button", "data-pitlane": "agency", "data-code": a.code })
        : el("div", { class: "pl-agency pl-agency-info", "data-pitlane": "agency", "data-code": a.code });
      choice.appendChild(el("span", { class: "pl-agency-num" }, String(i + 1)));
      var body = el("span", { class: "pl-agency-body" });
      var line = el("span", { class: "pl-agency-line" });
      line.appendChild(el("span", { class: "pl-agency-name" }, a.name));
      if (isNumber(a.distance_km)) line.appendChild(el("span", { class: "pl-agency-km" }, km(a.distance_km)));
      body.appendChild(line);
      var where = addressOf(a);
      if (where) body.appendChild(el("span", { class: "pl-agency-addr" }, where));
      if (typeof a.phone === "string" && a.phone) body.appendChild(el("span", { class: "pl-agency-phone" }, a.phone));
      // the agency's customer rating ("4,6/5 · 38 avis"), when it has enough of them
      if (typeof a.rating === "string" && a.rating) body.appendChild(el("span", { class: "pl-agency-rating", "data-pitlane": "rating" }, a.rating));
      choice.appendChild(body);
      if (bookable) {
        choice.addEventListener("click", function () {
          choose(a);
        });
        buttons.push(choice);
      }
      item.appendChild(choice);
      list.appendChild(item);
    });
    block.appendChild(list);
    container.appendChild(block);

    function live() {
      if (!bookable) return !locate.disabled; // an information list: the location stays usable
      return buttons.length && !buttons[0].disabled; // frozen once the customer answered
    }

    function choose(a) {
      if (bookable && live()) P.send(payloadOf(a), a.name);
    }

    locate.addEventListener("click", function () {
      if (!live()) return;
      locate.disabled = true;
      locate.textContent = t("locating");
      navigator.geolocation.getCurrentPosition(
        function (position) {
          var where = {
            latitude: position.coords.latitude,
            longitude: position.coords.longitude,
          };
          locate.textContent = t("locate");
          // in a booking the location answers the agency question; otherwise it asks again
          // for the agencies nearest to it
          var payload = bookable ? t("shared") : "/find_agency";
          if (!P.send(payload, t("shared"), { location: where })) locate.disabled = false;
        },
        function () {
          locate.disabled = false;
          locate.textContent = t("locate");
          P.addNotice(t("geoRefused"));
        },
        { enableHighAccuracy: false, timeout: 15000, maximumAge: 300000 }
      );
    });

    leaflet.then(function (L) {
      var pickable = bookable ? live : function () { return false; };
      if (L) drawMap(L, mapBox, agencies, custom.agencies.origin, choose, pickable);
    });
  }

  function drawMap(L, box, agencies, origin, choose, live) {
    config.then(function (cfg) {
      box.hidden = false;
      var map;
      try {
        // A small map: no zoom buttons over the popups (pinch and double-click zoom).
        map = L.map(box, { scrollWheelZoom: false, zoomSnap: 0.5, zoomControl: false });
      } catch (e) {
        box.hidden = true; // the list is still there
        return;
      }
      if (typeof cfg.tiles_url === "string" && cfg.tiles_url) {
        L.tileLayer(cfg.tiles_url, {
          maxZoom: 19,
          attribution: typeof cfg.attribution === "string" ? escapeHtml(cfg.attribution) : "",
        }).addTo(map);
      }
      var points = agencies.map(function (a) {
        return [a.latitude, a.longitude];
      });
      var hasOrigin = origin && isNumber(origin.latitude) && isNumber(origin.longitude);
      if (hasOrigin) points.push([origin.latitude, origin.longitude]);
      // The view first: markers are drawn (and get their element) once the map has one.
      if (points.length === 1) map.setView(points[0], 13);
      else map.fitBounds(points, { padding: [28, 28], maxZoom: 13 });
      agencies.forEach(function (a, i) {
        var icon = L.divIcon({
          className: "pl-pin",
          html: String(i + 1),
          iconSize: [28, 28],
          iconAnchor: [14, 28],
          popupAnchor: [0, -26],
        });
        var marker = L.marker([a.latitude, a.longitude], { icon: icon, title: a.name, alt: a.name });
        marker.bindPopup(function () {
          return popup(a, choose, live);
        });
        marker.addTo(map);
        var node = marker.getElement && marker.getElement();
        if (node) {
          node.setAttribute("data-pitlane", "marker");
          node.setAttribute("data-code", a.code);
        }
      });
      if (hasOrigin) {
        L.circleMarker([origin.latitude, origin.longitude], {
          radius: 8,
          color: "#fff",
          weight: 3,
          fillColor: "#2563eb",
          fillOpacity: 1,
        })
          .bindTooltip(t("you"))
          .addTo(map);
      }
      if (window.ResizeObserver) {
        new ResizeObserver(function () {
          map.invalidateSize();
        }).observe(box);
      }
    });
  }

  function popup(a, choose, live) {
    var box = el("div", { class: "pl-popup" });
    box.appendChild(el("strong", { class: "pl-popup-name" }, a.name));
    if (typeof a.city === "string" && a.city) box.appendChild(el("span", { class: "pl-popup-line" }, a.city));
    if (typeof a.phone === "string" && a.phone) {
      var phone = el("a", { class: "pl-popup-line" }, a.phone);
      phone.setAttribute("href", "tel:" + a.phone.replace(/[^+\d]/g, ""));
      box.appendChild(phone);
    }
    if (isNumber(a.distance_km)) box.appendChild(el("span", { class: "pl-popup-line pl-agency-km" }, km(a.distance_km)));
    if (typeof a.rating === "string" && a.rating) box.appendChild(el("span", { class: "pl-popup-line pl-agency-rating" }, a.rating));
    if (live()) {
      var pick = el("button", { class: "pl-popup-choose" }, t("choose"));
      pick.setAttribute("type", "button");
      pick.setAttribute("data-pitlane", "popup-choose");
      pick.addEventListener("click", function () {
        choose(a);
      });
      box.appendChild(pick);
    }
    return box;
  }

  function escapeHtml(s) {
    return s.replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  P.onCustom(renderAgencies);

  // ---- pictures ----------------------------------------------------------------------------
  var picker = el("input", {
    class: "pl-file",
    type: "file",
    accept: IMAGE_TYPES,
    multiple: "",
    hidden: "",
    "data-pitlane": "file",
  });
  var attach = el("button", {
    class: "pl-attach",
    type: "button",
    "aria-label": t("attach"),
    title: t("attach"),
    "data-pitlane": "attach",
  });
  attach.appendChild(
    dom.icon([
      "M21 11.5l-8.6 8.6a5.5 5.5 0 0 1-7.8-7.8l8.6-8.6a3.7 3.7 0 0 1 5.2 5.2l-8.6 8.6a1.8 1.8 0 0 1-2.6-2.6l7.9-7.9",
    ], 20)
  );
  P.form.insertBefore(picker, P.form.firstChild);
  P.form.insertBefore(attach, P.input);
  attach.addEventListener("click", function () {
    picker.click();
  });
  picker.addEventListener("change", function () {
    var files = Array.prototype.slice.call(picker.files || []);
    picker.value = "";
    if (files.length) upload(files);
  });

  function upload(files) {
    if (files.length > MAX_FILES) return P.addNotice(t("tooMany"));
    for (var i = 0; i < files.length; i++) {
      if (!/^image\/(jpeg|png|webp|gif)$/.test(files[i].type)) return P.addNotice(t("notImage"));
      if (files[i].size > MAX_FILE_BYTES) return P.addNotice(t("tooLarge"));
    }
    var caption = P.input.value.trim();
    var form = new FormData();
    form.append("lang", P.LANG);
    if (caption) form.append("text", caption);
    files.forEach(function (file) {
      form.append("file", file, file.name);
    });
    var sent = thumbnails(files, caption);
    attach.disabled = true;
    P.setTyping(true);
    P.auth
      .fetch(ORIGIN + "/api/chat/upload?lang=" + P.LANG, { method: "POST", body: form })
      .then(function (response) {
        return response.json().then(
          function (body) {
            return { ok: response.ok, body: body };
          },
          function () {
            return { ok: false, body: {} };
          }
        );
      })
      .then(function (result) {
        P.setTyping(false);
        if (!result.ok) {
          drop(sent); // refused: no thumbnail stays as if it had been sent
          var error = result.body && result.body.error;
          P.addNotice(error && typeof error.message === "string" ? error.message : t("uploadFailed"));
          return;
        }
        if (caption && P.input.value.trim() === caption) {
          P.input.value = "";
          P.input.dispatchEvent(new Event("input"));
        }
        (result.body.messages || []).forEach(function (m) {
          P.addMessage(m.type === "advisor" ? "advisor" : "bot", m);
        });
      })
      .catch(function () {
        P.setTyping(false);
        drop(sent);
        P.addNotice(t("offline"));
      })
      .then(function () {
        attach.disabled = false;
      });
  }

  // A refused upload was not an answer: its thumbnails go, and the offer it froze (the
  // diagnostic's "that's all", an agency to choose) can be clicked again.
  function drop(sent) {
    dom.remove(sent.row);
    sent.frozen.forEach(function (b) {
      b.disabled = false;
    });
  }

  function thumbnails(files, caption) {
    var frozen = [];
    Array.prototype.forEach.call(P.log.querySelectorAll(".pl-choice"), function (b) {
      if (b.disabled) return;
      b.disabled = true; // answered: only the latest offer stays clickable
      frozen.push(b);
    });
    var row = el("div", { class: "pl-msg pl-user pl-upload", "data-pitlane": "user-message" });
    var strip = el("div", { class: "pl-thumbs", "data-pitlane": "thumbnails" });
    files.forEach(function (file) {
      var img = el("img", { class: "pl-thumb", alt: file.name, "data-pitlane": "thumbnail" });
      var reader = new FileReader();
      reader.onload = function () {
        img.src = reader.result; // a data: URL (allowed by the page's img-src)
      };
      reader.readAsDataURL(file);
      strip.appendChild(img);
    });
    row.appendChild(strip);
    var bubble = el("div", { class: "pl-bubble" });
    bubble.textContent = caption || t("photo");
    if (caption) row.appendChild(bubble);
    else row.appendChild(el("span", { class: "pl-sr" }, t("photo")));
    P.log.appendChild(row);
    P.log.scrollTop = P.log.scrollHeight;
    return { row: row, frozen: frozen };
  }
})();
