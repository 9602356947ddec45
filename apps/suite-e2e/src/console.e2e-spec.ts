import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import puppeteer, { type Browser, type HTTPRequest, type HTTPResponse, type Page } from 'puppeteer-core';
import { e2eContext, findRepoRoot, fixtureDir, freePort, makeAudio, makePdf, makeVideo, multipartBody, tokenFor } from '@media/testing';

const { gateway } = e2eContext();
/** Debian's `chromium` package (tools/setup/ensure-deps.sh installs it); puppeteer-core downloads no browser. */
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const SHOTS = path.join(findRepoRoot(), 'reports', 'console');
/** The console's tus chunk (2 MiB): the upload is cut after the first one went through. */
const CHUNK = 2 * 1024 * 1024;

describe('the media console at /console', () => {
  it('is served with its types, cache headers and CSP; routes fall back to the page; a missing script is a 404', async () => {
    const page = await fetch(`${gateway}/console`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("media-src 'self' blob:");
    const html = await page.text();
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    const style = /href="(\/console\/assets\/[^"]+\.css)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    expect(style).toBeDefined();

    const js = await fetch(`${gateway}${script}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const css = await fetch(`${gateway}${style}`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const again = await fetch(`${gateway}${script}`, { headers: { 'If-None-Match': js.headers.get('etag') ?? '' } });
    expect(again.status).toBe(304);

    const route = await fetch(`${gateway}/console/webhooks/abc`);
    expect(route.status).toBe(200);
    expect(await route.text()).toBe(html);

    for (const missing of ['/console/assets/index-00000000.js', '/console/..%2f..%2fpackage.json']) {
      const answer = await fetch(`${gateway}${missing}`);
      expect(answer.status).toBe(404);
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
      expect(await answer.json()).toMatchObject({ code: 'console_file_not_found' });
    }
  });

  describe('in a real browser', () => {
    let browser: Browser;
    let page: Page;
    let video: string;
    let token: string;
    const problems: string[] = [];

    beforeAll(async () => {
      if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run tools/setup/ensure-deps.sh (installs Debian's chromium)`);
      await rm(SHOTS, { recursive: true, force: true });
      await mkdir(SHOTS, { recursive: true });
      // ~5 MB: three tus chunks, so a reload lands mid-upload with one chunk stored.
      video = await makeVideo(await fixtureDir(), { seconds: 8, size: '640x360', bitrate: '5M', name: 'console-film.mp4' });
      token = await tokenFor(`console-${Date.now()}`);
      browser = await puppeteer.launch({
        executablePath: CHROMIUM,
        // As root Chromium needs --no-sandbox; /dev/shm is small in containers.
        args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--autoplay-policy=no-user-gesture-required'],
      });
      page = await browser.newPage();
      await page.setViewport({ width: 1280, height: 900 });
      // A CSP violation or an uncaught error is a defect of the console, whatever the page still shows. (HTTP
      // errors are logged by the browser too; the answers this test provokes, like a 412, are asserted below.)
      page.on('console', (message) => {
        const text = message.text();
        if ((message.type() === 'error' && !text.startsWith('Failed to load resource')) || /Content Security Policy/i.test(text)) problems.push(`console: ${text}`);
      });
      page.on('pageerror', (error) => problems.push(`pageerror: ${error instanceof Error ? error.message : String(error)}`));
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
    });

    const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) as `${string}.png`, fullPage: true });

    it('uploads a video through Uppy over tus, resumes it after a reload, and plays its HLS rendition', async () => {
      const started = Date.now();
      await page.goto(`${gateway}/console/`, { waitUntil: 'networkidle0' });
      await page.type('textarea[name=token]', token);
      await shot('01-token');
      await page.click('button[type=submit]');
      await page.waitForSelector('[data-testid=tenant]');
      // The token is remembered: the reload below needs no second paste.
      expect(await page.evaluate("localStorage.getItem('media-console.token')")).toBe(token);

      await page.click('[data-testid=nav-upload]');
      await page.waitForSelector('.uppy-Dashboard-input');
      // Slow the upload down so the reload lands mid-way (loopback would finish 5 MB before any click).
      const session = await page.createCDPSession();
      await session.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 1024 * 1024 });

      const tusCalls: { method: string; url: string; offset?: string }[] = [];
      const onRequest = (request: HTTPRequest) => {
        if (request.url().includes('/tus')) tusCalls.push({ method: request.method(), url: request.url(), offset: request.headers()['upload-offset'] });
      };
      page.on('request', onRequest);
      const firstChunk = page.waitForResponse((response: HTTPResponse) => response.request().method() === 'PATCH' && response.url().includes('/tus/') && response.status() === 204, { timeout: 30_000 });
      const created = page.waitForResponse((response: HTTPResponse) => response.request().method() === 'POST' && /\/tus\/?$/.test(response.url()), { timeout: 30_000 });
      const input = await page.$('input.uppy-Dashboard-input');
      if (!input) throw new Error('no file input in the Dashboard');
      await input.uploadFile(video);

      const creation = await created;
      expect(creation.status()).toBe(201);
      const location = creation.headers()['location'] ?? '';
      const assetId = /\/tus\/([^/?#]+)$/.exec(location)?.[1];
      expect(assetId).toBeDefined();
      await firstChunk;
      await shot('02-uploading');
      const before = (await page.evaluate("Object.keys(localStorage).filter((key) => key.startsWith('tus::'))")) as string[];
      expect(before).toHaveLength(1);

      // Reload mid-upload: the page forgets the file, localStorage still knows the upload's URL.
      tusCalls.length = 0;
      await page.reload({ waitUntil: 'networkidle0' });
      await session.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
      await page.waitForSelector('[data-testid=resumable]');
      const server = await fetch(`${gateway}/tus/${assetId}`, { method: 'HEAD', headers: { Authorization: `Bearer ${token}`, 'Tus-Resumable': '1.0.0' } });
      const storedOffset = Number(server.headers.get('upload-offset'));
      expect(storedOffset).toBeGreaterThanOrEqual(CHUNK);
      // Mid-upload indeed: the server holds part of the file, not all of it.
      expect(storedOffset).toBeLessThan(statSync(video).size);
      await shot('03-reloaded');

      const done = page.waitForSelector(`[data-testid=finished] a[data-asset-id="${assetId}"]`, { timeout: 60_000 });
      const again = await page.$('input.uppy-Dashboard-input');
      if (!again) throw new Error('no file input after the reload');
      await again.uploadFile(video);
      await done;
      await shot('04-uploaded');
      // Resumed, not restarted: no second creation, and the first byte sent is where the server stood.
      expect(tusCalls.filter((call) => call.method === 'POST')).toEqual([]);
      const patches = tusCalls.filter((call) => call.method === 'PATCH');
      expect(patches.length).toBeGreaterThan(0);
      expect(patches.every((call) => call.url.endsWith(`/tus/${assetId}`))).toBe(true);
      expect(Number(patches[0].offset)).toBe(storedOffset);
      page.off('request', onRequest);

      // Live status: the detail page polls until processing is done.
      await page.goto(`${gateway}/console/#/assets/${assetId}`, { waitUntil: 'networkidle2' });
      await page.waitForSelector('.detail [data-status]');
      await page.waitForSelector('.detail h2 [data-status=ready]', { timeout: 60_000 });
      await page.waitForSelector('[data-testid=hls-video]');
      // Uppy's metadata arrived as tus metadata: the file's own name, not a placeholder.
      const stored = (await (await fetch(`${gateway}/assets/${assetId}`, { headers: { Authorization: `Bearer ${token}` } })).json()) as { original_name: string; name: string; label: string };
      expect(stored).toMatchObject({ original_name: 'console-film.mp4', name: 'console-film.mp4', label: 'Video' });
      // (Page code as strings: this file is compiled for Node, without the DOM's types.)
      await page.evaluate("void document.querySelector('[data-testid=hls-video]').play()");
      await page.waitForFunction("document.querySelector('[data-testid=hls-video]').currentTime > 1", { timeout: 30_000, polling: 200 });
      const played = (await page.evaluate("document.querySelector('[data-testid=hls-video]').currentTime")) as number;
      expect(played).toBeGreaterThan(1);
      await page.evaluate("document.querySelector('[data-testid=hls-video]').pause()");
      await shot('05-playing');

      // The grid shows it with its thumbnail and status.
      await page.goto(`${gateway}/console/#/assets`, { waitUntil: 'networkidle0' });
      await page.waitForSelector(`[data-asset-id="${assetId}"] img`);
      expect(await page.$eval(`[data-asset-id="${assetId}"] [data-status]`, (element) => element.getAttribute('data-status'))).toBe('ready');
      await shot('06-grid');

      expect(problems).toEqual([]);
      process.stderr.write(`[console e2e] browser flow took ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    }, 90_000);

    it('shows an audio waveform and a PDF preview, edits metadata with If-Match, deletes, and retries a webhook delivery', async () => {
      const started = Date.now();
      const dir = await fixtureDir();
      const auth = { Authorization: `Bearer ${token}` };
      // A subscription to a port nobody listens on: its deliveries fail and wait for a retry.
      const hook = await fetch(`${gateway}/webhooks`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify({ url: `http://127.0.0.1:${await freePort()}/hook`, events: ['*'] }) });
      expect(hook.status).toBe(201);
      const webhookId = ((await hook.json()) as { id: string }).id;
      const uploadFile = async (file: string, name: string) => {
        const { body, contentType } = multipartBody([{ name: 'source', value: readFileSync(file), filename: path.basename(file) }, { name: 'name', value: name }]);
        const response = await fetch(`${gateway}/assets`, { method: 'POST', headers: { ...auth, 'Content-Type': contentType }, body });
        expect(response.status).toBe(201);
        return ((await response.json()) as { id: string }).id;
      };
      const audioId = await uploadFile(await makeAudio(dir, { seconds: 3, format: 'mp3' }), 'Rising tone');
      const pdfId = await uploadFile(await makePdf(dir, { pages: 2 }), 'Two-page handout');

      // Signed in already when the upload test ran first; this test also runs alone.
      await page.goto(`${gateway}/console/#/assets`, { waitUntil: 'networkidle0' });
      if (await page.$('textarea[name=token]')) {
        await page.type('textarea[name=token]', token);
        await page.click('button[type=submit]');
      }
      // Search finds the tone by name.
      await page.type('input[name=q]', 'Rising');
      await page.waitForFunction(`document.querySelectorAll('[data-testid=asset-grid] [data-asset-id]').length === 1 && !!document.querySelector('[data-asset-id="${audioId}"]')`, { timeout: 10_000 });

      await page.goto(`${gateway}/console/#/assets/${audioId}`, { waitUntil: 'networkidle2' });
      await page.waitForSelector('[data-testid=waveform]', { timeout: 60_000 });
      // Drawn, not just present: some pixels of the canvas are painted.
      await page.waitForFunction(
        "(() => { const c = document.querySelector('[data-testid=waveform]'); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n > 1000; })()",
        { timeout: 10_000 },
      );
      await shot('07-audio-waveform');

      // Metadata: a save carries the ETag; a change made meanwhile through the API is a 412 the page explains.
      await page.type('input[name=author]', 'Console tester');
      await page.click('form.metadata button[type=submit]');
      await page.waitForSelector('form.metadata .ok');
      const saved = (await (await fetch(`${gateway}/assets/${audioId}`, { headers: auth })).json()) as { author: string | null };
      expect(saved.author).toBe('Console tester');
      await page.type('input[name=reference_id]', 'ref-1');
      const meanwhile = await fetch(`${gateway}/assets/${audioId}`, { method: 'PUT', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'Renamed elsewhere' }) });
      expect(meanwhile.status).toBe(200);
      await page.click('form.metadata button[type=submit]');
      await page.waitForSelector('form.metadata .error');
      expect(await page.$eval('form.metadata .error', (element) => element.textContent)).toContain('changed this asset meanwhile');
      const kept = (await (await fetch(`${gateway}/assets/${audioId}`, { headers: auth })).json()) as { name: string; reference_id: string | null };
      expect(kept).toMatchObject({ name: 'Renamed elsewhere', reference_id: null });

      await page.goto(`${gateway}/console/#/assets/${pdfId}`, { waitUntil: 'networkidle2' });
      await page.waitForSelector('[data-testid=pdf-preview]', { timeout: 60_000 });
      await page.waitForFunction("document.querySelector('[data-testid=pdf-preview]').complete && document.querySelector('[data-testid=pdf-preview]').naturalWidth > 0", { timeout: 10_000 });
      await shot('08-pdf-preview');

      // Delete asks first, then the asset is gone.
      page.once('dialog', (dialog) => void dialog.accept());
      await page.click('button.danger');
      await page.waitForFunction("location.hash === '#/assets'");
      expect((await fetch(`${gateway}/assets/${pdfId}`, { headers: auth })).status).toBe(404);

      // The delivery log shows the failed attempts; Retry sends one again.
      await page.goto(`${gateway}/console/#/webhooks/${webhookId}`, { waitUntil: 'networkidle2' });
      await page.waitForSelector('[data-delivery-id] button', { timeout: 30_000 });
      await page.click('[data-delivery-id] button');
      await page.waitForFunction("[...document.querySelectorAll('[data-delivery-id] .sub')].some((note) => note.textContent.includes('sent again'))", { timeout: 15_000 });
      await shot('09-webhook-deliveries');

      expect(problems).toEqual([]);
      process.stderr.write(`[console e2e] audio/pdf/webhook flow took ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    }, 90_000);
  });
});
