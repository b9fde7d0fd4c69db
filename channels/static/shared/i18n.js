/*
 * Pitlane's i18n helper, shared by the widget, its rooms and map extensions and the advisor
 * console. The texts come from one JSON catalogue per language (channels/static/i18n/), which
 * the server hands over with i18n.add() in the script it serves (channels/script_bundle.py).
 * A catalogue is {"locale": ..., "<script>": {"<key>": "text with {placeholders}", ...}};
 * nested keys are read with dots ("errors.room_full").
 */
var i18n = (function () {
  "use strict";

  var texts = {}; // language -> {"section.key": text}
  var locales = {}; // language -> BCP 47 locale (dates, numbers)
  var own = Object.prototype.hasOwnProperty;

  function flatten(prefix, tree, into) {
    Object.keys(tree).forEach(function (key) {
      var value = tree[key];
      if (value && typeof value === "object") flatten(prefix + key + ".", value, into);
      else into[prefix + key] = String(value);
    });
    return into;
  }

  function add(language, catalogue) {
    locales[language] = catalogue.locale;
    texts[language] = flatten("", catalogue, Object.create(null));
  }

  function fill(template, params) {
    if (!params) return template;
    return template.replace(/\{(\w+)\}/g, function (whole, name) {
      return own.call(params, name) ? String(params[name]) : whole;
    });
  }

  // The texts of one script in one language (French when the language is unknown):
  // t("key", {name: ...}) gives the text with its placeholders filled in, or the key itself
  // when the catalogue lacks it; t.has(key) says whether it is there.
  function translator(language, section) {
    var lang = own.call(texts, language) ? language : "fr";
    var table = texts[lang] || Object.create(null);
    var prefix = section ? section + "." : "";
    function t(key, params) {
      var value = table[prefix + key];
      return value === undefined ? key : fill(value, params);
    }
    t.has = function (key) {
      return table[prefix + key] !== undefined;
    };
    t.lang = lang;
    t.locale = locales[lang];
    // A number in the language's way (decimal comma in French), without grouping.
    t.number = function (value, digits) {
      return new Intl.NumberFormat(t.locale, {
        minimumFractionDigits: digits,
        maximumFractionDigits: digits,
        useGrouping: false,
      }).format(value);
    };
    return t;
  }

  return { add: add, translator: translator };
})();
