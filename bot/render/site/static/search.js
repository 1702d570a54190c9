// Offline search over the prebuilt index (search-index.js): folds what the reader typed the way
// the bot folds names (table from bot.knowledge.names.fold), then matches names, aliases and
// claims; with no match, a "did you mean" list of the closest names. Text is set with
// textContent only, never as markup.
(function () {
  "use strict";
  var ix = window.FACTBOT_INDEX, out = document.getElementById("results");
  if (!ix || !out) return;
  function fold(s) {
    s = s.normalize("NFKC").replace(/(?<![\p{L}\p{N}_])(?:\p{L}\.)+\p{L}(?![\p{L}\p{N}_])\.?/gu,
      function (m) { return m.replace(/\./g, ""); }).toLowerCase();
    var r = "";
    for (var ch of s) {
      var t = ix.fold[ch];
      if (t === undefined) t = /[\p{L}\p{N}]/u.test(ch) ? ch.normalize("NFKD").replace(/[^\p{L}\p{N}]/gu, "") : " ";
      r += t;
    }
    return r.split(/\s+/).filter(Boolean).join(" ");
  }
  function dist(a, b) {
    var row = [], i, j, prev, tmp;
    for (j = 0; j <= b.length; j++) row[j] = j;
    for (i = 1; i <= a.length; i++) {
      prev = row[0]; row[0] = i;
      for (j = 1; j <= b.length; j++) {
        tmp = row[j];
        row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
        prev = tmp;
      }
    }
    return row[b.length];
  }
  function item(list, text, href, note) {
    var li = document.createElement("li"), a = document.createElement("a");
    a.href = href; a.textContent = text; li.appendChild(a);
    if (note) li.appendChild(document.createTextNode(" (" + note + ")"));
    list.appendChild(li);
  }
  function section(title, id) {
    var h = document.createElement("h2"), ul = document.createElement("ul");
    h.textContent = title; ul.id = id; out.appendChild(h); out.appendChild(ul); return ul;
  }
  function has(key, words) {
    var kw = key.split(" ");
    return words.every(function (w) { return kw.some(function (k) { return k.startsWith(w); }); });
  }
  function search(raw) {
    var q = fold(raw), words = q.split(" ").filter(Boolean);
    out.textContent = "";
    if (!words.length) return;
    var ents = ix.entities.filter(function (e) { return e[3].some(function (k) { return has(k, words); }); });
    var claims = ix.claims.filter(function (c) { return words.every(function (w) { return c[2].indexOf(w) >= 0; }); });
    if (ents.length) { var ue = section("Names", "names"); ents.slice(0, 50).forEach(function (e) { item(ue, e[0], e[2], e[1]); }); }
    if (claims.length) { var uc = section("Claims", "claims"); claims.slice(0, 50).forEach(function (c) { item(uc, c[0], c[1]); }); }
    if (ents.length || claims.length) return;
    var close = ix.entities.map(function (e) {
      var keys = [].concat.apply([], e[3].map(function (k) { return [k].concat(k.split(" ")); }));
      return [Math.min.apply(null, keys.map(function (k) { return dist(q, k); })), e];
    }).filter(function (p) { return p[0] <= Math.max(1, Math.floor(q.length / 4)); });
    close.sort(function (a, b) { return a[0] - b[0]; });
    var p = document.createElement("p");
    p.id = "nothing"; p.textContent = "Nothing matched \u201c" + raw + "\u201d.";
    out.appendChild(p);
    if (close.length) { var ud = section("Did you mean", "didyoumean"); close.slice(0, 8).forEach(function (c) { item(ud, c[1][0], c[1][2], c[1][1]); }); }
  }
  var box = document.getElementById("q"), query = new URLSearchParams(location.search).get("q") || "";
  box.value = query;
  search(query);
  box.addEventListener("input", function () { search(box.value); });
  document.documentElement.setAttribute("data-search-ready", "1");
})();
