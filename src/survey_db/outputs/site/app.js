/* The survey's papers: search, filters, sorting, the filter state in the address, BibTeX copy buttons.
   A classic script (no modules, no fetch) so that the page works from file:// as well as on a server. */
(function () {
  "use strict";

  var DATA = window.SURVEY_DATA;
  var PAPERS = DATA.papers;
  var SECTIONS = DATA.sections;
  var TOPICS = DATA.topics;
  // Up to ALL_AT_ONCE papers are all shown at once; a larger survey shows PAGE at a time.
  var ALL_AT_ONCE = 500;
  var PAGE = 100;
  var SPECIAL = { "ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "œ": "oe", "Œ": "OE",
                  "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ı": "i", "þ": "th" };
  var FIELDS = ["q", "topic", "section", "from", "to", "venue", "code", "sort"];

  // Every paper's search text (p.s) and BibTeX entry (p.b) come with search.js, loaded after the first
  // paint: most of the data, and not needed to show the first papers.
  var searchReady = new Promise(function (resolve, reject) {
    loadSearch = function () {
      var script = document.createElement("script");
      script.src = "search.js";
      script.onload = function () {
        var extra = window.SURVEY_SEARCH;
        for (var i = 0; i < PAPERS.length; i++) {
          PAPERS[i].s = extra.s[i];
          PAPERS[i].b = extra.b[i];
        }
        searchLoaded = true;
        resolve();
        // One search in idle time compiles the filtering code before the first keystroke needs it.
        setTimeout(function () {
          var typed = state.q;
          state.q = "e";
          select();
          state.q = typed;
        }, 0);
      };
      script.onerror = function () { reject(new Error("search.js could not be loaded")); };
      document.body.appendChild(script);
    };
  });
  var loadSearch;
  var searchLoaded = false;

  var $ = function (id) { return document.getElementById(id); };
  var list = $("papers");
  var state = emptyState();
  var matches = [];
  var shown = 0;
  var sectionBySlug = {};
  SECTIONS.forEach(function (s, i) { sectionBySlug[s.slug] = i; });
  var topicByName = {};
  TOPICS.forEach(function (t, i) { topicByName[t] = i; });

  function emptyState() {
    return { q: "", topic: "", section: "", from: "", to: "", venue: "", code: "", sort: "position" };
  }

  /* The words of a text as `survey query` reads them: accents and case folded, split at anything that
     is not a letter or digit (survey_db.services.query.text_words). */
  function words(text) {
    var folded = text.replace(/[ßæÆøØœŒłŁđĐıþ]/g, function (c) { return SPECIAL[c]; })
      .normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
    return folded.replace(/[^\p{L}\p{N}]+/gu, " ").trim().split(" ").filter(Boolean);
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function safeUrl(url) {
    return /^https?:\/\//i.test(url) ? url : "";
  }

  function select() {
    var wanted = words(state.q);
    var topic = state.topic in topicByName ? topicByName[state.topic] : -1;
    var section = state.section in sectionBySlug ? sectionBySlug[state.section] : -1;
    var low = state.from === "" ? null : Number(state.from);
    var high = state.to === "" ? null : Number(state.to);
    var found = [];
    for (var i = 0; i < PAPERS.length; i++) {
      var p = PAPERS[i];
      if (topic >= 0 && p.tp.indexOf(topic) < 0) continue;
      if (section >= 0 && p.sc.indexOf(section) < 0) continue;
      if (state.venue && p.v !== state.venue) continue;
      if (state.code && !p.c) continue;
      if (low !== null && (p.y === null || p.y < low)) continue;
      if (high !== null && (p.y === null || p.y > high)) continue;
      var ok = true;
      for (var w = 0; w < wanted.length; w++) {
        if (p.s.indexOf(" " + wanted[w]) < 0) { ok = false; break; }
      }
      if (ok) found.push(i);
    }
    if (state.sort === "year" || state.sort === "oldest") {
      var sign = state.sort === "year" ? -1 : 1;
      found.sort(function (a, b) {
        var ya = PAPERS[a].y, yb = PAPERS[b].y;
        if (ya === null || yb === null) {
          if (ya !== yb) return ya === null ? 1 : -1;
        } else if (ya !== yb) {
          return sign * (ya - yb);
        }
        return PAPERS[a].k < PAPERS[b].k ? -1 : PAPERS[a].k > PAPERS[b].k ? 1 : 0;
      });
    } else if (state.sort === "title") {
      found.sort(function (a, b) {
        var ta = PAPERS[a].t.toLowerCase(), tb = PAPERS[b].t.toLowerCase();
        if (ta !== tb) return ta < tb ? -1 : 1;
        return PAPERS[a].k < PAPERS[b].k ? -1 : 1;
      });
    }
    return found;
  }

  function paperHtml(index) {
    var p = PAPERS[index];
    var url = safeUrl(p.u), code = safeUrl(p.c);
    var title = url ? '<a href="' + escapeHtml(url) + '">' + escapeHtml(p.t) + "</a>" : escapeHtml(p.t);
    var meta = [];
    if (p.a) meta.push('<span class="authors">' + escapeHtml(p.a) + "</span>");
    var where = [];
    if (p.v) where.push('<span class="venue"' + (p.vf ? ' title="' + escapeHtml(p.vf) + '"' : "") + ">" + escapeHtml(p.v) + "</span>");
    if (p.y !== null) where.push('<span class="year">' + p.y + "</span>");
    if (where.length) meta.push(where.join(" "));
    var topics = p.tp.map(function (t) {
      return '<li><button type="button" class="chip" data-topic="' + escapeHtml(TOPICS[t]) + '"' +
        ' aria-label="Filter by topic ' + escapeHtml(TOPICS[t]) + '">' + escapeHtml(TOPICS[t]) + "</button></li>";
    }).join("");
    var links = [];
    if (url) links.push('<a href="' + escapeHtml(url) + '">Paper<span class="visually-hidden">: ' + escapeHtml(p.t) + "</span></a>");
    if (code) links.push('<a href="' + escapeHtml(code) + '">Code<span class="visually-hidden">: ' + escapeHtml(p.t) + "</span></a>");
    links.push('<button type="button" class="copy" data-index="' + index + '">Copy BibTeX' +
      '<span class="visually-hidden"> of ' + escapeHtml(p.k) + "</span></button>");
    return '<li class="paper" data-key="' + escapeHtml(p.k) + '">' +
      '<h3 class="title">' + title + "</h3>" +
      (meta.length ? '<p class="meta">' + meta.join(" · ") + "</p>" : "") +
      (topics ? '<ul class="topics" aria-label="Topics">' + topics + "</ul>" : "") +
      '<p class="actions">' + links.join(" ") + ' <code class="key">' + escapeHtml(p.k) + "</code></p></li>";
  }

  function showMore() {
    var next = Math.min(matches.length, shown + (matches.length <= ALL_AT_ONCE ? matches.length : PAGE));
    var html = [];
    for (var i = shown; i < next; i++) html.push(paperHtml(matches[i]));
    list.insertAdjacentHTML("beforeend", html.join(""));
    shown = next;
    $("more").hidden = shown >= matches.length;
    $("more").textContent = "Show more papers (" + (matches.length - shown) + " left)";
    var total = PAPERS.length;
    var where = state.section in sectionBySlug ? " in " + SECTIONS[sectionBySlug[state.section]].title : "";
    $("count").textContent = (matches.length === total && !where ? total + " papers" :
      matches.length + " of " + total + " papers" + where) +
      (shown < matches.length ? "; showing the first " + shown : "");
  }

  function render() {
    if (state.q && !searchLoaded) {
      // Typed before search.js arrived: the list follows as soon as it is there.
      $("count").textContent = "Loading the search…";
      searchReady.then(render);
      return;
    }
    matches = select();
    shown = 0;
    list.textContent = "";
    showMore();
    var links = document.querySelectorAll("nav.taxonomy a[data-section]");
    for (var i = 0; i < links.length; i++) {
      if (links[i].getAttribute("data-section") === state.section) links[i].setAttribute("aria-current", "page");
      else links[i].removeAttribute("aria-current");
    }
  }

  function toHash() {
    var parts = [];
    FIELDS.forEach(function (name) {
      var value = state[name];
      if (value && !(name === "sort" && value === "position")) parts.push(name + "=" + encodeURIComponent(value));
    });
    return parts.length ? "#" + parts.join("&") : "";
  }

  function fromHash() {
    state = emptyState();
    location.hash.replace(/^#/, "").split("&").forEach(function (pair) {
      var at = pair.indexOf("=");
      if (at < 0) return;
      var name = pair.slice(0, at);
      if (FIELDS.indexOf(name) < 0) return;
      try { state[name] = decodeURIComponent(pair.slice(at + 1)); } catch (e) { /* a broken escape: ignored */ }
    });
    $("q").value = state.q;
    $("topic").value = state.topic in topicByName ? state.topic : "";
    $("venue").value = state.venue;
    $("from").value = state.from;
    $("to").value = state.to;
    $("code").checked = !!state.code;
    $("sort").value = state.sort;
  }

  function saveHash() {
    var hash = toHash();
    if (hash === location.hash || (!hash && !location.hash)) return;
    var base = location.href.replace(/#.*$/, "");
    try {
      history.replaceState(null, "", base + hash);
    } catch (e) {
      location.replace(base + (hash || "#"));
    }
  }

  function update() {
    var before = toHash();
    state.q = $("q").value;
    state.topic = $("topic").value;
    state.venue = $("venue").value;
    state.from = $("from").value.trim();
    state.to = $("to").value.trim();
    state.code = $("code").checked ? "1" : "";
    state.sort = $("sort").value;
    // Re-rendering an unchanged list would replace the element under a click in progress.
    if (toHash() === before) return;
    render();
    saveHash();
  }

  function copyText(text) {
    function fallback() {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      var ok = document.execCommand("copy");
      document.body.removeChild(area);
      if (!ok) throw new Error("copy refused");
    }
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(fallback);
    }
    return new Promise(function (resolve) { fallback(); resolve(); });
  }

  // "input" comes with every keystroke and with every choice in a select, a number field or a checkbox.
  $("filters").addEventListener("input", update);
  $("filters").addEventListener("change", update);
  $("filters").addEventListener("submit", function (event) { event.preventDefault(); update(); });
  $("reset").addEventListener("click", function () {
    state = emptyState();
    saveHash();
    fromHash();
    render();
    $("q").focus();
  });
  $("more").addEventListener("click", showMore);

  document.querySelector("nav.taxonomy").addEventListener("click", function (event) {
    var link = event.target.closest("a[data-section]");
    if (!link) return;
    event.preventDefault();
    state.section = link.getAttribute("data-section");
    render();
    saveHash();
  });

  list.addEventListener("click", function (event) {
    var chip = event.target.closest("button.chip");
    if (chip) {
      $("topic").value = chip.getAttribute("data-topic");
      update();
      $("topic").focus();
      return;
    }
    var button = event.target.closest("button.copy");
    if (button) {
      var paper = PAPERS[Number(button.getAttribute("data-index"))];
      searchReady.then(function () { return copyText(paper.b); }).then(function () {
        button.setAttribute("data-copied", "1");
        $("copied").textContent = "Copied the BibTeX of " + paper.k;
      }, function () {
        $("copied").textContent = "Could not copy; select the entry in data.js instead";
      });
    }
  });

  document.addEventListener("keydown", function (event) {
    var typing = /^(INPUT|SELECT|TEXTAREA)$/.test(document.activeElement.tagName);
    if (event.key === "/" && !typing) {
      event.preventDefault();
      $("q").focus();
    }
  });

  window.addEventListener("hashchange", function () {
    if (location.hash === toHash()) return;
    fromHash();
    render();
  });

  // On a phone the taxonomy starts folded, so the papers come first on the screen.
  if (window.matchMedia && window.matchMedia("(max-width: 899px)").matches) {
    $("taxonomy-details").open = false;
  }
  fromHash();
  render();
  // For the benchmark: when the first list was built, and when it was first painted.
  window.surveySite = { rendered: performance.now(), painted: null, searchLoaded: null };
  requestAnimationFrame(function () {
    setTimeout(function () {
      window.surveySite.painted = performance.now();
      loadSearch();
    }, 0);
  });
  searchReady.then(function () { window.surveySite.searchLoaded = performance.now(); });
})();
