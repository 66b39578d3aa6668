// Measures how fast the dashboard paints (docs/dashboard.md): opens BASE in Debian's headless
// chromium N times and prints the median first contentful paint, the time until the device
// cards show live power, until the energy figures and 24 h charts are drawn, and until the
// standby table is filled too.
//   node tests/web/first_paint.js BASE_URL [RUNS=5] [HASH=#/]
'use strict';
const path = require('path');
const { chromium } = require(path.join(__dirname, '../../node_modules/playwright-core'));
const [base, runs = '5', hash = '#/'] = process.argv.slice(2);

(async () => {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
  const res = { fcp: [], cards: [], charts: [], ready: [] };
  for (let i = 0; i < Number(runs); i++) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(base + '/' + hash);
    await page.waitForSelector('[data-ready="1"]', { timeout: 60000 });
    const m = await page.evaluate(() => {
      const fcp = performance.getEntriesByType('paint').find(e => e.name === 'first-contentful-paint');
      return { fcp: fcp ? fcp.startTime : NaN };
    });
    const cards = await page.evaluate(() => (window.lepower.marks || {}).cards || NaN);
    const charts = await page.evaluate(() => (window.lepower.marks || {}).charts || NaN);
    const ready = await page.evaluate(() => (window.lepower.marks || {}).ready || NaN);
    res.fcp.push(m.fcp); res.cards.push(cards); res.charts.push(charts); res.ready.push(ready);
    await page.close();
  }
  await browser.close();
  const med = a => a.slice().sort((x, y) => x - y)[Math.floor(a.length / 2)];
  const devices = await (await fetch(base + '/api/v1/devices')).json();
  console.log(`${devices.devices.length} devices, ${runs} runs, median ms from navigation start:`);
  console.log(`  first contentful paint      ${med(res.fcp).toFixed(0)}`);
  console.log(`  device cards with power     ${med(res.cards).toFixed(0)}`);
  console.log(`  energy and 24 h charts      ${med(res.charts).toFixed(0)}`);
  console.log(`  standby table too (all)     ${med(res.ready).toFixed(0)}`);
})().catch(e => { console.error(e); process.exit(1); });
