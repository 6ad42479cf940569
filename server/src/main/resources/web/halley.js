/*
 * halley.js: the browser client of Halley, a comet server. No dependencies.
 *
 *   const h = Halley.connect({client: 'alice', channels: ['news'], resumeKey: 'my-app'});
 *   h.on('message', m => ...)   // {topic: 'channel:news', kind, name, id, data}
 *   h.on('gap', g => ...)       // {topic, kind, name, cursor}: something may have been missed
 *   h.on('state', s => ...)     // connecting | open | reconnecting | closed
 *
 * Transports: WebSocket, then Server-Sent Events, then long-poll; one that never opened is given
 * up for the next. `transport: 'ws' | 'sse' | 'longpoll'` forces one. After a drop it reconnects
 * with exponential backoff and resumes every topic from the last id it delivered (per topic, as a
 * compound cursor), so nothing is delivered twice and nothing is skipped silently: when the server
 * cannot vouch for the messages in between it says so with a `gap`. With `resumeKey` the cursors
 * are kept in sessionStorage, so a page reload resumes too.
 */
(function (global) {
  'use strict';

  var ORDER = ['ws', 'sse', 'longpoll'];

  function Client(options) {
    options = options || {};
    this.base = (options.url || global.location.origin).replace(/\/$/, '');
    this.topics = [];
    if (options.client) this.topics.push({kind: 'client', name: options.client});
    (options.channels || []).forEach(function (c) { this.topics.push({kind: 'channel', name: c}); }, this);
    if (this.topics.length === 0) throw new Error('halley: name a client or at least one channel');
    if (options.transport && ORDER.indexOf(options.transport) < 0) {
      throw new Error('halley: transport must be ws, sse or longpoll, got ' + options.transport);
    }
    this.candidates = options.transport ? [options.transport] : ORDER.slice();
    this.pollTimeout = options.pollTimeout || '25s';
    this.backoffMs = {first: options.backoffFirstMs || 250, max: options.backoffMaxMs || 10000};
    this.resumeKey = options.resumeKey || null;
    this.cursors = this._load();
    this.handlers = {message: [], gap: [], state: [], error: []};
    this.transport = null;
    this.state = 'idle';
    this.failures = 0;
    this.opened = {};
    this.generation = 0;
    this.conn = null;
    this.timer = null;
  }

  Client.prototype.on = function (event, fn) {
    if (!this.handlers[event]) throw new Error('halley: no event ' + event);
    this.handlers[event].push(fn);
    return this;
  };

  Client.prototype.start = function () {
    this._connect();
    return this;
  };

  Client.prototype.close = function () {
    this.generation++;
    clearTimeout(this.timer);
    this._teardown();
    this._setState('closed');
  };

  /** The `since` for every topic that has a cursor: client:a=<id>,channel:x=<id>. */
  Client.prototype.since = function () {
    var parts = [];
    this.topics.forEach(function (t) {
      var c = this.cursors[key(t)];
      if (c) parts.push(key(t) + '=' + c);
    }, this);
    return parts.join(',');
  };

  Client.prototype._connect = function () {
    var gen = ++this.generation;
    this.transport = this.candidates[0];
    this._setState(this.failures === 0 && !this.opened[this.transport] ? 'connecting' : 'reconnecting');
    var open = this['_' + this.transport];
    open.call(this, gen);
  };

  /** Called by a transport when its connection works. */
  Client.prototype._opened = function (gen) {
    if (gen !== this.generation) return;
    this.failures = 0;
    this.opened[this.transport] = true;
    this._setState('open');
  };

  /** Called by a transport when its connection failed or dropped; schedules the next try. */
  Client.prototype._dropped = function (gen, why) {
    if (gen !== this.generation) return;
    this.generation++;
    this._teardown();
    this.failures++;
    var neverWorked = !this.opened[this.transport];
    if (this.candidates.length > 1 && (neverWorked || this.failures >= 3)) {
      this._emit('error', {reason: this.transport + ' failed (' + why + '), falling back'});
      this.candidates.shift();
      this.failures = 0;
      if (neverWorked) {
        this._connect();
        return;
      }
      this.failures = 1;
    }
    var delay = Math.min(this.backoffMs.max, this.backoffMs.first * Math.pow(2, this.failures - 1));
    delay = delay / 2 + Math.random() * delay / 2;
    this._setState('reconnecting');
    var self = this;
    this.timer = setTimeout(function () { self._connect(); }, delay);
  };

  Client.prototype._teardown = function () {
    var c = this.conn;
    this.conn = null;
    if (!c) return;
    if (c.close) c.close();
    if (c.abort) c.abort();
  };

  Client.prototype._query = function () {
    var q = this.topics.map(function (t) { return t.kind + '=' + encodeURIComponent(t.name); });
    var since = this.since();
    if (since) q.push('since=' + encodeURIComponent(since));
    return '/sub?' + q.join('&');
  };

  Client.prototype._ws = function (gen) {
    var self = this;
    var ws = new global.WebSocket(this.base.replace(/^http/, 'ws') + this._query());
    this.conn = ws;
    ws.onopen = function () { self._opened(gen); };
    ws.onmessage = function (e) {
      if (gen !== self.generation) return;
      var f = JSON.parse(e.data);
      if (f.type === 'message') self._deliver(f);
      else if (f.type === 'gap') self._gap(f);
      else if (f.type === 'error') self._emit('error', {reason: f.reason});
    };
    ws.onclose = function (e) { self._dropped(gen, 'websocket closed ' + e.code); };
  };

  Client.prototype._sse = function (gen) {
    var self = this;
    var es = new global.EventSource(this.base + this._query());
    this.conn = es;
    es.onopen = function () { self._opened(gen); };
    es.onmessage = function (e) { if (gen === self.generation) self._deliver(JSON.parse(e.data)); };
    es.addEventListener('gap', function (e) { if (gen === self.generation) self._gap(JSON.parse(e.data)); });
    // EventSource would retry by itself with Last-Event-ID; we retry ourselves to apply backoff and fallback.
    es.onerror = function () { self._dropped(gen, 'event stream failed'); };
  };

  Client.prototype._longpoll = function (gen) {
    var controller = new global.AbortController();
    this.conn = controller;
    this._opened(gen);
    this.topics.forEach(function (t) { this._poll(gen, t, controller.signal); }, this);
  };

  Client.prototype._poll = function (gen, topic, signal) {
    var self = this;
    var k = key(topic);
    var c = this.cursors[k];
    var url = this.base + '/sub/' + topic.kind + '/' + encodeURIComponent(topic.name) + '?timeout=' + this.pollTimeout
        + (c ? '&since=' + encodeURIComponent(c) : '');
    global.fetch(url, {signal: signal, cache: 'no-store'}).then(function (res) {
      if (!res.ok) {
        return res.text().then(function (t) { throw new Error('HTTP ' + res.status + ' ' + t); });
      }
      return res.json();
    }).then(function (answer) {
      if (gen !== self.generation) return;
      if (answer.gap) self._gap(withTopic({cursor: answer.cursor}, topic));
      answer.messages.forEach(function (m) { self._deliver(m); });
      if (answer.cursor) self._store(k, answer.cursor);
      self._poll(gen, topic, signal);
    }).catch(function (e) {
      self._dropped(gen, e.message);
    });
  };

  Client.prototype._deliver = function (env) {
    var t = topicOf(env);
    this._store(key(t), env.id);
    this._emit('message', {topic: key(t), kind: t.kind, name: t.name, id: env.id, data: env.data});
  };

  Client.prototype._gap = function (g) {
    var t = topicOf(g);
    if (g.cursor) this._store(key(t), g.cursor);
    this._emit('gap', {topic: key(t), kind: t.kind, name: t.name, cursor: g.cursor});
  };

  Client.prototype._store = function (k, id) {
    this.cursors[k] = id;
    if (this.resumeKey) global.sessionStorage.setItem('halley:' + this.resumeKey, JSON.stringify(this.cursors));
  };

  Client.prototype._load = function () {
    if (!this.resumeKey) return {};
    try {
      return JSON.parse(global.sessionStorage.getItem('halley:' + this.resumeKey)) || {};
    } catch (e) {
      return {};
    }
  };

  Client.prototype._setState = function (s) {
    if (s === this.state) return;
    this.state = s;
    this._emit('state', s);
  };

  Client.prototype._emit = function (event, value) {
    this.handlers[event].forEach(function (fn) { fn(value); });
  };

  function key(t) { return t.kind + ':' + t.name; }

  function topicOf(env) {
    return env.client !== undefined ? {kind: 'client', name: env.client} : {kind: 'channel', name: env.channel};
  }

  function withTopic(obj, topic) {
    obj[topic.kind] = topic.name;
    return obj;
  }

  global.Halley = {
    /** Creates a client and connects it; see the comment at the top of this file. */
    connect: function (options) { return new Client(options).start(); },
    Client: Client
  };
})(typeof window !== 'undefined' ? window : this);
