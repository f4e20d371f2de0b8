"""The trainee's desk in the browser: one self-contained page (no assets from the internet)
over ``/api/v1/desk`` and the dispatcher's actions.

The map shows every technician (square: grey when off) and visit (dot: by status) as of
now; the Gantt shows each technician's planned route with a now-line; the queue lists what
needs the dispatcher (calls, visits without a technician, delay alerts, absences,
emergencies), with suggestions on, each with the autopilot's suggestion and an "apply
suggestion" button; the action panel moves a visit, moves it to another day, warns or
messages its customer, accepts an emergency (onto the chosen technician, or the planner's
choice), makes room for it or refuses it, and answers a call with the planner's offers or
a window of the trainee's own (or refuses it); the clock can be paused and sped up; the
debrief compares the day with the autopilot's and, priced, shows each decision on a
timeline (table and chart) with what the autopilot did and what it cost. Each refresh
records its time, from the request to the painted page (``window.refreshLog``, ms).
"""

from __future__ import annotations

_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<link rel="icon" href="data:,"><title>FieldTwin dispatcher training</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;background:#f4f6f8;color:#1d2733;font-size:14px}
header{background:#1d2733;color:#fff;padding:8px 14px;display:flex;gap:14px;align-items:center}
header b{font-size:16px} main{display:grid;grid-template-columns:420px 1fr;gap:10px;padding:10px}
.card{background:#fff;border-radius:8px;padding:10px;box-shadow:0 1px 3px rgba(0,0,0,.12)}
svg{background:#eef2f5;border-radius:6px;width:100%} #queue div{padding:3px 4px;cursor:pointer}
#queue div:hover{background:#eef} .call{color:#9333ea}.unassigned{color:#dc2626}
.delay{color:#d97706}
.absence{color:#6b7280}.emergency{color:#b91c1c} button,input,select{font-size:13px;margin:2px}
table{border-collapse:collapse} td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:right}
</style></head><body>
<header><b id="title">Dispatcher training</b><span>now <b id="now">–</b></span>
<span id="clock"></span>
<button onclick="clock({paused:true})">Pause</button>
<button onclick="clock({paused:false,speed:10})">×10</button>
<button onclick="clock({paused:false,speed:30})">×30</button>
<button onclick="clock({paused:false,speed:60})">×60</button>
<input id="key" placeholder="API key" size="14">
<button onclick="debrief(false)">Debrief</button>
<button id="do-timeline" onclick="debrief(true)">Debrief with decisions priced</button></header>
<main>
<div>
 <div class="card"><svg id="map" viewBox="0 0 400 400"></svg></div>
 <div class="card"><b>Queue</b><div id="queue"></div></div>
 <div class="card"><b>Action</b><br>
  visit <input id="visit" size="8"> technician <select id="tech"></select>
  position <input id="pos" size="3" placeholder="end"><br>
  <button id="do-move" onclick="act('move',{visit_id:val('visit'),technician_id:val('tech'),
   position:pos()})">Move</button>
  <button id="do-defer" onclick="act('defer',{visit_id:val('visit')})">Another day</button>
  <button id="do-warn" onclick="act('warn',{visit_id:val('visit'),text:''})">Warn</button><br>
  <input id="text" size="30" placeholder="a message to the visit's customer">
  <button id="do-message" onclick="act('message',{visit_id:val('visit'),text:val('text')})"
  >Send</button><br>emergency:
  <button id="do-accept" onclick="act('accept',{visit_id:val('visit'),
   technician_id:val('tech'),position:pos()})">Accept (technician)</button>
  <button id="do-planner" onclick="act('accept',{visit_id:val('visit')})">Planner's choice</button>
  give way <input id="giveway" size="7">
  <button id="do-room" onclick="act('make-room',{visit_id:val('visit'),give_way:val('giveway')})"
  >Make room</button><br>
  reason <input id="reason" size="24"> <button id="do-refuse" onclick="refuse()">Refuse</button>
  <div id="call"></div><div id="answer"></div></div>
 <div class="card"><b>Goals</b><ul id="goals"></ul></div>
</div>
<div>
 <div class="card"><svg id="gantt" viewBox="0 0 1000 600" preserveAspectRatio="none"></svg></div>
 <div class="card" id="debrief"></div>
</div></main>
<script>
const $ = (id) => document.getElementById(id);
const val = (id) => $(id).value;
if (location.hash.startsWith('#key=')) {  // a link from the cockpit's Training page
  sessionStorage.setItem('key', decodeURIComponent(location.hash.slice(5)));
  history.replaceState(null, '', location.pathname);
}
$('key').value = sessionStorage.getItem('key') || '';
$('key').onchange = () => sessionStorage.setItem('key', val('key'));
const hdr = () => ({'Content-Type': 'application/json', 'X-API-Key': val('key')});
const COLOURS = {booked:'#2563eb', on_the_way:'#f59e0b', on_site:'#16a34a', done:'#9ca3af',
  cancelled:'#e5e7eb'};
let calls = {}, callId = null;
const pos = () => val('pos') === '' ? null : Number(val('pos'));
async function call(method, path, body) {
  const r = await fetch('/api/v1' + path, {method, headers: hdr(),
    body: body === undefined ? undefined : JSON.stringify(body)});
  const data = await r.json();
  if (!r.ok) $('answer').textContent = data.reason || data.detail?.[0]?.msg || 'refused';
  return [r.ok, data];
}
async function act(kind, body) {
  const [ok, data] = await call('POST', '/dispatch/' + kind, body);
  if (ok) $('answer').textContent = `${data.status} ${data.visit_id || ''}`;
  refresh();
}
async function apply(q) {  // the autopilot's suggestion, sent as the trainee's own action
  const [ok, data] = await call('POST', q.apply.path, q.apply.body);
  if (ok) $('answer').textContent = `${data.status} ${data.visit_id || ''}`;
  refresh();
}
async function clock(body) { await call('POST', '/clock', body); refresh(); }
async function refuse() {
  const body = callId ? {call_id: callId, reason: val('reason')}
    : {visit_id: val('visit'), reason: val('reason')};
  await act('refuse', body);
  if (callId) { callId = null; $('call').innerHTML = ''; }
}
function pick(item) {
  callId = item.kind === 'call' ? item.call_id : null;
  if (item.visit_id) $('visit').value = item.visit_id;
  if (item.kind === 'call') offers(item.call_id);
}
async function offers(id) {
  const c = calls[id];
  const [ok, data] = await call('POST', '/offers', {channel: 'call_centre', job: {
    customer_id: c.job.customer_id, job_type: c.job.job_type, x: c.job.x, y: c.job.y}});
  if (!ok) return;
  $('call').innerHTML = `<b>${c.text}</b><br>` + (data.offers.length ? data.offers.map((o) =>
    `<button class="offer" onclick="book('${id}','${o.local}')">${o.local} ${o.technician_id}
     ${o.cost.toFixed(0)} · risk ${(o.late_risk*100).toFixed(0)}%</button>`).join('')
    : data.reason) + `<br>or <input id="own-start" size="5" placeholder="HH:MM">–<input
    id="own-end" size="5" placeholder="HH:MM"> <button id="do-own" onclick="book('${id}',
    val('own-start') + '–' + val('own-end'))">Book this window</button>`;
}
async function book(id, local) {
  const c = calls[id]; const [a, b] = local.split('–');
  const [ok, data] = await call('POST', '/bookings', {channel: 'call_centre', call_id: id,
    window_start: a, window_end: b, job: {customer_id: c.job.customer_id,
    job_type: c.job.job_type, x: c.job.x, y: c.job.y}});
  if (ok) {
    $('answer').textContent = `${data.status} ${data.visit_id}`;
    $('call').innerHTML = ''; callId = null;
  }
  refresh();
}
function drawMap(d) {
  const s = 400 / d.city_km; let h = '';
  for (const v of d.visits) h += `<circle cx="${v.x*s}" cy="${400-v.y*s}" r="3"
    fill="${COLOURS[v.status]||'#000'}"><title>${v.visit_id} ${v.status}</title></circle>`;
  for (const t of d.technicians) h += `<rect x="${t.x*s-4}" y="${400-t.y*s-4}" width="8"
    height="8" fill="${t.available?'#111':'#bbb'}"><title>${t.id}</title></rect>`;
  $('map').innerHTML = h;
}
function drawGantt(d) {
  const t0 = 360, t1 = 1320, w = 1000, rows = d.technicians.length, rh = 600 / rows;
  const x = (m) => (m - t0) / (t1 - t0) * w; let h = '';
  d.technicians.forEach((t, i) => {
    h += `<text x="2" y="${i*rh+rh*0.8}" font-size="${Math.min(10,rh)}">${t.id}</text>`;
    for (const s of t.route) h += `<rect x="${x(s.start)}" y="${i*rh+1}"
      width="${Math.max(1,x(s.end)-x(s.start))}" height="${rh-2}" fill="${t.available?
      '#60a5fa':'#d1d5db'}"><title>${s.visit_id}</title></rect>`;
  });
  h += `<line id="nowline" x1="${x(d.now_min)}" x2="${x(d.now_min)}" y1="0" y2="600"
    stroke="#dc2626" stroke-width="2"/>`;
  $('gantt').innerHTML = h;
}
async function refresh() {
  if (!val('key')) return;
  const t0 = performance.now();
  const [ok, d] = await call('GET', '/desk');
  if (!ok) return;
  $('title').textContent = d.exercise.title; $('now').textContent = d.now;
  $('clock').textContent = d.over ? 'day over' : d.paused ? 'paused' : `×${d.speed}`;
  $('goals').innerHTML = d.exercise.goals.map((g) => `<li>${g}</li>`).join('');
  calls = {}; for (const q of d.queue) if (q.kind === 'call') calls[q.call_id] = q;
  $('queue').innerHTML = d.queue.map((q, i) =>
    `<div class="${q.kind}" data-i="${i}">${q.kind}: ${q.text}${q.suggestion ?
     ` <i>— ${q.suggestion}</i>` : ''}${q.apply ? ` <button class="apply" data-i="${i}"
     >apply suggestion</button>` : ''}</div>`).join('') || 'nothing';
  [...$('queue').children].forEach((el) => el.onclick = () => pick(d.queue[el.dataset.i]));
  $('queue').querySelectorAll('button.apply').forEach((b) => b.onclick = (e) => {
    e.stopPropagation(); apply(d.queue[b.dataset.i]);
  });
  const chosen = val('tech');
  $('tech').innerHTML = d.technicians.filter((t) => t.available)
    .map((t) => `<option>${t.id}</option>`).join('');
  if (chosen) $('tech').value = chosen;
  drawMap(d); drawGantt(d);
  await new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));  // painted
  const log = window.refreshLog = window.refreshLog || [];  // read by bench/bench_desk.py
  log.push(performance.now() - t0); if (log.length > 500) log.shift();
}
const hm = (m) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${
  String(Math.round(m % 60)).padStart(2, '0')}`;
function timeline(ds) {  // each decision: a bar up (it cost) or down (it saved), in EUR
  if (!ds.length) return '<p>No decisions to price.</p>';
  const t0 = 360, t1 = 1320, w = 1000, h = 160, mid = h / 2;
  const top = Math.max(1, ...ds.map((d) => Math.abs(d.cost_eur)));
  const x = (m) => (m - t0) / (t1 - t0) * w;
  let svg = `<svg id="timeline-chart" viewBox="0 0 ${w} ${h}" preserveAspectRatio="none">
    <line x1="0" x2="${w}" y1="${mid}" y2="${mid}" stroke="#9ca3af"/>`;
  ds.forEach((d) => {
    const y = d.cost_eur / top * (mid - 4);
    svg += `<rect class="cost" x="${x(d.minute) - 3}" y="${y > 0 ? mid - y : mid}" width="6"
      height="${Math.max(1, Math.abs(y))}" fill="${d.cost_eur > 0 ? '#dc2626' : '#16a34a'}">
      <title>${hm(d.minute)} ${d.what}: ${d.cost_eur.toFixed(0)} EUR</title></rect>`;
  });
  const sign = (v, n) => (v > 0 ? '+' : '') + v.toFixed(n);
  return svg + `</svg><table id="timeline"><tr><th>time</th><th>your decision</th>
    <th>the autopilot's day then</th><th>the autopilot instead</th><th>EUR</th>
    <th>late</th><th>km</th><th>points</th></tr>` + ds.map((d) => `<tr>
    <td>${hm(d.minute)}</td><td>${d.what}</td><td>${d.autopilot}</td><td>${d.instead}</td>
    <td style="color:${d.cost_eur > 0 ? '#dc2626' : '#16a34a'}">${sign(d.cost_eur, 0)}</td>
    <td>${sign(d.late, 0)}</td><td>${sign(d.km, 1)}</td><td>${sign(d.points, 1)}</td></tr>`)
    .join('') + '</table>';
}
async function debrief(effects) {
  $('debrief').textContent = effects ? 'pricing each decision…' : '';
  const [ok, d] = await call('GET', '/debrief' + (effects ? '?effects=true' : ''));
  if (!ok) return;
  $('debrief').innerHTML = `<b>Score ${d.score}</b> (100 = as the autopilot)<table>
    <tr><th>KPI</th><th>you</th><th>autopilot</th><th>difference</th></tr>` +
    d.kpis.map((k) => `<tr><td>${k.kpi}</td><td>${k.trainee.toFixed(2)}</td>
    <td>${k.autopilot.toFixed(2)}</td><td style="color:${k.better===null?'#000':
    k.better?'#16a34a':'#dc2626'}">${k.difference.toFixed(2)}</td></tr>`).join('') +
    '</table>' + Object.entries(d.parts).map(([p, v]) => `${p}: ${v}`).join(' · ') +
    (effects ? '<br><b>Your decisions</b> (the day continued from each with yours and ' +
     "with the autopilot's answer; + costs)" + timeline(d.decisions) : '');
}
refresh(); setInterval(refresh, 2000);
</script></body></html>"""


def desk_page() -> str:
    return _PAGE
