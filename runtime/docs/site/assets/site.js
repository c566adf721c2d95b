/* The docs site's behaviour: theme, search, copy buttons. No dependencies, no network.
   Every string from the conventions reaches the page as text (textContent), never as markup. */
(function () {
  "use strict";

  var THEME_KEY = "scaffold-docs-theme";
  var MAX_RESULTS = 20;
  var root = document.documentElement;

  function storedTheme() {
    try {
      return window.localStorage.getItem(THEME_KEY);
    } catch (e) {
      return null;
    }
  }

  function applyTheme(theme) {
    if (theme === "light" || theme === "dark") {
      root.setAttribute("data-theme", theme);
    } else {
      root.removeAttribute("data-theme");
    }
  }

  function currentTheme() {
    var explicit = root.getAttribute("data-theme");
    if (explicit) {
      return explicit;
    }
    var dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
    return dark ? "dark" : "light";
  }

  applyTheme(storedTheme());

  function setupTheme() {
    var button = document.getElementById("theme-toggle");
    if (!button) {
      return;
    }
    function label() {
      var next = currentTheme() === "dark" ? "light" : "dark";
      button.textContent = next === "dark" ? "Dark" : "Light";
      button.setAttribute("aria-label", "Switch to the " + next + " theme");
    }
    button.addEventListener("click", function () {
      var next = currentTheme() === "dark" ? "light" : "dark";
      applyTheme(next);
      try {
        window.localStorage.setItem(THEME_KEY, next);
      } catch (e) {
        /* storage may be unavailable; the choice then lasts for this page only */
      }
      label();
    });
    label();
  }

  function normalise(text) {
    return String(text).toLowerCase();
  }

  function prepare(entries) {
    return entries.map(function (entry) {
      return {
        entry: entry,
        title: normalise(entry.t),
        text: normalise(entry.t + " " + entry.k + " " + entry.s)
      };
    });
  }

  function score(item, tokens) {
    var total = 0;
    for (var i = 0; i < tokens.length; i++) {
      var at = item.title.indexOf(tokens[i]);
      if (at === 0) {
        total += 100;
      } else if (at > 0) {
        total += 50;
      } else if (item.text.indexOf(tokens[i]) >= 0) {
        total += 10;
      } else {
        return -1;
      }
    }
    return total;
  }

  function search(items, query) {
    var tokens = normalise(query).split(/\s+/).filter(Boolean);
    if (tokens.length === 0) {
      return [];
    }
    var found = [];
    items.forEach(function (item) {
      var s = score(item, tokens);
      if (s >= 0) {
        found.push({ item: item, score: s });
      }
    });
    found.sort(function (a, b) {
      if (b.score !== a.score) {
        return b.score - a.score;
      }
      if (a.item.title.length !== b.item.title.length) {
        return a.item.title.length - b.item.title.length;
      }
      return a.item.title < b.item.title ? -1 : a.item.title > b.item.title ? 1 : 0;
    });
    return found.slice(0, MAX_RESULTS).map(function (f) {
      return f.item.entry;
    });
  }

  function span(cls, text) {
    var el = document.createElement("span");
    el.className = cls;
    el.textContent = text;
    return el;
  }

  /* The title with each search word marked, built from text nodes only. */
  function marked(cls, text, tokens) {
    var el = document.createElement("span");
    el.className = cls;
    var lower = normalise(text);
    var hits = [];
    tokens.forEach(function (token) {
      var at = lower.indexOf(token);
      if (at >= 0) {
        hits.push([at, at + token.length]);
      }
    });
    hits.sort(function (a, b) {
      return a[0] - b[0];
    });
    var pos = 0;
    hits.forEach(function (hit) {
      if (hit[0] < pos) {
        return;
      }
      el.appendChild(document.createTextNode(text.slice(pos, hit[0])));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(hit[0], hit[1]);
      el.appendChild(mark);
      pos = hit[1];
    });
    el.appendChild(document.createTextNode(text.slice(pos)));
    return el;
  }

  function setupSearch() {
    var input = document.getElementById("search");
    var list = document.getElementById("search-results");
    if (!input || !list) {
      return;
    }
    var items = prepare(Array.isArray(window.SCAFFOLD_SEARCH) ? window.SCAFFOLD_SEARCH : []);
    var active = -1;

    function links() {
      return list.querySelectorAll("a");
    }

    function select(index) {
      var all = links();
      if (all.length === 0) {
        active = -1;
        return;
      }
      active = (index + all.length) % all.length;
      for (var i = 0; i < all.length; i++) {
        all[i].setAttribute("aria-selected", i === active ? "true" : "false");
      }
      all[active].scrollIntoView({ block: "nearest" });
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      active = -1;
    }

    function show(query) {
      var results = search(items, query);
      var tokens = normalise(query).split(/\s+/).filter(Boolean);
      list.replaceChildren();
      active = -1;
      if (!query.trim()) {
        close();
        return;
      }
      if (results.length === 0) {
        var none = document.createElement("li");
        none.className = "empty";
        none.textContent = "Nothing matches " + query.trim();
        list.appendChild(none);
      }
      results.forEach(function (entry) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = entry.u;
        a.setAttribute("role", "option");
        a.setAttribute("aria-selected", "false");
        a.appendChild(span("kind", entry.k));
        a.appendChild(marked("title", entry.t, tokens));
        a.appendChild(span("snippet", entry.s));
        a.addEventListener("click", close);
        li.appendChild(a);
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    input.addEventListener("input", function () {
      show(input.value);
    });
    input.addEventListener("focus", function () {
      if (input.value.trim()) {
        show(input.value);
      }
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        event.preventDefault();
        select(active + 1);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        select(active - 1);
      } else if (event.key === "Enter") {
        var all = links();
        if (all.length > 0) {
          event.preventDefault();
          var target = all[active >= 0 ? active : 0];
          close();
          window.location.href = target.href;
        }
      } else if (event.key === "Escape") {
        close();
        input.blur();
      }
    });
    document.addEventListener("click", function (event) {
      if (!list.contains(event.target) && event.target !== input) {
        close();
      }
    });
    document.addEventListener("keydown", function (event) {
      var typing = event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement;
      if (event.key === "/" && !typing) {
        event.preventDefault();
        input.focus();
      }
    });
    var params = new URLSearchParams(window.location.search);
    var initial = params.get("q");
    if (initial) {
      input.value = initial;
      show(initial);
    }
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () {
        return fallbackCopy(text);
      });
    }
    return Promise.resolve(fallbackCopy(text));
  }

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (e) {
      ok = false;
    }
    document.body.removeChild(area);
    return ok;
  }

  function addCopyButton(host, getText, label) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy";
    button.textContent = "Copy";
    button.setAttribute("aria-label", label);
    button.addEventListener("click", function () {
      copyText(getText()).then(function (ok) {
        button.textContent = ok === false ? "Select and copy" : "Copied";
        window.setTimeout(function () {
          button.textContent = "Copy";
        }, 1500);
      });
    });
    return button;
  }

  function setupCopy() {
    document.querySelectorAll("pre.code").forEach(function (pre) {
      var code = pre.querySelector("code");
      pre.appendChild(addCopyButton(pre, function () {
        return code ? code.textContent : pre.textContent;
      }, "Copy the command"));
    });
    document.querySelectorAll("code[data-copy]").forEach(function (code) {
      code.insertAdjacentElement("afterend", addCopyButton(code, function () {
        return code.textContent;
      }, "Copy " + code.textContent));
    });
  }

  var FILTERS = {
    all: function () {
      return true;
    },
    sensitive: function (el) {
      return el.getAttribute("data-pii") !== "none";
    },
    own: function (el) {
      return el.getAttribute("data-origin") === "conventions";
    },
    deprecated: function (el) {
      return el.hasAttribute("data-deprecated");
    }
  };

  function setupFilters() {
    var buttons = document.querySelectorAll(".filters button[data-filter]");
    var count = document.querySelector(".filters .filter-count");
    var entries = document.querySelectorAll("article.attribute");
    function apply(name) {
      var keep = FILTERS[name] || FILTERS.all;
      var shown = 0;
      entries.forEach(function (el) {
        var visible = keep(el);
        el.hidden = !visible;
        if (visible) {
          shown += 1;
        }
      });
      buttons.forEach(function (b) {
        b.setAttribute("aria-pressed", b.getAttribute("data-filter") === name ? "true" : "false");
      });
      if (count) {
        count.textContent = shown + " of " + entries.length + " attributes";
      }
    }
    buttons.forEach(function (b) {
      b.addEventListener("click", function () {
        apply(b.getAttribute("data-filter"));
      });
    });
    if (buttons.length > 0) {
      apply("all");
    }
    /* A deep link always shows its entry, whatever the filter. */
    window.addEventListener("hashchange", function () {
      var target = document.getElementById(decodeURIComponent(window.location.hash.slice(1)));
      if (target && target.hidden) {
        apply("all");
        target.scrollIntoView();
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupTheme();
    setupSearch();
    setupCopy();
    setupFilters();
  });
})();
