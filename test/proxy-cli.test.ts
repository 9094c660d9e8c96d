// `faultline proxy` as a separate process: it serves the Toxiproxy API, logs calls, stops cleanly on
// SIGTERM, and refuses a non-loopback API host with a clear one-line error (exit 2).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Toxiproxy } from 'toxiproxy-node-client';

const CLI = new URL('../bin/faultline.js', import.meta.url).pathname;

describe('faultline proxy (command) @integration', function () {
  this.timeout(20_000);

  it('serves the API, logs each call and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [CLI, 'proxy', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no API URL printed within 10 s: ${out}`)), 10_000);
        child.stdout.on('data', () => {
          const m = /API on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
      });
      const toxiproxy = new Toxiproxy(url);
      assert.deepEqual(Object.keys(await toxiproxy.getAll()), []);
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      assert.equal(code, 0);
      assert.match(out, /GET \/proxies 200/);
      assert.match(out, /stopped/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('refuses a non-loopback host with exit 2', async () => {
    const child = spawn(process.execPath, [CLI, 'proxy', '--host', '0.0.0.0', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const [code] = await once(child, 'exit');
    assert.equal(code, 2);
    assert.match(err, /0\.0\.0\.0 is not a loopback address/);
  });
});
