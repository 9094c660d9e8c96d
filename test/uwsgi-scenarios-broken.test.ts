// The uwsgi-* scenarios' broken variants through the real pipeline (`faultline scenario`): a stack
// without the harakiri the scenario expects, a max-requests higher than the checker is told, a
// buffer-size larger than expected, an app performing its side effect twice — each makes the run
// exit 1 naming the broken promise.
import assert from 'node:assert/strict';
import { cliScenario } from './support/runs.ts';

describe('uwsgi scenarios: broken stacks exit 1 @integration', function () {
  this.timeout(120_000);

  it('exits 1 when the stack runs without the harakiri the scenario expects', () => {
    const { code, out } = cliScenario('uwsgi-harakiri', ['--time-limit', '8', '--target', 'uwsgi-nginx:harakiri=0']);
    assert.equal(code, 1, out);
    assert.match(out, /INVALID: .*past harakiri 2 s, so its worker should have been killed and nginx should have answered 502 — it was answered 200/);
  });

  it('exits 1 when workers serve more requests than the max-requests the checker is told', () => {
    const { code, out } = cliScenario('uwsgi-recycling', ['--time-limit', '8', '--target', 'uwsgi-nginx:max-requests=30']);
    assert.equal(code, 1, out);
    assert.match(out, /INVALID: worker \d+ served \d+ requests, more than max-requests 10/);
  });

  it('exits 1 when uWSGI accepts a variable block larger than the buffer-size the scenario expects', () => {
    const { code, out } = cliScenario('uwsgi-timeouts', ['--time-limit', '5', '--target', 'uwsgi-nginx:buffer-size=8192']);
    assert.equal(code, 1, out);
    assert.match(out, /INVALID: bigvars request .* exceeds buffer-size 4096: uWSGI must refuse it and nginx answer 502 at once — it was answered 200/);
  });

  it('exits 1 when the app performs its side effect twice', () => {
    const { code, out } = cliScenario('uwsgi-recycling', ['--time-limit', '5', '--target', 'uwsgi-nginx:effect-twice=true']);
    assert.equal(code, 1, out);
    assert.match(out, /FAIL delivery: .*side effect happened 2 times: a POST's effect must happen at most once/);
  });
});
