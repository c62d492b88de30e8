// A tiny headless-Chromium driver over the DevTools protocol on a pipe (--remote-debugging-pipe):
// no npm dependency, no network port. Used by __test__/demo.spec.ts to check that the report's
// charts render and to take a screenshot.
//
//   const page = await openPage('/usr/bin/chromium', 'file:///…/weekend.html', { width: 1400 });
//   const value = await page.evaluate('document.title');
//   await page.screenshot('report/weekend.png'); // the whole page
//   await page.close();
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  '--hide-scrollbars',
  '--mute-audio',
];

/** Opens `url` in a fresh headless Chromium; resolves once the page's load event fired. */
export async function openPage(executablePath, url, { width = 1400, height = 900, timeoutMillis = 30_000 } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'wedpool-chromium-'));
  const child = spawn(executablePath, [...CHROMIUM_ARGS, `--user-data-dir=${profile}`, '--remote-debugging-pipe', 'about:blank'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    if (stderr.length < 20_000) stderr += d;
  });
  const toBrowser = child.stdio[3];
  const fromBrowser = child.stdio[4];
  let nextId = 1;
  const pending = new Map();
  const listeners = new Set();
  let exited = null;
  const failAll = (err) => {
    for (const { reject } of pending.values()) reject(err);
    pending.clear();
  };
  child.on('exit', (code, signal) => {
    exited = new Error(`chromium exited (${code ?? signal}) before the page was checked:\n${stderr.slice(-2000)}`);
    failAll(exited);
  });
  child.on('error', (err) => {
    exited = err;
    failAll(err);
  });
  let buffer = Buffer.alloc(0);
  fromBrowser.on('data', (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    let end;
    while ((end = buffer.indexOf(0)) !== -1) {
      const message = JSON.parse(buffer.subarray(0, end).toString('utf8'));
      buffer = buffer.subarray(end + 1);
      if (message.id !== undefined && pending.has(message.id)) {
        const { resolve, reject, method } = pending.get(message.id);
        pending.delete(message.id);
        if (message.error) reject(new Error(`${method}: ${message.error.message}`));
        else resolve(message.result);
      } else if (message.method) {
        for (const listener of listeners) listener(message);
      }
    }
  });
  // A pipe error after the browser closed is expected; do not let it crash the process.
  toBrowser.on('error', () => {});
  fromBrowser.on('error', () => {});

  const send = (method, params = {}, sessionId) =>
    new Promise((resolve, reject) => {
      if (exited) return reject(exited);
      const id = nextId++;
      pending.set(id, { resolve, reject, method });
      toBrowser.write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + '\0');
    });
  const waitFor = (predicate) =>
    new Promise((resolve) => {
      const listener = (message) => {
        if (predicate(message)) {
          listeners.delete(listener);
          resolve(message);
        }
      };
      listeners.add(listener);
    });
  const withTimeout = (promise, what) => {
    let timer;
    return Promise.race([
      promise,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} took longer than ${timeoutMillis} ms`)), timeoutMillis);
        timer.unref();
      }),
    ]).finally(() => clearTimeout(timer));
  };

  const exitedPromise = new Promise((resolve) => child.once('exit', resolve));
  const close = async () => {
    if (!exited) {
      send('Browser.close').catch(() => {});
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exitedPromise;
      clearTimeout(timer);
    }
    rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  };

  try {
    const { targetId } = await withTimeout(send('Target.createTarget', { url: 'about:blank' }), 'starting chromium');
    const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
    const call = (method, params) => send(method, params, sessionId);
    await call('Page.enable');
    await call('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile: false });
    const loaded = waitFor((m) => m.sessionId === sessionId && m.method === 'Page.loadEventFired');
    const nav = await call('Page.navigate', { url });
    if (nav.errorText) throw new Error(`navigating to ${url}: ${nav.errorText}`);
    await withTimeout(loaded, 'loading the page');
    return {
      /** Evaluates `expression` in the page and returns its (JSON) value. */
      async evaluate(expression) {
        const { result, exceptionDetails } = await call('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
        if (exceptionDetails) throw new Error(`evaluate: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
        return result.value;
      },
      /**
       * Writes a PNG of the whole page (or of `clip`: { x, y, width, height } in CSS pixels) to
       * `file`; returns the page's size in CSS pixels.
       */
      async screenshot(file, { clip } = {}) {
        const metrics = await call('Page.getLayoutMetrics');
        const size = metrics.cssContentSize ?? metrics.contentSize;
        const fullHeight = Math.ceil(Math.max(height, size.height));
        await call('Emulation.setDeviceMetricsOverride', { width, height: fullHeight, deviceScaleFactor: 1, mobile: false });
        const { data } = await call('Page.captureScreenshot', {
          format: 'png',
          captureBeyondViewport: true,
          ...(clip ? { clip: { ...clip, scale: 1 } } : {}),
        });
        writeFileSync(file, Buffer.from(data, 'base64'));
        return { width, height: fullHeight };
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
