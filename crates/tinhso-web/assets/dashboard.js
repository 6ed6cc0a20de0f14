/* tinhso — IOC dashboards, browser side (docs/dashboards.md, "Page contract").
 *
 * Plain ES2017, no modules, no build step. Needs the global `echarts`
 * (/assets/echarts.min.js, loaded before this file) and the page skeleton
 * rendered by the server: #dashboard, #dashboard-def, #dashboard-i18n,
 * #dash-filters, .dash-grid > section.panel[data-panel][data-kind] > .panel-body.
 * Geometry: /assets/geo/provinces.json and /assets/geo/communes.json.
 * Works under the site's CSP (no inline styles in markup, no eval, no CDN):
 * styles are set through the CSSOM and dashboard.css only.
 *
 * UI strings read from #dashboard-i18n (a JSON object; a missing key falls back
 * to the built-in Vietnamese/English text below):
 *   loading, empty, error, reset, province_level, back, export_png, export_pdf,
 *   updated, fullscreen, all_communes, all_agencies, target,
 *   commune, agency, period, vs_previous
 *
 * DOM state (for automated browser tests):
 *   #dashboard      data-commune, data-agency  the active filter values ("" when unset)
 *                   data-from, data-to         the period chosen in the form/URL ("" = server default)
 *                   data-ready                 "true" once every panel has finished its current load
 *                                              (data fetched, chart drawn and its animation over),
 *                                              "false" while any panel is loading
 *   section.panel   data-state                 "loading" | "ready" | "empty" | "error"
 *                   data-rows                  number of rows of the last answer (0 on error)
 *                   data-query                 query string of the last fetch, without "?",
 *                                              keys in the order from, to, commune, agency, only
 *                                              non-empty ones. A panel with `click: F` is the
 *                                              selector for F and is fetched WITHOUT F (it keeps
 *                                              all its items and highlights the selected one).
 *                   data-level                 map panels: "province" | "commune"
 *   table rows      tr[data-value] = the row's x value, class "selected" for the active filter
 *                   (only when the panel has `click`)
 *   body            class "dash-wall" in wall mode (data-wall="true")
 *   toolbar         .dash-toolbar (inserted before .dash-grid): .dash-chips > .dash-chip[data-filter]
 *                   (button .dash-chip-x clears it), .dash-reset, .dash-updated, .dash-clock (wall),
 *                   buttons .dash-export-png, .dash-export-pdf, .dash-fullscreen; maps: .map-back
 *
 * Clicks: a bar / pie slice / table row / commune region of a panel with `click: commune|agency`
 * sets that filter to the item's x value (clicking the selected item again clears it). On a map
 * with `drill: true`, a click on the province data-province shows its communes.
 *
 * window.tinhsoDashboard = {
 *   charts                 {panelId: echarts instance} (a KPI's instance is its sparkline;
 *                          table panels have none)
 *   setFilter(name, value) name: from | to | commune | agency; "" or null clears. Reloads every
 *                          panel whose query changes; returns a Promise resolved when loaded.
 *   reload(fresh)          reloads every panel (fresh=true sends Cache-Control: no-cache); Promise
 *   mapLevel(panelId)      "province" | "commune" (null when not a map panel)
 *   drill(panelId, level)  sets a map panel's level ("province" | "commune")
 *   pixelOf(panelId, code) {x, y} in CSS pixels relative to the top-left of chartElement(panelId):
 *                          the inside point of region `code` on the map currently shown
 *                          (or the middle of a bar whose x is `code`); null when not shown
 *   chartElement(panelId)  the element the chart is drawn in (the table's wrapper for tables)
 *   exportPng()            Promise<string>  data:image/png URL of the whole dashboard (no download)
 *   exportPdf()            Promise<Uint8Array> one-page A4 landscape PDF 1.4 (no download)
 *   pdfFromJpeg(bytes, w, h, title)  the PDF writer itself, Uint8Array
 *   filters()              a copy of the current filters {from, to, commune, agency}
 * }
 * The toolbar buttons PNG/PDF call exportPng/exportPdf and download <slug>.png / <slug>.pdf.
 */
(function () {
  'use strict';

  var root = document.getElementById('dashboard');
  if (!root) { return; }

  // ---------------------------------------------------------------- setup --

  var lang = root.getAttribute('data-lang') === 'en' ? 'en' : 'vi';
  var locale = lang === 'en' ? 'en-US' : 'vi-VN';
  var slug = root.getAttribute('data-slug') || 'dashboard';
  var wall = root.getAttribute('data-wall') === 'true';
  var provinceCode = root.getAttribute('data-province') || '';
  var refreshSeconds = parseInt(root.getAttribute('data-refresh'), 10) || 300;
  var FILTERS = ['from', 'to', 'commune', 'agency'];
  var COMMUNE_COLS = { xa: 1, ma_xa: 1, commune: 1 };
  var AGENCY_COLS = { co_quan: 1, ma_co_quan: 1, agency: 1 };
  var FONT = 'system-ui, "Segoe UI", Roboto, "Noto Sans", sans-serif';
  var C = wall ? {
    palette: ['#5b9bd5', '#f0a04b', '#4caf6a', '#e0574f', '#a58ee0', '#3cc4d4', '#e07ab0', '#c8a67a'],
    good: '#4caf6a', bad: '#e0574f', grey: '#2a3346', border: '#0f1420', text: '#e6e9ef', muted: '#9aa3b5',
    accent: '#5b9bd5', select: '#ffd166', map: ['#1d3557', '#2f6fb0', '#5b9bd5', '#a8d0f0']
  } : {
    palette: ['#2f6fb0', '#e0892b', '#1e7b34', '#b3261e', '#7b61b8', '#1b9aaa', '#c0508c', '#8c6d46'],
    good: '#1e7b34', bad: '#b3261e', grey: '#e3e6ec', border: '#ffffff', text: '#1d2330', muted: '#5b6475',
    accent: '#2f6fb0', select: '#b3261e', map: ['#e8f0fa', '#9cc0e6', '#2f6fb0', '#173c6b']
  };

  var DEFAULTS = {
    vi: {
      loading: 'Đang tải…', empty: 'Không có dữ liệu', error: 'Không tải được dữ liệu', reset: 'Bỏ lọc',
      province_level: 'Toàn quốc', back: 'Quay lại', export_png: 'PNG', export_pdf: 'PDF',
      updated: 'Cập nhật', fullscreen: 'Toàn màn hình', all_communes: 'Tất cả xã, phường',
      all_agencies: 'Tất cả cơ quan', target: 'Mục tiêu', commune: 'Xã, phường', agency: 'Cơ quan',
      period: 'Kỳ', vs_previous: 'so với'
    },
    en: {
      loading: 'Loading…', empty: 'No data', error: 'Could not load the data', reset: 'Clear filters',
      province_level: 'Whole country', back: 'Back', export_png: 'PNG', export_pdf: 'PDF',
      updated: 'Updated', fullscreen: 'Full screen', all_communes: 'All communes',
      all_agencies: 'All agencies', target: 'Target', commune: 'Commune', agency: 'Agency',
      period: 'Period', vs_previous: 'vs'
    }
  };

  function readJson(id) {
    var el = document.getElementById(id);
    if (!el) { return {}; }
    try { return JSON.parse(el.textContent || '{}') || {}; } catch (e) { return {}; }
  }
  var def = readJson('dashboard-def');
  var i18n = readJson('dashboard-i18n');
  function t(key) {
    var v = i18n[key];
    return (typeof v === 'string' && v !== '') ? v : (DEFAULTS[lang][key] || key);
  }
  function loc(vi, en) { return (lang === 'en' && en) ? en : (vi || en || ''); }
  function escapeHtml(s) {
    return String(s == null ? '' : s).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text != null) { e.textContent = text; }
    return e;
  }

  if (wall) { document.body.classList.add('dash-wall'); }

  // --------------------------------------------------------------- numbers --

  var nfCache = {};
  function nf(min, max) {
    var key = min + ':' + max;
    if (!nfCache[key]) {
      nfCache[key] = new Intl.NumberFormat(locale, { minimumFractionDigits: min, maximumFractionDigits: max });
    }
    return nfCache[key];
  }
  function toNum(v) {
    if (typeof v === 'number') { return isFinite(v) ? v : null; }
    if (typeof v === 'string' && v.trim() !== '' && !isNaN(Number(v))) { return Number(v); }
    return null;
  }
  // format: integer | decimal | percent | money. short: axis labels.
  function fmt(v, format, short) {
    var n = toNum(v);
    if (n === null) { return '—'; }
    switch (format) {
      case 'percent':
        return nf(short ? 0 : 1, short ? 1 : 1).format(n) + (lang === 'vi' ? ' %' : '%');
      case 'money': {
        var a = Math.abs(n);
        if (a >= 1e9) { return nf(0, a >= 1e11 ? 0 : 1).format(n / 1e9) + (lang === 'vi' ? ' tỷ' : ' bn'); }
        if (a >= 1e6) { return nf(0, a >= 1e8 ? 0 : 1).format(n / 1e6) + (lang === 'vi' ? ' triệu' : ' m'); }
        if (short && a >= 1e3) { return nf(0, 0).format(n / 1e3) + (lang === 'vi' ? ' nghìn' : ' k'); }
        return nf(0, 0).format(n);
      }
      case 'decimal':
        return nf(0, 2).format(n);
      default:
        if (short && Math.abs(n) >= 1e6) { return nf(0, 1).format(n / 1e6) + (lang === 'vi' ? ' tr' : ' m'); }
        return nf(0, 0).format(n);
    }
  }
  function fmtDelta(d, format) {
    if (format === 'percent') {
      return nf(0, 1).format(Math.abs(d)) + (lang === 'vi' ? ' điểm %' : ' pp');
    }
    return fmt(Math.abs(d), format);
  }
  var MONTHS_EN = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  function fmtPeriod(s) {
    if (typeof s !== 'string') { return s == null ? '' : String(s); }
    var m = /^(\d{4})-(\d{2})$/.exec(s);
    if (m) { return lang === 'vi' ? m[2] + '/' + m[1] : MONTHS_EN[+m[2] - 1] + ' ' + m[1]; }
    m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
    if (m) { return m[3] + '/' + m[2] + '/' + m[1]; }
    m = /^(\d{4})-Q([1-4])$/i.exec(s);
    if (m) { return (lang === 'vi' ? 'Quý ' + m[2] + '/' : 'Q' + m[2] + ' ') + m[1]; }
    return s;
  }
  // Vietnam time: "HH:MM dd/mm/yyyy".
  var vnParts = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Asia/Ho_Chi_Minh', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23'
  });
  function vnTime(d, withSeconds) {
    var p = {};
    vnParts.formatToParts(d || new Date()).forEach(function (x) { p[x.type] = x.value; });
    var hh = p.hour === '24' ? '00' : p.hour;
    return hh + ':' + p.minute + (withSeconds ? ':' + p.second : '') + ' ' + p.day + '/' + p.month + '/' + p.year;
  }

  // ------------------------------------------------------------- geometry --

  var geoPromises = {};
  var geoIndex = { provinces: null, communes: null }; // code -> {name, nameEn, geometry}
  function loadGeo(which) {
    if (!geoPromises[which]) {
      geoPromises[which] = fetch('/assets/geo/' + which + '.json', { credentials: 'same-origin' })
        .then(function (r) {
          if (!r.ok) { throw new Error('HTTP ' + r.status); }
          return r.json();
        })
        .then(function (g) {
          var idx = {};
          (g.features || []).forEach(function (f) {
            var p = f.properties || {};
            var code = String(p.code != null ? p.code : f.id);
            idx[code] = { name: p.name || code, nameEn: p.nameEn || p.name || code, geometry: f.geometry, point: null };
          });
          geoIndex[which] = idx;
          if (window.echarts) { echarts.registerMap(which === 'provinces' ? 'vn-provinces' : 'vn-communes', g); }
          return idx;
        });
      geoPromises[which].catch(function () { /* reported by the panels that need it */ });
    }
    return geoPromises[which];
  }
  // Start the commune lookup early: labels and the commune filter use it.
  loadGeo('communes');

  function optionLookup(name) {
    var out = {};
    var sel = document.querySelector('#dash-filters select[name="' + name + '"]');
    if (sel) {
      Array.prototype.forEach.call(sel.options, function (o) {
        if (o.value) { out[o.value] = o.textContent.trim(); }
      });
    }
    return out;
  }
  var communeOptions = optionLookup('commune');
  var agencyOptions = optionLookup('agency');

  function communeName(code) {
    code = String(code);
    var g = geoIndex.communes && geoIndex.communes[code];
    if (g) { return lang === 'en' ? g.nameEn : g.name; }
    return communeOptions[code] || code;
  }
  function provinceName(code) {
    var g = geoIndex.provinces && geoIndex.provinces[String(code)];
    return g ? (lang === 'en' ? g.nameEn : g.name) : String(code);
  }
  function agencyName(code) { return agencyOptions[String(code)] || String(code); }
  function isCommuneCode(v) {
    if (v == null || v === '') { return false; }
    var s = String(v);
    return geoIndex.communes ? !!geoIndex.communes[s] : !!communeOptions[s];
  }
  function looksLikeCodes(values) {
    var any = false;
    for (var i = 0; i < values.length; i++) {
      if (values[i] == null || values[i] === '') { continue; }
      if (!/^\d{5}$/.test(String(values[i]))) { return false; }
      any = true;
    }
    return any;
  }
  // How to show the values of a label column: 'commune' | 'agency' | 'period' | null.
  function labelMode(col, values) {
    var nonEmpty = values.filter(function (v) { return v != null && v !== ''; });
    if (COMMUNE_COLS[col] || (nonEmpty.length && nonEmpty.every(isCommuneCode))) { return 'commune'; }
    if (AGENCY_COLS[col] || (nonEmpty.length && nonEmpty.every(function (v) { return agencyOptions[String(v)]; }))) {
      return 'agency';
    }
    if (nonEmpty.length && nonEmpty.every(function (v) { return typeof v === 'string' && /^\d{4}-(\d{2}(-\d{2})?|Q[1-4])$/i.test(v); })) {
      return 'period';
    }
    return null;
  }
  function labelOf(mode, v) {
    if (v == null) { return '—'; }
    if (mode === 'commune') { return communeName(v); }
    if (mode === 'agency') { return agencyName(v); }
    if (mode === 'period') { return fmtPeriod(v); }
    return String(v);
  }

  // Area-weighted centroid of the largest polygon if it lies inside, else the middle of the
  // widest horizontal run inside the polygon: a point that is always inside the region.
  function ringArea(r) {
    var a = 0;
    for (var i = 0, j = r.length - 1; i < r.length; j = i++) { a += (r[j][0] * r[i][1] - r[i][0] * r[j][1]); }
    return a / 2;
  }
  function insidePoint(geometry) {
    if (!geometry) { return null; }
    var polys = geometry.type === 'Polygon' ? [geometry.coordinates]
      : geometry.type === 'MultiPolygon' ? geometry.coordinates : [];
    var best = null, bestArea = -1;
    polys.forEach(function (p) {
      var a = Math.abs(ringArea(p[0] || []));
      if (a > bestArea) { bestArea = a; best = p; }
    });
    if (!best || !best[0] || best[0].length < 3) { return null; }
    var outer = best[0];
    var A = ringArea(outer), cx = 0, cy = 0;
    for (var i = 0, j = outer.length - 1; i < outer.length; j = i++) {
      var f = outer[j][0] * outer[i][1] - outer[i][0] * outer[j][1];
      cx += (outer[j][0] + outer[i][0]) * f;
      cy += (outer[j][1] + outer[i][1]) * f;
    }
    var c = A ? [cx / (6 * A), cy / (6 * A)] : outer[0];
    function runs(y) {
      var xs = [];
      best.forEach(function (ring) {
        for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
          var a = ring[j], b = ring[i];
          if ((a[1] > y) !== (b[1] > y)) { xs.push(a[0] + (y - a[1]) * (b[0] - a[0]) / (b[1] - a[1])); }
        }
      });
      xs.sort(function (p, q) { return p - q; });
      var out = [];
      for (var k = 0; k + 1 < xs.length; k += 2) { out.push([xs[k], xs[k + 1]]); }
      return out;
    }
    var minY = Infinity, maxY = -Infinity;
    outer.forEach(function (pt) { minY = Math.min(minY, pt[1]); maxY = Math.max(maxY, pt[1]); });
    // centroid inside, with some margin from the boundary?
    var cr = runs(c[1]);
    for (var k = 0; k < cr.length; k++) {
      var w = cr[k][1] - cr[k][0];
      if (c[0] > cr[k][0] + w * 0.15 && c[0] < cr[k][1] - w * 0.15) { return c; }
    }
    var bestPt = null, bestW = -1;
    [0.5, 0.4, 0.6, 0.3, 0.7, 0.45, 0.55, 0.35, 0.65, 0.2, 0.8].forEach(function (fr) {
      var y = minY + (maxY - minY) * fr;
      runs(y).forEach(function (r) {
        var w = r[1] - r[0];
        // prefer wide runs near the middle
        var score = w * (1 - Math.abs(fr - 0.5));
        if (score > bestW) { bestW = score; bestPt = [(r[0] + r[1]) / 2, y]; }
      });
    });
    return bestPt || c;
  }
  function regionPoint(which, code) {
    var idx = geoIndex[which];
    var g = idx && idx[String(code)];
    if (!g) { return null; }
    if (!g.point) { g.point = insidePoint(g.geometry); }
    return g.point;
  }

  // ---------------------------------------------------------------- state --

  var filters = { from: '', to: '', commune: '', agency: '' };
  var form = document.getElementById('dash-filters');
  var formDefaults = {};
  function formControl(name) { return form ? form.querySelector('[name="' + name + '"]') : null; }
  FILTERS.forEach(function (name) {
    var c = formControl(name);
    formDefaults[name] = c ? (c.value || '') : '';
    filters[name] = formDefaults[name];
  });
  (function fromUrl() {
    var q = new URLSearchParams(location.search);
    FILTERS.forEach(function (name) { if (q.has(name)) { filters[name] = q.get(name) || ''; } });
  })();

  var panels = [];
  var byId = {};
  var charts = {};
  var panelDefs = {};
  (def.panels || []).forEach(function (p) { if (p && p.id) { panelDefs[p.id] = p; } });

  Array.prototype.forEach.call(root.querySelectorAll('section.panel'), function (section) {
    var id = section.getAttribute('data-panel') || section.id.replace(/^panel-/, '');
    var pd = panelDefs[id] || { id: id, kind: section.getAttribute('data-kind') };
    var kind = pd.kind || section.getAttribute('data-kind') || 'table';
    var width = Math.max(1, Math.min(12, parseInt(pd.width, 10) || 6));
    // The page's CSP (style-src 'self') ignores the inline style="grid-column: …": set it via the CSSOM.
    section.style.gridColumn = 'span ' + width;
    section.classList.add('w-' + width, 'kind-' + kind);
    var h2 = section.querySelector('h2');
    var title = loc(pd.title, pd.title_en) || (h2 ? h2.textContent : id);
    if (h2 && (pd.title || pd.title_en)) { h2.textContent = title; }
    var body = section.querySelector('.panel-body');
    if (!body) { body = el('div', 'panel-body'); section.insertBefore(body, section.querySelector('.panel-links')); }
    var p = {
      id: id, def: pd, kind: kind, section: section, body: body, title: title,
      chart: null, chartEl: null, view: null, msg: null, resp: null, state: '', query: null,
      loadingQuery: null, seq: 0, ctrl: null, level: (kind === 'map' && pd.drill) ? 'province' : 'commune',
      xRaw: [], horizontal: false, error: ''
    };
    buildBody(p);
    panels.push(p);
    byId[id] = p;
  });

  function buildBody(p) {
    var body = p.body;
    while (body.firstChild) { body.removeChild(body.firstChild); }
    body.classList.add('kind-' + p.kind);
    var view;
    if (p.kind === 'kpi') {
      view = el('div', 'panel-view kpi');
      var main = el('div', 'kpi-main');
      p.kpiValue = main.appendChild(el('span', 'kpi-value', '—'));
      p.kpiUnit = main.appendChild(el('span', 'kpi-unit', ''));
      view.appendChild(main);
      var meta = el('div', 'kpi-meta');
      p.kpiChange = meta.appendChild(el('span', 'kpi-change', ''));
      p.kpiTarget = meta.appendChild(el('span', 'kpi-target', ''));
      view.appendChild(meta);
      p.chartEl = view.appendChild(el('div', 'kpi-spark panel-chart'));
    } else if (p.kind === 'table') {
      view = el('div', 'panel-view');
      p.chartEl = view.appendChild(el('div', 'panel-table'));
    } else {
      view = el('div', 'panel-view');
      p.chartEl = view.appendChild(el('div', 'panel-chart'));
      if (p.kind === 'map') {
        p.mapNav = view.appendChild(el('div', 'map-nav'));
      }
    }
    p.view = view;
    body.appendChild(view);
    p.msg = body.appendChild(el('div', 'panel-msg'));
    p.msg.setAttribute('role', 'status');
    p.badge = body.appendChild(el('div', 'panel-badge', t('loading')));
  }

  function ensureChart(p) {
    if (p.kind === 'table' || !window.echarts) { return null; }
    if (p.chart && !p.chart.isDisposed()) { return p.chart; }
    p.chart = echarts.init(p.chartEl, wall ? 'dark' : null, { renderer: 'canvas' });
    charts[p.id] = p.chart;
    p.chart.on('click', function (params) { onChartClick(p, params); });
    if (window.ResizeObserver) {
      new ResizeObserver(function () { if (p.chart && !p.chart.isDisposed()) { p.chart.resize(); } }).observe(p.chartEl);
    }
    return p.chart;
  }

  function setState(p, state, rows, message) {
    markState(p, state, rows);
    showState(p, state, message);
  }
  // The state tests read: data-state, data-rows (and p.state, which data-ready follows).
  function markState(p, state, rows) {
    p.state = state;
    p.section.setAttribute('data-state', state);
    p.section.setAttribute('data-rows', String(rows || 0));
    if (p.kind === 'map') { p.section.setAttribute('data-level', p.level); }
  }
  // What the panel shows: the view, or a loading / empty / error message over it.
  function showState(p, state, message) {
    var body = p.body;
    body.classList.remove('is-loading', 'is-empty', 'is-error', 'is-ready', 'has-data');
    body.classList.add('is-' + state);
    if (p.resp && (state === 'ready' || (state === 'loading' && p.shown))) { body.classList.add('has-data'); }
    p.msg.classList.toggle('panel-msg-error', state === 'error');
    if (state === 'loading') {
      p.msg.textContent = p.shown ? '' : t('loading');
    } else if (state === 'empty') {
      p.msg.textContent = t('empty');
    } else if (state === 'error') {
      p.msg.textContent = message || t('error');
    } else {
      p.msg.textContent = '';
    }
  }

  // Resolves once a chart has drawn and finished its animation (so that a click at pixelOf()
  // hits the item), at the latest after 1.5 s.
  function settled(p) {
    var chart = p.chart;
    if (!chart || chart.isDisposed()) { return Promise.resolve(); }
    return new Promise(function (resolve) {
      var done = false;
      var timer = null;
      function fin() {
        if (done) { return; }
        done = true;
        clearTimeout(timer);
        chart.off('finished', fin);
        resolve();
      }
      chart.on('finished', fin);
      timer = setTimeout(fin, 1500);
    });
  }

  // ----------------------------------------------------------- filtering --

  function queryFor(p) {
    var q = new URLSearchParams();
    FILTERS.forEach(function (name) {
      if (filters[name] && p.def.click !== name) { q.set(name, filters[name]); }
    });
    return q.toString();
  }
  function syncRoot() {
    root.setAttribute('data-commune', filters.commune || '');
    root.setAttribute('data-agency', filters.agency || '');
    root.setAttribute('data-from', filters.from || '');
    root.setAttribute('data-to', filters.to || '');
  }
  function syncForm() {
    FILTERS.forEach(function (name) {
      var c = formControl(name);
      if (!c) { return; }
      var v = filters[name] || '';
      if (c.tagName === 'SELECT' && v && !Array.prototype.some.call(c.options, function (o) { return o.value === v; })) {
        var o = document.createElement('option');
        o.value = v;
        o.textContent = name === 'commune' ? communeName(v) : v;
        c.appendChild(o);
      }
      if (c.value !== v) { c.value = v; }
    });
  }
  function syncUrl() {
    if (!window.history || !history.replaceState) { return; }
    var q = new URLSearchParams(location.search);
    FILTERS.forEach(function (name) {
      var keep = filters[name] && !((name === 'from' || name === 'to') && filters[name] === formDefaults[name]);
      if (keep) { q.set(name, filters[name]); } else { q.delete(name); }
    });
    var s = q.toString();
    history.replaceState(history.state, '', location.pathname + (s ? '?' + s : '') + location.hash);
  }

  function setFilter(name, value) {
    if (FILTERS.indexOf(name) < 0) { return Promise.reject(new Error('unknown filter ' + name)); }
    filters[name] = value == null ? '' : String(value);
    syncForm();
    syncRoot();
    syncUrl();
    renderChips();
    return apply(false);
  }
  // Reload the panels whose query changed; re-render (selection highlight) the others.
  function apply(force, fresh) {
    var jobs = panels.map(function (p) {
      var q = queryFor(p);
      if (!force && p.query === q && (p.state === 'ready' || p.state === 'empty')) {
        if (p.resp && p.state === 'ready') { safeRender(p); }
        return Promise.resolve();
      }
      if (!force && p.state === 'loading' && p.loadingQuery === q) { return p.pending; }
      return load(p, fresh);
    });
    return Promise.all(jobs).then(function () {});
  }
  function reload(fresh) { return apply(true, !!fresh); }

  // --------------------------------------------------------------- loading --

  function checkReady() {
    var busy = panels.some(function (p) { return p.state === 'loading'; });
    root.setAttribute('data-ready', busy ? 'false' : 'true');
    if (!busy) {
      lastUpdated = new Date();
      renderUpdated();
    }
  }

  function problemMessage(body, status) {
    if (body && typeof body === 'object') {
      var m = body.message;
      if (m && typeof m === 'object') { return m[lang] || m.vi || m.en || ''; }
      if (typeof m === 'string') { return m; }
      return body.detail || body.title || '';
    }
    return t('error') + ' (HTTP ' + status + ')';
  }

  function load(p, fresh) {
    var q = queryFor(p);
    var seq = ++p.seq;
    if (p.ctrl) { try { p.ctrl.abort(); } catch (e) { /* ignore */ } }
    p.ctrl = window.AbortController ? new AbortController() : null;
    p.loadingQuery = q;
    p.section.setAttribute('data-query', q);
    setState(p, 'loading', p.resp ? p.resp.rows.length : 0);
    root.setAttribute('data-ready', 'false');
    var url = '/api/v1/dashboards/' + encodeURIComponent(slug) + '/panels/' + encodeURIComponent(p.id) + '/data' + (q ? '?' + q : '');
    var headers = { Accept: 'application/json' };
    if (fresh) { headers['Cache-Control'] = 'no-cache'; }
    var opts = { credentials: 'same-origin', headers: headers };
    if (p.ctrl) { opts.signal = p.ctrl.signal; }
    p.pending = fetch(url, opts)
      .then(function (res) {
        return res.text().then(function (text) {
          var json = null;
          try { json = text ? JSON.parse(text) : null; } catch (e) { json = null; }
          if (!res.ok) { throw { userMessage: problemMessage(json, res.status) || (t('error') + ' (HTTP ' + res.status + ')') }; }
          if (!json || !Array.isArray(json.rows) || !Array.isArray(json.columns)) { throw { userMessage: t('error') }; }
          return json;
        });
      })
      .then(function (json) {
        if (seq !== p.seq) { return; }
        return prepare(p, json).then(function () {
          if (seq !== p.seq) { return; }
          p.resp = json;
          p.query = q;
          p.loadingQuery = null;
          if (!json.rows.length) {
            setState(p, 'empty', 0);
            p.shown = false;
          } else {
            showState(p, 'ready');
            render(p);
            p.shown = true;
            // data-state/data-ready turn "ready" once the chart has settled
            return settled(p).then(function () {
              if (seq === p.seq) { markState(p, 'ready', json.rows.length); }
            });
          }
        });
      })
      .catch(function (err) {
        if (seq !== p.seq) { return; }
        if (err && err.name === 'AbortError') { return; }
        p.query = q;
        p.loadingQuery = null;
        p.resp = null;
        p.shown = false;
        var msg = (err && err.userMessage) || t('error');
        if (window.console && !(err && err.userMessage)) { console.error('tinhso dashboard', p.id, err); }
        setState(p, 'error', 0, msg);
      })
      .then(function () { if (seq === p.seq) { checkReady(); } });
    return p.pending;
  }

  // Geometry a panel needs before it can draw: maps, and the commune names for code columns.
  function prepare(p, json) {
    var need = [];
    if (p.kind === 'map') {
      need.push(loadGeo('communes'));
      if (p.def.drill) { need.push(loadGeo('provinces')); }
    } else {
      var xi = xIndex(p, json);
      var cols = json.columns || [];
      var codeish = cols.some(function (c, i) {
        return COMMUNE_COLS[c] || ((i === xi || p.kind === 'table') && looksLikeCodes(json.rows.map(function (r) { return r[i]; })));
      });
      if (codeish) { need.push(loadGeo('communes').catch(function () { return null; })); }
    }
    return Promise.all(need);
  }

  function safeRender(p) {
    try { render(p); } catch (e) {
      if (window.console) { console.error('tinhso dashboard', p.id, e); }
      setState(p, 'error', 0, t('error'));
    }
  }

  // --------------------------------------------------------------- render --

  function xIndex(p, resp) {
    var i = p.def.x ? resp.columns.indexOf(p.def.x) : -1;
    return i >= 0 ? i : 0;
  }
  function yIndexes(p, resp) {
    var ys = p.def.y == null ? [] : (Array.isArray(p.def.y) ? p.def.y : [p.def.y]);
    var out = ys.map(function (c) { return resp.columns.indexOf(c); }).filter(function (i) { return i >= 0; });
    if (!out.length && resp.columns.length === 1) { out.push(0); }
    if (!out.length) {
      var xi = xIndex(p, resp);
      resp.columns.forEach(function (c, i) {
        if (i !== xi && resp.rows.some(function (r) { return typeof r[i] === 'number'; })) { out.push(i); }
      });
      if (!out.length && resp.columns.length > 1) { out.push(xi === 0 ? 1 : 0); }
    }
    return out;
  }
  function seriesLabel(p, col) {
    var sl = p.def.series_labels && p.def.series_labels[col];
    if (typeof sl === 'string') { return sl; }
    if (sl && typeof sl === 'object') { return loc(sl.vi, sl.en) || col; }
    return col;
  }
  function format(p) { return p.def.format || 'integer'; }
  function unit(p) { return loc(p.def.unit, p.def.unit_en); }
  function targetOf(p) { return toNum(p.def.target); }
  function higherIsBetter(p) { return p.def.higher_is_better !== false; }
  function selectedValue(p) { return (p.def.click && filters[p.def.click]) || ''; }
  function isGood(p, v) {
    var tg = targetOf(p);
    if (tg === null || v === null) { return null; }
    return higherIsBetter(p) ? v >= tg : v <= tg;
  }

  // notMerge for new data (or another map level); a merge, without animation, when only the
  // selection changed.
  function fresh(p) {
    var same = p.drawn === p.resp && p.drawnLevel === p.level;
    p.drawn = p.resp;
    p.drawnLevel = p.level;
    return !same;
  }
  function render(p) {
    var resp = p.resp;
    if (!resp || !resp.rows.length) { return; }
    switch (p.kind) {
      case 'kpi': renderKpi(p, resp); break;
      case 'table': renderTable(p, resp); break;
      case 'map': renderMap(p, resp); break;
      case 'pie': renderPie(p, resp); break;
      case 'gauge': renderGauge(p, resp); break;
      case 'line': case 'area': case 'bar': renderCartesian(p, resp); break;
      default: renderCartesian(p, resp);
    }
  }

  function base(extra) {
    var o = {
      color: C.palette,
      backgroundColor: 'transparent',
      textStyle: { fontFamily: FONT },
      animationDuration: 400,
      animationDurationUpdate: 0
    };
    Object.keys(extra).forEach(function (k) { o[k] = extra[k]; });
    return o;
  }
  function ttRow(markerIdx, name, value) {
    return '<div class="tt-row">' + (markerIdx == null ? '' : '<i class="tt-m c' + (markerIdx % 8) + '">●</i>') +
      '<span class="tt-name">' + escapeHtml(name) + '</span><b class="tt-val">' + escapeHtml(value) + '</b></div>';
  }
  function ttTitle(s) { return '<div class="tt-title">' + escapeHtml(s) + '</div>'; }
  function tooltipBase(trigger) {
    return {
      trigger: trigger, confine: true, className: 'dash-tooltip',
      backgroundColor: wall ? '#1b2232' : '#ffffff', borderColor: wall ? '#3a4458' : '#d9dee7',
      textStyle: { color: C.text, fontFamily: FONT, fontSize: 13 }
    };
  }

  // KPI tile: current value (last row), target, change vs the previous row, sparkline.
  function renderKpi(p, resp) {
    var yi = yIndexes(p, resp)[0];
    var xi = xIndex(p, resp);
    var rows = resp.rows;
    var cur = toNum(rows[rows.length - 1][yi]);
    var prev = rows.length > 1 ? toNum(rows[rows.length - 2][yi]) : null;
    var f = format(p);
    p.kpiValue.textContent = fmt(cur, f);
    var u = unit(p);
    p.kpiUnit.textContent = (u && f !== 'percent') ? u : '';
    var good = isGood(p, cur);
    p.kpiValue.classList.toggle('good', good === true);
    p.kpiValue.classList.toggle('bad', good === false);
    var tg = targetOf(p);
    p.kpiTarget.textContent = tg === null ? '' : t('target') + ': ' + fmt(tg, f);
    p.kpiTarget.classList.toggle('good', good === true);
    p.kpiTarget.classList.toggle('bad', good === false);
    p.kpiChange.classList.remove('good', 'bad', 'flat');
    if (cur !== null && prev !== null) {
      var d = cur - prev;
      var arrow = d > 0 ? '▲' : d < 0 ? '▼' : '■';
      var label = rows.length > 1 && xi !== yi ? fmtPeriod(rows[rows.length - 2][xi]) : '';
      p.kpiChange.textContent = arrow + ' ' + fmtDelta(d, f) + (label ? ' ' + t('vs_previous') + ' ' + label : '');
      p.kpiChange.classList.add(d === 0 ? 'flat' : ((d > 0) === higherIsBetter(p) ? 'good' : 'bad'));
    } else {
      p.kpiChange.textContent = '';
    }
    var chart = ensureChart(p);
    if (!chart) { return; }
    var xs = rows.map(function (r) { return xi !== yi ? fmtPeriod(r[xi]) : ''; });
    var color = good === false ? C.bad : C.accent;
    chart.setOption(base({
      grid: { left: 2, right: 2, top: 4, bottom: 2 },
      tooltip: (function () {
        var tt = tooltipBase('axis');
        tt.formatter = function (ps) { var q = ps[0]; return ttTitle(q.name) + ttRow(null, p.title, fmt(q.value, f)); };
        tt.axisPointer = { type: 'line', lineStyle: { color: C.muted } };
        return tt;
      })(),
      xAxis: { type: 'category', data: xs, show: false, boundaryGap: false },
      yAxis: { type: 'value', show: false, scale: true },
      series: [{
        type: 'line', data: rows.map(function (r) { return toNum(r[yi]); }), smooth: 0.25,
        showSymbol: false, lineStyle: { width: 2, color: color }, itemStyle: { color: color },
        areaStyle: { color: color, opacity: 0.12 }
      }]
    }), fresh(p));
  }

  function renderCartesian(p, resp) {
    var chart = ensureChart(p);
    if (!chart) { return; }
    var kind = p.kind === 'area' || p.kind === 'line' ? p.kind : 'bar';
    var xi = xIndex(p, resp);
    var yis = yIndexes(p, resp);
    var rows = resp.rows;
    var f = format(p);
    var mode = labelMode(resp.columns[xi], rows.map(function (r) { return r[xi]; }));
    p.xRaw = rows.map(function (r) { return r[xi] == null ? '' : String(r[xi]); });
    var cats = rows.map(function (r) { return labelOf(mode, r[xi]); });
    var avgLen = cats.reduce(function (a, c) { return a + String(c).length; }, 0) / Math.max(1, cats.length);
    var horizontal = kind === 'bar' && (mode === 'commune' || mode === 'agency' || (cats.length > 6 && avgLen > 7));
    p.horizontal = horizontal;
    var sel = selectedValue(p);
    var tg = targetOf(p);
    var h = p.chartEl.clientHeight || 300;
    var w = p.chartEl.clientWidth || 500;
    var fits = horizontal ? Math.max(4, Math.floor((h - 50) / 22)) : Math.max(4, Math.floor((w - 60) / 28));
    var zoom = cats.length > fits;
    var series = yis.map(function (yi, si) {
      var s = {
        type: kind === 'bar' ? 'bar' : 'line',
        name: seriesLabel(p, resp.columns[yi]),
        data: rows.map(function (r, i) {
          var v = toNum(r[yi]);
          if (kind === 'bar' && sel) {
            var on = p.xRaw[i] === sel;
            return { value: v, itemStyle: on ? { borderColor: C.select, borderWidth: 2 } : { opacity: 0.35 } };
          }
          return v;
        }),
        emphasis: { focus: 'none' }
      };
      if (kind !== 'bar') {
        s.showSymbol = rows.length <= 36;
        s.symbolSize = 6;
        s.lineStyle = { width: 2.5 };
        if (kind === 'area') { s.areaStyle = { opacity: yis.length > 1 ? 0.14 : 0.22 }; }
      } else {
        s.barMaxWidth = 36;
      }
      return s;
    });
    if (tg !== null && series.length) {
      var line = {};
      line[horizontal ? 'xAxis' : 'yAxis'] = tg;
      series[0].markLine = {
        silent: true, symbol: 'none',
        lineStyle: { type: 'dashed', color: C.bad, width: 1.5 },
        label: { formatter: t('target') + ': ' + fmt(tg, f), position: 'insideEndTop', color: C.bad, fontSize: 11 },
        data: [line]
      };
    }
    var valueAxis = {
      type: 'value',
      minInterval: f === 'integer' || f === 'money' ? 1 : 0,
      axisLabel: { formatter: function (v) { return fmt(v, f, true); }, color: C.muted },
      splitLine: { lineStyle: { color: wall ? '#2a3346' : '#eceff4' } }
    };
    if (f === 'percent') {
      var maxV = 0;
      rows.forEach(function (r) { yis.forEach(function (yi) { var v = toNum(r[yi]); if (v !== null && v > maxV) { maxV = v; } }); });
      if (maxV <= 100 && (tg === null || tg <= 100)) { valueAxis.max = 100; }
    }
    var catAxis = {
      type: 'category', data: cats,
      axisTick: { alignWithLabel: true },
      axisLabel: { color: C.muted, hideOverlap: true },
      axisLine: { lineStyle: { color: wall ? '#3a4458' : '#c4cad6' } }
    };
    if (horizontal) {
      catAxis.inverse = true;
      catAxis.axisLabel.width = Math.min(160, Math.max(70, w * 0.28));
      catAxis.axisLabel.overflow = 'truncate';
      catAxis.axisLabel.interval = 0;
    } else {
      var longest = cats.reduce(function (a, c) { return Math.max(a, String(c).length); }, 0);
      if (cats.length * longest * 7 > w - 60) { catAxis.axisLabel.rotate = 35; }
      catAxis.boundaryGap = kind === 'bar';
    }
    var legend = yis.length > 1;
    var opt = base({
      grid: { left: 8, right: zoom && horizontal ? 34 : 18, top: legend ? 34 : (tg !== null ? 22 : 14), bottom: zoom && !horizontal ? 34 : 8, outerBoundsMode: 'same', outerBoundsContain: 'axisLabel' },
      legend: legend ? { type: 'scroll', top: 0, left: 'center', textStyle: { color: C.text } } : { show: false },
      tooltip: (function () {
        var tt = tooltipBase('axis');
        tt.axisPointer = { type: kind === 'bar' ? 'shadow' : 'line' };
        tt.formatter = function (ps) {
          if (!ps || !ps.length) { return ''; }
          var out = ttTitle(cats[ps[0].dataIndex]);
          ps.forEach(function (q) {
            var v = q.value && typeof q.value === 'object' ? q.value.value : q.value;
            out += ttRow(q.seriesIndex, q.seriesName, fmt(v, f));
          });
          return out;
        };
        return tt;
      })(),
      xAxis: horizontal ? valueAxis : catAxis,
      yAxis: horizontal ? catAxis : valueAxis,
      series: series
    });
    if (zoom) {
      var dz = { type: 'slider', startValue: 0, endValue: fits - 1, height: 14, width: 14, brushSelect: false, showDetail: false, showDataShadow: false };
      if (horizontal) { dz.yAxisIndex = 0; dz.right = 6; dz.top = opt.grid.top; dz.bottom = 8; delete dz.height; }
      else { dz.xAxisIndex = 0; dz.bottom = 6; dz.left = 40; dz.right = 20; delete dz.width; }
      opt.dataZoom = [dz, { type: 'inside', xAxisIndex: horizontal ? undefined : 0, yAxisIndex: horizontal ? 0 : undefined, zoomOnMouseWheel: false, moveOnMouseWheel: false, moveOnMouseMove: true }];
      // keep the selected item in view
      var si = sel ? p.xRaw.indexOf(sel) : -1;
      if (si >= fits) { dz.startValue = Math.max(0, si - Math.floor(fits / 2)); dz.endValue = dz.startValue + fits - 1; }
    }
    chart.setOption(opt, fresh(p));
    p.section.classList.toggle('clickable', !!p.def.click);
  }

  function renderPie(p, resp) {
    var chart = ensureChart(p);
    if (!chart) { return; }
    var xi = xIndex(p, resp);
    var yi = yIndexes(p, resp)[0];
    var rows = resp.rows;
    var f = format(p);
    var mode = labelMode(resp.columns[xi], rows.map(function (r) { return r[xi]; }));
    p.xRaw = rows.map(function (r) { return r[xi] == null ? '' : String(r[xi]); });
    var sel = selectedValue(p);
    var total = rows.reduce(function (a, r) { var v = toNum(r[yi]); return a + (v && v > 0 ? v : 0); }, 0);
    var w = p.chartEl.clientWidth || 500;
    var side = w >= 420;
    var legend = rows.length <= 16;
    var data = rows.map(function (r, i) {
      var d = { name: labelOf(mode, r[xi]), value: toNum(r[yi]) };
      if (sel) {
        d.selected = p.xRaw[i] === sel;
        if (!d.selected) { d.itemStyle = { opacity: 0.45 }; }
      }
      return d;
    });
    chart.setOption(base({
      tooltip: (function () {
        var tt = tooltipBase('item');
        tt.formatter = function (q) {
          var pct = total ? ' (' + nf(0, 1).format(q.value / total * 100) + (lang === 'vi' ? ' %' : '%') + ')' : '';
          return ttTitle(q.name) + ttRow(q.dataIndex, seriesLabel(p, resp.columns[yi]), fmt(q.value, f) + pct);
        };
        return tt;
      })(),
      legend: legend ? (side ? {
        type: 'scroll', orient: 'vertical', right: 4, top: 'middle', textStyle: { color: C.text },
        formatter: function (name) { return name.length > 24 ? name.slice(0, 23) + '…' : name; }
      } : {
        type: 'scroll', orient: 'horizontal', left: 'center', bottom: 0, textStyle: { color: C.text },
        formatter: function (name) { return name.length > 20 ? name.slice(0, 19) + '…' : name; }
      }) : { show: false },
      series: [{
        type: 'pie', radius: legend && !side ? ['32%', '58%'] : ['38%', '68%'],
        center: legend ? (side ? ['34%', '52%'] : ['50%', '44%']) : ['50%', '52%'],
        selectedMode: p.def.click ? 'single' : false, selectedOffset: 8,
        avoidLabelOverlap: true, minShowLabelAngle: 8,
        itemStyle: { borderColor: wall ? '#161c28' : '#fff', borderWidth: 1.5 },
        label: {
          color: C.text,
          formatter: function (q) {
            var pct = nf(0, 1).format(q.percent) + (lang === 'vi' ? ' %' : '%');
            return legend ? pct : q.name + '\n' + pct;
          }
        },
        labelLine: { length: 8, length2: 8 },
        data: data
      }]
    }), fresh(p));
    p.section.classList.toggle('clickable', !!p.def.click);
  }

  function niceMax(v) {
    if (!(v > 0)) { return 100; }
    var e = Math.pow(10, Math.floor(Math.log10(v)));
    var m = v / e;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10) * e;
  }

  function renderGauge(p, resp) {
    var chart = ensureChart(p);
    if (!chart) { return; }
    var yi = yIndexes(p, resp)[0];
    var rows = resp.rows;
    var v = toNum(rows[rows.length - 1][yi]);
    var f = format(p);
    var tg = targetOf(p);
    var max = f === 'percent' ? 100 : niceMax(Math.max(v || 0, tg || 0) * 1.15);
    var good = isGood(p, v);
    var band = wall ? ['#5a2b2b', '#234a33'] : ['#f5d0cc', '#cfe9d6'];
    var axisColor = tg === null ? [[1, wall ? '#2a3346' : '#e3e6ec']]
      : higherIsBetter(p) ? [[tg / max, band[0]], [1, band[1]]] : [[tg / max, band[1]], [1, band[0]]];
    var h = p.chartEl.clientHeight || 260;
    var small = h < 240;
    chart.setOption(base({
      tooltip: (function () {
        var tt = tooltipBase('item');
        tt.formatter = function () { return ttTitle(p.title) + ttRow(null, '', fmt(v, f)) + (tg !== null ? ttRow(null, t('target'), fmt(tg, f)) : ''); };
        return tt;
      })(),
      series: [{
        type: 'gauge', min: 0, max: max, startAngle: 210, endAngle: -30, radius: '92%', center: ['50%', '58%'],
        splitNumber: 5,
        progress: { show: true, width: 14, itemStyle: { color: good === false ? C.bad : good === true ? C.good : C.accent } },
        axisLine: { lineStyle: { width: 14, color: axisColor } },
        axisTick: { show: false },
        splitLine: { length: 6, distance: 2, lineStyle: { color: C.muted, width: 1 } },
        axisLabel: { distance: 18, color: C.muted, fontSize: 10, formatter: function (x) { return fmt(x, f, true).replace(/\s?%$/, ''); } },
        pointer: { show: true, length: '58%', width: 4, itemStyle: { color: C.muted } },
        anchor: { show: true, size: 8, itemStyle: { color: C.muted } },
        title: { show: tg !== null, offsetCenter: [0, '62%'], fontSize: 12, color: C.muted },
        detail: {
          valueAnimation: false, offsetCenter: [0, '36%'], fontSize: small ? 20 : 26, fontWeight: 700,
          color: good === false ? C.bad : good === true ? C.good : C.text,
          formatter: function () { return fmt(v, f); }
        },
        data: [{ value: v === null ? 0 : Math.max(0, Math.min(max, v)), name: tg !== null ? t('target') + ': ' + fmt(tg, f) : '' }]
      }]
    }), fresh(p));
  }

  function columnIsNumeric(resp, i) {
    var ty = resp.types && resp.types[i];
    if (ty && /int|float|decimal|double|numeric|real/i.test(ty)) { return true; }
    var any = false;
    for (var k = 0; k < resp.rows.length; k++) {
      var v = resp.rows[k][i];
      if (v == null) { continue; }
      if (typeof v !== 'number') { return false; }
      any = true;
    }
    return any;
  }

  function renderTable(p, resp) {
    var cols = resp.columns;
    var xi = xIndex(p, resp);
    var yset = {};
    ((p.def.y == null) ? [] : (Array.isArray(p.def.y) ? p.def.y : [p.def.y])).forEach(function (c) { yset[c] = 1; });
    var info = cols.map(function (c, i) {
      var numeric = columnIsNumeric(resp, i);
      var fm = null;
      if (numeric) {
        if (yset[c]) { fm = format(p); } else {
          fm = resp.rows.every(function (r) { var v = toNum(r[i]); return v === null || Math.round(v) === v; }) ? 'integer' : 'decimal';
        }
      }
      return { name: c, numeric: numeric, format: fm, mode: numeric ? null : labelMode(c, resp.rows.map(function (r) { return r[i]; })) };
    });
    var sel = selectedValue(p);
    var table = el('table', 'dash-table compact');
    var thead = table.appendChild(el('thead'));
    var htr = thead.appendChild(el('tr'));
    info.forEach(function (ci) { htr.appendChild(el('th', ci.numeric ? 'num' : '', seriesLabel(p, ci.name))); });
    var tbody = table.appendChild(el('tbody'));
    p.xRaw = [];
    resp.rows.forEach(function (r) {
      var tr = tbody.appendChild(el('tr'));
      var raw = r[xi] == null ? '' : String(r[xi]);
      p.xRaw.push(raw);
      info.forEach(function (ci, i) {
        var v = r[i];
        var td;
        if (ci.numeric) {
          td = el('td', 'num', fmt(v, ci.format));
        } else {
          td = el('td', '', v == null ? '—' : labelOf(ci.mode, typeof v === 'object' ? JSON.stringify(v) : v));
          if (ci.mode === 'commune' || ci.mode === 'agency') { td.title = String(v); }
        }
        tr.appendChild(td);
      });
      if (p.def.click) {
        tr.className = 'clickable' + (sel && raw === sel ? ' selected' : '');
        tr.tabIndex = 0;
        tr.setAttribute('data-value', raw);
        tr.addEventListener('click', function () { toggleFilter(p, raw); });
        tr.addEventListener('keydown', function (e) {
          if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); toggleFilter(p, raw); }
        });
      }
    });
    var wrap = p.chartEl;
    var scroll = wrap.scrollTop;
    while (wrap.firstChild) { wrap.removeChild(wrap.firstChild); }
    wrap.appendChild(table);
    wrap.scrollTop = scroll;
    // keep the selected row in view, below the sticky header
    var selRow = tbody.querySelector('tr.selected');
    if (selRow) {
      var headH = thead.offsetHeight;
      var top = selRow.offsetTop, rowH = selRow.offsetHeight;
      if (top < wrap.scrollTop + headH || top + rowH > wrap.scrollTop + wrap.clientHeight) {
        wrap.scrollTop = Math.max(0, top - headH - rowH);
      }
    }
  }

  function renderMap(p, resp) {
    var chart = ensureChart(p);
    if (!chart) { return; }
    var xi = xIndex(p, resp);
    var yi = yIndexes(p, resp)[0];
    var f = format(p);
    var rows = resp.rows;
    var sel = selectedValue(p);
    var values = {};
    rows.forEach(function (r) {
      if (r[xi] == null) { return; }
      var v = toNum(r[yi]);
      var k = String(r[xi]);
      values[k] = (values[k] || 0) + (v || 0);
    });
    p.xRaw = Object.keys(values);
    var label = seriesLabel(p, resp.columns[yi]);
    var tt = tooltipBase('item');
    var opt;
    if (p.level === 'province' && p.def.drill && geoIndex.provinces) {
      // The province's value: a total, except for rates (format percent or decimal), which are
      // averaged — weighted by the second value column when there is one (e.g. dossiers).
      var sum = 0;
      if (f === 'percent' || f === 'decimal') {
        var wi = resp.columns.indexOf((p.def.y || [])[1]);
        var num = 0, den = 0;
        rows.forEach(function (r) {
          var v = toNum(r[yi]);
          if (v == null || isNaN(v)) { return; }
          var w = wi >= 0 ? toNum(r[wi]) : 1;
          if (w == null || isNaN(w)) { return; }
          num += v * w; den += w;
        });
        sum = den ? num / den : 0;
      } else {
        Object.keys(values).forEach(function (k) { sum += values[k]; });
      }
      tt.formatter = function (q) {
        var name = provinceName(q.name);
        return ttTitle(name) + (q.name === provinceCode ? ttRow(null, label, fmt(sum, f)) : '');
      };
      opt = base({
        tooltip: tt,
        series: [{
          type: 'map', map: 'vn-provinces', nameProperty: 'code', roam: false, selectedMode: false,
          top: 36, bottom: 8, left: 8, right: 8,
          itemStyle: { areaColor: C.grey, borderColor: C.border, borderWidth: 0.6 },
          emphasis: { label: { show: false }, itemStyle: { areaColor: wall ? '#3a4458' : '#cfd5df' } },
          label: { show: false },
          data: [{
            name: provinceCode, value: sum,
            itemStyle: { areaColor: C.accent, borderColor: C.select, borderWidth: 1 },
            emphasis: { itemStyle: { areaColor: C.map[3] } },
            label: {
              show: true, color: C.text, fontWeight: 600, fontSize: 12, align: 'left', offset: [26, 0],
              backgroundColor: wall ? 'rgba(22,28,40,.9)' : 'rgba(255,255,255,.92)', padding: [3, 6], borderRadius: 4,
              borderColor: C.accent, borderWidth: 1, lineHeight: 16,
              formatter: function () { return provinceName(provinceCode) + '\n' + fmt(sum, f); }
            }
          }]
        }]
      });
    } else {
      var vs = Object.keys(values).map(function (k) { return values[k]; });
      var min = vs.length ? Math.min.apply(null, vs) : 0;
      var max = vs.length ? Math.max.apply(null, vs) : 1;
      if (min === max) { min = Math.min(0, min); max = max || 1; }
      tt.formatter = function (q) {
        var v = values[q.name];
        return ttTitle(communeName(q.name)) + ttRow(null, label, v === undefined ? t('empty') : fmt(v, f));
      };
      var data = Object.keys(values).map(function (k) {
        var d = { name: k, value: values[k] };
        if (sel && k === sel) {
          d.itemStyle = { borderColor: C.select, borderWidth: 2.5 };
          d.label = { show: true, formatter: function () { return communeName(k); }, color: C.text, fontWeight: 700,
            textBorderColor: wall ? '#0f1420' : '#ffffff', textBorderWidth: 3 };
        }
        return d;
      });
      opt = base({
        tooltip: tt,
        visualMap: {
          type: 'continuous', min: min, max: max, right: 6, bottom: 8, itemWidth: 12, itemHeight: 110,
          calculable: false, realtime: false, seriesIndex: 0, text: [fmt(max, f, true), fmt(min, f, true)], textGap: 6,
          inRange: { color: C.map }, textStyle: { color: C.muted, fontSize: 11 },
          formatter: function (v) { return fmt(v, f, true); }
        },
        series: [{
          type: 'map', map: 'vn-communes', nameProperty: 'code', roam: false, selectedMode: false,
          top: p.def.drill ? 36 : 10, bottom: 10, left: 8, right: 78,
          itemStyle: { areaColor: C.grey, borderColor: C.border, borderWidth: 0.5 },
          emphasis: {
            label: { show: true, formatter: function (q) { return communeName(q.name); }, color: C.text, fontWeight: 600 },
            itemStyle: { areaColor: wall ? '#ffd166' : '#f4c06b' }
          },
          label: { show: false },
          data: data
        }]
      });
    }
    chart.setOption(opt, fresh(p));
    p.section.setAttribute('data-level', p.level);
    p.section.classList.toggle('clickable', !!p.def.click || p.level === 'province');
    renderMapNav(p);
  }

  function renderMapNav(p) {
    var nav = p.mapNav;
    if (!nav) { return; }
    while (nav.firstChild) { nav.removeChild(nav.firstChild); }
    if (!p.def.drill) { nav.hidden = true; return; }
    nav.hidden = false;
    if (p.level === 'province') {
      nav.appendChild(el('span', 'map-crumb', t('province_level')));
    } else {
      var b = nav.appendChild(el('button', 'dash-btn map-back', '← ' + t('back')));
      b.type = 'button';
      b.addEventListener('click', function () { drill(p.id, 'province'); });
      nav.appendChild(el('span', 'map-crumb', provinceName(provinceCode)));
    }
  }

  function drill(panelId, level) {
    var p = byId[panelId];
    if (!p || p.kind !== 'map') { return; }
    p.level = level === 'province' && p.def.drill ? 'province' : 'commune';
    p.section.setAttribute('data-level', p.level);
    if (p.resp && p.state === 'ready') {
      var need = [loadGeo('communes')];
      if (p.def.drill) { need.push(loadGeo('provinces')); }
      return Promise.all(need).then(function () { safeRender(p); });
    }
    return Promise.resolve();
  }

  // ---------------------------------------------------------- interaction --

  function toggleFilter(p, value) {
    var name = p.def.click;
    if (name !== 'commune' && name !== 'agency') { return; }
    value = value == null ? '' : String(value);
    setFilter(name, filters[name] === value ? '' : value);
  }

  function onChartClick(p, params) {
    if (p.kind === 'map') {
      if (p.level === 'province') {
        if (p.def.drill && params.name === provinceCode) { drill(p.id, 'commune'); }
        return;
      }
      if (p.def.click && params.name) { toggleFilter(p, params.name); }
      return;
    }
    if (!p.def.click || params.componentType !== 'series') { return; }
    if (params.dataIndex != null && p.xRaw[params.dataIndex] != null) { toggleFilter(p, p.xRaw[params.dataIndex]); }
  }

  if (form) {
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      readForm();
    });
    form.addEventListener('change', function () { readForm(); });
  }
  function readForm() {
    var changed = false;
    FILTERS.forEach(function (name) {
      var c = formControl(name);
      if (c && (c.value || '') !== filters[name]) { filters[name] = c.value || ''; changed = true; }
    });
    if (changed) {
      syncRoot();
      syncUrl();
      renderChips();
      apply(false);
    }
  }

  // -------------------------------------------------------------- toolbar --

  var toolbar = el('div', 'dash-toolbar');
  var titleEl = null;
  if (wall) {
    titleEl = toolbar.appendChild(el('div', 'dash-title', loc(def.title, def.title_en)));
  }
  var chips = toolbar.appendChild(el('div', 'dash-chips'));
  var spacer = toolbar.appendChild(el('div', 'dash-spacer'));
  spacer.setAttribute('aria-hidden', 'true');
  var updatedEl = toolbar.appendChild(el('span', 'dash-updated'));
  var clockEl = wall ? toolbar.appendChild(el('span', 'dash-clock')) : null;
  function button(label, cls, title, fn) {
    var b = toolbar.appendChild(el('button', 'dash-btn ' + cls, label));
    b.type = 'button';
    if (title) { b.title = title; }
    b.addEventListener('click', fn);
    return b;
  }
  var pngBtn = button(t('export_png'), 'dash-export-png', null, function () { runExport(pngBtn, 'png'); });
  var pdfBtn = button(t('export_pdf'), 'dash-export-pdf', null, function () { runExport(pdfBtn, 'pdf'); });
  var fsBtn = null;
  if (document.documentElement.requestFullscreen) {
    fsBtn = button(t('fullscreen'), 'dash-fullscreen', t('fullscreen'), function () {
      if (document.fullscreenElement) { document.exitFullscreen(); } else { document.documentElement.requestFullscreen().catch(function () {}); }
    });
  }
  var gridEl = root.querySelector('.dash-grid');
  if (gridEl && gridEl.parentNode) { gridEl.parentNode.insertBefore(toolbar, gridEl); } else { root.appendChild(toolbar); }

  var lastUpdated = null;
  function renderUpdated() {
    updatedEl.textContent = lastUpdated ? t('updated') + ' ' + vnTime(lastUpdated).slice(0, 5) : '';
    updatedEl.title = lastUpdated ? vnTime(lastUpdated, true) : '';
  }
  function renderChips() {
    while (chips.firstChild) { chips.removeChild(chips.firstChild); }
    var any = false;
    [['commune', t('commune'), communeName], ['agency', t('agency'), agencyName]].forEach(function (c) {
      var v = filters[c[0]];
      if (!v) { return; }
      any = true;
      var chip = chips.appendChild(el('span', 'dash-chip'));
      chip.setAttribute('data-filter', c[0]);
      chip.appendChild(el('span', 'dash-chip-label', c[1] + ': '));
      chip.appendChild(el('b', null, c[2](v)));
      var x = chip.appendChild(el('button', 'dash-chip-x', '×'));
      x.type = 'button';
      x.title = t('reset');
      x.setAttribute('aria-label', t('reset') + ' — ' + c[1]);
      x.addEventListener('click', function () { setFilter(c[0], ''); });
    });
    if (any) {
      var r = chips.appendChild(el('button', 'dash-btn dash-reset', t('reset')));
      r.type = 'button';
      r.addEventListener('click', function () {
        filters.commune = '';
        filters.agency = '';
        syncForm(); syncRoot(); syncUrl(); renderChips();
        apply(false);
      });
    }
  }
  if (clockEl) {
    var tick = function () { clockEl.textContent = vnTime(new Date()); };
    tick();
    setInterval(tick, 1000);
  }

  // --------------------------------------------------------------- export --

  function loadImage(src) {
    return new Promise(function (resolve, reject) {
      var img = new Image();
      img.onload = function () { resolve(img); };
      img.onerror = reject;
      img.src = src;
    });
  }
  function cssFont(cs) { return cs.fontStyle + ' ' + cs.fontWeight + ' ' + cs.fontSize + ' ' + cs.fontFamily; }
  function fitText(ctx, s, maxW) {
    s = String(s);
    if (maxW <= 0) { return ''; }
    if (ctx.measureText(s).width <= maxW) { return s; }
    while (s.length > 1 && ctx.measureText(s + '…').width > maxW) { s = s.slice(0, -1); }
    return s + '…';
  }
  // Draws the (one-line) text of an element where it is on screen, with its computed font.
  function drawElementText(ctx, node, ox, oy, clip) {
    if (!node || !node.textContent) { return; }
    var r = node.getBoundingClientRect();
    if (!r.width || !r.height) { return; }
    if (clip && (r.bottom > clip.bottom + 1 || r.top < clip.top - 1)) { return; }
    var cs = getComputedStyle(node);
    if (cs.visibility === 'hidden' || cs.display === 'none') { return; }
    var pl = parseFloat(cs.paddingLeft) || 0, pr = parseFloat(cs.paddingRight) || 0;
    ctx.font = cssFont(cs);
    ctx.fillStyle = cs.color;
    ctx.textBaseline = 'middle';
    var align = cs.textAlign;
    var maxW = r.width - pl - pr;
    var text = fitText(ctx, node.textContent.trim(), maxW);
    var x;
    if (align === 'right' || align === 'end') { ctx.textAlign = 'right'; x = r.right - pr; }
    else if (align === 'center') { ctx.textAlign = 'center'; x = r.left + pl + maxW / 2; }
    else { ctx.textAlign = 'left'; x = r.left + pl; }
    ctx.fillText(text, x - ox, r.top + r.height / 2 - oy);
  }
  function wrapText(ctx, text, maxW) {
    var words = String(text).split(/\s+/);
    var lines = [];
    var line = '';
    words.forEach(function (w) {
      var next = line ? line + ' ' + w : w;
      if (line && ctx.measureText(next).width > maxW) { lines.push(line); line = w; } else { line = next; }
    });
    if (line) { lines.push(line); }
    return lines.map(function (l) { return fitText(ctx, l, maxW); });
  }
  function roundRect(ctx, x, y, w, h, rad) {
    ctx.beginPath();
    if (ctx.roundRect) { ctx.roundRect(x, y, w, h, rad); } else { ctx.rect(x, y, w, h); }
  }
  function filterLine(resp) {
    var from = filters.from || (resp && resp.filters && resp.filters.from) || '';
    var to = filters.to || (resp && resp.filters && resp.filters.to) || '';
    var parts = [];
    if (from || to) { parts.push(t('period') + ': ' + fmtPeriod(from) + ' – ' + fmtPeriod(to)); }
    parts.push(filters.commune ? t('commune') + ': ' + communeName(filters.commune) : t('all_communes'));
    parts.push(filters.agency ? t('agency') + ': ' + agencyName(filters.agency) : t('all_agencies'));
    parts.push(t('updated') + ' ' + vnTime(lastUpdated || new Date()));
    return parts.join('  ·  ');
  }

  // One canvas with the title, the filters line and every panel as laid out on screen.
  function compose() {
    var grid = gridEl || root;
    var gr = grid.getBoundingClientRect();
    var scale = 2, pad = 24, head = 70;
    var W = Math.max(600, Math.ceil(gr.width)) + pad * 2;
    var H = Math.ceil(gr.height) + head + pad * 2;
    var canvas = document.createElement('canvas');
    canvas.width = W * scale;
    canvas.height = H * scale;
    var ctx = canvas.getContext('2d');
    ctx.scale(scale, scale);
    var pageBg = wall ? '#0f1420' : '#f6f7f9';
    ctx.fillStyle = pageBg;
    ctx.fillRect(0, 0, W, H);
    ctx.fillStyle = C.text;
    ctx.textBaseline = 'alphabetic';
    ctx.textAlign = 'left';
    ctx.font = '700 22px ' + FONT;
    ctx.fillText(fitText(ctx, loc(def.title, def.title_en) || slug, W - pad * 2), pad, pad + 22);
    ctx.font = '400 13px ' + FONT;
    ctx.fillStyle = C.muted;
    var anyResp = null;
    panels.forEach(function (p) { if (!anyResp && p.resp) { anyResp = p.resp; } });
    ctx.fillText(fitText(ctx, filterLine(anyResp), W - pad * 2), pad, pad + 46);
    var ox = gr.left - pad, oy = gr.top - pad - head;
    var jobs = panels.map(function (p) {
      var r = p.section.getBoundingClientRect();
      var cs = getComputedStyle(p.section);
      var x = r.left - ox, y = r.top - oy;
      var bg = cs.backgroundColor && cs.backgroundColor !== 'rgba(0, 0, 0, 0)' ? cs.backgroundColor : '#fff';
      roundRect(ctx, x, y, r.width, r.height, 8);
      ctx.fillStyle = bg;
      ctx.fill();
      ctx.strokeStyle = cs.borderTopColor || '#d9dee7';
      ctx.lineWidth = 1;
      ctx.stroke();
      drawElementText(ctx, p.section.querySelector('h2'), ox, oy);
      if (p.state !== 'ready') {
        var br = p.body.getBoundingClientRect();
        ctx.font = '400 14px ' + FONT;
        ctx.fillStyle = p.state === 'error' ? C.bad : C.muted;
        ctx.textAlign = 'center';
        ctx.textBaseline = 'middle';
        var lines = wrapText(ctx, p.msg.textContent || t(p.state === 'loading' ? 'loading' : 'empty'), br.width - 24).slice(0, 6);
        lines.forEach(function (line, k) {
          ctx.fillText(line, br.left + br.width / 2 - ox, br.top + br.height / 2 - oy + (k - (lines.length - 1) / 2) * 19);
        });
        return Promise.resolve();
      }
      if (p.kind === 'kpi') {
        ['.kpi-value', '.kpi-unit', '.kpi-change', '.kpi-target'].forEach(function (s) { drawElementText(ctx, p.body.querySelector(s), ox, oy); });
      }
      if (p.kind === 'table') {
        var wr = p.chartEl.getBoundingClientRect();
        // body rows first, then the (sticky) header over them
        var cellsEls = Array.prototype.slice.call(p.chartEl.querySelectorAll('td'))
          .concat(Array.prototype.slice.call(p.chartEl.querySelectorAll('th')));
        cellsEls.forEach(function (td) {
          var cr = td.getBoundingClientRect();
          if (cr.top < wr.top - 1 || cr.bottom > wr.bottom + 1 || cr.right > wr.right + 1) { return; }
          var ccs = getComputedStyle(td);
          if (ccs.backgroundColor && ccs.backgroundColor !== 'rgba(0, 0, 0, 0)') {
            ctx.fillStyle = ccs.backgroundColor;
            ctx.fillRect(cr.left - ox, cr.top - oy, cr.width, cr.height);
          }
          if (parseFloat(ccs.borderBottomWidth)) {
            ctx.fillStyle = ccs.borderBottomColor;
            ctx.fillRect(cr.left - ox, cr.bottom - oy - 1, cr.width, 1);
          }
          drawElementText(ctx, td, ox, oy);
        });
        return Promise.resolve();
      }
      if (p.chart && !p.chart.isDisposed()) {
        var er = p.chartEl.getBoundingClientRect();
        if (!er.width || !er.height) { return Promise.resolve(); }
        var url = p.chart.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: bg });
        return loadImage(url).then(function (img) {
          ctx.drawImage(img, er.left - ox, er.top - oy, er.width, er.height);
          if (p.kind === 'map' && p.mapNav && !p.mapNav.hidden) {
            var crumbs = p.mapNav.querySelectorAll('.map-crumb');
            Array.prototype.forEach.call(crumbs, function (c) { drawElementText(ctx, c, ox, oy); });
          }
        }, function () {});
      }
      return Promise.resolve();
    });
    return Promise.all(jobs).then(function () { return canvas; });
  }

  function exportPng() { return compose().then(function (c) { return c.toDataURL('image/png'); }); }

  function base64Bytes(b64) {
    var bin = atob(b64);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
    return out;
  }

  // --- pdf --- (self-contained: no references outside this function)
  // A one-page PDF 1.4: A4 landscape, the JPEG as an /XObject image (/DCTDecode), fitted with margins.
  function pdfFromJpeg(jpeg, width, height, title) {
    var PW = 841.89, PH = 595.28, M = 20;
    var s = Math.min((PW - 2 * M) / width, (PH - 2 * M) / height);
    var w = width * s, h = height * s, x = (PW - w) / 2, y = (PH - h) / 2;
    function num(v) { return (Math.round(v * 100) / 100).toString(); }
    function ascii(str) {
      var out = new Uint8Array(str.length);
      for (var i = 0; i < str.length; i++) { out[i] = str.charCodeAt(i) & 0xff; }
      return out;
    }
    function utf16hex(str) {
      var hex = 'FEFF';
      for (var i = 0; i < str.length; i++) { hex += ('0000' + str.charCodeAt(i).toString(16).toUpperCase()).slice(-4); }
      return '<' + hex + '>';
    }
    function pad2(n) { return (n < 10 ? '0' : '') + n; }
    var d = new Date();
    var date = 'D:' + d.getUTCFullYear() + pad2(d.getUTCMonth() + 1) + pad2(d.getUTCDate()) +
      pad2(d.getUTCHours()) + pad2(d.getUTCMinutes()) + pad2(d.getUTCSeconds()) + 'Z';
    var content = 'q\n' + num(w) + ' 0 0 ' + num(h) + ' ' + num(x) + ' ' + num(y) + ' cm\n/Im0 Do\nQ\n';
    var parts = [];
    var offsets = [];
    var length = 0;
    function put(bytes) { parts.push(bytes); length += bytes.length; }
    function obj(n, body, stream) {
      offsets[n] = length;
      put(ascii(n + ' 0 obj\n' + body));
      if (stream) {
        put(ascii('\nstream\n'));
        put(stream);
        put(ascii('\nendstream'));
      }
      put(ascii('\nendobj\n'));
    }
    put(ascii('%PDF-1.4\n'));
    put(new Uint8Array([0x25, 0xE2, 0xE3, 0xCF, 0xD3, 0x0A]));
    obj(1, '<< /Type /Catalog /Pages 2 0 R >>');
    obj(2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>');
    obj(3, '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ' + num(PW) + ' ' + num(PH) + '] ' +
      '/Resources << /XObject << /Im0 5 0 R >> /ProcSet [/PDF /ImageC] >> /Contents 4 0 R >>');
    obj(4, '<< /Length ' + content.length + ' >>', ascii(content));
    obj(5, '<< /Type /XObject /Subtype /Image /Width ' + width + ' /Height ' + height +
      ' /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode /Length ' + jpeg.length + ' >>', jpeg);
    obj(6, '<< /Title ' + utf16hex(title || '') + ' /Producer (tinhso) /CreationDate (' + date + ') >>');
    var xref = length;
    var table = 'xref\n0 7\n0000000000 65535 f \n';
    for (var i = 1; i <= 6; i++) { table += ('0000000000' + offsets[i]).slice(-10) + ' 00000 n \n'; }
    put(ascii(table + 'trailer\n<< /Size 7 /Root 1 0 R /Info 6 0 R >>\nstartxref\n' + xref + '\n%%EOF'));
    var out = new Uint8Array(length);
    var at = 0;
    parts.forEach(function (b) { out.set(b, at); at += b.length; });
    return out;
  }
  // --- /pdf ---

  function exportPdf() {
    return compose().then(function (c) {
      var url = c.toDataURL('image/jpeg', 0.92);
      var jpeg = base64Bytes(url.slice(url.indexOf(',') + 1));
      return pdfFromJpeg(jpeg, c.width, c.height, loc(def.title, def.title_en) || slug);
    });
  }

  function download(blob, name) {
    var url = URL.createObjectURL(blob);
    var a = document.createElement('a');
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(url); a.remove(); }, 2000);
  }
  function runExport(btn, what) {
    btn.disabled = true;
    var job = what === 'png'
      ? exportPng().then(function (u) { download(new Blob([base64Bytes(u.slice(u.indexOf(',') + 1))], { type: 'image/png' }), slug + '.png'); })
      : exportPdf().then(function (b) { download(new Blob([b], { type: 'application/pdf' }), slug + '.pdf'); });
    job.catch(function (e) { if (window.console) { console.error('tinhso export', e); } })
      .then(function () { btn.disabled = false; });
  }

  // ----------------------------------------------------------------- misc --

  var resizeTimer = null;
  window.addEventListener('resize', function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () {
      panels.forEach(function (p) {
        if (p.chart && !p.chart.isDisposed()) { p.chart.resize(); }
        // bar layout (horizontal, zoom window) depends on the size
        if (p.state === 'ready' && (p.kind === 'bar' || p.kind === 'pie')) { safeRender(p); }
      });
    }, 150);
  });

  function pixelOf(panelId, code) {
    var p = byId[panelId];
    if (!p || !p.chart || p.chart.isDisposed() || p.state !== 'ready') { return null; }
    code = String(code);
    var px = null;
    try {
      if (p.kind === 'map') {
        var pt = regionPoint(p.level === 'province' ? 'provinces' : 'communes', code);
        if (!pt) { return null; }
        px = p.chart.convertToPixel({ seriesIndex: 0 }, pt);
      } else if (p.kind === 'bar' || p.kind === 'line' || p.kind === 'area') {
        var i = p.xRaw.indexOf(code);
        if (i < 0) { return null; }
        // bring a bar scrolled out of the zoom window into view first
        var dzs = p.chart.getOption().dataZoom;
        if (dzs && dzs.length && dzs[0].startValue != null && (i < dzs[0].startValue || i > dzs[0].endValue)) {
          var span = dzs[0].endValue - dzs[0].startValue;
          var st = Math.max(0, Math.min(p.xRaw.length - 1 - span, i - Math.floor(span / 2)));
          p.chart.dispatchAction({ type: 'dataZoom', dataZoomIndex: 0, startValue: st, endValue: st + span });
        }
        var yi = yIndexes(p, p.resp)[0];
        var v = toNum(p.resp.rows[i][yi]) || 0;
        var lay = null;
        try { lay = p.chart.getModel().getSeriesByIndex(0).getData().getItemLayout(i); } catch (e) { lay = null; }
        if (p.kind === 'bar' && lay && lay.width != null && !isNaN(lay.x)) {
          // the bar of the first series (with several series the category's middle is between bars)
          px = [lay.x + lay.width / 2, lay.y + lay.height / 2];
        } else {
          px = p.chart.convertToPixel({ seriesIndex: 0 }, p.horizontal ? [p.kind === 'bar' ? v / 2 : v, i] : [i, p.kind === 'bar' ? v / 2 : v]);
        }
      }
    } catch (e) { return null; }
    if (!px || isNaN(px[0]) || isNaN(px[1])) { return null; }
    return { x: px[0], y: px[1] };
  }

  window.tinhsoDashboard = {
    charts: charts,
    setFilter: setFilter,
    reload: reload,
    mapLevel: function (id) { var p = byId[id]; return p && p.kind === 'map' ? p.level : null; },
    drill: drill,
    pixelOf: pixelOf,
    chartElement: function (id) { var p = byId[id]; return p ? p.chartEl : null; },
    exportPng: exportPng,
    exportPdf: exportPdf,
    pdfFromJpeg: pdfFromJpeg,
    filters: function () { return { from: filters.from, to: filters.to, commune: filters.commune, agency: filters.agency }; }
  };

  // ---------------------------------------------------------------- start --

  root.setAttribute('data-ready', panels.length ? 'false' : 'true');
  syncForm();
  syncRoot();
  syncUrl();
  renderChips();
  panels.forEach(function (p) {
    p.section.setAttribute('data-state', 'loading');
    p.section.setAttribute('data-rows', '0');
    if (p.kind === 'map') { p.section.setAttribute('data-level', p.level); }
  });
  if (!window.echarts && window.console) { console.error('tinhso dashboard: echarts is missing'); }
  apply(true);
  // chips show names once the geometry is there
  loadGeo('communes').then(function () { renderChips(); syncForm(); }, function () {});
  if (wall) {
    setInterval(function () { reload(false); }, Math.max(10, refreshSeconds) * 1000);
  }
})();
