// Dashboard tables sort on the client: a click on a column's header sorts by the cells'
// data-sort-value (numbers as numbers, text in the page's language), again to reverse.
(function () {
  "use strict";

  function compare(numeric, collator) {
    return function (a, b) {
      if (numeric) {
        var x = a.value === "" ? -Infinity : parseFloat(a.value);
        var y = b.value === "" ? -Infinity : parseFloat(b.value);
        return x - y;
      }
      return collator.compare(a.value, b.value);
    };
  }

  function sortBy(table, th, index) {
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("th[aria-sort]").forEach(function (other) {
      other.removeAttribute("aria-sort");
    });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows).filter(function (row) {
      return row.cells.length > index;
    });
    var collator = new Intl.Collator(document.documentElement.lang || undefined, {
      numeric: true,
    });
    var keyed = rows.map(function (row) {
      return { row: row, value: row.cells[index].getAttribute("data-sort-value") || "" };
    });
    keyed.sort(compare(th.hasAttribute("data-numeric"), collator));
    if (!ascending) {
      keyed.reverse();
    }
    keyed.forEach(function (item) {
      body.appendChild(item.row);
    });
  }

  function init() {
    document.querySelectorAll("table[data-sortable]").forEach(function (table) {
      table.querySelectorAll("thead th").forEach(function (th, index) {
        var button = th.querySelector(".sort-button");
        if (button) {
          button.addEventListener("click", function () {
            sortBy(table, th, index);
          });
        }
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
