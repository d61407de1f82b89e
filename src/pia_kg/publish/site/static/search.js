/* Search in the static site: the same matching as pia_kg/publish/site/search.py, on the index that
   `pia-kg build` embeds in the page (#search-index). Text is normalised (NFKD, marks dropped,
   case folded as Python's str.casefold) and cut into words; every word of the query must begin a word of a
   resource. */
(function () {
  "use strict";
  var WORD = /[\p{L}\p{N}]+/gu;
  var SNIPPET_BEFORE = 60;
  var SNIPPET_CHARS = 220;
  var index = JSON.parse(document.getElementById("search-index").textContent);
  var input = document.getElementById("q");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var lang = status.getAttribute("data-lang");
  var root = status.getAttribute("data-root");

  // Where full case folding (Python's str.casefold) differs from toLowerCase: sharp s, final sigma, the
  // old Cyrillic letter forms, and Cherokee, whose small letters fold to the capitals.
  var FOLDS = {
    "\u00df": "ss", "\u03c2": "\u03c3", "\u1c80": "\u0432", "\u1c81": "\u0434", "\u1c82": "\u043e",
    "\u1c83": "\u0441", "\u1c84": "\u0442", "\u1c85": "\u0442", "\u1c86": "\u044a", "\u1c87": "\u0463",
    "\u1c88": "\ua64b"
  };

  function fold(letter) {
    var code = letter.charCodeAt(0);
    if (code >= 0xab70 && code <= 0xabbf) return String.fromCharCode(code - 0xab70 + 0x13a0);
    if (code >= 0x13f8 && code <= 0x13fd) return String.fromCharCode(code - 8);
    return FOLDS[letter];
  }

  function normalise(text) {
    return text.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase()
      .replace(/[\u00df\u03c2\u1c80-\u1c88\u13f8-\u13fd\uab70-\uabbf]/g, fold);
  }

  function words(text) {
    return normalise(text).match(WORD) || [];
  }

  function points(field, token) {
    var weight = index.weights[field.field];
    if (field.words.indexOf(token) >= 0) return 2 * weight;
    return field.words.some(function (word) { return word.startsWith(token); }) ? weight : 0;
  }

  function score(entry, tokens) {
    var total = 0;
    var perField = entry.fields.map(function () { return 0; });
    for (var t = 0; t < tokens.length; t++) {
      var best = 0;
      for (var f = 0; f < entry.fields.length; f++) {
        var got = points(entry.fields[f], tokens[t]);
        perField[f] += got;
        best = Math.max(best, got);
      }
      if (best === 0) return null;
      total += best;
    }
    var top = 0;
    for (var i = 1; i < perField.length; i++) if (perField[i] > perField[top]) top = i;
    return { score: total, field: top };
  }

  function isSpace(char) { return /\s/.test(char); }

  function collapse(text) { return text.split(/\s+/).filter(Boolean).join(" "); }

  function snippet(field, tokens) {
    var chars = Array.from(field.text);  /* offsets count code points, as in Python */
    if (chars.length <= SNIPPET_CHARS) {
      var short = collapse(field.text);
      if (Array.from(short).length <= SNIPPET_CHARS) return short;
    }
    var first = 0;
    for (var w = 0; w < field.words.length; w++) {
      if (tokens.some(function (token) { return field.words[w].startsWith(token); })) {
        first = field.offsets[w];
        break;
      }
    }
    var start = Math.max(0, first - SNIPPET_BEFORE);
    while (start > 0 && !isSpace(chars[start - 1])) start -= 1;
    var end = Math.min(chars.length, start + SNIPPET_CHARS);
    while (end < chars.length && !isSpace(chars[end])) end += 1;
    var windowText = collapse(chars.slice(start, end).join(""));
    return (start > 0 ? "…" : "") + windowText + (end < chars.length ? "…" : "");
  }

  function compare(a, b) {
    if (a.score !== b.score) return b.score - a.score;
    var x = normalise(a.title), y = normalise(b.title);
    if (x !== y) return x < y ? -1 : 1;
    return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
  }

  function search(query) {
    var tokens = words(query).filter(function (token, i, all) { return all.indexOf(token) === i; });
    if (tokens.length === 0) return [];
    var hits = [];
    index.entries.forEach(function (entry) {
      var scored = score(entry, tokens);
      if (scored === null) return;
      var field = entry.fields[scored.field];
      hits.push({
        path: entry.path, title: entry.title[lang], titleLang: entry.titleLang[lang], kind: entry.kind[lang],
        field: field.field,
        fieldTitle: index.fieldTitles[field.field][lang], snippet: snippet(field, tokens),
        lang: field.lang, score: scored.score
      });
    });
    return hits.sort(compare);
  }

  function pageHref(path) { return root + path + (lang === "en" ? ".html" : "." + lang + ".html"); }

  function element(name, attributes, text) {
    var node = document.createElement(name);
    Object.keys(attributes).forEach(function (key) { node.setAttribute(key, attributes[key]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function show(query) {
    var hits = search(query);
    list.textContent = "";
    hits.forEach(function (hit) {
      var item = element("li", {});
      var link = { href: pageHref(hit.path) };
      if (hit.titleLang) link.lang = hit.titleLang;
      item.appendChild(element("a", link, hit.title));
      if (hit.kind) {
        item.appendChild(document.createTextNode(" "));
        item.appendChild(element("span", { "class": "kind" }, hit.kind));
      }
      if (hit.snippet !== hit.title) {
        var line = element("p", { "class": "snippet" });
        line.appendChild(element("span", { "class": "field" }, hit.fieldTitle));
        line.appendChild(document.createTextNode(" "));
        line.appendChild(element("span", hit.lang ? { lang: hit.lang } : {}, hit.snippet));
        item.appendChild(line);
      }
      list.appendChild(item);
    });
    if (!query.trim()) {
      status.textContent = "";
      return;
    }
    var key = hits.length === 0 ? "data-none" : hits.length === 1 ? "data-one" : "data-many";
    status.textContent = status.getAttribute(key).replace("{n}", String(hits.length)).replace("{q}", query);
  }

  function remember(query) {
    var url = new URL(window.location.href);
    if (query) url.searchParams.set("q", query); else url.searchParams.delete("q");
    try { window.history.replaceState(null, "", url.href); } catch (error) { /* file:// may refuse */ }
    var other = document.querySelector('link[rel="alternate"][hreflang]');
    var switcher = document.querySelector("header .language a");
    if (other && switcher) {
      var target = new URL(other.getAttribute("href"), window.location.href);
      if (query) target.searchParams.set("q", query);
      switcher.setAttribute("href", target.href);
    }
  }

  document.querySelector("form.search").addEventListener("submit", function (event) {
    event.preventDefault();
    show(input.value);
    remember(input.value);
  });
  input.addEventListener("input", function () {
    show(input.value);
    remember(input.value);
  });
  var initial = new URL(window.location.href).searchParams.get("q") || "";
  input.value = initial;
  show(initial);
  remember(initial);
  window.piaSearch = search;
  window.piaNormalise = normalise;
})();
