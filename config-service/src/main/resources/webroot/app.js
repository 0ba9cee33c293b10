'use strict';
// videolb admin page: plain JS, no build step. The token stays in sessionStorage of this tab.
(function () {
  const API = '/api/v1';
  const PAGE = 100;
  let token = sessionStorage.getItem('videolb.token') || '';
  let generation = -1;
  let offset = 0;
  let total = 0;
  let pollTimer = null;
  let lastState = null;
  // live view (issue 15): the page samples /status at each poll into a ring buffer (decision in docs/decisions.md);
  // nothing is kept on the server, a reload starts empty
  const SAMPLES = 300; // 10 minutes at one sample every 2 s
  const sampleTimes = []; // unix seconds
  const samples = {}; // server -> active connections per sample (null: not reported then)
  const charts = {}; // pool mark -> { key, plot }
  const lastHealth = {}; // server -> verdict last seen, for the timeline
  const healthEvents = []; // { atMs, text, cls }
  let generationEvents = [];
  // stream inventory (issue 16): server -> what health-service last read from its stats page (GET /inventory),
  // fetched with each /status
  let inventory = {};
  const $ = (id) => document.getElementById(id);

  // true when {@code node} already shows {@code data}: a poll then leaves its elements (and their buttons) alone
  function unchanged(node, data) {
    const k = JSON.stringify(data);
    if (node.dataset.key === k) return true;
    node.dataset.key = k;
    return false;
  }

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  async function call(method, path, body, ifMatch) {
    // signed out meanwhile (a 401 earlier in this refresh): send nothing more with the old token
    if (!token && path !== '/whoami') return { status: 401, etag: null, data: null };
    const headers = { 'Authorization': 'Bearer ' + token, 'Accept': 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (ifMatch) headers['If-Match'] = ifMatch;
    const r = await fetch(API + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    let data = null;
    try { data = await r.json(); } catch (e) { data = null; }
    // a token revoked (or a file broken) while the page is open: stop polling, forget it, ask again
    if (r.status === 401 && path !== '/whoami') signOut('signed out: the token is no longer accepted');
    return { status: r.status, etag: r.headers.get('ETag'), data };
  }

  function signOut(reason) {
    if (pollTimer !== null) { clearInterval(pollTimer); pollTimer = null; }
    token = '';
    generation = -1;
    lastState = null;
    sessionStorage.removeItem('videolb.token');
    $('token').value = '';
    $('whoami').textContent = '';
    $('generation').textContent = 'not signed in';
    $('sign-out').hidden = true;
    $('app').hidden = true;
    $('login-box').hidden = false;
    $('login-error').textContent = typeof reason === 'string' ? reason : '';
  }

  function problemText(d) {
    if (!d) return 'request failed';
    const p = (d.problems || []).map((x) => x.field + ': ' + x.message);
    return p.length ? p.join('; ') : d.message;
  }

  async function signIn(ev) {
    if (ev) ev.preventDefault();
    if ($('token').value) token = $('token').value.trim();
    const r = await call('GET', '/whoami');
    if (r.status !== 200) {
      $('login-error').textContent = r.status === 401 ? 'token not accepted'
        : r.status === 429 ? 'too many failed sign-ins from here: try again later' : 'API error ' + r.status;
      return;
    }
    sessionStorage.setItem('videolb.token', token);
    $('whoami').textContent = r.data.name + ' (' + r.data.role + ')';
    $('login-box').hidden = true;
    $('app').hidden = false;
    $('sign-out').hidden = false;
    $('login-error').textContent = '';
    await refresh(true);
    if (pollTimer !== null) clearInterval(pollTimer);
    if (token) pollTimer = setInterval(poll, 2000);
  }

  async function poll() {
    if (!token) return;
    const r = await call('GET', '/generation');
    if (r.status === 200 && r.data.generation !== generation) await refresh(true);
    else await refreshLive();
  }

  async function refresh(all) {
    const s = await call('GET', '/state');
    if (s.status === 409) { $('generation').textContent = 'no desired state yet (import the CSV files)'; return; }
    if (s.status !== 200) return;
    const changed = s.data.generation !== generation;
    generation = s.data.generation;
    $('generation').textContent = 'generation ' + generation;
    lastState = s.data;
    const st = await call('GET', '/status');
    await loadInventory();
    renderPools(s.data, st.status === 200 ? st.data : { servers: [], directors: [] });
    renderMarks(s.data);
    if (all) await loadClients();
    if (all || changed) await loadHistory();
    await refreshLive(st);
  }

  async function refreshLive(st) {
    const fresh = !st;
    if (!st) st = await call('GET', '/status');
    if (st.status === 200) {
      renderDirectors(st.data);
      if (fresh) await loadInventory();
      if (fresh && lastState) renderPools(lastState, st.data);
      sample(st.data);
      if (lastState) renderCharts(lastState);
      noteHealth(st.data);
      renderTimeline();
    }
    const a = await call('GET', '/audit?limit=20');
    if (a.status === 200) renderAudit(a.data);
  }

  async function loadInventory() {
    const r = await call('GET', '/inventory');
    if (r.status === 200 && r.data) inventory = r.data.servers || {};
  }

  // per pool mark, what each director's agent reports beyond health: failover gating's refused backups and the
  // load-fed weights (issue 16), from /status directors[].pools[]
  function poolNotes(status) {
    const notes = {};
    (status.directors || []).forEach((d) => {
      (d.pools || []).forEach((p) => {
        const n = notes[p.mark] || (notes[p.mark] = { refused: [], weights: [] });
        (p.refusedBackups || []).forEach((text) => {
          let r = n.refused.find((x) => x.text === text);
          if (!r) { r = { text, directors: [] }; n.refused.push(r); }
          r.directors.push(d.director);
        });
        (p.loadWeights || []).forEach((w) => n.weights.push(Object.assign({ director: d.director }, w)));
      });
    });
    return notes;
  }

  // the inventory without its read times: a poll re-renders the pools only when what they show changed
  function inventoryKey() {
    const k = {};
    Object.keys(inventory).sort().forEach((a) => {
      const i = inventory[a];
      k[a] = [i.known, i.reason, i.streams];
    });
    return k;
  }

  function renderPools(state, status) {
    const health = {};
    (status.servers || []).forEach((s) => { health[s.server] = s; });
    const box = $('pools');
    const notes = poolNotes(status);
    if (unchanged(box, [state.generation, state.pools, state.backups, status.servers, notes, inventoryKey()])) return;
    box.replaceChildren();
    const backups = {};
    (state.backups || []).forEach((b) => { backups[b.server] = b.backup; });
    state.pools.forEach((p) => {
      const d = el('div', null, 'pool');
      d.id = 'pool-' + p.mark;
      d.appendChild(el('h3', 'mark ' + p.mark + ' \u00b7 ' + p.scheduler + (p.mark === state.params.defaultMark ? ' \u00b7 default' : '')));
      const t = el('table');
      const hr = el('tr');
      ['Server', 'Weight', 'Health', 'Active', 'Streams', 'Backup', 'Backup health', 'Standing in for', 'Maintenance'].forEach((h) => hr.appendChild(el('th', h)));
      t.appendChild(hr);
      p.servers.forEach((rs) => {
        const tr = el('tr');
        const h = health[rs.address] ? health[rs.address].health : 'unknown';
        const b = backups[rs.address];
        const bh = b && health[b] ? health[b].health : 'unknown';
        tr.appendChild(el('td', rs.address));
        tr.appendChild(el('td', rs.weight));
        tr.appendChild(healthCell(rs.address, health[rs.address]));
        tr.appendChild(connsCell(rs.address, health[rs.address]));
        tr.appendChild(streamsCell(rs.address));
        tr.appendChild(el('td', b || '-'));
        tr.appendChild(el('td', b ? bh : '', b ? bh : ''));
        tr.appendChild(el('td', ((health[rs.address] || {}).standingInFor || []).join(', '), 'standin'));
        tr.appendChild(maintenanceCell(rs.address, health[rs.address]));
        t.appendChild(tr);
        // a backup standing in for this server: its own row, so its connections and health are in sight
        if (b && health[b] && (health[b].standingInFor || []).indexOf(rs.address) >= 0) {
          const br = el('tr', null, 'standin-row');
          br.appendChild(el('td', '\u21b3 ' + b));
          br.appendChild(el('td', rs.weight));
          br.appendChild(healthCell(b, health[b]));
          br.appendChild(connsCell(b, health[b]));
          br.appendChild(streamsCell(b));
          br.appendChild(el('td', '-'));
          br.appendChild(el('td', ''));
          const si = el('td', 'standing in for ' + rs.address, 'standin');
          si.id = 'standin-' + rs.address;
          br.appendChild(si);
          br.appendChild(el('td', ''));
          t.appendChild(br);
        }
      });
      d.appendChild(t);
      renderPoolNotes(d, p.mark, notes[p.mark]);
      box.appendChild(d);
    });
  }

  // failover gating (a backup passed over, e.g. "192.0.2.11: backup 192.0.2.21 lacks stream live/cam7") and the
  // load-fed weights (which server got which weight from what load), as each director's agent reported them
  function renderPoolNotes(d, mark, n) {
    if (!n) return;
    if (n.refused.length) {
      const ul = el('ul', null, 'refused');
      ul.id = 'refused-' + mark;
      n.refused.forEach((r) => ul.appendChild(el('li', 'backup refused: ' + r.text + ' (' + r.directors.join(', ') + ')')));
      d.appendChild(ul);
    }
    if (n.weights.length) {
      const t = el('table', null, 'loadweights');
      t.id = 'loadweights-' + mark;
      const hr = el('tr');
      ['Load-fed weight', 'Director', 'Load', 'Weight', 'Why'].forEach((h) => hr.appendChild(el('th', h)));
      t.appendChild(hr);
      n.weights.forEach((w) => {
        const tr = el('tr');
        tr.id = 'loadweight-' + mark + '-' + w.director + '-' + w.server;
        tr.appendChild(el('td', w.server));
        tr.appendChild(el('td', w.director));
        tr.appendChild(el('td', loadText(w)));
        tr.appendChild(el('td', w.weight + (w.target !== w.weight ? ' (load alone: ' + w.target + ')' : '')));
        tr.appendChild(el('td', w.note));
        t.appendChild(tr);
      });
      d.appendChild(t);
    }
  }

  function loadText(w) {
    if (w.load < 0) return w.basis + ' unknown (capacity ' + amount(w.basis, w.capacity) + ')';
    const pct = w.capacity > 0 ? ' (' + Math.round((100 * w.load) / w.capacity) + ' %)' : '';
    return (w.basis === 'bandwidth' ? bits(w.load) : w.load) + ' of ' + amount(w.basis, w.capacity) + pct;
  }

  function amount(basis, v) {
    return basis === 'bandwidth' ? bits(v) : v + ' viewers';
  }

  function bits(v) {
    return v >= 1e9 ? (v / 1e9).toFixed(1) + ' Gbit/s' : v >= 1e6 ? (v / 1e6).toFixed(1) + ' Mbit/s'
      : v >= 1e3 ? (v / 1e3).toFixed(0) + ' kbit/s' : v + ' bit/s';
  }

  // the streams a server carries (its stream inventory, issue 16): each with publishing, viewers and outbound bit/s
  function streamsCell(address) {
    const td = el('td', null, 'streams');
    td.id = 'streams-' + address;
    const inv = inventory[address];
    if (!inv) { td.appendChild(el('span', '-', 'muted')); return td; }
    if (!inv.known) { td.appendChild(el('span', 'unknown: ' + inv.reason, 'unknown')); return td; }
    if (!inv.streams.length) { td.appendChild(el('span', 'no streams', 'muted')); return td; }
    inv.streams.forEach((s) => {
      td.appendChild(el('div', s.stream + ' ' + (s.publishing ? 'publishing' : 'not publishing') + ', '
        + s.viewers + (s.viewers === 1 ? ' viewer, ' : ' viewers, ') + bits(s.bwOutBitsPerSecond),
        s.publishing ? 'stream' : 'stream idle'));
    });
    td.title = 'out ' + bits(inv.bwOutBitsPerSecond) + ', read by ' + inv.checkerId + ' at '
      + new Date(inv.observedAtMs).toLocaleString();
    return td;
  }

  // health with its reason (issue 15): the verdict, then why, and which checker said so
  function healthCell(address, st) {
    const td = el('td');
    const h = st ? st.health : 'unknown';
    td.appendChild(el('span', h, h));
    if (st && st.reason) {
      const r = el('span', st.reason + (st.checker ? ' (' + st.checker + ')' : ''), 'reason');
      r.id = 'reason-' + address;
      td.appendChild(r);
    }
    return td;
  }

  function connsCell(address, st) {
    const td = el('td', st && st.activeConns !== undefined ? st.activeConns : '-');
    td.id = 'conns-' + address;
    if (st && st.inactiveConns !== undefined) td.title = st.inactiveConns + ' inactive';
    return td;
  }

  // ---- live charts: one per pool, a series per server (and per backup standing in); uPlot, vendored in vendor/uplot
  function sample(status) {
    const now = Date.now() / 1000;
    sampleTimes.push(now);
    const seen = {};
    (status.servers || []).forEach((s) => {
      if (s.activeConns === undefined) return;
      seen[s.server] = true;
      if (!samples[s.server]) samples[s.server] = new Array(sampleTimes.length - 1).fill(null);
      samples[s.server].push(s.activeConns);
    });
    Object.keys(samples).forEach((a) => { if (!seen[a]) samples[a].push(null); });
    if (sampleTimes.length > SAMPLES) {
      sampleTimes.shift();
      Object.keys(samples).forEach((a) => samples[a].shift());
    }
  }

  const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

  function renderCharts(state) {
    if (typeof uPlot === 'undefined') return;
    const box = $('charts');
    const marks = {};
    state.pools.forEach((p) => {
      marks[p.mark] = true;
      const servers = [];
      p.servers.forEach((rs) => {
        if (servers.indexOf(rs.address) < 0) servers.push(rs.address);
        const b = (state.backups || []).find((x) => x.server === rs.address);
        if (b && samples[b.backup] && servers.indexOf(b.backup) < 0) servers.push(b.backup);
      });
      const shown = servers.filter((a) => samples[a]);
      const key = shown.join(',');
      let c = charts[p.mark];
      if (!shown.length) {
        // no director reports this pool's connections (yet): no empty chart
        if (c) { c.plot.destroy(); c.div.remove(); delete charts[p.mark]; }
        return;
      }
      if (c && c.key !== key) { c.plot.destroy(); c.div.remove(); c = null; }
      if (!c) {
        const div = el('div', null, 'chart');
        div.id = 'chart-' + p.mark;
        div.appendChild(el('h3', 'mark ' + p.mark));
        box.appendChild(div);
        const series = [{}].concat(shown.map((a, i) => ({ label: a, stroke: COLORS[i % COLORS.length], width: 2, spanGaps: false })));
        // at least the last minute on the time axis: with one sample (a page just signed in, a slow API) uPlot's own
        // range for a single instant spanned years
        const xRange = (u, min, max) => (max - min < 60 ? [max - 60, max] : [min, max]);
        const plot = new uPlot({ width: 400, height: 160, series: series, scales: { x: { time: true, range: xRange } },
          axes: [{}, { size: 40 }], legend: { show: true } }, [[]].concat(shown.map(() => [])), div);
        c = { key, plot, div };
        charts[p.mark] = c;
      }
      c.plot.setData([sampleTimes.slice()].concat(shown.map((a) => samples[a].slice())));
      c.div.dataset.samples = String(sampleTimes.length);
      c.div.dataset.series = key;
    });
    Object.keys(charts).forEach((m) => {
      if (!marks[m]) { charts[m].plot.destroy(); charts[m].div.remove(); delete charts[m]; }
    });
  }

  // the data a pool's chart draws ([times, series...]), for a look from the browser console and the Chromium test
  window.videolbChartData = (mark) => (charts[mark] ? charts[mark].plot.data : null);

  // ---- timeline: health transitions this page saw (from the verdicts' own times) and the generations published
  function noteHealth(status) {
    (status.servers || []).forEach((s) => {
      const prev = lastHealth[s.server];
      if (prev === s.health) return;
      lastHealth[s.server] = s.health;
      if (prev === undefined && s.health === 'unknown') return;
      healthEvents.push({
        atMs: s.observedAtMs || Date.now(),
        text: s.server + ' ' + (prev === undefined ? '' : prev + ' \u2192 ') + s.health + (s.reason ? ': ' + s.reason : ''),
        cls: s.health,
      });
    });
    while (healthEvents.length > 200) healthEvents.shift();
  }

  function renderTimeline() {
    const all = healthEvents.concat(generationEvents).sort((a, b) => b.atMs - a.atMs).slice(0, 100);
    const ul = $('timeline');
    if (unchanged(ul, all)) return;
    ul.replaceChildren();
    all.forEach((e) => {
      const li = el('li', null, e.cls);
      li.appendChild(el('span', new Date(e.atMs).toLocaleString(), 'when'));
      li.appendChild(el('span', e.text));
      ul.appendChild(li);
    });
    if (!all.length) ul.appendChild(el('li', 'nothing yet', 'muted'));
  }

  // maintenance (issue 15): the server's phase and time left, and one button: drain (10 min deadline) or enable
  function maintenanceCell(address, st) {
    const td = el('td');
    const m = st && st.maintenance;
    const text = !m ? 'in rotation'
      : m.phase === 'draining' ? 'draining: ' + m.activeConns + ' active, ' + m.secondsLeft + ' s left'
      : 'out of rotation';
    const span = el('span', text, m ? 'maintenance ' + m.phase : '');
    span.id = 'maint-' + address;
    td.appendChild(span);
    const btn = el('button', m ? 'Enable' : 'Drain');
    btn.type = 'button';
    btn.id = (m ? 'enable-' : 'drain-') + address;
    btn.addEventListener('click', () => maintain(address, m ? 'enable' : 'drain'));
    td.appendChild(btn);
    return td;
  }

  async function maintain(address, action) {
    const out = $('maintenance-result');
    const g = await call('GET', '/generation');
    const body = action === 'drain' ? { deadlineSeconds: 600 } : undefined;
    const r = await call('POST', '/servers/' + encodeURIComponent(address) + '/' + action, body, g.etag);
    out.textContent = r.status === 200 ? r.data.summary + ': generation ' + r.data.generation
      : 'refused (' + r.status + '): ' + problemText(r.data);
    await refresh(false);
  }

  // history and rollback (issue 15): the generations kept, a rollback preview (the plan), then apply with its If-Match
  let rollbackPlan = null;
  async function loadHistory() {
    const r = await call('GET', '/generations?limit=20');
    const body = $('history-table').tBodies[0];
    if (unchanged(body, [r.status, r.data])) return;
    body.replaceChildren();
    if (r.status !== 200) return;
    generationEvents = r.data.generations.map((g) => ({
      atMs: g.publishedAtMs,
      text: 'generation ' + g.generation + ' by ' + g.actor + ' (' + g.source + '): ' + g.changes,
      cls: 'generation',
    }));
    r.data.generations.forEach((g) => {
      const tr = el('tr');
      tr.appendChild(el('td', g.generation));
      tr.appendChild(el('td', new Date(g.publishedAtMs).toISOString()));
      tr.appendChild(el('td', g.actor));
      tr.appendChild(el('td', g.source));
      tr.appendChild(el('td', g.changes));
      const td = el('td');
      if (g.generation !== r.data.current) {
        const b = el('button', 'Preview rollback');
        b.type = 'button';
        b.id = 'preview-' + g.generation;
        b.addEventListener('click', () => previewRollback(g.generation));
        td.appendChild(b);
      }
      tr.appendChild(td);
      body.appendChild(tr);
    });
  }

  async function previewRollback(n) {
    const r = await call('POST', '/rollback', { generation: n });
    const box = $('rollback-plan');
    box.replaceChildren();
    $('rollback-apply').hidden = true;
    rollbackPlan = null;
    if (r.status !== 200) { box.appendChild(el('p', 'refused (' + r.status + '): ' + problemText(r.data), 'error')); return; }
    rollbackPlan = r.data;
    box.appendChild(el('p', r.data.summary + ' from generation ' + r.data.generation + ': ' + r.data.count.add + ' to add, '
      + r.data.count.change + ' to change, ' + r.data.count.remove + ' to remove'));
    const ul = el('ul');
    r.data.changes.forEach((c) => ul.appendChild(el('li', (c.op === 'add' ? '+ ' : c.op === 'remove' ? '- ' : '~ ') + c.key
      + (c.op === 'remove' ? '' : ' ' + JSON.stringify(c.after)))));
    box.appendChild(ul);
    $('rollback-apply').hidden = r.data.changes.length === 0;
  }

  async function applyRollback() {
    if (!rollbackPlan) return;
    const a = rollbackPlan.apply;
    const r = await call('POST', '/rollback', { generation: a.generation, apply: true }, a.ifMatch);
    $('rollback-result').textContent = r.status === 200 ? r.data.summary + ': generation ' + r.data.generation
      : 'refused (' + r.status + '): ' + problemText(r.data);
    $('rollback-apply').hidden = true;
    rollbackPlan = null;
    await refresh(false);
  }

  function renderMarks(state) {
    const sel = $('move-mark');
    const keep = sel.value;
    sel.replaceChildren();
    state.pools.forEach((p) => {
      const o = el('option', p.mark);
      o.value = String(p.mark);
      sel.appendChild(o);
    });
    if (keep) sel.value = keep;
  }

  async function loadClients(ev) {
    if (ev) { ev.preventDefault(); offset = 0; }
    const q = encodeURIComponent($('clients-search').value.trim());
    const r = await call('GET', '/clients?q=' + q + '&offset=' + offset + '&limit=' + PAGE);
    const body = $('clients-table').tBodies[0];
    if (r.status !== 200) { body.replaceChildren(); $('clients-total').textContent = problemText(r.data); return; }
    total = r.data.total;
    $('clients-total').textContent = '(' + total + ')';
    $('clients-page').textContent = total === 0 ? '0' : (offset + 1) + '\u2013' + Math.min(offset + PAGE, total);
    const rows = document.createDocumentFragment();
    r.data.items.forEach((c) => {
      const tr = el('tr');
      tr.dataset.client = c.client;
      tr.appendChild(el('td', c.client));
      tr.appendChild(el('td', c.mark));
      tr.addEventListener('click', () => { $('move-ip').value = c.client; $('move-mark').value = String(c.mark); });
      rows.appendChild(tr);
    });
    body.replaceChildren(rows);
  }

  function renderDirectors(st) {
    const body = $('directors').tBodies[0];
    if (unchanged(body, [st.directors, st.servers, st.checkers, st.alertMail])) return;
    body.replaceChildren();
    const alerts = $('alerts');
    alerts.replaceChildren();
    (st.directors || []).forEach((d) => {
      const tr = el('tr');
      tr.appendChild(el('td', d.director));
      tr.appendChild(el('td', d.mode));
      // director HA (issue 10): VRRP role and whether it holds the VIP
      const role = el('td', d.ha ? d.ha.vrrpState + (d.ha.holdsVip ? ' \u00b7 holds the VIP' : '') : '-');
      role.id = 'role-' + d.director;
      tr.appendChild(role);
      tr.appendChild(el('td', d.appliedGeneration));
      tr.appendChild(el('td', d.inSync ? 'yes' : 'no', d.inSync ? 'ok' : 'error'));
      tr.appendChild(el('td', (d.errors || []).join('; ')));
      body.appendChild(tr);
      (d.errors || []).forEach((e) => alerts.appendChild(el('li', d.director + ': ' + e, 'error')));
      (d.pools || []).filter((p) => p.panic).forEach((p) => alerts.appendChild(el('li', d.director + ': pool ' + p.mark + ' in panic (fail open)', 'error')));
    });
    (st.servers || []).filter((s) => s.health === 'DOWN').forEach((s) =>
      alerts.appendChild(el('li', 'server ' + s.server + ' DOWN' + (s.reason ? ': ' + s.reason : ''), 'error')));
    (st.checkers || []).filter((c) => c.degraded).forEach((c) =>
      alerts.appendChild(el('li', 'checker ' + c.checkerId + ' degraded: ' + c.reason, 'error')));
    const mail = st.alertMail || {};
    if (mail.deadLetters > 0)
      alerts.appendChild(el('li', mail.deadLetters + ' alert mail(s) refused by the mail relay (' + mail.lastDeadLetterReply
        + '): fix the relay or the address, then run videolb alert retry on the alert-service host', 'error'));
    if (!alerts.children.length) alerts.appendChild(el('li', 'no alerts', 'muted'));
  }

  function renderAudit(events) {
    const body = $('audit').tBodies[0];
    if (unchanged(body, events)) return;
    body.replaceChildren();
    events.forEach((e) => {
      const tr = el('tr');
      tr.appendChild(el('td', new Date(e.atMs).toLocaleString()));
      tr.appendChild(el('td', e.actor));
      tr.appendChild(el('td', e.action));
      tr.appendChild(el('td', e.generation));
      tr.appendChild(el('td', e.summary));
      body.appendChild(tr);
    });
  }

  async function move(ev) {
    ev.preventDefault();
    const ip = $('move-ip').value.trim();
    const mark = $('move-mark').value;
    const out = $('move-result');
    out.className = '';
    out.textContent = 'publishing\u2026';
    const g = await call('GET', '/generation');
    const path = '/clients/' + ip.split('/').map(encodeURIComponent).join('/');
    const r = await call('PUT', path, { mark: mark }, g.etag);
    if (r.status === 200) {
      out.className = 'ok';
      out.textContent = r.data.summary + ' (generation ' + r.data.generation + ')';
      await refresh(true);
    } else {
      out.className = 'error';
      out.textContent = 'refused (' + r.status + '): ' + problemText(r.data);
    }
  }

  $('login').addEventListener('submit', signIn);
  $('sign-out').addEventListener('click', () => signOut(''));
  $('move').addEventListener('submit', move);
  $('rollback-apply').addEventListener('click', applyRollback);
  $('clients-form').addEventListener('submit', loadClients);
  $('clients-prev').addEventListener('click', () => { offset = Math.max(0, offset - PAGE); loadClients(); });
  $('clients-next').addEventListener('click', () => { if (offset + PAGE < total) { offset += PAGE; loadClients(); } });
  if (token) signIn();
})();
