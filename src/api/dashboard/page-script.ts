/**
 * The dashboard's script (inline in the page; plain browser JavaScript, no build step). It
 * fetches `GET /sluice/v1/dashboard` every few seconds with the page's own credentials and
 * redraws. Every value from the server goes into the page as text (textContent, SVG
 * attributes), never as HTML: messages and ARNs are the user's.
 *
 * Written without template literals so that it can live in this TypeScript string as is.
 */
export const DASHBOARD_REFRESH_MS = 3000;

export const DASHBOARD_SCRIPT = `
'use strict';
(function () {
  var REFRESH_MS = ${DASHBOARD_REFRESH_MS};
  var DATA_URL = '/sluice/v1/dashboard';
  var SVG = 'http://www.w3.org/2000/svg';

  function el(tag, attrs) {
    var node = document.createElement(tag);
    for (var key in attrs || {}) {
      if (key === 'text') node.textContent = attrs[key];
      else if (attrs[key] !== undefined && attrs[key] !== null) node.setAttribute(key, attrs[key]);
    }
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined) continue;
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    }
    return node;
  }
  function svg(tag, attrs) {
    var node = document.createElementNS(SVG, tag);
    for (var key in attrs) node.setAttribute(key, String(attrs[key]));
    return node;
  }
  function fmt(n) { return n === null || n === undefined ? '–' : Number(n).toLocaleString('en-US'); }
  function functionName(arn) { var m = /:function:([^:]+)/.exec(arn || ''); return m ? m[1] : arn; }
  function resourceName(arn) { var parts = String(arn || '').split(':'); var last = parts.slice(5).join(':'); return last.replace(/^(stream|table)\\//, '').replace(/\\/stream\\/.*$/, '') || arn; }
  function ago(ms) {
    var s = Math.max(0, Math.round((Date.now() - ms) / 1000));
    return s < 60 ? s + ' s ago' : s < 3600 ? Math.round(s / 60) + ' min ago' : Math.round(s / 3600) + ' h ago';
  }
  function clock(ms) { return new Date(ms).toLocaleTimeString('en-GB', { hour12: false }); }
  function th(text, cls) { return el('th', { 'class': cls, text: text }); }
  function td(text, cls, attrs) { var a = attrs || {}; a['class'] = cls; a.text = text; return el('td', a); }

  /** Records/s (invoked, and read) as lines, failed invocations as red bars, over the window. */
  function chart(activity, width, height) {
    var root = svg('svg', { width: width, height: height, viewBox: '0 0 ' + width + ' ' + height, 'class': 'chart', role: 'img' });
    var n = activity.Invoked.length;
    var perSecond = function (v) { return v / (activity.BucketMs / 1000); };
    var max = 0;
    for (var i = 0; i < n; i++) max = Math.max(max, perSecond(activity.Invoked[i]), perSecond(activity.In[i]), perSecond(activity.Failed[i]));
    var top = 4, bottom = height - 2;
    var x = function (i) { return (i / Math.max(1, n - 1)) * width; };
    var y = function (v) { return max === 0 ? bottom : bottom - (v / max) * (bottom - top); };
    root.appendChild(svg('line', { x1: 0, x2: width, y1: bottom + 0.5, y2: bottom + 0.5, stroke: '#e4e7ec' }));
    var bar = Math.max(1, width / n - 1);
    for (i = 0; i < n; i++) {
      if (activity.Failed[i] > 0) {
        var yy = Math.min(y(perSecond(activity.Failed[i])), bottom - 3);
        root.appendChild(svg('rect', { x: x(i) - bar / 2, y: yy, width: bar, height: bottom - yy, fill: '#c0262d', opacity: 0.75 }));
      }
    }
    function path(values, closed) {
      var d = '';
      for (var i = 0; i < n; i++) d += (i === 0 ? 'M' : 'L') + x(i).toFixed(1) + ' ' + y(perSecond(values[i])).toFixed(1);
      return closed ? d + 'L' + width + ' ' + bottom + 'L0 ' + bottom + 'Z' : d;
    }
    root.appendChild(svg('path', { d: path(activity.Invoked, true), fill: 'rgba(37, 99, 235, 0.12)', stroke: 'none' }));
    root.appendChild(svg('path', { d: path(activity.In, false), fill: 'none', stroke: '#98a2b3', 'stroke-width': 1, 'stroke-dasharray': '3 2' }));
    root.appendChild(svg('path', { d: path(activity.Invoked, false), fill: 'none', stroke: '#2563eb', 'stroke-width': 1.5 }));
    if (max > 0) {
      var peak = svg('text', { x: 2, y: 10, 'font-size': 9, fill: '#667085' });
      peak.textContent = (max >= 10 ? Math.round(max) : max.toFixed(1)) + '/s';
      root.appendChild(peak);
    }
    var title = svg('title', {});
    title.textContent = 'peak ' + max.toFixed(1) + ' records/s over the last 15 minutes (10 s buckets)';
    root.appendChild(title);
    return root;
  }

  function stateBadge(state) { return el('span', { 'class': 'badge ' + state, text: state }); }
  function resultCell(result) {
    if (!result) return td('–', 'sub');
    var problem = result.indexOf('PROBLEM') === 0;
    return el('td', { 'class': 'result' + (problem ? ' problem' : '') }, el('span', { 'class': 'badge ' + (problem ? 'error' : 'ok'), text: problem ? 'problem' : 'ok' }), ' ', el('span', { 'class': 'sub', text: result }));
  }

  function tiles(data) {
    var t = { In: 0, Invoked: 0, FilteredOut: 0, Failed: 0 };
    var enabled = 0;
    data.Mappings.forEach(function (m) { for (var k in t) t[k] += m.Totals[k]; if (m.State === 'Enabled') enabled++; });
    function tile(label, value, cls, id) { return el('div', { 'class': 'tile ' + (cls || ''), id: id }, el('div', { 'class': 'label', text: label }), el('div', { 'class': 'value', text: value })); }
    return el('div', { 'class': 'tiles' },
      tile('Mappings', fmt(data.Mappings.length) + (enabled !== data.Mappings.length ? ' (' + enabled + ' enabled)' : ''), '', 'tile-mappings'),
      tile('Workers alive', fmt(data.Workers.length), data.Workers.length === 0 ? 'bad' : '', 'tile-workers'),
      tile('Records in · 15 min', fmt(t.In), '', 'tile-in'),
      tile('Invoked · 15 min', fmt(t.Invoked), '', 'tile-invoked'),
      tile('Filtered out · 15 min', fmt(t.FilteredOut), '', 'tile-filtered'),
      tile('Failed invocations · 15 min', fmt(t.Failed), t.Failed > 0 ? 'bad' : '', 'tile-failed'));
  }

  function legend() {
    function item(color, text) { return el('span', {}, el('i', { style: 'background:' + color }), text); }
    return el('span', { 'class': 'legend' }, item('#2563eb', 'invoked/s'), item('#98a2b3', 'read/s'), item('#c0262d', 'failed'));
  }

  function mappingsSection(data) {
    var section = el('section', { id: 'mappings' }, el('h2', {}, 'Event source mappings', el('small', { text: 'last 15 minutes, every process' })));
    if (data.Mappings.length === 0) { section.appendChild(el('div', { 'class': 'empty', text: 'No mappings yet: create one with CreateEventSourceMapping.' })); return section; }
    var head = el('tr', {}, th('State'), th('Function'), th('Source'), th('Last processing result'), el('th', {}, 'Activity ', legend()), th('In', 'num'), th('Invoked', 'num'), th('Filtered out', 'num'), th('Failed', 'num'));
    var body = el('tbody');
    data.Mappings.forEach(function (m) {
      body.appendChild(el('tr', { 'data-mapping': m.UUID },
        el('td', {}, stateBadge(m.State)),
        el('td', {}, el('div', { text: functionName(m.FunctionArn) }), el('div', { 'class': 'sub mono', text: m.UUID })),
        el('td', { 'class': 'clip' }, el('div', { 'class': 'src', text: m.Source }), el('div', { title: m.EventSourceArn, text: resourceName(m.EventSourceArn) })),
        resultCell(m.LastProcessingResult),
        el('td', {}, chart(m.Activity, 240, 44)),
        td(fmt(m.Totals.In), 'num', { 'data-count': 'in' }),
        td(fmt(m.Totals.Invoked), 'num', { 'data-count': 'invoked' }),
        td(fmt(m.Totals.FilteredOut), 'num', { 'data-count': 'filtered' }),
        td(fmt(m.Totals.Failed), 'num' + (m.Totals.Failed > 0 ? ' failed' : ''), { 'data-count': 'failed' })));
    });
    section.appendChild(el('table', {}, el('thead', {}, head), body));
    if (data.Omitted > 0) section.appendChild(el('div', { 'class': 'empty', text: data.Omitted + ' more mappings not shown' }));
    return section;
  }

  function shardsSection(data) {
    var streams = data.Mappings.filter(function (m) { return m.Source !== 'sqs'; });
    var section = el('section', { id: 'shards' }, el('h2', {}, 'Shards', el('small', { text: 'lease holder, checkpoint, iterator age and lanes, as the holders publish them' })));
    if (streams.length === 0) { section.appendChild(el('div', { 'class': 'empty', text: 'No stream mappings.' })); return section; }
    // One table for every stream mapping (a heading row each), so the columns line up.
    var body = el('tbody');
    streams.forEach(function (m) {
      body.appendChild(el('tr', { 'class': 'group' }, el('td', { colspan: '8' }, el('span', { 'class': 'group-name', text: functionName(m.FunctionArn) }), el('span', { 'class': 'sub', text: resourceName(m.EventSourceArn) + ' · ' + m.UUID }))));
      if (!m.Shards) { body.appendChild(el('tr', {}, el('td', { colspan: '8', 'class': 'sub', text: 'Shards unavailable: ' + (m.ShardsError || 'unknown') }))); return; }
      if (m.Shards.length === 0) { body.appendChild(el('tr', {}, el('td', { colspan: '8', 'class': 'sub', text: 'No shards listed yet.' }))); return; }
      m.Shards.forEach(function (s) {
        body.appendChild(el('tr', { 'data-shard': s.ShardId, 'data-mapping': m.UUID },
          td(s.ShardId, 'mono'),
          el('td', {}, el('span', { 'class': 'badge ' + s.Status, text: s.Status })),
          td(s.ParentShardId || '–', 'mono sub'),
          td(s.Checkpoint || '–', 'mono clip', { title: s.Checkpoint || '' }),
          td(s.LeaseHolder || 'none', 'mono' + (s.LeaseHolder ? '' : ' sub')),
          td(s.IteratorAgeMs === null ? '–' : fmt(s.IteratorAgeMs) + ' ms', 'num'),
          td(s.Lanes ? fmt(s.Lanes.InFlight) : '–', 'num'),
          td(s.Lanes ? fmt(s.Lanes.Buffered) : '–', 'num')));
      });
    });
    section.appendChild(el('table', {}, el('thead', {}, el('tr', {}, th('Shard'), th('Status'), th('Parent'), th('Checkpoint'), th('Lease holder'), th('Iterator age', 'num'), th('In flight', 'num'), th('Buffered', 'num'))), body));
    return section;
  }

  function failuresSection(data) {
    var all = [];
    data.Mappings.forEach(function (m) { m.Failures.forEach(function (f) { all.push({ f: f, m: m }); }); });
    all.sort(function (a, b) { return b.f.at - a.f.at; });
    var section = el('section', { id: 'failures' }, el('h2', {}, 'Recent failures', el('small', { text: 'the explained warnings, newest first (last 20 per mapping)' })));
    if (all.length === 0) { section.appendChild(el('div', { 'class': 'empty', text: 'No failures.' })); return section; }
    var body = el('tbody');
    all.slice(0, 50).forEach(function (x) {
      body.appendChild(el('tr', { 'data-failure': x.m.UUID },
        el('td', { 'class': 'num', title: new Date(x.f.at).toISOString() }, clock(x.f.at), el('div', { 'class': 'sub', text: ago(x.f.at) })),
        el('td', {}, el('div', { text: functionName(x.f['function'] || x.m.FunctionArn) }), el('div', { 'class': 'sub mono', text: x.m.UUID.slice(0, 8) })),
        el('td', {}, el('span', { 'class': 'badge ' + (x.f.level === 'error' ? 'error' : 'warn'), text: x.f.cause || x.f.level })),
        el('td', {}, el('div', { text: x.f.message }), x.f.repeats ? el('div', { 'class': 'sub', text: x.f.repeats + ' more' }) : null),
        td(x.f.process, 'sub')));
    });
    section.appendChild(el('table', {}, el('thead', {}, el('tr', {}, th('When', 'num'), th('Function'), th('Cause'), th('What happened'), th('Process'))), body));
    return section;
  }

  function workersSection(data) {
    var section = el('section', { id: 'workers' }, el('h2', {}, 'Workers', el('small', { text: 'processes running mappings (heartbeat within the worker timeout)' })));
    if (data.Workers.length === 0) { section.appendChild(el('div', { 'class': 'empty', text: 'No live worker: no process runs mappings.' })); return section; }
    var body = el('tbody');
    data.Workers.forEach(function (w) { body.appendChild(el('tr', { 'data-worker': w.WorkerId }, td(w.WorkerId, 'mono'), td(w.Host), td(String(w.Pid), 'num'), td(ago(w.LastSeen), 'num sub'))); });
    section.appendChild(el('table', {}, el('thead', {}, el('tr', {}, th('Worker'), th('Host'), th('Pid', 'num'), th('Last heartbeat', 'num'))), body));
    return section;
  }

  function render(data) {
    var main = document.getElementById('content');
    var next = el('div', { id: 'content' }, tiles(data), mappingsSection(data), shardsSection(data), failuresSection(data), workersSection(data));
    main.replaceWith(next);
    document.getElementById('updated').textContent = 'updated ' + clock(data.GeneratedAt);
  }

  function showError(text) {
    var box = document.getElementById('error');
    box.textContent = text;
    box.style.display = text ? 'block' : 'none';
  }

  function refresh() {
    fetch(DATA_URL, { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (response) {
        if (!response.ok) return response.text().then(function (body) { throw new Error(DATA_URL + ' answered ' + response.status + ': ' + body.slice(0, 200)); });
        return response.json();
      })
      .then(function (data) { showError(''); render(data); }, function (error) { showError('Could not refresh: ' + error.message); })
      .then(function () { setTimeout(refresh, REFRESH_MS); });
  }
  refresh();
})();
`;
