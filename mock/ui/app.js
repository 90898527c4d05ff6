/*
 * The timock dashboard: reads and drives the mock through its admin API
 * (/__admin/...) and nothing else.  Every value from the mock is put into
 * the page as text (textContent), never as markup.  The admin token, when
 * the mock wants one, is asked once and kept in sessionStorage: for this
 * tab only.
 */
'use strict';

const API = '/__admin';
const ROW = 24;            /* px: one journal row (style.css .row) */
const POLL_MS = 1000;      /* the journal's polling period */
const TYPES = ['Public', 'Private', 'ChatRoom', 'AVChatRoom', 'BChatRoom',
               'Community'];
const DEVIATIONS = ['no_random', 'random_out_of_range', 'no_contenttype',
  'contenttype_not_json', 'content_type_not_json', 'field_case',
  'type_instead_of_grouptype', 'next_as_string', 'next_not_issued',
  'too_fast_after_rate_limit', 'method_not_post', 'null_field',
  'empty_grouptype', 'offset_field', 'random_repeated'];
const PRESETS = {
  '10002': {match: {next_nonzero: true}, action: {error_code: 10002},
            times: 1},
  '503': {match: {every_nth: 5}, action: {http_status: 503}},
  'slow': {action: {slow_body: {bytes: 64, every_ms: 50}}, times: 1},
};

const $ = (id) => document.getElementById(id);

/* An element with a class and a text. */
function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

function status(text) { $('status').textContent = text; }

/* ---- the admin API -------------------------------------------------- */

let tokenWaiters = null; /* resolvers waiting for the token form */

function askToken() {
  if (!tokenWaiters) {
    tokenWaiters = [];
    $('token-form').hidden = false;
    $('token').focus();
  }
  return new Promise((resolve) => tokenWaiters.push(resolve));
}

$('token-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  sessionStorage.setItem('timock-token', $('token').value);
  $('token').value = '';
  $('token-form').hidden = true;
  const waiters = tokenWaiters || [];
  tokenWaiters = null;
  waiters.forEach((w) => w());
});

/* One admin call; answers the parsed JSON, or throws an Error whose
 * message is the mock's "error" text.  A 401 asks for the token and tries
 * again once it is given. */
async function call(method, path, body) {
  for (;;) {
    const headers = {};
    const token = sessionStorage.getItem('timock-token');
    if (token) headers['Authorization'] = 'Bearer ' + token;
    const init = {method, headers, cache: 'no-store'};
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
    }
    const r = await fetch(API + path, init);
    if (r.status === 401) {
      sessionStorage.removeItem('timock-token'); /* none, or a wrong one */
      status('the admin API wants its token');
      await askToken();
      continue;
    }
    let j = null;
    try { j = await r.json(); } catch (e) { j = null; }
    if (!r.ok)
      throw new Error(j && j.error ? j.error : 'HTTP ' + r.status);
    return j;
  }
}

/* ---- views ------------------------------------------------------------ */

const views = {};

function show(name) {
  for (const b of document.querySelectorAll('#tabs button'))
    b.classList.toggle('on', b.dataset.view === name);
  for (const s of document.querySelectorAll('main > section'))
    s.hidden = s.id !== 'view-' + name;
  location.hash = name;
  if (views[name]) views[name]();
}

for (const b of document.querySelectorAll('#tabs button'))
  b.addEventListener('click', () => show(b.dataset.view));

/* ---- apps ------------------------------------------------------------- */

let firstApp = '';

function settingsText(s, profile) {
  const lines = [];
  if (profile) lines.push('profile: ' + profile + ' (its settings, under the app\'s own)');
  lines.push('admins: ' + s.admins.join(', ') + '; other identifiers: ' +
             s.identifiers);
  lines.push('UserSig checked: ' + s.check_usersig + '; answer limit: ' +
             s.answer_limit + ' bytes');
  lines.push('rate limit: ' + (s.rate_limit ? s.rate_limit.calls_per_second +
             ' calls/s, then ErrorCode ' + s.rate_limit.error_code : 'none'));
  const on = (o) => Object.keys(o).filter((k) => o[k] === true);
  lines.push('quirks: ' + (on(s.quirks).join(', ') || 'none'));
  lines.push('strict: ' + (on(s.strict).join(', ') || 'none'));
  const env = on(s.envelope);
  if (s.envelope.error_texts) env.push(s.envelope.error_texts + ' error texts');
  lines.push('envelope: ' + (env.join(', ') || 'the documented form'));
  return lines.join('\n');
}

views.apps = async function () {
  try {
    const j = await call('GET', '/apps');
    const box = $('apps');
    box.replaceChildren();
    for (const a of j.apps) {
      const card = el('div', 'app');
      card.dataset.sdkappid = a.sdkappid;
      card.append(el('h2', null, 'SDKAppID ' + a.sdkappid + ' · region ' +
                     (a.region || 'any') + ' · ' + a.groups + ' groups'));
      const bars = el('div', 'bars');
      const max = Math.max(1, ...TYPES.map((t) => a.types[t] || 0));
      for (const t of TYPES) {
        const n = a.types[t] || 0;
        const track = el('div');
        const bar = el('div', 'bar');
        bar.style.width = (100 * n / max) + '%';
        track.append(bar);
        const value = el('span', 'bar-value', n);
        value.dataset.type = t;
        bars.append(el('span', null, t), track, value);
      }
      card.append(bars, el('pre', 'settings', settingsText(a.settings, a.profile)));
      box.append(card);
    }
    $('service').textContent = JSON.stringify(j.service, null, 1);
    if (j.apps.length) firstApp = String(j.apps[0].sdkappid);
    for (const id of ['p-app', 'v-app'])
      if (!$(id).value) $(id).value = firstApp;
    status(j.apps.length + ' app(s)');
  } catch (e) {
    status('apps: ' + e.message);
  }
};

/* ---- journal ---------------------------------------------------------- */

const journal = {
  entries: [],     /* newest first */
  lastSeq: 0,      /* the newest seq seen: the next poll asks after it */
  capacity: 10000,
  selected: 0,
  timer: null,
  busy: false,
  gen: 0,        /* counts restarts: a poll of an older one is dropped */
  again: false,  /* a restart came while a poll was under way */
};

for (const d of DEVIATIONS) {
  const o = el('option', null, d);
  o.value = d;
  $('f-deviation').append(o);
}

/* The filter as query parameters: the admin API filters. */
function journalQuery() {
  const p = new URLSearchParams();
  const app = $('f-app').value.trim();
  const id = $('f-identifier').value.trim();
  const code = $('f-error').value.trim();
  const dev = $('f-deviation').value;
  if (app) p.set('sdkappid', app);
  if (id) p.set('identifier', id);
  if (code) p.set('error_code', code);
  if (dev) p.set('deviation', dev);
  p.set('after_seq', String(journal.lastSeq));
  return p.toString();
}

async function pollJournal() {
  if (journal.busy) return;
  journal.busy = true;
  const gen = journal.gen;
  try {
    const j = await call('GET', '/journal?' + journalQuery());
    if (gen !== journal.gen) return; /* asked under the old filter */
    journal.capacity = j.capacity;
    if (j.entries.length) {
      for (const e of j.entries) journal.entries.unshift(e);
      journal.lastSeq = j.entries[j.entries.length - 1].seq;
      if (journal.entries.length > journal.capacity)
        journal.entries.length = journal.capacity;
      renderJournal();
    }
    $('j-count').textContent = journal.entries.length + ' entries';
  } catch (e) {
    $('j-count').textContent = 'journal: ' + e.message;
  } finally {
    journal.busy = false;
    if (journal.again) {
      journal.again = false;
      pollJournal();
    }
  }
}

/* Forget what the page holds and read the journal afresh (a filter
 * changed, or the journal was emptied). */
function restartJournal() {
  journal.gen++;
  journal.again = journal.busy;
  journal.entries = [];
  journal.lastSeq = 0;
  journal.selected = 0;
  $('j-detail').hidden = true;
  renderJournal();
  return pollJournal();
}

function req(e) {
  const parts = [];
  parts.push(e.limit === null ? '-' : e.limit);
  parts.push(e.next === null ? '-' : e.next);
  parts.push(e.type === null ? '-' : e.type);
  return parts.join(' / ');
}

function journalRow(e) {
  const r = el('div', 'row jrow');
  r.dataset.seq = e.seq;
  if (e.seq === journal.selected) r.classList.add('sel');
  const t = new Date(e.time_ms);
  r.append(el('span', null, t.toLocaleTimeString()),
           el('span', null, e.method),
           el('span', null, e.host),
           el('span', null, req(e)),
           el('span', e.error_code === 0 ? 'code' : 'code code-err',
              e.error_code),
           el('span', null, e.answer_next === null ? '-' : e.answer_next),
           el('span', null, e.count),
           el('span', 'fault', e.fault));
  const devs = el('span', 'devs');
  for (const d of e.deviations) devs.append(el('span', 'badge', d));
  r.append(devs);
  return r;
}

/* Only the rows in sight (and a few around) are in the page. */
function renderJournal() {
  const scroll = $('j-scroll'), space = $('j-space');
  const n = journal.entries.length;
  space.style.height = (n * ROW) + 'px';
  const first = Math.max(0, Math.floor(scroll.scrollTop / ROW) - 5);
  const last = Math.min(n, first + Math.ceil(scroll.clientHeight / ROW) + 10);
  const rows = [];
  for (let i = first; i < last; i++) {
    const r = journalRow(journal.entries[i]);
    r.style.top = (i * ROW) + 'px';
    rows.push(r);
  }
  space.replaceChildren(...rows);
}

$('j-scroll').addEventListener('scroll', renderJournal);
window.addEventListener('resize', renderJournal);
$('j-space').addEventListener('click', (ev) => {
  const r = ev.target.closest('.jrow');
  if (!r) return;
  const seq = Number(r.dataset.seq);
  const e = journal.entries.find((x) => x.seq === seq);
  if (!e) return;
  journal.selected = seq;
  $('j-detail').textContent = JSON.stringify(e, null, 1);
  $('j-detail').hidden = false;
  renderJournal();
});
for (const id of ['f-app', 'f-identifier', 'f-error', 'f-deviation'])
  $(id).addEventListener('change', restartJournal);

function livePolling() {
  clearInterval(journal.timer);
  journal.timer = $('f-live').checked ? setInterval(pollJournal, POLL_MS)
                                      : null;
}
$('f-live').addEventListener('change', livePolling);

views.journal = function () { renderJournal(); return pollJournal(); };

/* ---- pulls ------------------------------------------------------------ */

/*
 * The API requests of one client cut into pulls, each a list of pages: a
 * pull starts at a request with no Next or Next 0 (per GroupType).  A page
 * is marked: err (an error answer), gap (its Next is not the one the
 * previous successful answer gave), repeat (its Next was asked before in
 * the pull, after a success), unissued (the mock never issued that Next).
 */
function cutPulls(entries) {
  const pulls = [];
  const open = {}; /* GroupType: the pull under way */
  for (const e of entries) {
    if (!e.path.endsWith('/get_appid_group_list')) continue;
    const key = e.type || '';
    const next = e.next === null ? 0 : e.next;
    let p = open[key];
    if (!p || next === 0) {
      p = {type: key, pages: [], expect: null, asked: new Set()};
      pulls.push(p);
      open[key] = p;
    }
    const marks = [];
    if (e.error_code !== 0) marks.push('err');
    if (e.deviations.includes('next_not_issued')) marks.push('unissued');
    else if (next !== 0 && p.expect !== null && next !== p.expect)
      marks.push('gap');
    if (next !== 0 && p.asked.has(next) && !marks.includes('err'))
      marks.push('repeat');
    p.pages.push({e, marks});
    if (e.error_code === 0) {
      p.asked.add(next);
      p.expect = e.answer_next;
    }
  }
  return pulls;
}

function verdict(v) {
  const box = el('div');
  box.append(el('p', 'verdict ' + (v.pass ? 'pass' : 'fail'),
                v.pass ? 'PASS' : 'FAIL'));
  for (const r of v.results) {
    const d = el('div', 'result');
    d.dataset.expect = r.expect;
    d.append(el('span', 'verdict ' + (r.pass ? 'pass' : 'fail'),
                (r.pass ? '✓ ' : '✗ ') + r.expect));
    if (r.reasons.length) {
      const ul = el('ul');
      for (const why of r.reasons) ul.append(el('li', null, why));
      d.append(ul);
    }
    box.append(d);
  }
  return box;
}

async function drawPulls() {
  const app = $('p-app').value.trim(), id = $('p-identifier').value.trim();
  const box = $('pulls');
  box.replaceChildren();
  $('p-verify').replaceChildren();
  if (!app) { box.append(el('p', 'msg', 'name an app')); return; }
  try {
    const q = new URLSearchParams({sdkappid: app});
    if (id) q.set('identifier', id);
    const j = await call('GET', '/journal?' + q.toString());
    const pulls = cutPulls(j.entries);
    if (!pulls.length) box.append(el('p', null, 'no request of this client'));
    pulls.forEach((p, i) => {
      const d = el('div', 'pull');
      d.append(el('div', null, 'pull ' + (i + 1) + ' · ' +
                  (p.type || 'all types') + ' · ' + p.pages.length +
                  ' request(s)'));
      const pages = el('div', 'pull-pages');
      for (const {e, marks} of p.pages) {
        const pg = el('span', ['pg'].concat(marks.length ? marks : ['ok'])
                                    .join(' '),
                      '#' + e.seq + ' ' +
                      (e.next === null ? 'no Next' : 'Next ' + e.next) +
                      ' → ' + (e.error_code === 0
                                 ? e.count + ', ' + (e.answer_next === null
                                                     ? 'no Next'
                                                     : 'Next ' + e.answer_next)
                                 : 'ErrorCode ' + e.error_code));
        pg.title = marks.join(', ');
        pages.append(pg);
      }
      d.append(pages);
      box.append(d);
    });
    const body = {sdkappid: Number(app),
                  expect: [{followed_next: true}, {stopped_at_zero: true},
                           {pulled_all: {}}]};
    if (id) body.identifier = id;
    $('p-verify').append(verdict(await call('POST', '/verify', body)));
  } catch (e) {
    box.append(el('p', 'msg', e.message));
  }
}
$('p-draw').addEventListener('click', drawPulls);
views.pull = function () {};

/* ---- faults ----------------------------------------------------------- */

views.faults = async function () {
  try {
    const j = await call('GET', '/faults');
    const body = $('faults').tBodies[0];
    body.replaceChildren();
    for (const f of j.faults) {
      const tr = el('tr');
      tr.dataset.id = f.id;
      for (const v of [f.id, JSON.stringify(f.match), f.action,
                       f.times || '∞', f.period_ms || '∞', f.seen, f.fired])
        tr.append(el('td', null, v));
      const del = el('button', 'delete', 'Delete');
      del.type = 'button';
      del.addEventListener('click', async () => {
        try {
          await call('DELETE', '/faults/' + f.id);
          msg('fault-msg', 'rule ' + f.id + ' deleted', true);
        } catch (e) {
          msg('fault-msg', e.message);
        }
        views.faults();
      });
      const td = el('td');
      td.append(del);
      tr.append(td);
      body.append(tr);
    }
  } catch (e) {
    msg('fault-msg', e.message);
  }
};

function msg(id, text, good) {
  $(id).textContent = text;
  $(id).classList.toggle('good', !!good);
}

for (const b of document.querySelectorAll('.preset'))
  b.addEventListener('click', () => {
    $('fault-json').value = JSON.stringify(PRESETS[b.dataset.preset]);
  });

$('fault-add').addEventListener('click', async () => {
  try {
    const j = await call('POST', '/faults', $('fault-json').value);
    msg('fault-msg', 'rule ' + j.id + ' added', true);
  } catch (e) {
    msg('fault-msg', e.message);
  }
  views.faults();
});

/* ---- actions ---------------------------------------------------------- */

async function act(what, fn) {
  try {
    await fn();
    msg('a-msg', what, true);
  } catch (e) {
    msg('a-msg', e.message);
  }
  restartJournal();
  views.apps(); /* a reset or a load changes the apps */
}

$('a-reset').addEventListener('click', () =>
  act('reset: the fixture is served afresh',
      () => call('POST', '/reset')));
$('a-clear').addEventListener('click', () =>
  act('the journal is empty', () => call('DELETE', '/journal')));
$('a-load').addEventListener('click', () =>
  act('fixture loaded', () => call('POST', '/fixture',
                                   {path: $('a-path').value})));

$('a-verify').addEventListener('click', async () => {
  const box = $('v-result');
  box.replaceChildren();
  const expect = [];
  for (const c of document.querySelectorAll('#v-expect input:checked')) {
    if (c.value === 'retried_after')
      expect.push({retried_after: {
        error_code: Number($('v-retry-code').value),
        min_wait_ms: Number($('v-retry-wait').value)}});
    else if (c.value === 'pulled_all')
      expect.push({pulled_all: {}});
    else
      expect.push({[c.value]: true});
  }
  const body = {sdkappid: Number($('v-app').value), expect};
  const id = $('v-identifier').value.trim();
  if (id) body.identifier = id;
  try {
    box.append(verdict(await call('POST', '/verify', body)));
    msg('a-msg', '');
  } catch (e) {
    msg('a-msg', e.message);
  }
});
views.actions = function () {};

/* ---- start ------------------------------------------------------------ */

livePolling();
show(Object.prototype.hasOwnProperty.call(views, location.hash.slice(1))
       ? location.hash.slice(1) : 'apps');
if (location.hash.slice(1) !== 'journal') pollJournal();
