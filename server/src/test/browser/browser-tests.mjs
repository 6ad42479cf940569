// Browser tests of the dashboard, halley.js and the demo, in Debian's chromium driven by
// playwright-core. Run by dev.halley.edge.BrowserTest against a real Halley server:
//
//   node src/test/browser/browser-tests.mjs <halley-port> [dashboard-screenshot.png]
//
// The page is loaded through a TCP proxy written here, so a test can cut every connection the
// browser has (a real network drop, not a mock) and refuse new ones for a while.
// Prints one "ok - ..." / "not ok - ..." line per check and "browser: N passed, N failed" last;
// exits 1 when anything failed. Every wait is bounded.
import { chromium } from 'playwright-core';
import http from 'node:http';
import net from 'node:net';
import fs from 'node:fs';

const port = Number(process.argv[2]);
const screenshotPath = process.argv[3];
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: node browser-tests.mjs <halley-port> [screenshot.png]');
  process.exit(2);
}
const CHROMIUM = '/usr/bin/chromium';
if (!fs.existsSync(CHROMIUM)) {
  console.error(`chromium is missing at ${CHROMIUM}: apt-get install -y chromium (.ci/run does it)`);
  process.exit(3);
}
const server = `http://127.0.0.1:${port}`;

/** A TCP proxy to the server that can drop every connection and refuse new ones. */
function startProxy({ refuseWebSocket = false } = {}) {
  const sockets = new Set();
  let refusing = false;
  const proxy = net.createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = net.connect(port, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    const forget = () => { sockets.delete(client); sockets.delete(upstream); client.destroy(); upstream.destroy(); };
    client.on('error', forget).on('close', forget);
    upstream.on('error', forget).on('close', forget);
    client.once('data', (first) => {
      if (refuseWebSocket && /\r\nupgrade:\s*websocket/i.test(first.toString('latin1'))) {
        forget();
        return;
      }
      upstream.write(first);
      client.pipe(upstream);
    });
    upstream.pipe(client);
  });
  return new Promise((resolve) => proxy.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${proxy.address().port}`,
    dropAll() { for (const s of sockets) s.destroy(); sockets.clear(); },
    refuse(on) { refusing = on; },
    close() { this.dropAll(); proxy.close(); },
  })));
}

async function status() {
  const r = await fetch(`${server}/status`);
  return r.json();
}

async function publish(path, data) {
  const r = await fetch(server + path, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(data),
  });
  if (r.status !== 200) throw new Error(`publish ${path} answered ${r.status} ${await r.text()}`);
  return r.json();
}

async function waitFor(what, fn, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e.message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
}

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

/** Holds an SSE subscription open from Node, so the dashboard has connections to count. */
function sseConnection(channel) {
  return new Promise((resolve, reject) => {
    const req = http.get(`${server}/sub/channel/${channel}`, { headers: { Accept: 'text/event-stream' } }, (res) => {
      res.on('data', () => {});
      res.on('error', () => {});
      resolve(req);
    });
    req.on('error', reject);
  });
}

const results = { passed: 0, failed: 0 };
let context;

/**
 * Runs one check with its own pages; afterwards closes them and waits until the server has let go
 * of their subscriptions, so the next check's counts start from a settled baseline.
 */
async function check(name, fn) {
  const baseline = (await status()).subscriptions;
  const pages = [];
  const newPage = async () => {
    const p = await context.newPage();
    pages.push(p);
    return p;
  };
  try {
    await fn(newPage);
    results.passed++;
    console.log(`ok - ${name}`);
  } catch (e) {
    results.failed++;
    console.log(`not ok - ${name}: ${e.stack || e}`);
  } finally {
    for (const p of pages) await p.close();
    await waitFor('the server to drop the closed pages\' subscriptions',
      async () => (await status()).subscriptions <= baseline, 10000).catch((e) => console.log(`# ${e.message}`));
  }
}

/** The text of the first element matching selector, or null; never waits. */
function text(page, selector) {
  return page.evaluate((sel) => { const e = document.querySelector(sel); return e ? e.textContent : null; }, selector);
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
const proxy = await startProxy();

const number = (text) => Number(String(text).replace(/[^0-9.]/g, ''));

try {
  await check('dashboard shows live numbers that follow connections and messages', async (newPage) => {
    const page = await newPage();
    await page.goto(`${server}/`);
    await waitFor('the status stream to be live', async () => (await text(page, '#stream-state')) === 'live');
    const before = await waitFor('a connection count', async () => {
      const t = await text(page, '#connections-total');
      return /^[0-9,]+$/.test(t) ? String(number(t)) : null;
    }).then(Number);
    const held = [];
    // Ramp in steps with a trickle of messages, so the charts have a shape worth a screenshot.
    for (let step = 0; step < 5; step++) {
      for (let i = 0; i < 40; i++) held.push(await sseConnection(`dash-${i % 8}`));
      for (let i = 0; i < 40; i++) {
        await publish(`/pub/channel/dash-${i % 8}`, { n: i });
        await new Promise((r) => setTimeout(r, 25));
      }
    }
    await waitFor('the dashboard to count the 200 new connections',
      async () => number(await text(page, '#connections-total')) >= before + 200);
    await waitFor('a non-zero message rate', async () => number(await text(page, '#rate-out')) > 0);
    const loops = await page.$$eval('#loops tbody tr', (rows) => rows.length);
    assert(loops === 2, `the loop table has a row per loop (2), got ${loops}`);
    const sse = await page.$$eval('#transports tbody tr', (rows) => rows.map((r) => r.textContent));
    assert(sse.some((r) => r.startsWith('sse') && number(r) >= 200), `the transport table counts sse: ${sse}`);
    const perConn = await text(page, '#heap-per-conn');
    assert(/[0-9.]+ (B|KiB|MiB)/.test(perConn), `heap per connection is shown: ${perConn}`);
    const lines = await page.$$eval('#chart-connections polyline', (p) => p.length);
    assert(lines === 1, 'the connections chart is drawn');
    if (screenshotPath) await page.screenshot({ path: screenshotPath });
    for (const req of held) req.destroy();
    await waitFor('the dashboard to see them go',
      async () => number(await text(page, '#connections-total')) <= before + 1);
  });

  for (const transport of ['ws', 'sse', 'longpoll']) {
    await check(`demo delivers chat and inbox over ${transport} and resumes without loss after a drop`, async (newPage) => {
      const me = `u-${transport}`;
      const room = `room-${transport}`;
      const subsBefore = (await status()).subscriptions;
      const page = await newPage();
      await page.goto(`${proxy.url}/demo?transport=${transport}&client=${me}&room=${room}`);
      await waitFor(`${transport} to open`, () => page.evaluate(
        (t) => window.halleyDemo && halleyDemo.client.state === 'open' && halleyDemo.client.transport === t, transport));
      await waitFor('the server to hold both subscriptions', async () => (await status()).subscriptions >= subsBefore + 2);

      await page.fill('#chat-input', `hello over ${transport}`);
      await page.press('#chat-input', 'Enter');
      await waitFor('the chat line', async () => (await text(page, '#chat')).includes(`hello over ${transport}`));
      await publish(`/pub/client/${me}`, { from: 'server', text: `private for ${me}` });
      await waitFor('the inbox line', async () => (await text(page, '#inbox')).includes(`private for ${me}`));

      proxy.refuse(true);
      proxy.dropAll();
      await waitFor('the client to notice the drop', () => page.evaluate(() => halleyDemo.client.state !== 'open'));
      const missed = [];
      for (let i = 1; i <= 3; i++) missed.push((await publish(`/pub/channel/${room}`, { from: 'server', text: `missed-${i}` })).id);
      await new Promise((r) => setTimeout(r, 300));
      proxy.refuse(false);
      await waitFor('the missed messages after reconnecting', () => page.evaluate(
        (n) => halleyDemo.received.filter((m) => m.kind === 'channel').length >= n, 1 + missed.length));
      const got = await page.evaluate(() => ({
        ids: halleyDemo.received.filter((m) => m.kind === 'channel').map((m) => m.id),
        gaps: halleyDemo.gaps.length, transport: halleyDemo.client.transport, state: halleyDemo.client.state,
      }));
      assert(JSON.stringify(got.ids.slice(1)) === JSON.stringify(missed),
        `each missed message exactly once, in order: got ${got.ids.slice(1)} expected ${missed}`);
      assert(new Set(got.ids).size === got.ids.length, `no duplicates: ${got.ids}`);
      assert(got.gaps === 0, `no gap reported, got ${got.gaps}`);
      assert(got.transport === transport, `still on ${transport}, got ${got.transport}`);
    });
  }

  await check('a page reload resumes the room from the last id it showed', async (newPage) => {
    const url = `${proxy.url}/demo?transport=ws&client=u-reload&room=room-reload`;
    const page = await newPage();
    await page.goto(url);
    await waitFor('ws to open', () => page.evaluate(() => window.halleyDemo && halleyDemo.client.state === 'open'));
    const subsBefore = (await status()).subscriptions;
    await publish('/pub/channel/room-reload', { from: 'server', text: 'before' });
    await waitFor('the first line', async () => (await text(page, '#chat')).includes('before'));
    await page.goto('about:blank');
    await waitFor('the old page to unsubscribe', async () => (await status()).subscriptions <= subsBefore - 2);
    await publish('/pub/channel/room-reload', { from: 'server', text: 'while-away-1' });
    await publish('/pub/channel/room-reload', { from: 'server', text: 'while-away-2' });
    await page.goto(url);
    await waitFor('both lines published while away', async () => (await text(page, '#chat')).includes('while-away-2'));
    const texts = await page.$$eval('#chat li', (lis) => lis.map((li) => li.textContent));
    assert(JSON.stringify(texts) === JSON.stringify(['server: while-away-1', 'server: while-away-2']),
      `only what came after the last id shown, once: ${JSON.stringify(texts)}`);
  });

  await check('a cursor from before a server restart surfaces a gap to the app', async (newPage) => {
    const page = await newPage();
    await page.goto(`${proxy.url}/demo?transport=sse&client=u-gap&room=room-gap`);
    await waitFor('sse to open', () => page.evaluate(() => window.halleyDemo && halleyDemo.client.state === 'open'));
    await publish('/pub/channel/room-gap', { from: 'server', text: 'kept' });
    await waitFor('the line', async () => (await text(page, '#chat')).includes('kept'));
    // An id of another epoch is what a browser holds after the server lost its messages (a restart).
    await page.evaluate(() => sessionStorage.setItem('halley:demo:u-gap:room-gap',
      JSON.stringify({ 'channel:room-gap': 'oldepoch-1' })));
    await page.reload();
    await waitFor('a gap event', () => page.evaluate(() => window.halleyDemo && halleyDemo.gaps.length > 0));
    const gap = await page.evaluate(() => halleyDemo.gaps[0]);
    assert(gap.topic === 'channel:room-gap', `gap names the topic: ${JSON.stringify(gap)}`);
    assert((await text(page, '#notices')).includes('gap on channel:room-gap'), 'the demo shows the gap');
  });

  await check('without ?transport the client uses WebSocket, and falls back to SSE when WebSocket is refused', async (newPage) => {
    const page = await newPage();
    await page.goto(`${proxy.url}/demo?client=u-auto&room=room-auto`);
    await waitFor('auto to open', () => page.evaluate(() => window.halleyDemo && halleyDemo.client.state === 'open'));
    assert(await page.evaluate(() => halleyDemo.client.transport) === 'ws', 'auto picks ws');

    const noWs = await startProxy({ refuseWebSocket: true });
    const fallback = await newPage();
    await fallback.goto(`${noWs.url}/demo?client=u-fallback&room=room-fallback`);
    await waitFor('fallback to open', () => fallback.evaluate(() => window.halleyDemo && halleyDemo.client.state === 'open'));
    assert(await fallback.evaluate(() => halleyDemo.client.transport) === 'sse', 'falls back to sse');
    await publish('/pub/client/u-fallback', { from: 'server', text: 'via sse' });
    await waitFor('the inbox line', async () => (await text(fallback, '#inbox')).includes('via sse'));
    noWs.close();
  });
} finally {
  proxy.close();
  await browser.close();
}
console.log(`browser: ${results.passed} passed, ${results.failed} failed`);
process.exit(results.failed === 0 ? 0 : 1);
