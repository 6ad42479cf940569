// Drives the real Pusher clients against a Halley node started by PusherClientsTest (JUnit):
// pusher-js and laravel-echo as subscribers, the official `pusher` server SDK for the HTTP API and
// for every auth signature, so Halley's checks meet the vendor's own signing code.
// Usage: node pusher-tests.mjs <port> <appId> <key> <secret> <otherAppId> <otherKey> <otherSecret> <webhookPort>
import PusherClient from 'pusher-js';
import PusherServer from 'pusher';
import Echo from 'laravel-echo';
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';

const [port, appId, key, secret, otherId, otherKey, otherSecret, webhookPort] = process.argv.slice(2);
const server = new PusherServer({ appId, key, secret, host: '127.0.0.1', port, useTLS: false });
const other = new PusherServer({ appId: otherId, key: otherKey, secret: otherSecret, host: '127.0.0.1', port, useTLS: false });
const masterKey = Buffer.alloc(32, 7).toString('base64');
const encrypting = new PusherServer({ appId, key, secret, host: '127.0.0.1', port, useTLS: false, encryptionMasterKeyBase64: masterKey });
const wrongSecret = new PusherServer({ appId, key, secret: secret + 'x', host: '127.0.0.1', port, useTLS: false });

// The app's webhook receiver: every request is checked with the SDK's own webhook validation.
const webhooks = { valid: [], invalid: 0 };
const receiver = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const hook = server.webhook({ headers: req.headers, rawBody: Buffer.concat(chunks).toString('utf8') });
    if (hook.isValid()) {
      webhooks.valid.push(...hook.getEvents());
    } else {
      webhooks.invalid++;
    }
    res.writeHead(200).end();
  });
});
await new Promise((resolve) => receiver.listen(Number(webhookPort), '127.0.0.1', resolve));

let passed = 0;
let failed = 0;
const clients = [];

function client(options = {}, appKey = key, signer = server) {
  const c = new PusherClient(appKey, {
    cluster: 'mt1', wsHost: '127.0.0.1', wsPort: Number(port), forceTLS: false, enabledTransports: ['ws'],
    channelAuthorization: {
      customHandler: ({ socketId, channelName }, callback) => {
        const data = options.user ? { user_id: options.user, user_info: { name: 'user ' + options.user } } : undefined;
        callback(null, signer.authorizeChannel(socketId, channelName, data));
      },
    },
    ...options.pusher,
  });
  clients.push(c);
  return c;
}

function within(ms, what, promise) {
  return Promise.race([promise, new Promise((_, reject) => setTimeout(() => reject(new Error('timed out: ' + what)), ms))]);
}

function once(target, event) {
  return onceWithMeta(target, event).then(({ data }) => data);
}

/** The next `event` with its metadata (pusher-js passes the sender's user_id there). */
function onceWithMeta(target, event) {
  return new Promise((resolve) => target.bind(event, function handler(data, meta) {
    target.unbind(event, handler);
    resolve({ data, meta });
  }));
}

function connected(c) {
  return c.connection.state === 'connected' ? Promise.resolve() : once(c.connection, 'connected');
}

async function subscribed(c, name) {
  const ch = c.subscribe(name);
  await within(5000, 'subscription_succeeded on ' + name, new Promise((resolve, reject) => {
    ch.bind('pusher:subscription_succeeded', resolve);
    ch.bind('pusher:subscription_error', (e) => reject(new Error('subscription_error ' + JSON.stringify(e))));
  }));
  return ch;
}

/** Resolves with the events `name` delivers within `ms`. */
function collect(ch, name, ms) {
  const got = [];
  ch.bind(name, (data) => got.push(data));
  return new Promise((resolve) => setTimeout(() => resolve(got), ms));
}

async function until(condition, what) {
  for (let i = 0; i < 100 && !condition(); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  check(condition(), 'never true: ' + what);
}

function check(cond, message) {
  if (!cond) throw new Error(message);
}

async function test(name, body) {
  try {
    await within(20000, name, body());
    passed++;
    console.log('ok - ' + name);
  } catch (e) {
    failed++;
    console.log('not ok - ' + name + ': ' + (e && e.stack ? e.stack : e));
  }
}

await test('pusher-js connects and gets a socket id', async () => {
  const c = client();
  await within(5000, 'connected', connected(c));
  check(/^\d+\.\d+$/.test(c.connection.socket_id), 'socket id ' + c.connection.socket_id);
});

await test('public channel delivers an event triggered through the HTTP API', async () => {
  const c = client();
  const ch = await subscribed(c, 'news');
  const got = once(ch, 'greet');
  const answer = await server.trigger('news', 'greet', { hello: 'world' });
  check(answer.status === 200, 'trigger status ' + answer.status);
  const data = await within(5000, 'greet event', got);
  check(data.hello === 'world', 'data ' + JSON.stringify(data));
});

await test('private channel signed by the server SDK delivers', async () => {
  const c = client();
  const ch = await subscribed(c, 'private-orders');
  const got = once(ch, 'shipped');
  await server.trigger('private-orders', 'shipped', { id: 7 });
  check((await within(5000, 'shipped', got)).id === 7, 'wrong data');
});

await test('private-encrypted channel: the SDK encrypts, Halley relays untouched, pusher-js decrypts', async () => {
  const c = client({}, key, encrypting);
  const ch = await subscribed(c, 'private-encrypted-safe');
  const got = once(ch, 'sealed');
  await encrypting.trigger('private-encrypted-safe', 'sealed', { pin: 1234 });
  check((await within(5000, 'decrypted event', got)).pin === 1234, 'not decrypted');
});

await test('a signature from the wrong secret is refused with subscription_error', async () => {
  const c = client({}, key, wrongSecret);
  await connected(c);
  const ch = c.subscribe('private-vault');
  const error = await within(5000, 'subscription_error', once(ch, 'pusher:subscription_error'));
  check(error.status === 401, 'status ' + JSON.stringify(error));
  const leak = collect(ch, 'secret', 800);
  await server.trigger('private-vault', 'secret', 'x');
  check((await leak).length === 0, 'an unauthorized subscriber got an event');
});

await test('socket_id exclusion skips the named connection only', async () => {
  const a = client();
  const b = client();
  const chA = await subscribed(a, 'excl');
  const chB = await subscribed(b, 'excl');
  const gotA = collect(chA, 'e', 1000);
  const gotB = once(chB, 'e');
  await server.trigger('excl', 'e', 'one', { socket_id: a.connection.socket_id });
  await within(5000, 'b gets e', gotB);
  check((await gotA).length === 0, 'the excluded socket got the event');
});

await test('triggerBatch delivers every event of the batch', async () => {
  const c = client();
  const ch1 = await subscribed(c, 'batch-1');
  const ch2 = await subscribed(c, 'batch-2');
  const got1 = once(ch1, 'b');
  const got2 = once(ch2, 'b');
  const answer = await server.triggerBatch([
    { channel: 'batch-1', name: 'b', data: 'first' },
    { channel: 'batch-2', name: 'b', data: 'second' },
  ]);
  check(answer.status === 200, 'status ' + answer.status);
  check((await within(5000, 'batch-1', got1)) === 'first', 'batch-1');
  check((await within(5000, 'batch-2', got2)) === 'second', 'batch-2');
});

await test('presence: member list, member_added, member_removed, one member per user id', async () => {
  const a = client({ user: 'u1' });
  const chA = await subscribed(a, 'presence-room');
  check(chA.members.count === 1 && chA.members.me.id === 'u1', 'members of a ' + chA.members.count);
  const added = once(chA, 'pusher:member_added');
  const b = client({ user: 'u2' });
  const chB = await subscribed(b, 'presence-room');
  check(chB.members.count === 2, 'b sees ' + chB.members.count + ' members');
  check(chB.members.get('u1').info.name === 'user u1', 'user info');
  const member = await within(5000, 'member_added', added);
  check(member.id === 'u2', 'added ' + member.id);
  const addedTwice = collect(chB, 'pusher:member_added', 1000);
  const a2 = client({ user: 'u1' });
  const chA2 = await subscribed(a2, 'presence-room');
  check(chA2.members.count === 2, 'second connection of u1 sees ' + chA2.members.count);
  check((await addedTwice).length === 0, 'a second connection of u1 was announced again');
  const users = await (await server.get({ path: '/channels/presence-room/users' })).json();
  check(users.users.map((u) => u.id).sort().join() === 'u1,u2', 'users ' + JSON.stringify(users));
  const removed = collect(chB, 'pusher:member_removed', 1000);
  a2.disconnect();
  check((await removed).length === 0, 'u1 was removed while another of its connections stayed');
  const gone = once(chB, 'pusher:member_removed');
  a.disconnect();
  check((await within(5000, 'member_removed', gone)).id === 'u1', 'removed');
});

await test('client events reach the others on a private channel, never the sender', async () => {
  const a = client();
  const b = client();
  const chA = await subscribed(a, 'private-chat');
  const chB = await subscribed(b, 'private-chat');
  const echoed = collect(chA, 'client-typing', 1000);
  const got = once(chB, 'client-typing');
  check(chA.trigger('client-typing', { who: 'a' }), 'trigger refused by pusher-js');
  check((await within(5000, 'client-typing', got)).who === 'a', 'data');
  check((await echoed).length === 0, 'the sender got its own client event');
});

await test('client events on presence carry the sender user_id', async () => {
  const a = client({ user: 'ann' });
  const b = client({ user: 'bob' });
  const chA = await subscribed(a, 'presence-chat');
  const chB = await subscribed(b, 'presence-chat');
  const got = onceWithMeta(chB, 'client-wave');
  chA.trigger('client-wave', 'hi');
  const { data, meta } = await within(5000, 'client-wave', got);
  check(data === 'hi' && meta.user_id === 'ann', 'got ' + JSON.stringify({ data, meta }));
});

await test('a client event on a public channel is refused with pusher:error and not delivered', async () => {
  const a = client();
  const b = client();
  const chA = await subscribed(a, 'lobby');
  const chB = await subscribed(b, 'lobby');
  const delivered = collect(chB, 'client-x', 1000);
  const error = new Promise((resolve) => a.connection.bind('error', resolve));
  a.send_event('client-x', { sneaky: true }, 'lobby');
  const e = await within(5000, 'pusher:error', error);
  check(e.data && e.data.code === 4009, 'error ' + JSON.stringify(e));
  check((await delivered).length === 0, 'delivered on a public channel');
  void chA;
});

await test('cache channel: the last event on subscribe, or pusher:cache_miss', async () => {
  await server.trigger('cache-prices', 'price', { v: 1 });
  await server.trigger('cache-prices', 'price', { v: 2 });
  const c = client();
  const ch = c.subscribe('cache-prices');
  const got = await within(5000, 'cached price', once(ch, 'price'));
  check(got.v === 2, 'cached ' + JSON.stringify(got));
  const miss = c.subscribe('cache-empty');
  await within(5000, 'cache_miss', once(miss, 'pusher:cache_miss'));
});

await test('channel queries: occupied channels, subscription and user counts', async () => {
  const c = client({ user: 'q1' });
  await subscribed(c, 'presence-query');
  await subscribed(c, 'query-public');
  const list = await (await server.get({ path: '/channels', params: { filter_by_prefix: 'presence-', info: 'user_count' } })).json();
  check(list.channels['presence-query'].user_count === 1, 'list ' + JSON.stringify(list));
  check(!('query-public' in list.channels), 'the prefix filter let a public channel through');
  const one = await (await server.get({ path: '/channels/query-public', params: { info: 'subscription_count' } })).json();
  check(one.occupied === true && one.subscription_count === 1, 'channel ' + JSON.stringify(one));
  const empty = await (await server.get({ path: '/channels/nobody-here' })).json();
  check(empty.occupied === false, 'empty ' + JSON.stringify(empty));
});

await test('apps are isolated: an event of one app never reaches the other', async () => {
  const mine = client();
  const theirs = client({}, otherKey, other);
  const chMine = await subscribed(mine, 'shared-name');
  const chTheirs = await subscribed(theirs, 'shared-name');
  const leaked = collect(chTheirs, 'e', 1000);
  const got = once(chMine, 'e');
  await server.trigger('shared-name', 'e', 'mine');
  await within(5000, 'own app delivery', got);
  check((await leaked).length === 0, 'the other app got the event');
});

await test('an unknown app key is refused with 4001 and no reconnect', async () => {
  const c = client({}, 'no-such-key');
  const error = await within(5000, 'error', new Promise((resolve) => c.connection.bind('error', resolve)));
  check(error.error && error.error.data.code === 4001, 'error ' + JSON.stringify(error));
  await new Promise((resolve) => setTimeout(resolve, 500));
  check(c.connection.state === 'failed' || c.connection.state === 'disconnected', 'state ' + c.connection.state);
});

await test('the HTTP API refuses a wrong secret, an expired timestamp and an oversized event', async () => {
  const status = async (promise) => {
    try {
      await promise;
      return 200;
    } catch (e) {
      return e.status;
    }
  };
  check(await status(wrongSecret.trigger('news', 'x', 'y')) === 401, 'wrong secret');
  const realNow = Date.now;
  Date.now = () => realNow() - 700 * 1000;
  let expired;
  try {
    expired = status(server.trigger('news', 'x', 'y'));
  } finally {
    Date.now = realNow;
  }
  check(await expired === 401, 'expired timestamp');
  check(await status(server.trigger('news', 'x', 'z'.repeat(11 * 1024))) === 413, 'oversized event');
});

await test('pusher-js reconnects after the connection is cut and resubscribes', async () => {
  const c = client();
  const ch = await subscribed(c, 'resume');
  const firstSocket = c.connection.socket_id;
  const back = once(ch, 'pusher:subscription_succeeded');
  // faye-websocket's TCP stream, destroyed as a network cut would: no closing handshake.
  c.connection.connection.transport.socket._stream.destroy();
  await within(10000, 'resubscribed', back);
  check(c.connection.socket_id !== firstSocket, 'same socket id after reconnect');
  const got = once(ch, 'after');
  await server.trigger('resume', 'after', 'yes');
  check((await within(5000, 'after reconnect', got)) === 'yes', 'data');
});

await test('laravel-echo: channel().listen(), private(), join().here().joining().leaving()', async () => {
  const echo = (user) => new Echo({
    broadcaster: 'pusher', key, cluster: 'mt1', wsHost: '127.0.0.1', wsPort: Number(port), forceTLS: false,
    enabledTransports: ['ws'], Pusher: PusherClient,
    channelAuthorization: {
      customHandler: ({ socketId, channelName }, callback) => callback(null,
        server.authorizeChannel(socketId, channelName, channelName.startsWith('presence-')
          ? { user_id: user, user_info: { name: user } } : undefined)),
    },
  });
  const e1 = echo('ed');
  clients.push(e1.connector.pusher);
  const shipped = new Promise((resolve) => e1.channel('orders').listen('OrderShipped', resolve));
  const paid = new Promise((resolve) => e1.private('orders').listen('.paid', resolve));
  const here = new Promise((resolve) => {
    const room = e1.join('lounge').here(resolve);
    e1.joiningPromise = new Promise((j) => room.joining(j));
    e1.leavingPromise = new Promise((l) => room.leaving(l));
  });
  const firstHere = await within(5000, 'here', here);
  check(firstHere.length === 1 && firstHere[0].name === 'ed', 'here ' + JSON.stringify(firstHere));
  await until(() => e1.connector.pusher.channel('orders').subscribed && e1.connector.pusher.channel('private-orders').subscribed,
    'echo subscriptions');
  await server.trigger('orders', 'App\\Events\\OrderShipped', { order: 1 });
  check((await within(5000, 'listen', shipped)).order === 1, 'OrderShipped');
  await server.trigger('private-orders', 'paid', { order: 2 });
  check((await within(5000, 'private listen', paid)).order === 2, 'paid');
  const e2 = echo('flo');
  clients.push(e2.connector.pusher);
  e2.join('lounge');
  check((await within(5000, 'joining', e1.joiningPromise)).name === 'flo', 'joining');
  e2.disconnect();
  check((await within(5000, 'leaving', e1.leavingPromise)).name === 'flo', 'leaving');
});

await test('pusher-js in chromium: public, private and presence channels, client events', async () => {
  const executablePath = '/usr/bin/chromium';
  check(fs.existsSync(executablePath), 'chromium is missing at /usr/bin/chromium: apt-get install -y chromium (.ci/run does it)');
  const browser = await chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage();
    await page.exposeFunction('authorize', (socketId, channelName, user) => server.authorizeChannel(socketId, channelName,
      channelName.startsWith('presence-') ? { user_id: user, user_info: { name: user } } : undefined));
    // A page of the node's own origin, so the WebSocket's Origin is the one Halley serves.
    await page.goto(`http://127.0.0.1:${port}/status`);
    await page.addScriptTag({ path: createRequire(import.meta.url).resolve('pusher-js/dist/web/pusher.min.js') });
    await page.evaluate(({ key, port }) => {
      const make = (user) => new window.Pusher(key, {
        cluster: 'mt1', wsHost: '127.0.0.1', wsPort: port, forceTLS: false, enabledTransports: ['ws'],
        channelAuthorization: {
          customHandler: ({ socketId, channelName }, callback) =>
            window.authorize(socketId, channelName, user).then((auth) => callback(null, auth), (e) => callback(e, null)),
        },
      });
      window.got = [];
      const ready = (ch) => new Promise((resolve) => ch.bind('pusher:subscription_succeeded', resolve));
      const a = make('alice');
      const b = make('bob');
      window.states = () => JSON.stringify([a.connection.state, b.connection.state,
        ...['browser-news', 'private-browser', 'presence-browser'].map((n) => a.channel(n) && a.channel(n).subscribed)]);
      const news = a.subscribe('browser-news');
      news.bind('headline', (d) => window.got.push('headline:' + d.text));
      const secret = a.subscribe('private-browser');
      secret.bind('memo', (d) => window.got.push('memo:' + d.text));
      const roomA = a.subscribe('presence-browser');
      roomA.bind('pusher:member_added', (m) => window.got.push('joined:' + m.id));
      roomA.bind('client-hi', (d, meta) => window.got.push('client-hi:' + d.from + ':' + meta.user_id));
      window.ready = Promise.all([ready(news), ready(secret), ready(roomA)]).then(() => {
        const roomB = b.subscribe('presence-browser');
        return ready(roomB).then(() => {
          window.bobSees = roomB.members.count;
          roomB.trigger('client-hi', { from: 'bob' });
        });
      });
    }, { key, port: Number(port) });
    const logs = [];
    page.on('console', (m) => logs.push(m.text()));
    try {
      await within(10000, 'browser subscriptions', page.evaluate(() => window.ready));
    } catch (e) {
      throw new Error(e.message + ' states ' + await page.evaluate(() => window.states()) + ' console ' + JSON.stringify(logs));
    }
    check(await page.evaluate(() => window.bobSees) === 2, 'bob does not see two members');
    await server.trigger('browser-news', 'headline', { text: 'hello' });
    await server.trigger('private-browser', 'memo', { text: 'sealed' });
    const expected = ['headline:hello', 'memo:sealed', 'joined:bob', 'client-hi:bob:bob'];
    for (let i = 0; i < 100; i++) {
      const got = await page.evaluate(() => window.got);
      if (expected.every((e) => got.includes(e))) {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('the browser got ' + JSON.stringify(await page.evaluate(() => window.got)));
  } finally {
    await browser.close();
  }
});

await test('webhooks: occupied, member_added, client_event, member_removed, vacated, signed as the SDK checks', async () => {
  const a = client({ user: 'hooky' });
  const b = client({ user: 'other' });
  const chA = await subscribed(a, 'presence-hooks');
  const chB = await subscribed(b, 'presence-hooks');
  const got = once(chB, 'client-ping');
  chA.trigger('client-ping', { n: 1 });
  await within(5000, 'client-ping', got);
  a.disconnect();
  b.disconnect();
  const seen = (name, extra = () => true) => webhooks.valid.some((e) => e.name === name && e.channel === 'presence-hooks' && extra(e));
  await until(() => seen('channel_occupied') && seen('member_added', (e) => e.user_id === 'hooky')
    && seen('client_event', (e) => e.event === 'client-ping' && e.user_id === 'hooky' && JSON.parse(e.data).n === 1)
    && seen('member_removed', (e) => e.user_id === 'hooky') && seen('channel_vacated'), 'webhooks ' + JSON.stringify(webhooks));
  check(webhooks.invalid === 0, webhooks.invalid + ' webhook requests failed the SDK validation');
});

for (const c of clients) {
  c.disconnect();
}
receiver.close();
console.log(`pusher: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
