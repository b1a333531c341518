// journeyc docs: the search box, table filters and the customer timeline search. No library, nothing fetched:
// the data comes from .js files loaded with <script src> (browsers refuse fetch() of local files).
"use strict";

(function () {
  var root = document.body.getAttribute("data-root") || "";

  // ------------------------------------------------------------ the search box over every name
  function setUpSearch() {
    var input = document.getElementById("site-search");
    var list = document.getElementById("site-search-results");
    var names = window.JOURNEYC_NAMES || [];
    if (!input || !list) return;
    var active = -1;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function select(index) {
      var items = list.querySelectorAll("li");
      if (!items.length) return;
      active = (index + items.length) % items.length;
      items.forEach(function (item, i) { item.setAttribute("aria-selected", i === active ? "true" : "false"); });
      input.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({ block: "nearest" });
    }

    input.addEventListener("input", function () {
      var query = input.value.trim().toLowerCase();
      list.textContent = "";
      if (!query) { close(); return; }
      var found = names.filter(function (entry) { return entry[0].toLowerCase().indexOf(query) !== -1; });
      found.sort(function (a, b) {
        return (a[0].toLowerCase().indexOf(query) !== 0) - (b[0].toLowerCase().indexOf(query) !== 0);
      });
      found.slice(0, 30).forEach(function (entry, i) {
        var item = document.createElement("li");
        item.id = "site-search-option-" + i;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        var link = document.createElement("a");
        link.href = root + entry[2];
        link.tabIndex = -1;
        link.textContent = entry[0];
        var kind = document.createElement("span");
        kind.className = "kind";
        kind.textContent = entry[1];
        link.appendChild(kind);
        item.appendChild(link);
        list.appendChild(item);
      });
      if (!found.length) {
        var none = document.createElement("li");
        none.textContent = "No name matches";
        list.appendChild(none);
      }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      active = -1;
    });

    input.addEventListener("keydown", function (event) {
      if (list.hidden) return;
      if (event.key === "ArrowDown") { event.preventDefault(); select(active + 1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); select(active - 1); }
      else if (event.key === "Escape") { close(); }
      else if (event.key === "Enter") {
        var items = list.querySelectorAll("li a");
        var target = items[active >= 0 ? active : 0];
        if (target) { event.preventDefault(); window.location.href = target.href; }
      }
    });
    document.addEventListener("click", function (event) {
      if (!input.form.contains(event.target)) close();
    });
  }

  // ------------------------------------------------------------ filtering a table as one types
  function setUpFilters() {
    document.querySelectorAll("input[data-filter]").forEach(function (input) {
      var table = document.getElementById(input.getAttribute("data-filter"));
      var count = document.querySelector("output[data-count='" + input.getAttribute("data-filter") + "']");
      if (!table) return;
      function apply() {
        var query = input.value.trim().toLowerCase();
        var shown = 0;
        table.querySelectorAll("tbody tr").forEach(function (row) {
          var match = !query || row.textContent.toLowerCase().indexOf(query) !== -1;
          row.hidden = !match;
          if (match) shown += 1;
        });
        if (count) count.textContent = query ? shown + " shown" : "";
      }
      input.addEventListener("input", apply);
      var wanted = new URLSearchParams(window.location.search).get("q");
      if (wanted && table.id === "names") { input.value = wanted; apply(); }
    });
  }

  // ------------------------------------------------------------ one customer's simulated timeline
  // simulation/customers.js maps each customer to the file holding their timeline; that file, loaded on demand,
  // calls journeycTimelines() with the timelines it holds.
  var waiting = {};
  window.journeycTimelines = function (part, timelines) {
    var callbacks = waiting[part] || [];
    delete waiting[part];
    window.JOURNEYC_TIMELINES = window.JOURNEYC_TIMELINES || {};
    window.JOURNEYC_TIMELINES[part] = timelines;
    callbacks.forEach(function (callback) { callback(timelines); });
  };

  function loadPart(part, callback) {
    var loaded = (window.JOURNEYC_TIMELINES || {})[part];
    if (loaded) { callback(loaded); return; }
    if (waiting[part]) { waiting[part].push(callback); return; }
    waiting[part] = [callback];
    var script = document.createElement("script");
    script.src = root + "simulation/timelines-" + part + ".js";
    document.head.appendChild(script);
  }

  function setUpCustomerSearch() {
    var form = document.getElementById("customer-form");
    if (!form) return;
    var input = document.getElementById("customer-id");
    var status = document.getElementById("customer-status");
    var out = document.getElementById("customer-timeline");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var id = input.value.trim();
      var parts = window.JOURNEYC_CUSTOMERS || {};
      if (!Object.prototype.hasOwnProperty.call(parts, id)) {
        out.hidden = true;
        status.textContent = id ? "No customer \u201c" + id + "\u201d in this event log." : "Type a customer id.";
        return;
      }
      status.textContent = "Loading the timeline of \u201c" + id + "\u201d\u2026";
      loadPart(parts[id], function (timelines) {
        var lines = timelines[id] || [];
        out.textContent = lines.join("\n");
        out.hidden = false;
        status.textContent = "The timeline of \u201c" + id + "\u201d: " + lines.length + (lines.length === 1 ? " line." : " lines.");
      });
    });
    var wanted = new URLSearchParams(window.location.search).get("customer");
    if (wanted) { input.value = wanted; form.requestSubmit(); }
  }

  setUpSearch();
  setUpFilters();
  setUpCustomerSearch();
})();
