/*
 * Pitlane's DOM helper, shared by the widget, its rooms and map extensions and the advisor
 * console. The server joins it before each script, in one function scope (see
 * channels/script_bundle.py): no global on the host page. Text only ever goes in as
 * textContent, never parsed as markup.
 */
var dom = (function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";

  // An element with its attributes (null, undefined and false left out, true as "") and,
  // when given, its text.
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) return;
      node.setAttribute(name, value === true ? "" : String(value));
    });
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // A 24x24 line icon drawn from SVG path data, hidden from screen readers.
  function icon(paths, size) {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", String(size || 24));
    svg.setAttribute("height", String(size || 24));
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    paths.forEach(function (d) {
      var path = document.createElementNS(SVG, "path");
      path.setAttribute("d", d);
      svg.appendChild(path);
    });
    return svg;
  }

  // Sets a node's text and gives the node back (to build and fill in one expression).
  function text(node, value) {
    node.textContent = value;
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  function remove(node) {
    if (node && node.parentNode) node.parentNode.removeChild(node);
  }

  return { el: el, icon: icon, text: text, clear: clear, remove: remove };
})();
