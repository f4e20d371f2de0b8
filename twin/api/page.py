"""The customer's info page: one self-contained HTML page (no assets from the internet),
readable on a phone, that follows the visit live through ``/api/v1/track/{token}``.

It shows the status (booked, on the way, arriving, on site, done; a visit booked for a later
working day: "Booked for <date>, window hh:mm–hh:mm" until its day is served), the promised
window, the ETA interval and any delay warning in local time, the technician's position on a
map of the city's own plane while they come to the customer, buttons to move or cancel the
visit while it is still open, and the rating form once it is done.
"""

from __future__ import annotations

import html
import json

STATUS_TEXT = {
    "requested": "Requested",
    "booked": "Booked",
    "booked_ahead": "Booked for a later day",
    "on_the_way": "Your technician is on the way",
    "arriving": "Your technician is arriving",
    "on_site": "Your technician is with you",
    "done": "Done",
    "cancelled": "Cancelled",
    "rejected": "Not booked",
}

_STYLE = """
body{font-family:system-ui,sans-serif;margin:0;background:#f4f6f8;color:#1d2733}
main{max-width:480px;margin:0 auto;padding:16px}
h1{font-size:1.3rem;margin:.2rem 0 1rem}
.card{background:#fff;border-radius:10px;padding:14px;margin-bottom:12px;
box-shadow:0 1px 3px rgba(0,0,0,.12)}
.big{font-size:1.4rem;font-weight:600}
.muted{color:#5c6b7a;font-size:.9rem}
#warning{background:#fff4e5;border-left:4px solid #f59e0b;display:none}
svg{width:100%;height:auto;background:#eef2f5;border-radius:8px}
button,select{font-size:1rem;padding:8px 12px;margin:4px 4px 0 0;border-radius:6px;
border:1px solid #9aa8b6;background:#fff}
.stars button{font-size:1.6rem;border:none;background:none;padding:0 4px;cursor:pointer}
"""

_SCRIPT = """
const TOKEN = %(token)s;
const TEXT = %(status_text)s;
const api = (p) => `/api/v1/track/${TOKEN}${p}`;
const $ = (id) => document.getElementById(id);
function show(id, on) { $(id).style.display = on ? '' : 'none'; }
async function post(path, body) {
  const r = await fetch(api(path), {method: 'POST',
    headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body || {})});
  const data = await r.json();
  const why = data.reason || data.detail?.[0]?.msg || 'Not possible';
  $('answer').textContent = r.ok ? 'Done.' : why;
  refresh();
}
function draw(v) {
  const s = 300 / v.city_km;
  $('site').setAttribute('cx', v.site.x * s); $('site').setAttribute('cy', 300 - v.site.y * s);
  const t = v.technician;
  show('tech', !!t);
  if (t) { $('tech').setAttribute('cx', t.x * s); $('tech').setAttribute('cy', 300 - t.y * s);
           $('seen').textContent = `position at ${t.seen}`; }
  else { $('seen').textContent = ''; }
}
async function refresh() {
  const r = await fetch(api(''));
  if (r.status === 503) { return; }  // the next working day is opening: ask again soon
  if (!r.ok) { $('status').textContent = 'This link is no longer valid.'; return; }
  const v = await r.json();
  $('status').textContent = v.booked_for
    ? `Booked for ${v.booked_for}, window ${v.window.start}–${v.window.end}`
    : (TEXT[v.status] || v.status);
  $('status').dataset.status = v.status;
  $('now').textContent = v.now;
  $('window').textContent = v.window ? `${v.window.start}–${v.window.end}` : '–';
  $('eta').textContent = v.eta ? `${v.eta.low}–${v.eta.high} (most likely ${v.eta.eta})` : '–';
  $('warning').textContent = v.warning || '';
  $('warning').style.display = v.warning ? 'block' : 'none';
  show('change', v.can_change);
  $('windows').innerHTML = v.windows.map((w) => `<option>${w}</option>`).join('');
  show('rate', v.can_rate);
  $('rated').textContent = v.rated ? `Thank you: ${'★'.repeat(v.rated)}` : '';
  draw(v);
}
function reschedule() {
  const [a, b] = $('windows').value.split('–');
  post('/reschedule', {window_start: a, window_end: b});
}
refresh(); setInterval(refresh, 2000);
"""


def info_page(token: str | None) -> str:
    """The page for ``token``; None: the page for a link that does not verify."""
    if token is None:
        body = (
            "<main><h1>Your visit</h1><div class='card'><p id='status'>This link is not "
            "valid or has expired. Please contact us.</p></div></main>"
        )
        return _document(body, "")
    body = """
<main>
  <h1>Your visit</h1>
  <div class="card"><div class="big" id="status">…</div>
    <div class="muted">now <span id="now"></span> (local time)</div></div>
  <div class="card" id="warning"></div>
  <div class="card"><div class="muted">Promised window</div><div class="big" id="window">–</div>
    <div class="muted">Expected arrival</div><div class="big" id="eta">–</div></div>
  <div class="card"><svg viewBox="0 0 300 300" role="img" aria-label="map">
    <circle id="site" r="7" fill="#2563eb"/><circle id="tech" r="6" fill="#f97316"/>
  </svg><div class="muted"><span style="color:#2563eb">●</span> you
    <span style="color:#f97316">●</span> technician <span id="seen"></span></div></div>
  <div class="card" id="change"><div class="muted">Move or cancel</div>
    <select id="windows"></select><button onclick="reschedule()">Move</button>
    <button onclick="post('/cancel')">Cancel visit</button></div>
  <div class="card" id="rate"><div class="muted">How did we do?</div><div class="stars">
    <button onclick="post('/feedback',{rating:1})">★</button>
    <button onclick="post('/feedback',{rating:2})">★</button>
    <button onclick="post('/feedback',{rating:3})">★</button>
    <button onclick="post('/feedback',{rating:4})">★</button>
    <button onclick="post('/feedback',{rating:5})">★</button></div></div>
  <div class="muted" id="rated"></div><div class="muted" id="answer"></div>
</main>"""
    script = _SCRIPT % {
        "token": json.dumps(token),
        "status_text": json.dumps(STATUS_TEXT),
    }
    return _document(body, f"<script>{script}</script>")


def _document(body: str, script: str) -> str:
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        "<link rel='icon' href='data:,'>"
        f"<title>{html.escape('Your visit')}</title><style>{_STYLE}</style></head>"
        f"<body>{body}{script}</body></html>"
    )
