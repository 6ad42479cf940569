// The live dashboard: reads /status/stream (one status snapshot a second) and draws cards,
// tables and inline-SVG charts of the last five minutes. No dependencies, no build step.
(function () {
  'use strict';
  var KEEP = 300;
  var history = [];
  var $ = function (id) { return document.getElementById(id); };

  function connect() {
    var es = new EventSource('/status/stream');
    es.onopen = function () { setState('live'); };
    es.onmessage = function (e) { update(JSON.parse(e.data)); };
    es.onerror = function () {
      setState('reconnecting');
      es.close();
      setTimeout(connect, 2000);
    };
  }

  function setState(s) {
    $('stream-state').textContent = s;
    $('stream-state').className = 'pill ' + (s === 'live' ? 'open' : 'reconnecting');
  }

  function update(s) {
    var prev = history.length ? history[history.length - 1] : null;
    var point = {t: s.timeMillis, conns: s.connections.total, heap: s.memory.heapUsedBytes, rin: 0, rout: 0};
    if (prev) {
      var dt = Math.max(0.001, (s.timeMillis - prev.t) / 1000);
      point.rin = Math.max(0, (s.messages.published - prev.published) / dt);
      point.rout = Math.max(0, (s.messages.delivered - prev.delivered) / dt);
    }
    point.published = s.messages.published;
    point.delivered = s.messages.delivered;
    history.push(point);
    if (history.length > KEEP) history.shift();

    $('node').textContent = s.loops + ' loops, ' + s.acceptMode;
    $('uptime').textContent = duration(s.uptimeSeconds);
    $('broker').textContent = s.broker.kind + ' ' + s.broker.state;
    $('connections-total').textContent = num(s.connections.total);
    $('connections-hint').textContent = num(s.connections.accepted) + ' accepted since start';
    $('rate-in').textContent = rate(point.rin);
    $('rate-out').textContent = rate(point.rout);
    $('published-total').textContent = num(s.messages.published) + ' published';
    $('delivered-total').textContent = num(s.messages.delivered) + ' delivered';
    $('heap-per-conn').textContent = s.connections.total > 0 ? bytes(s.memory.heapUsedBytes / s.connections.total) : '–';
    $('heap-used').textContent = bytes(s.memory.heapUsedBytes) + ' of ' + bytes(s.memory.heapMaxBytes);
    $('subscriptions').textContent = num(s.subscriptions);
    $('topics').textContent = num(s.mailboxes) + ' mailboxes, ' + num(s.channels) + ' channels';
    $('queued').textContent = num(s.queuedMessages);
    $('expired').textContent = num(s.messages.expired) + ' expired, ' + num(s.messages.dropped) + ' dropped';

    var total = s.connections.total || 1;
    rows('loops', s.connections.perLoop.map(function (n, i) {
      return [String(i), num(n), '<div class="share"><div style="width:' + (100 * n / total).toFixed(1) + '%"></div></div>'];
    }));
    rows('transports', Object.keys(s.connections.byTransport).map(function (k) {
      return [k, num(s.connections.byTransport[k])];
    }));
    rows('rejects', [['accepted', num(s.connections.accepted)]].concat(Object.keys(s.connections.rejected).map(function (k) {
      return [k.replace(/_/g, ' '), num(s.connections.rejected[k])];
    })));

    chart('chart-connections', [{values: history.map(function (p) { return p.conns; }), cls: 'conn'}], num);
    chart('chart-rates', [
      {values: history.map(function (p) { return p.rin; }), cls: 'in'},
      {values: history.map(function (p) { return p.rout; }), cls: 'out'}
    ], rate);
    chart('chart-heap', [{values: history.map(function (p) { return p.heap; }), cls: 'heap'}], bytes);
  }

  function rows(id, data) {
    var body = document.querySelector('#' + id + ' tbody');
    body.innerHTML = data.map(function (r) {
      return '<tr>' + r.map(function (c, i) { return '<td' + (i === 1 ? ' class="num"' : '') + '>' + c + '</td>'; }).join('') + '</tr>';
    }).join('');
  }

  /**
   * Draws series as filled lines, newest at the right, over the last minute at first and then
   * over as much history as is kept (up to KEEP seconds).
   */
  function chart(id, series, label) {
    var W = 400, H = 180, top = 16, bottom = 6;
    var span = Math.max(60, series[0].values.length);
    var max = 0;
    series.forEach(function (s) { s.values.forEach(function (v) { if (v > max) max = v; }); });
    max = niceCeil(max);
    var x = function (i, n) { return W - (n - 1 - i) * (W / (span - 1)); };
    var y = function (v) { return H - bottom - (H - top - bottom) * (v / max); };
    var svg = '';
    [0.25, 0.5, 0.75, 1].forEach(function (f) {
      var gy = y(max * f);
      svg += '<line class="grid" x1="0" x2="' + W + '" y1="' + gy + '" y2="' + gy + '"/>';
    });
    series.forEach(function (s) {
      var n = s.values.length;
      if (n === 0) return;
      var pts = s.values.map(function (v, i) { return x(i, n).toFixed(1) + ',' + y(v).toFixed(1); });
      svg += '<path class="area ' + s.cls + '" d="M' + x(0, n).toFixed(1) + ',' + y(0) + ' L' + pts.join(' L') + ' L' + W + ',' + y(0) + ' Z"/>';
      svg += '<polyline class="line ' + s.cls + '" points="' + pts.join(' ') + '"/>';
    });
    svg += '<text class="axis" x="4" y="12">' + label(max) + '</text>';
    $(id).innerHTML = svg;
    $(id).parentNode.querySelector('.range').textContent = 'last ' + Math.round(span / 60) + ' min';
  }

  function niceCeil(v) {
    if (v <= 0) return 1;
    var p = Math.pow(10, Math.floor(Math.log10(v)));
    var m = v / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
  }

  function num(n) { return Math.round(n).toLocaleString('en-US'); }
  function rate(r) { return r >= 100 ? num(r) : r.toFixed(1); }

  function bytes(b) {
    var units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    var u = 0;
    while (b >= 1024 && u < units.length - 1) { b /= 1024; u++; }
    return (u === 0 ? Math.round(b) : b.toFixed(1)) + ' ' + units[u];
  }

  function duration(s) {
    if (s < 60) return s + 's';
    if (s < 3600) return Math.floor(s / 60) + 'm ' + (s % 60) + 's';
    return Math.floor(s / 3600) + 'h ' + Math.floor(s % 3600 / 60) + 'm';
  }

  connect();
})();
