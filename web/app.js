/* lepower dashboard: plain JavaScript, no build step. Talks only to the hub that serves it
 * (/api/v1/...); charts with uPlot (web/vendor, copied from the npm package by `npm ci`).
 * Pages: #/ home, #/device/<id>, #/grid. See docs/dashboard.md. */
'use strict';
(function () {
  const API = 'api/v1/';
  const HOUR = 3600e3, DAY = 86400e3;
  const PALETTE = ['#0f766e', '#2563eb', '#d97706', '#db2777', '#7c3aed', '#16a34a', '#dc2626', '#0891b2',
    '#65a30d', '#9333ea', '#ea580c', '#4f46e5', '#0d9488', '#be123c', '#ca8a04', '#1d4ed8', '#059669', '#c026d3',
    '#475569', '#a16207'];
  const KINDS = ['fridge', 'freezer', 'washing machine', 'dishwasher', 'dryer', 'tv', 'lamp', 'kettle', 'laptop',
    'computer', 'vacuum cleaner', 'iron', 'espresso machine', 'oven', 'heater', 'router', 'charger', 'other'];

  const S = {
    devices: new Map(),          // id -> device (as /api/v1/devices, updated live)
    settings: { price_per_kwh: null, currency: 'EUR' },
    tz: (Intl.DateTimeFormat().resolvedOptions().timeZone || ''),
    view: null,
  };
  S.marks = {}; // ms since navigation start: cards (device cards with power), charts (energy
  // and 24 h charts drawn), ready (standby table too)
  window.lepower = S; // for the browser tests and the curious

  /* ---- helpers ---- */
  const $ = (sel, root) => (root || document).querySelector(sel);
  function h(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v == null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else if (k === 'text') e.textContent = v;
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const k of kids.flat()) if (k != null && k !== false) e.append(k instanceof Node ? k : String(k));
    return e;
  }
  const sec = ms => Math.floor(ms / 1000);
  const fin = v => typeof v === 'number' && isFinite(v);
  function fmtW(w, short) {
    if (!fin(w)) return '–';
    const a = Math.abs(w);
    if (a < 0.005) return '0 W';
    if (a >= 1000) return (w / 1000).toFixed(a >= 10000 ? 1 : 2) + ' kW';
    if (short) return Math.round(w) + ' W';
    return (a >= 100 ? w.toFixed(0) : a >= 10 ? w.toFixed(1) : w.toFixed(2)) + ' W';
  }
  function fmtWh(wh) {
    if (!fin(wh)) return '–';
    if (Math.abs(wh) >= 1e7) return (wh / 1e6).toFixed(1) + ' MWh';
    return wh >= 10000 ? (wh / 1000).toFixed(1) + ' kWh' : wh >= 1000 ? (wh / 1000).toFixed(2) + ' kWh' : wh.toFixed(0) + ' Wh';
  }
  function money(v) {
    const p = S.settings;
    if (!fin(v) || p.price_per_kwh == null) return '';
    try {
      return new Intl.NumberFormat(undefined, { style: 'currency', currency: p.currency || 'EUR', maximumFractionDigits: v < 10 ? 2 : 0 }).format(v);
    } catch (e) { return v.toFixed(2) + ' ' + (p.currency || ''); }
  }
  const cost = wh => (S.settings.price_per_kwh == null || !fin(wh) ? NaN : wh / 1000 * S.settings.price_per_kwh);
  function fmtNum(v, d, unit) { return fin(v) ? v.toFixed(d) + (unit ? ' ' + unit : '') : '–'; }
  function color(id) {
    const ids = [...S.devices.keys()].sort();
    const i = ids.indexOf(id);
    return PALETTE[(i < 0 ? 0 : i) % PALETTE.length];
  }
  const devName = d => (d && (d.name || d.id)) || '';
  function startOf(unit) {
    const d = new Date();
    d.setHours(0, 0, 0, 0);
    if (unit === 'week') d.setDate(d.getDate() - ((d.getDay() + 6) % 7));
    if (unit === 'month') d.setDate(1);
    return d.getTime();
  }
  function percentile(vals, p) {
    const v = vals.filter(fin).sort((a, b) => a - b);
    if (!v.length) return NaN;
    const k = (v.length - 1) * p, lo = Math.floor(k), hi = Math.ceil(k);
    return v[lo] + (v[hi] - v[lo]) * (k - lo);
  }

  let tzParam = S.tz ? '&tz=' + encodeURIComponent(S.tz) : '';
  async function api(path, opts) {
    const r = await fetch(API + path, opts);
    let body = null;
    try { body = await r.json(); } catch (e) { /* not JSON */ }
    if (!r.ok) throw new Error((body && body.error) || ('HTTP ' + r.status));
    return body;
  }
  /* calendar queries in the browser's zone; falls back to the hub's when it does not know it */
  async function apiTz(path) {
    try { return await api(path + tzParam); } catch (e) {
      if (tzParam && /tz/.test(e.message)) { tzParam = ''; return api(path); }
      throw e;
    }
  }
  const energy = (group, bucket, from, to) =>
    apiTz(`energy?group=${group}&bucket=${bucket}&from=${sec(from)}&to=${sec(to)}`);
  const series = (id, from, to, step) =>
    api(`devices/${encodeURIComponent(id)}/series?from=${sec(from)}&to=${sec(to)}${step ? '&step=' + step : ''}`);
  const tsec = arr => arr.map(t => Date.parse(t) / 1000);
  /* the hub leaves out steps without data: put a null there so that charts show the gap */
  function gaps(step, t, ...cols) {
    const ot = [], oc = cols.map(() => []);
    for (let i = 0; i < t.length; i++) {
      if (i && t[i] - t[i - 1] > 2.5 * step) { ot.push(t[i - 1] + step); oc.forEach(c => c.push(null)); }
      ot.push(t[i]); oc.forEach((c, k) => c.push(cols[k][i]));
    }
    return [ot, ...oc];
  }
  const sumVals = v => v.reduce((a, x) => (fin(x) ? (fin(a) ? a + x : x) : a), NaN);

  /* ---- charts ---- */
  const charts = new Set();
  const ro = new ResizeObserver(entries => {
    for (const en of entries) {
      const u = en.target._u;
      if (u && en.contentRect.width > 0) u.setSize({ width: Math.floor(en.contentRect.width), height: u.height });
    }
  });
  function chart(box, opts, data) {
    if (box._u) { box._u.destroy(); charts.delete(box._u); }
    box.textContent = '';
    const u = new uPlot(Object.assign({ width: Math.max(200, box.clientWidth || 300) }, opts), data, box);
    box._u = u;
    charts.add(u);
    ro.observe(box);
    return u;
  }
  function destroyCharts() {
    for (const u of charts) { try { u.destroy(); } catch (e) { /* gone */ } }
    charts.clear();
    ro.disconnect();
  }
  const axisW = (u, vals) => vals.map(v => fmtW(v, true));
  // y axis as wide as its longest label (uPlot passes the formatted labels)
  const ySize = (u, vals) => (vals && vals.length ? Math.max(44, 14 + 7 * Math.max(...vals.map(v => String(v).length))) : 50);
  const gridLine = { stroke: '#eef2f5', width: 1 };
  const axis = extra => Object.assign({ stroke: '#62707d', grid: gridLine, ticks: { stroke: '#e3e8ee', width: 1 }, font: '11px system-ui, sans-serif' }, extra);
  function alpha(hex, a) {
    const n = parseInt(hex.slice(1), 16);
    return `rgba(${n >> 16},${(n >> 8) & 255},${n & 255},${a})`;
  }
  function markChart(box, values) { /* the last value, for tests and screen readers */
    const v = values.filter(fin);
    box.dataset.points = String(v.length);
    box.dataset.last = v.length ? String(v[v.length - 1]) : '';
  }

  /* ---- live updates (Server-Sent Events) ---- */
  let es = null, batch = [], flushTimer = null;
  function flush() {
    const b = batch;
    batch = []; flushTimer = null;
    if (S.view && S.view.onTelemetry) S.view.onTelemetry(b);
  }
  function connectLive() {
    es = new EventSource(API + 'live');
    const ind = $('#live');
    es.onopen = () => ind.classList.add('on');
    es.onerror = () => ind.classList.remove('on');
    es.addEventListener('telemetry', ev => {
      let t;
      try { t = JSON.parse(ev.data); } catch (e) { return; }
      let d = S.devices.get(t.device);
      if (!d) { d = { id: t.device, name: '', room: '', kind: '', critical: false }; S.devices.set(t.device, d); }
      for (const k of ['power', 'voltage', 'current', 'frequency', 'power_factor', 'energy_import', 'energy_export'])
        if (t[k] !== undefined) d[k] = t[k];
      if (typeof t.relay === 'boolean') d.relay = t.relay ? 'on' : 'off';
      d.last_report = t.ts;
      d.online = true;
      batch.push(t);
      if (!flushTimer) flushTimer = setTimeout(flush, 250); // a backfill can bring thousands a second
    });
    es.addEventListener('status', ev => {
      let t;
      try { t = JSON.parse(ev.data); } catch (e) { return; }
      const d = S.devices.get(t.device);
      if (d && (t.state === 'online' || t.state === 'offline')) d.online = t.state === 'online';
      if (S.view && S.view.onStatus) S.view.onStatus(t, d);
    });
  }

  async function loadDevices() {
    const r = await api('devices');
    const seen = new Set();
    for (const d of r.devices) { S.devices.set(d.id, Object.assign(S.devices.get(d.id) || {}, d)); seen.add(d.id); }
    for (const id of [...S.devices.keys()]) if (!seen.has(id)) S.devices.delete(id);
  }
  async function loadSettings() {
    try { S.settings = await api('settings'); } catch (e) { /* keep defaults */ }
  }

  function tabs(names, current, onpick) {
    const box = h('div', { class: 'tabs', role: 'tablist' });
    for (const [key, label] of names) {
      box.append(h('button', {
        type: 'button', class: key === current ? 'on' : '', 'data-key': key, role: 'tab',
        onclick: ev => { for (const b of box.children) b.classList.toggle('on', b === ev.currentTarget); onpick(key); },
      }, label));
    }
    return box;
  }

  /* ================= home ================= */
  function homeView() {
    const v = { el: h('div', { class: 'home' }) };
    const totalNow = h('div', { class: 'value', id: 'total-now' }, '–');
    const totalSub = h('div', { class: 'sub' });
    const todayVal = h('div', { class: 'value', id: 'today-energy' }, '–');
    const todaySub = h('div', { class: 'sub', id: 'today-cost' });
    const monthVal = h('div', { class: 'value' }, '–');
    const monthSub = h('div', { class: 'sub' });
    const standbyVal = h('div', { class: 'value', id: 'standby-total' }, '–');
    const standbySub = h('div', { class: 'sub' }, 'always-on power of all devices');
    const priceIn = h('input', { type: 'number', min: '0', step: '0.01', id: 'price', 'aria-label': 'price per kWh' });
    const curIn = h('input', { class: 'cur', maxlength: '8', id: 'currency', 'aria-label': 'currency' });
    const priceMsg = h('span', { class: 'saved' });
    const priceForm = h('form', {
      class: 'price', onsubmit: async ev => {
        ev.preventDefault();
        const p = priceIn.value === '' ? null : Number(priceIn.value);
        try {
          S.settings = await api('settings', { method: 'PUT', body: JSON.stringify({ price_per_kwh: p, currency: curIn.value || 'EUR' }) });
          priceMsg.className = 'saved'; priceMsg.textContent = 'saved';
          renderEnergy(); renderStandby();
        } catch (e) { priceMsg.className = 'error'; priceMsg.textContent = e.message; }
      },
    }, 'Price', priceIn, curIn, '/ kWh', h('button', { class: 'small', type: 'submit' }, 'Save'), priceMsg);

    const stackBox = h('div', { class: 'chart', id: 'chart-24h' }, h('p', { class: 'muted' }, 'Loading 24 h of power…'));
    const roomBars = h('div', { class: 'bars', id: 'rooms' }, h('p', { class: 'muted' }, 'Loading…'));
    const devBars = h('div', { class: 'bars', id: 'by-device' });
    let roomPeriod = 'day';
    const standbyBody = h('tbody');
    const devGrid = h('div', { class: 'grid devices', id: 'devices' });

    v.el.append(
      h('div', { class: 'grid kpis' },
        h('div', { class: 'card kpi' }, h('div', { class: 'label' }, 'Power now'), totalNow, totalSub),
        h('div', { class: 'card kpi' }, h('div', { class: 'label' }, 'Today'), todayVal, todaySub, priceForm),
        h('div', { class: 'card kpi' }, h('div', { class: 'label' }, 'This month'), monthVal, monthSub),
        h('div', { class: 'card kpi' }, h('div', { class: 'label' }, 'Standby'), standbyVal, standbySub)),
      h('div', { class: 'grid two' },
        h('section', { class: 'card' }, h('h2', {}, 'Power per device — last 24 h'), stackBox),
        h('section', { class: 'card' }, h('div', { class: 'head' }, h('h2', {}, 'Energy per room'),
          tabs([['day', 'Today'], ['week', 'This week'], ['month', 'This month']], roomPeriod, k => { roomPeriod = k; renderRooms(); })), roomBars,
          h('h2', { class: 'sub2' }, 'Per device'), devBars)),
      h('section', { class: 'card section' }, h('h2', {}, 'Always-on power (1st percentile over 24 h)'),
        h('table', { class: 'standby' }, h('thead', {}, h('tr', {}, h('th', {}, 'Device'), h('th', {}, 'Standby'),
          h('th', { class: 'hide-s' }, 'Per year'), h('th', {}, 'Cost / year'))), standbyBody),
        h('p', { class: 'hint' }, 'What each plug draws even when its appliance seems off; the cost assumes it stays so all year.')),
      h('h2', {}, 'Devices'), devGrid);

    const E = { day: null, week: null, month: null }; // energy per device for each period
    const day24 = new Map();  // id -> {t, mean}
    const standby = new Map(); // id -> W

    function renderTotal() {
      // an offline plug's last power is history, not "now": it is left out of the sum
      let sum = 0, n = 0, on = 0, off = 0;
      for (const d of S.devices.values()) {
        if (d.online === false) { off++; continue; }
        if (fin(d.power)) { sum += Math.max(0, d.power); n++; }
        if (d.relay === 'on') on++;
      }
      totalNow.textContent = n ? fmtW(sum) : '–';
      totalSub.textContent = `${S.devices.size} devices, ${on} switched on` + (off ? `, ${off} offline` : '');
    }
    function cardFor(d) {
      const spark = h('div', { class: 'chart spark', 'data-device': d.id });
      const card = h('a', { class: 'card dev', href: '#/device/' + encodeURIComponent(d.id), 'data-device': d.id },
        h('div', { class: 'row' }, h('div', { class: 'nm' }, h('i', { class: 'dot', style: 'background:' + color(d.id) }), h('span', { class: 'devname' }, devName(d))),
          h('span', { class: 'badges' })),
        h('div', { class: 'row' }, h('span', { class: 'pw' }), h('span', { class: 'meta today' })),
        spark,
        h('div', { class: 'row meta' }, h('span', { class: 'where' }), h('span', { class: 'sb' })));
      return card;
    }
    function updateCard(d) {
      let c = devGrid.querySelector(`[data-device="${CSS.escape(d.id)}"].dev`);
      if (!c) { c = cardFor(d); devGrid.append(c); }
      $('.devname', c).textContent = devName(d);
      $('.pw', c).textContent = d.relay === 'off' ? '0 W' : fmtW(d.power);
      const b = $('.badges', c);
      b.textContent = '';
      if (d.online === false) b.append(h('span', { class: 'badge offline' }, 'offline'));
      else if (d.relay === 'off') b.append(h('span', { class: 'badge off' }, 'switched off'));
      if (d.critical) b.append(h('span', { class: 'badge' }, 'critical'));
      $('.where', c).textContent = [d.room, d.kind].filter(Boolean).join(' · ') || d.id;
      const today = E.day && E.day.get(d.id);
      $('.today', c).textContent = fin(today) ? `today ${fmtWh(today)}` + (money(cost(today)) ? ' · ' + money(cost(today)) : '') : '';
      const sb = standby.get(d.id);
      $('.sb', c).textContent = fin(sb) ? `standby ${fmtW(sb)}` : '';
    }
    function renderCards() {
      const ids = [...S.devices.keys()].sort((a, b) => devName(S.devices.get(a)).localeCompare(devName(S.devices.get(b))));
      for (const id of ids) updateCard(S.devices.get(id));
      if (!ids.length) devGrid.replaceChildren(h('p', { class: 'muted' }, 'No device has reported yet.'));
    }
    function renderEnergy() {
      const tot = m => (m ? [...m.values()].reduce((a, x) => a + (fin(x) ? x : 0), 0) : NaN);
      const td = tot(E.day), mo = tot(E.month);
      todayVal.textContent = fmtWh(td);
      todaySub.textContent = money(cost(td)) ? money(cost(td)) + ' so far' : 'set a price to see costs';
      monthVal.textContent = fmtWh(mo);
      monthSub.textContent = money(cost(mo)) || '';
      priceIn.value = S.settings.price_per_kwh == null ? '' : S.settings.price_per_kwh;
      curIn.value = S.settings.currency || 'EUR';
      renderRooms();
      renderCards();
    }
    function renderRooms() {
      const m = E[roomPeriod];
      if (!m) return;
      const rooms = new Map();
      for (const [id, wh] of m) {
        const d = S.devices.get(id);
        const r = (d && d.room) || '(no room)';
        rooms.set(r, (rooms.get(r) || 0) + (fin(wh) ? wh : 0));
      }
      const bars = (list, attr, colorOf) => {
        const max = Math.max(1e-9, ...list.map(x => x[2]));
        return list.map(([key, label, wh]) => h('div', { class: 'bar', [attr]: key },
          h('span', { class: 'name', title: label }, label),
          h('span', { class: 'track' }, h('span', { class: 'fill', style: `width:${(100 * wh / max).toFixed(1)}%;display:block${colorOf ? ';background:' + colorOf(key) : ''}` })),
          h('span', { class: 'v' }, fmtWh(wh) + (money(cost(wh)) ? ' · ' + money(cost(wh)) : ''))));
      };
      const rl = [...rooms].sort((a, b) => b[1] - a[1]).map(([r, wh]) => [r, r, wh]);
      roomBars.replaceChildren(...bars(rl, 'data-room'));
      if (!rl.length) roomBars.replaceChildren(h('p', { class: 'muted' }, 'No energy yet.'));
      const dl = [...m].filter(([id]) => S.devices.has(id)).map(([id, wh]) => [id, devName(S.devices.get(id)), fin(wh) ? wh : 0])
        .sort((a, b) => b[2] - a[2]);
      devBars.replaceChildren(...bars(dl, 'data-device', color));
    }
    function renderStandby() {
      const rows = [...standby].filter(([id]) => S.devices.has(id)).sort((a, b) => b[1] - a[1]);
      let sum = 0;
      standbyBody.replaceChildren(...rows.map(([id, w]) => {
        sum += fin(w) ? w : 0;
        const kwhY = w * 8.766; // W over a year, kWh
        return h('tr', { 'data-device': id }, h('td', {}, h('a', { href: '#/device/' + encodeURIComponent(id) }, devName(S.devices.get(id)))),
          h('td', { class: 'num' }, fmtW(w)), h('td', { class: 'num hide-s' }, fmtNum(kwhY, 1, 'kWh')),
          h('td', { class: 'num' }, money(kwhY * S.settings.price_per_kwh) || '–'));
      }));
      if (rows.length) {
        standbyVal.textContent = fmtW(sum);
        const c = money(sum * 8.766 * S.settings.price_per_kwh);
        standbySub.textContent = c ? `≈ ${c} a year` : 'always-on power of all devices';
      }
      renderCards();
    }
    function renderStack() {
      const to = Date.now(), from = to - DAY, step = 300;
      const n = Math.ceil((to - from) / 1000 / step);
      const x0 = Math.floor(sec(from) / step) * step;
      const xs = Array.from({ length: n + 1 }, (_, i) => x0 + i * step);
      const ids = [...day24.keys()].filter(id => S.devices.has(id));
      const layers = ids.map(id => {
        const s = day24.get(id), arr = new Array(xs.length).fill(null);
        s.t.forEach((t, i) => { const k = Math.round((t - x0) / step); if (k >= 0 && k < xs.length && fin(s.mean[i])) arr[k] = Math.max(0, s.mean[i]); });
        return arr;
      });
      // biggest consumers at the bottom
      const energyOf = a => a.reduce((s, x) => s + (x || 0), 0);
      const order = ids.map((id, i) => i).sort((a, b) => energyOf(layers[b]) - energyOf(layers[a]));
      const cum = [], acc = new Array(xs.length).fill(0), seen = new Array(xs.length).fill(false);
      for (const i of order) {
        cum.push(layers[i].map((x, k) => { if (x != null) { acc[k] += x; seen[k] = true; } return seen[k] ? acc[k] : null; }));
      }
      const data = [xs], ser = [{}];
      for (let j = order.length - 1; j >= 0; j--) {
        const id = ids[order[j]], c = color(id), raw = layers[order[j]];
        data.push(cum[j]);
        ser.push({ label: devName(S.devices.get(id)), stroke: c, fill: alpha(c, 0.9), width: 1,
          value: (u, val, si, idx) => (idx == null ? '–' : fmtW(raw[idx])) });
      }
      if (!ids.length) { stackBox.replaceChildren(h('p', { class: 'muted' }, 'No data yet.')); return; }
      const u = chart(stackBox, {
        height: 330, series: ser, scales: { x: { time: true } },
        axes: [axis({}), axis({ values: axisW, size: ySize })],
        cursor: { points: { show: false } }, legend: { live: true },
      }, data);
      markChart(stackBox, data[1] || []);
      return u;
    }
    function drawSparks() {
      for (const [id, s] of day24) {
        const box = devGrid.querySelector(`.spark[data-device="${CSS.escape(id)}"]`);
        if (!box) continue;
        const c = color(id);
        const mx = Math.max(1, ...s.mean.filter(fin));
        chart(box, {
          height: 50, legend: { show: false }, cursor: { show: false }, select: { show: false },
          axes: [{ show: false }, { show: false }], padding: [2, 0, 0, 0],
          scales: { x: { time: true }, y: { range: [0, mx * 1.05] } },
          series: [{}, { stroke: c, fill: alpha(c, 0.15), width: 1.2, points: { show: false } }],
        }, [s.t, s.mean.map(x => (fin(x) ? Math.max(0, x) : null))]);
        markChart(box, s.mean);
      }
    }

    async function loadEnergy() {
      const now = Date.now();
      const per = async unit => {
        const r = await energy('device', unit === 'day' ? 'day' : unit, startOf(unit), now);
        return new Map(r.series.map(s => [s.key, sumVals(s.values)]));
      };
      [E.day, E.week, E.month] = await Promise.all([per('day'), per('week'), per('month')]);
      renderEnergy();
    }
    async function load24h() {
      const to = Date.now(), from = to - DAY;
      await Promise.all([...S.devices.keys()].map(async id => {
        try {
          const r = await series(id, from, to, 300);
          const [t, mean] = gaps(r.step, tsec(r.t), r.power.mean);
          day24.set(id, { t, mean });
        } catch (e) { /* device gone */ }
      }));
      renderStack();
      drawSparks();
    }
    async function loadStandby() {
      const to = Date.now(), from = to - DAY, ids = [...S.devices.keys()];
      const work = ids.slice();
      const worker = async () => {
        while (work.length) {
          const id = work.shift();
          try {
            const r = await series(id, from, to, 60);
            standby.set(id, Math.max(0, percentile(r.power.mean, 0.01)));
          } catch (e) { /* skip */ }
        }
      };
      await Promise.all([worker(), worker(), worker()]);
      renderStandby();
    }

    renderTotal();
    renderCards();
    v.load = async () => {
      if (!S.marks.cards && S.devices.size) S.marks.cards = performance.now();
      await loadSettings();
      await Promise.all([loadEnergy(), load24h()]);
      S.marks.charts = S.marks.charts || performance.now();
      await loadStandby();
      S.marks.ready = S.marks.ready || performance.now();
      v.el.dataset.ready = '1';
    };
    let tick = 0;
    v.onTelemetry = events => {
      renderTotal();
      for (const id of new Set(events.map(t => t.device))) if (S.devices.has(id)) updateCard(S.devices.get(id));
    };
    v.timer = setInterval(async () => { // energy and charts follow the clock
      tick++;
      try { await loadEnergy(); if (tick % 5 === 0) await load24h(); } catch (e) { /* next time */ }
    }, 60e3);
    return v;
  }

  /* ================= device ================= */
  const RANGES = [['1h', 'Hour', HOUR], ['6h', '6 h', 6 * HOUR], ['24h', 'Day', DAY], ['7d', 'Week', 7 * DAY], ['30d', 'Month', 30 * DAY], ['1y', 'Year', 365 * DAY]];
  function deviceView(id) {
    const v = { el: h('div', { class: 'device' }) };
    let d = S.devices.get(id);
    if (!d) { v.el.append(h('p', { class: 'error' }, `No device “${id}”.`), h('a', { href: '#/' }, 'Back')); return v; }
    const c = color(id);
    const title = h('h1', { id: 'dev-title' }, devName(d));
    const meta = h('div', { class: 'muted' });
    const relayBtn = h('button', { type: 'button', id: 'relay', 'aria-pressed': 'false' });
    const ackMsg = h('span', { class: 'ackmsg', id: 'ack', role: 'status' });
    const T = {};
    const tile = (k, label) => (T[k] = h('div', { class: 'value', id: 'live-' + k }, '–'), h('div', { class: 'card tile' }, h('div', { class: 'label' }, label), T[k]));
    const powerBox = h('div', { class: 'chart', id: 'chart-power' });
    const rangeInfo = h('span', { class: 'muted', id: 'range-info' });
    const dailyBox = h('div', { class: 'chart', id: 'chart-daily' });
    const profBox = h('div', { class: 'chart', id: 'chart-profile' });
    let range = { key: '24h', from: Date.now() - DAY, to: Date.now(), live: true };

    const fName = h('input', { name: 'name', maxlength: '64', id: 'f-name' });
    const fRoom = h('input', { name: 'room', maxlength: '64', id: 'f-room', list: 'rooms-list' });
    const fKind = h('input', { name: 'kind', maxlength: '64', id: 'f-kind', list: 'kinds-list' });
    const fCrit = h('input', { type: 'checkbox', name: 'critical', id: 'f-critical' });
    const saveMsg = h('span', { class: 'saved', id: 'save-msg' });
    const roomsList = h('datalist', { id: 'rooms-list' });
    const kindsList = h('datalist', { id: 'kinds-list' }, KINDS.map(k => h('option', { value: k })));

    v.el.append(
      h('div', { class: 'devhead' },
        h('div', {}, h('a', { href: '#/', class: 'muted' }, '← Home'), title, meta),
        h('div', { class: 'switch' }, relayBtn, ackMsg)),
      h('div', { class: 'grid tiles' }, tile('power', 'Power'), tile('voltage', 'Voltage'), tile('current', 'Current'),
        tile('power_factor', 'Power factor'), tile('frequency', 'Frequency'), tile('energy', 'Energy meter')),
      h('section', { class: 'card section' },
        h('div', { class: 'head' }, h('h2', {}, 'Power'), tabs(RANGES.map(r => [r[0], r[1]]), range.key, k => {
          const r = RANGES.find(x => x[0] === k);
          range = { key: k, from: Date.now() - r[2], to: Date.now(), live: true };
          loadPower();
        })),
        powerBox, h('p', { class: 'hint' }, 'Drag across the chart to zoom in (down to seconds); double-click to go back. ', rangeInfo, ' ',
          h('a', { id: 'csv', href: '#', onclick: ev => { ev.currentTarget.href = `${API}devices/${encodeURIComponent(id)}/series?from=${sec(range.from)}&to=${sec(range.to)}&format=csv`; } }, 'CSV'))),
      h('div', { class: 'grid two' },
        h('section', { class: 'card' }, h('h2', {}, 'Energy per day — last 30 days'), dailyBox),
        h('section', { class: 'card' }, h('h2', {}, 'Hour of day — average of the last 14 days'), profBox)),
      h('section', { class: 'card section' }, h('h2', {}, 'Settings'),
        h('form', {
          class: 'edit', id: 'edit', onsubmit: async ev => {
            ev.preventDefault();
            saveMsg.className = 'saved'; saveMsg.textContent = 'saving…';
            try {
              const nd = await api('devices/' + encodeURIComponent(id), {
                method: 'PATCH',
                body: JSON.stringify({ name: fName.value.trim(), room: fRoom.value.trim(), kind: fKind.value.trim(), critical: fCrit.checked }),
              });
              d = Object.assign(S.devices.get(id) || {}, nd);
              S.devices.set(id, d);
              saveMsg.textContent = 'saved';
              renderHead();
            } catch (e) { saveMsg.className = 'error'; saveMsg.textContent = e.message; }
          },
        },
        h('label', {}, 'Name', fName), h('label', {}, 'Room', fRoom), h('label', {}, 'Kind', fKind),
        h('label', { class: 'check' }, fCrit, 'Critical (never shed)'),
        h('div', {}, h('button', { class: 'primary', type: 'submit' }, 'Save'), ' ', saveMsg), roomsList, kindsList)));

    function renderHead() {
      title.textContent = devName(d);
      document.title = devName(d) + ' — lepower';
      meta.textContent = [d.room, d.kind, d.id, d.online === false ? 'offline' : 'online', d.critical ? 'critical' : ''].filter(Boolean).join(' · ');
      const on = d.relay === 'on';
      relayBtn.className = on ? 'on' : 'off';
      relayBtn.textContent = d.relay == null ? 'Relay ?' : on ? 'On' : 'Off';
      relayBtn.setAttribute('aria-pressed', String(on));
      relayBtn.dataset.state = d.relay || '';
      relayBtn.title = on ? 'Switch off' : 'Switch on';
    }
    function renderTiles() {
      T.power.textContent = fmtW(d.power);
      T.voltage.textContent = fmtNum(d.voltage, 1, 'V');
      T.current.textContent = fmtNum(d.current, 3, 'A');
      T.power_factor.textContent = fmtNum(fin(d.power_factor) && Math.abs(d.power_factor) < 0.005 ? 0 : d.power_factor, 2);
      T.frequency.textContent = fmtNum(d.frequency, 3, 'Hz');
      T.energy.textContent = fmtWh(d.energy_import);
    }
    function fillForm() {
      fName.value = d.name || ''; fRoom.value = d.room || ''; fKind.value = d.kind || ''; fCrit.checked = !!d.critical;
      const rooms = new Set([...S.devices.values()].map(x => x.room).filter(Boolean).concat(['kitchen', 'living room', 'bathroom', 'office', 'bedroom']));
      roomsList.replaceChildren(...[...rooms].map(r => h('option', { value: r })));
    }
    relayBtn.addEventListener('click', async () => {
      const want = d.relay === 'on' ? 'off' : 'on';
      relayBtn.disabled = true;
      ackMsg.className = 'ackmsg'; ackMsg.textContent = `switching ${want}…`;
      const t0 = performance.now();
      try {
        const r = await api(`devices/${encodeURIComponent(id)}/commands`, { method: 'POST', body: JSON.stringify({ relay: want }) });
        const ms = Math.round(performance.now() - t0);
        if (r.ack && r.ack.ok) {
          d.relay = want; // the power follows with the plug's next report (at once on a step)
          ackMsg.className = 'ackmsg ok'; ackMsg.textContent = `${want}: acknowledged by the plug in ${ms} ms`;
        } else {
          const a = r.ack || {};
          ackMsg.className = 'ackmsg err';
          ackMsg.textContent = `refused by the plug: ${a.error || 'error'}${a.message ? ' — ' + a.message : ''}${a.retry_after ? ` (retry in ${a.retry_after} s)` : ''}`;
        }
      } catch (e) { ackMsg.className = 'ackmsg err'; ackMsg.textContent = 'failed: ' + e.message; }
      relayBtn.disabled = false;
      renderHead(); renderTiles();
    });

    let pw = null; // {t, mean, min, max}
    function drawPower() {
      const data = [pw.t, pw.max, pw.min, pw.mean];
      const u = chart(powerBox, {
        height: 280, scales: { x: { time: true } },
        series: [{}, { label: 'max', stroke: alpha(c, 0.25), width: 0, points: { show: false } },
          { label: 'min', stroke: alpha(c, 0.25), width: 0, points: { show: false } },
          { label: 'power', stroke: c, width: 1.5, points: { show: false } }],
        bands: [{ series: [1, 2], fill: alpha(c, 0.15) }],
        axes: [axis({}), axis({ values: axisW, size: ySize })],
        cursor: { drag: { x: true, y: false, setScale: false } },
        hooks: {
          setSelect: [uu => {
            if (uu.select.width < 4) return;
            const a = uu.posToVal(uu.select.left, 'x') * 1000, b = uu.posToVal(uu.select.left + uu.select.width, 'x') * 1000;
            uu.setSelect({ width: 0, height: 0 }, false);
            if (b - a < 30e3) return;
            range = { key: 'zoom', from: a, to: b, live: false, prev: range };
            loadPower();
          }],
        },
      }, data);
      u.over.addEventListener('dblclick', () => {
        if (range.key !== 'zoom') return;
        let r = range;
        while (r.key === 'zoom' && r.prev) r = r.prev;
        const p = RANGES.find(x => x[0] === r.key) || RANGES[2];
        range = { key: p[0], from: Date.now() - p[2], to: Date.now(), live: true };
        loadPower();
      });
      markChart(powerBox, pw.mean);
    }
    function addLive(points) {
      if (!pw || !range.live) return;
      for (const [tsMs, p] of points) {
        const t = tsMs / 1000;
        if (pw.t.length && t <= pw.t[pw.t.length - 1]) continue;
        pw.t.push(t); pw.mean.push(p); pw.min.push(p); pw.max.push(p);
      }
      const cut = (Date.now() - (range.to - range.from)) / 1000;
      while (pw.t.length > 2 && pw.t[0] < cut) { pw.t.shift(); pw.mean.shift(); pw.min.shift(); pw.max.shift(); }
      if (powerBox._u) powerBox._u.setData([pw.t, pw.max, pw.min, pw.mean]);
      markChart(powerBox, pw.mean);
    }
    async function loadPower() {
      if (range.live) { const span = range.to - range.from; range.to = Date.now(); range.from = range.to - span; }
      try {
        const r = await series(id, range.from, range.to);
        const [t, mean, min, max] = gaps(r.step, tsec(r.t), r.power.mean, r.power.min, r.power.max);
        pw = { t, mean, min, max };
        rangeInfo.textContent = `${new Date(range.from).toLocaleString()} – ${new Date(range.to).toLocaleString()}, one point per ${r.step >= 3600 ? r.step / 3600 + ' h' : r.step >= 60 ? r.step / 60 + ' min' : r.step + ' s'}`;
        drawPower();
      } catch (e) { powerBox.replaceChildren(h('p', { class: 'error' }, e.message)); }
    }
    async function loadDaily() {
      const to = Date.now(), from = startOf('day') - 29 * DAY;
      try {
        const r = await energy('device', 'day', from, to);
        const s = r.series.find(x => x.key === id);
        const xs = r.buckets.map(b => Date.parse(b) / 1000 + 43200), ys = s ? s.values.map(x => (fin(x) ? x / 1000 : null)) : xs.map(() => null);
        chart(dailyBox, {
          height: 220, scales: { x: { time: true }, y: { range: (u, mn, mx) => [0, fin(mx) && mx > 0 ? mx * 1.1 : 1] } },
          series: [{}, { label: 'kWh', fill: alpha(c, 0.7), stroke: c, width: 0, paths: uPlot.paths.bars({ size: [0.7, 40] }), points: { show: false },
            value: (u, val) => (fin(val) ? val.toFixed(2) + ' kWh' + (money(cost(val * 1000)) ? ' · ' + money(cost(val * 1000)) : '') : '–') }],
          axes: [axis({}), axis({ size: ySize, values: (u, vals) => vals.map(x => fmtWh(x * 1000)) })],
        }, [xs, ys]);
        markChart(dailyBox, ys);
      } catch (e) { dailyBox.replaceChildren(h('p', { class: 'error' }, e.message)); }
    }
    async function loadProfile() {
      const to = Date.now(), from = to - 14 * DAY;
      try {
        const r = await apiTz(`profile?group=device&from=${sec(from)}&to=${sec(to)}`);
        const s = r.series.find(x => x.key === id);
        const xs = r.hours, ys = s ? s.values.map(x => (fin(x) ? x : null)) : xs.map(() => null);
        chart(profBox, {
          height: 220, scales: { x: { time: false, range: [-0.6, 23.6] }, y: { range: (u, mn, mx) => [0, fin(mx) && mx > 0 ? mx * 1.1 : 1] } },
          series: [{ label: 'hour', value: (u, val) => (val == null ? '–' : `${String(val).padStart(2, '0')}:00`) },
            { label: 'Wh', fill: alpha(c, 0.7), stroke: c, width: 0, paths: uPlot.paths.bars({ size: [0.75, 40] }), points: { show: false },
              value: (u, val) => (fin(val) ? val.toFixed(1) + ' Wh (avg ' + fmtW(val) + ')' : '–') }],
          axes: [axis({ values: (u, vals) => vals.map(x => String(x).padStart(2, '0') + 'h'), incrs: [1, 2, 3, 6] }),
            axis({ size: ySize, values: axisW })],
        }, [xs, ys]);
        markChart(profBox, ys);
      } catch (e) { profBox.replaceChildren(h('p', { class: 'error' }, e.message)); }
    }

    renderHead(); renderTiles(); fillForm();
    v.load = async () => {
      try { d = Object.assign(d, await api('devices/' + encodeURIComponent(id))); } catch (e) { /* keep */ }
      renderHead(); renderTiles(); fillForm();
      await Promise.all([loadPower(), loadDaily(), loadProfile()]);
      v.el.dataset.ready = '1';
    };
    v.onTelemetry = events => {
      const mine = events.filter(t => t.device === id);
      if (!mine.length) return;
      d = S.devices.get(id) || d;
      renderTiles(); renderHead();
      addLive(mine.map(t => [Date.parse(t.ts), t.power]));
    };
    v.onStatus = (t) => { if (t.device === id) renderHead(); };
    return v;
  }

  /* ================= grid ================= */
  function gridView() {
    const v = { el: h('div', { class: 'gridpage' }) };
    const box = h('div', { class: 'chart', id: 'chart-grid' });
    const stats = h('div', { class: 'stats', id: 'grid-stats' });
    const src = h('p', { class: 'hint' });
    let span = DAY, full = true, last = null;
    const fitBtn = h('button', { class: 'small', type: 'button', onclick: () => { full = !full; draw(); } });
    v.el.append(h('h1', {}, 'Grid frequency'),
      h('p', { class: 'muted' }, 'Median, lowest and highest frequency measured by the plugs. Normal operation stays within 49.8–50.2 Hz; below 49.0 Hz grid operators start shedding load.'),
      h('section', { class: 'card section' },
        h('div', { class: 'head' }, tabs([['3600000', 'Hour'], ['21600000', '6 h'], ['86400000', 'Day'], ['604800000', 'Week']], String(span), k => { span = Number(k); load(); }), fitBtn),
        box, stats, src));

    function draw() {
      fitBtn.textContent = full ? 'Fit to data' : 'Show 49.0 Hz line';
      if (!last) return;
      const { t, med, mn, mx } = last;
      const lo = Math.min(...mn.filter(fin)), hi = Math.max(...mx.filter(fin));
      const yr = full ? [Math.min(48.9, lo - 0.05), Math.max(50.3, hi + 0.05)] : [lo - 0.02, hi + 0.02];
      const line = (u, f, colr, dash, label) => {
        const y = u.valToPos(f, 'y', true);
        if (y < u.bbox.top || y > u.bbox.top + u.bbox.height) return;
        const ctx = u.ctx;
        ctx.save();
        ctx.strokeStyle = colr; ctx.lineWidth = 1.5 * devicePixelRatio; ctx.setLineDash(dash.map(x => x * devicePixelRatio));
        ctx.beginPath(); ctx.moveTo(u.bbox.left, y); ctx.lineTo(u.bbox.left + u.bbox.width, y); ctx.stroke();
        if (label) {
          ctx.setLineDash([]); ctx.fillStyle = colr; ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
          ctx.textAlign = 'right'; ctx.textBaseline = 'bottom';
          ctx.fillText(label, u.bbox.left + u.bbox.width - 6 * devicePixelRatio, y - 3 * devicePixelRatio);
        }
        ctx.restore();
      };
      chart(box, {
        height: 320, scales: { x: { time: true }, y: { range: yr } },
        series: [{}, { label: 'max', stroke: 'rgba(37,99,235,.3)', width: 0, points: { show: false }, value: (u, x) => fmtNum(x, 3, 'Hz') },
          { label: 'min', stroke: 'rgba(37,99,235,.3)', width: 0, points: { show: false }, value: (u, x) => fmtNum(x, 3, 'Hz') },
          { label: 'median', stroke: '#1d4ed8', width: 1.5, points: { show: false }, value: (u, x) => fmtNum(x, 3, 'Hz') }],
        bands: [{ series: [1, 2], fill: 'rgba(37,99,235,.15)' }],
        axes: [axis({}), axis({ size: ySize, values: (u, vals) => vals.map(x => x.toFixed(2)) })],
        hooks: {
          drawAxes: [u => { // the normal band, behind the curves
            const y1 = u.valToPos(50.2, 'y', true), y0 = u.valToPos(49.8, 'y', true);
            const top = Math.max(u.bbox.top, Math.min(y1, y0)), bot = Math.min(u.bbox.top + u.bbox.height, Math.max(y1, y0));
            if (bot > top) { u.ctx.save(); u.ctx.fillStyle = 'rgba(22,163,74,.08)'; u.ctx.fillRect(u.bbox.left, top, u.bbox.width, bot - top); u.ctx.restore(); }
          }],
          draw: [u => {
            line(u, 50.2, 'rgba(22,163,74,.8)', [4, 4], '50.2 Hz');
            line(u, 49.8, 'rgba(22,163,74,.8)', [4, 4], '49.8 Hz');
            line(u, 49.0, '#dc2626', [8, 4], '49.0 Hz — load shedding');
          }],
        },
      }, [t, mx, mn, med]);
      markChart(box, med);
      const outside = med.filter(x => fin(x) && (x < 49.8 || x > 50.2)).length, nn = med.filter(fin).length;
      stats.replaceChildren(
        h('span', {}, 'now ', h('b', { id: 'grid-now' }, fmtNum(med.filter(fin).slice(-1)[0], 3, 'Hz'))),
        h('span', {}, 'lowest ', h('b', {}, fmtNum(lo, 3, 'Hz'))),
        h('span', {}, 'highest ', h('b', {}, fmtNum(hi, 3, 'Hz'))),
        h('span', {}, 'outside 49.8–50.2 Hz ', h('b', {}, nn ? (100 * outside / nn).toFixed(1) + ' %' : '–')));
    }
    async function fromDevices(from, to) { // when the plugs send no grid stream: their reports' frequency
      const per = await Promise.all([...S.devices.keys()].map(id => series(id, from, to).catch(() => null)));
      const acc = new Map();
      for (const r of per) {
        if (!r) continue;
        r.t.forEach((ts, i) => {
          const k = Date.parse(ts) / 1000, f = r.frequency;
          if (!fin(f.mean[i])) return;
          const a = acc.get(k) || { means: [], mn: Infinity, mx: -Infinity };
          a.means.push(f.mean[i]); a.mn = Math.min(a.mn, f.min[i]); a.mx = Math.max(a.mx, f.max[i]);
          acc.set(k, a);
        });
      }
      const ks = [...acc.keys()].sort((a, b) => a - b);
      const step = per.reduce((a, r) => a || (r && r.step), 0) || 60;
      const [t, med, mn, mx, plugs] = gaps(step, ks, ks.map(k => percentile(acc.get(k).means, 0.5)), ks.map(k => acc.get(k).mn),
        ks.map(k => acc.get(k).mx), ks.map(k => acc.get(k).means.length));
      return { t, med, mn, mx, plugs };
    }
    async function load() {
      const to = Date.now(), from = to - span;
      const nice = [2, 5, 10, 30, 60, 300, 600, 900, 1800, 3600];
      const step = nice.find(s => span / 1000 / s <= 720) || 3600;
      try {
        const r = await api(`grid?from=${sec(from)}&to=${sec(to)}&step=${step}`);
        // the hub's answer (grid stream, else reports, per step) when it covers the period; else the device series
        if (r.t.length && Date.parse(r.t[0]) - from < 0.1 * span) {
          const [t, med, mn, mx, plugs] = gaps(step, tsec(r.t), r.median, r.min, r.max, r.plugs);
          last = { t, med, mn, mx, plugs };
          src.textContent = `Median of up to ${Math.max(...r.plugs)} plugs, one point per ${step} s: ` + (r.source === 'raw'
            ? 'their fast grid stream where they send it, else their reports.'
            : `the ${r.source === '1h' ? 'hourly' : 'minute'} rollups of their reports.`);
        } else {
          last = await fromDevices(from, to);
          src.textContent = `From the plugs' reports (${Math.max(0, ...last.plugs.filter(fin))} plugs). ` + (r.t.length
            ? `Their fast grid stream starts at ${new Date(Date.parse(r.t[0])).toLocaleTimeString()}: it is shown for periods it covers.`
            : 'They send no fast grid stream (lepower-plug --grid).');
        }
        if (!last.t.length) { box.replaceChildren(h('p', { class: 'muted' }, 'No frequency measured in this period.')); return; }
        draw();
      } catch (e) { box.replaceChildren(h('p', { class: 'error' }, e.message)); }
    }
    v.load = async () => { await load(); v.el.dataset.ready = '1'; };
    v.timer = setInterval(() => load().catch(() => {}), 30e3);
    return v;
  }

  /* ================= router ================= */
  async function render() {
    if (S.view) { clearInterval(S.view.timer); }
    destroyCharts();
    const hash = location.hash || '#/';
    let v, nav = 'home';
    const m = hash.match(/^#\/device\/([^/?]+)/);
    if (m) { v = deviceView(decodeURIComponent(m[1])); nav = ''; }
    else if (hash.startsWith('#/grid')) { v = gridView(); nav = 'grid'; document.title = 'Grid — lepower'; }
    else { v = homeView(); document.title = 'lepower'; }
    for (const a of document.querySelectorAll('[data-nav]')) a.classList.toggle('on', a.dataset.nav === nav);
    S.view = v;
    $('#view').replaceChildren(v.el);
    window.scrollTo(0, 0);
    if (v.load) {
      try { await v.load(); } catch (e) { v.el.append(h('p', { class: 'error' }, 'Could not load: ' + e.message)); }
    }
  }

  async function boot() {
    try { await Promise.all([loadDevices(), loadSettings()]); } catch (e) {
      $('#view').replaceChildren(h('p', { class: 'error' }, 'The hub does not answer: ' + e.message));
    }
    window.addEventListener('hashchange', render);
    connectLive();
    render();
    setInterval(() => loadDevices().catch(() => {}), 60e3);
  }
  boot();
})();
