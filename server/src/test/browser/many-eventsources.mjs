// Twelve EventSources to one origin over https, in Debian's chromium driven by playwright-core.
// Run by dev.halley.transport.ManyEventSourcesBrowserTest against two Halley servers it started
// with a self-signed certificate: one speaking HTTP/2, one HTTP/1.1 only.
//
//   node many-eventsources.mjs <h2-port> <http1-port> <mercure-publisher-jwt>
//
// For each server the page opens 12 EventSources on the Mercure hub and reports how many opened;
// this script then publishes one update over HTTP/2 (node's own client) and the page reports how
// many of the 12 received it. Prints "ok - ..." / "not ok - ..." per check and
// "browser: N passed, N failed" last. Every wait is bounded.
import { chromium } from 'playwright-core';
import http2 from 'node:http2';
import https from 'node:https';

const [h2Port, h1Port] = process.argv.slice(2, 4).map(Number);
const jwt = process.argv[4];
const STREAMS = 12;
let passed = 0;
let failed = 0;
function check(ok, what) {
  console.log(`${ok ? 'ok' : 'not ok'} - ${what}`);
  if (ok) passed++; else failed++;
}

/** Publishes one Mercure update; over HTTP/2 when the server speaks it, else HTTP/1.1. */
function publish(port, h2, body) {
  return new Promise((resolve, reject) => {
    const headers = { 'authorization': `Bearer ${jwt}`, 'content-type': 'application/x-www-form-urlencoded' };
    if (h2) {
      const session = http2.connect(`https://127.0.0.1:${port}`, { rejectUnauthorized: false });
      session.on('error', reject);
      const req = session.request({ ':method': 'POST', ':path': '/.well-known/mercure', ...headers });
      let status = 0;
      req.on('response', (h) => { status = h[':status']; });
      req.setEncoding('utf8');
      let text = '';
      req.on('data', (d) => { text += d; });
      req.on('end', () => { session.close(); resolve({ status, text, protocol: 'h2' }); });
      req.end(body);
    } else {
      const req = https.request({ host: '127.0.0.1', port, method: 'POST', path: '/.well-known/mercure', headers,
        rejectUnauthorized: false }, (res) => {
        let text = '';
        res.on('data', (d) => { text += d; });
        res.on('end', () => resolve({ status: res.statusCode, text, protocol: 'http/1.1' }));
      });
      req.on('error', reject);
      req.end(body);
    }
  });
}

async function run(browser, port, h2) {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  const origin = `https://127.0.0.1:${port}`;
  await page.goto(`${origin}/status`);
  const topic = `https://example.com/many/${port}`;
  // Open 12 and wait until all are open or, for at most 5 s, no more open.
  const opened = await page.evaluate(async ({ topic, n }) => {
    window.received = 0;
    window.opened = 0;
    window.sources = [];
    for (let i = 0; i < n; i++) {
      const es = new EventSource(`/.well-known/mercure?topic=${encodeURIComponent(topic)}`);
      es.onopen = () => { window.opened++; };
      es.onmessage = () => { window.received++; };
      window.sources.push(es);
    }
    const deadline = Date.now() + 5000;
    let last = -1;
    let stableSince = Date.now();
    while (window.opened < n && Date.now() < deadline) {
      if (window.opened !== last) { last = window.opened; stableSince = Date.now(); }
      if (window.opened >= 6 && Date.now() - stableSince > 1500) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    return window.opened;
  }, { topic, n: STREAMS });
  const answer = await publish(port, h2, `topic=${encodeURIComponent(topic)}&data=hello`);
  const received = await page.evaluate(async ({ expected }) => {
    const deadline = Date.now() + 5000;
    while (window.received < expected && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    return window.received;
  }, { expected: opened });
  const stillOpened = await page.evaluate(() => window.opened);
  const protocol = await page.evaluate(() => {
    const e = performance.getEntriesByType('navigation')[0];
    return e ? e.nextHopProtocol : 'unknown';
  });
  await context.close();
  return { opened, received, stillOpened, publish: answer, protocol };
}

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const h2 = await run(browser, h2Port, true);
  console.log(`h2: ${JSON.stringify(h2)}`);
  check(h2.protocol === 'h2', 'the page came over h2');
  check(h2.publish.status === 200 && h2.publish.protocol === 'h2', 'the update was published over h2');
  check(h2.opened === STREAMS, `over h2 all ${STREAMS} EventSources opened`);
  check(h2.received === STREAMS, `over h2 all ${STREAMS} EventSources received the update`);

  const h1 = await run(browser, h1Port, false);
  console.log(`http/1.1: ${JSON.stringify(h1)}`);
  check(h1.protocol === 'http/1.1', 'the page came over http/1.1');
  check(h1.opened === 6, 'over http/1.1 only 6 EventSources opened: the 7th stalls');
  check(h1.received === 6 && h1.stillOpened === 6,
    'over http/1.1 the 6 open ones received the update and the other 6 were still waiting for a connection');
} finally {
  await browser.close();
}
console.log(`browser: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
