/**
 * The dashboard's only script: filter and sort the recommendations table. Progressive
 * enhancement — the table is complete and ranked without it; the controls start `hidden` and
 * the script reveals them. It is a constant (no data is ever interpolated into it), pinned by
 * its sha256 in the page's Content-Security-Policy, and reads everything from the DOM
 * (data-* attributes written by the renderer).
 */
export const DASHBOARD_SCRIPT = `
(function () {
  'use strict';
  var table = document.getElementById('recs-table');
  var controls = document.getElementById('recs-controls');
  if (!table || !controls || !table.tBodies[0]) return;
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var byAction = document.getElementById('filter-action');
  var byClose = document.getElementById('filter-close');
  var reset = document.getElementById('filter-reset');
  var status = document.getElementById('recs-status');
  var headers = Array.prototype.slice.call(table.querySelectorAll('th[data-sort]'));

  // An option matches every row (data-match="all"), rows without the attribute ("none"),
  // or rows whose attribute equals its value.
  function matches(select, value) {
    var option = select.options[select.selectedIndex];
    var mode = option ? option.getAttribute('data-match') : 'all';
    if (mode === 'all') return true;
    if (mode === 'none') return value === null;
    return value === option.value;
  }

  function applyFilters() {
    var shown = 0;
    rows.forEach(function (row) {
      var keep = matches(byAction, row.getAttribute('data-action')) && matches(byClose, row.getAttribute('data-close'));
      row.hidden = !keep;
      if (keep) shown += 1;
    });
    status.textContent = 'Showing ' + shown + ' of ' + rows.length + ' recommendations';
    table.classList.toggle('is-filtered', shown < rows.length);
  }

  function sortValue(row, key, numeric) {
    var raw = row.getAttribute('data-' + key);
    if (raw === null || raw === '') return null;
    return numeric ? Number(raw) : raw;
  }

  // Missing values sort last in both directions; ties keep the rank order.
  function sortBy(header, direction) {
    var key = header.getAttribute('data-sort');
    var numeric = header.getAttribute('data-sort-type') === 'number';
    var sign = direction === 'ascending' ? 1 : -1;
    var sorted = rows.slice().sort(function (a, b) {
      var va = sortValue(a, key, numeric);
      var vb = sortValue(b, key, numeric);
      if (va === null || vb === null) {
        if (va !== vb) return va === null ? 1 : -1;
      } else if (va !== vb) {
        return (va < vb ? -1 : 1) * sign;
      }
      return Number(a.getAttribute('data-rank')) - Number(b.getAttribute('data-rank'));
    });
    headers.forEach(function (h) {
      if (h === header) h.setAttribute('aria-sort', direction);
      else h.removeAttribute('aria-sort');
    });
    sorted.forEach(function (row) { body.appendChild(row); });
  }

  // Sort buttons exist only with the script: without it the headers are plain text.
  headers.forEach(function (header) {
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'sort';
    button.textContent = header.textContent;
    button.setAttribute('title', 'Sort by ' + header.textContent.toLowerCase());
    header.textContent = '';
    header.appendChild(button);
    button.addEventListener('click', function () {
      var current = header.getAttribute('aria-sort');
      var first = header.getAttribute('data-first') || 'ascending';
      var next = current === null ? first : current === 'ascending' ? 'descending' : 'ascending';
      sortBy(header, next);
    });
  });

  byAction.addEventListener('change', applyFilters);
  byClose.addEventListener('change', applyFilters);
  reset.addEventListener('click', function () {
    byAction.selectedIndex = 0;
    byClose.selectedIndex = 0;
    applyFilters();
    var rank = table.querySelector('th[data-sort="rank"]');
    if (rank) sortBy(rank, 'ascending');
  });

  controls.hidden = false;
  applyFilters();
})();
`;
