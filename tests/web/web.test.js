// Browser tests of the dashboard; run by tests/web/test_web.sh, which starts the broker, the hub
// and three virtual plugs (heater: constant 150 W; fridge; lamp). Prints TAP-style lines.
//   node tests/web/web.test.js BASE_URL OUT_DIR
'use strict';
const path = require('path');
const { chromium } = require(path.join(__dirname, '../../node_modules/playwright-core'));

const [base, out] = process.argv.slice(2);
let failed = 0;
const ok = msg => console.log('ok - ' + msg);
const nok = (msg, e) => { failed++; console.log('not ok - ' + msg + (e ? ': ' + String(e.message || e).split('\n')[0] : '')); };

async function test(name, fn) {
  try { await fn(); ok(name); } catch (e) { nok(name, e); }
}

(async () => {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  const outside = [], errors = [];
  page.on('request', r => { if (!r.url().startsWith(base + '/') && !r.url().startsWith('data:')) outside.push(r.url()); });
  page.on('pageerror', e => errors.push(e.message));
  page.setDefaultTimeout(30000);

  await test('home page renders the three devices with non-empty 24 h charts', async () => {
    await page.goto(base + '/');
    await page.waitForSelector('.home[data-ready="1"]');
    const cards = await page.$$eval('#devices .dev', els => els.map(e => e.dataset.device).sort());
    if (cards.join() !== 'fridge,heater,lamp') throw new Error('cards: ' + cards.join());
    const sparks = await page.$$eval('#devices .spark', els => els.map(e => Number(e.dataset.points || 0)));
    if (sparks.length !== 3 || sparks.some(n => n < 10)) throw new Error('sparkline points: ' + sparks.join());
    const stack = await page.$eval('#chart-24h', e => Number(e.dataset.points || 0));
    if (stack < 10) throw new Error('24 h chart points: ' + stack);
    if (!(await page.$('#chart-24h canvas'))) throw new Error('no canvas in the 24 h chart');
    const total = await page.textContent('#total-now');
    if (!/W$/.test(total.trim())) throw new Error('total power: ' + total);
    const rooms = await page.$$eval('#rooms .bar', els => els.map(e => e.dataset.room).sort());
    if (!rooms.includes('Kitchen') || !rooms.includes('Office')) throw new Error('rooms: ' + rooms.join());
    const standby = await page.$$eval('table.standby tbody tr', els => els.length);
    if (standby !== 3) throw new Error('standby rows: ' + standby);
    await page.screenshot({ path: path.join(out, 'home.png'), fullPage: true });
  });

  await test('home page fits a phone-sized screen', async () => {
    const phone = await ctx.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(base + '/');
    await phone.waitForSelector('.home[data-ready="1"]');
    const wide = await phone.evaluate(() => document.documentElement.scrollWidth);
    await phone.screenshot({ path: path.join(out, 'home-phone.png'), fullPage: true });
    await phone.close();
    if (wide > 390) throw new Error('page is ' + wide + ' px wide at 390 px');
  });

  await test('switching the heater off from its page drops its power to 0 W in the chart', async () => {
    await page.goto(base + '/#/device/heater');
    await page.waitForSelector('.device[data-ready="1"]');
    const before = Number(await page.$eval('#chart-power', e => e.dataset.last));
    if (!(before > 100)) throw new Error('power before: ' + before);
    if ((await page.getAttribute('#relay', 'data-state')) !== 'on') throw new Error('relay is not on');
    await page.click('#relay');
    await page.waitForFunction(() => /acknowledged/.test(document.querySelector('#ack').textContent), null, { timeout: 15000 });
    await page.waitForFunction(() => document.querySelector('#chart-power').dataset.last === '0' ||
      Math.abs(Number(document.querySelector('#chart-power').dataset.last)) < 0.5, null, { timeout: 30000 });
    const api = await page.evaluate(async () => (await fetch('api/v1/devices/heater')).json());
    if (api.relay !== 'off' || Math.abs(api.power) > 0.5) throw new Error('hub says relay ' + api.relay + ', power ' + api.power);
    if ((await page.getAttribute('#relay', 'data-state')) !== 'off') throw new Error('switch does not show off');
    await page.screenshot({ path: path.join(out, 'device-off.png'), fullPage: true });
  });

  await test('switching it on again is acknowledged and brings the power back', async () => {
    await page.click('#relay');
    await page.waitForFunction(() => /on: acknowledged/.test(document.querySelector('#ack').textContent), null, { timeout: 15000 });
    await page.waitForFunction(() => Number(document.querySelector('#chart-power').dataset.last) > 100, null, { timeout: 30000 });
  });

  await test('a device renamed in the UI keeps its new name after a reload', async () => {
    await page.fill('#f-name', 'Office heater');
    await page.fill('#f-room', 'Study');
    await page.click('#edit button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#save-msg').textContent === 'saved');
    await page.reload();
    await page.waitForSelector('.device[data-ready="1"]');
    const title = (await page.textContent('#dev-title')).trim();
    const room = await page.inputValue('#f-room');
    if (title !== 'Office heater' || room !== 'Study') throw new Error(`after reload: "${title}", room "${room}"`);
    await page.goto(base + '/');
    await page.waitForSelector('.home[data-ready="1"]');
    const name = (await page.textContent('#devices .dev[data-device="heater"] .devname')).trim();
    if (name !== 'Office heater') throw new Error('home shows ' + name);
    await page.goto(base + '/#/device/heater');
    await page.waitForSelector('.device[data-ready="1"]');
    await page.screenshot({ path: path.join(out, 'device.png'), fullPage: true });
  });

  await test('the price is editable and the costs follow it', async () => {
    await page.goto(base + '/');
    await page.waitForSelector('.home[data-ready="1"]');
    await page.fill('#price', '0.5');
    await page.click('form.price button');
    await page.waitForFunction(() => document.querySelector('form.price .saved') && document.querySelector('form.price .saved').textContent === 'saved');
    const s = await page.evaluate(async () => (await fetch('api/v1/settings')).json());
    if (s.price_per_kwh !== 0.5) throw new Error('settings: ' + JSON.stringify(s));
  });

  await test('grid page draws the frequency with its band and load-shedding line', async () => {
    await page.goto(base + '/#/grid');
    await page.waitForSelector('.gridpage[data-ready="1"]');
    const pts = await page.$eval('#chart-grid', e => Number(e.dataset.points || 0));
    if (pts < 10) throw new Error('grid points: ' + pts);
    const now = await page.textContent('#grid-now');
    const f = parseFloat(now);
    if (!(f > 49.9 && f < 50.1)) throw new Error('frequency now: ' + now);
    await page.screenshot({ path: path.join(out, 'grid.png'), fullPage: true });
  });

  await test('no request left the machine and no script error', async () => {
    if (outside.length) throw new Error('requests elsewhere: ' + outside.slice(0, 3).join(' '));
    if (errors.length) throw new Error('page errors: ' + errors.slice(0, 3).join(' | '));
  });

  await browser.close();
  process.exit(failed ? 1 : 0);
})().catch(e => { console.log('not ok - browser test harness: ' + e.message); process.exit(1); });
