// The demo page: a chat room on a channel and a private inbox on this visitor's client mailbox,
// received through halley.js and published with fetch POST /pub/... .
(function () {
  'use strict';
  var params = new URLSearchParams(location.search);
  var me = params.get('client') || sessionStorage.getItem('halley-demo-id')
      || 'guest-' + Math.random().toString(36).slice(2, 8);
  sessionStorage.setItem('halley-demo-id', me);
  var room = params.get('room') || 'lobby';
  var $ = function (id) { return document.getElementById(id); };

  $('me').textContent = me;
  $('room-name').textContent = '#' + room;

  var client = Halley.connect({
    client: me,
    channels: [room],
    transport: params.get('transport') || undefined,
    resumeKey: 'demo:' + me + ':' + room
  });
  window.halleyDemo = {client: client, received: [], gaps: [], me: me, room: room};

  client.on('state', function (s) {
    $('state').textContent = s;
    $('state').className = 'pill ' + s;
    $('transport').textContent = client.transport;
  });
  client.on('message', function (m) {
    window.halleyDemo.received.push(m);
    var d = m.data && typeof m.data === 'object' ? m.data : {from: '?', text: String(m.data)};
    var li = document.createElement('li');
    li.dataset.id = m.id;
    var who = document.createElement('b');
    who.textContent = d.from + ': ';
    li.appendChild(who);
    li.appendChild(document.createTextNode(d.text));
    $(m.kind === 'channel' ? 'chat' : 'inbox').appendChild(li);
    li.scrollIntoView({block: 'nearest'});
  });
  client.on('gap', function (g) {
    window.halleyDemo.gaps.push(g);
    notice('gap on ' + g.topic + ': some messages may be missing');
  });
  client.on('error', function (e) { notice(e.reason); });

  function notice(text) {
    var li = document.createElement('li');
    li.textContent = new Date().toLocaleTimeString() + ' ' + text;
    $('notices').appendChild(li);
  }

  function publish(path, text) {
    return fetch(path, {
      method: 'POST',
      headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({from: me, text: text})
    }).then(function (res) {
      if (!res.ok) return res.json().then(function (e) { notice('publish failed: ' + e.error); });
    });
  }

  $('chat-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var text = $('chat-input').value.trim();
    if (!text) return;
    $('chat-input').value = '';
    publish('/pub/channel/' + encodeURIComponent(room), text);
  });
  $('dm-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var to = $('dm-to').value.trim();
    var text = $('dm-text').value.trim();
    if (!to || !text) return;
    $('dm-text').value = '';
    publish('/pub/client/' + encodeURIComponent(to), text);
  });
})();
