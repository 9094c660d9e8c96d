// Each of uwsgi-lite's switchable bugs is caught through the real pipeline (runScenario, real nginx,
// the default runtime) — verdict invalid, by the checker named in the table — by the scenario BUGS.md
// says catches it.
import assert from 'node:assert/strict';
import { KNOWN_BUGS } from '../targets/uwsgi-lite/server/options.ts';
import { checkNamed, runInTemp, summary } from './support/runs.ts';

/** Which scenario catches which bug, and through which checker (BUGS.md says the same). */
const CATCHES: { bug: (typeof KNOWN_BUGS)[number]; scenario: string; checker: string; message: RegExp }[] = [
  { bug: 'harakiri-late', scenario: 'uwsgi-harakiri', checker: 'harakiri', message: /past harakiri 2 s/ },
  { bug: 'recycle-cuts', scenario: 'uwsgi-recycling', checker: 'recycling', message: /recycling must neither cut a request in flight/ },
  { bug: 'no-buffer-limit', scenario: 'uwsgi-timeouts', checker: 'timeout', message: /exceeds buffer-size 4096: uWSGI must refuse it/ },
  { bug: 'double-effect', scenario: 'uwsgi-recycling', checker: 'delivery', message: /side effect happened [2-9] times: a POST's effect must happen at most once/ },
  { bug: 'harakiri-wall-clock', scenario: 'uwsgi-harakiri-clock', checker: 'harakiri-clock', message: /step of app's wall clock, which this stack's harakiri claims not to read/ },
];

describe('uwsgi-lite bugs caught through the real pipeline @integration', function () {
  this.timeout(120_000);

  it('the table names a catching scenario for every bug', () => {
    assert.deepEqual(CATCHES.map((c) => c.bug).sort(), [...KNOWN_BUGS].sort());
  });

  for (const c of CATCHES) {
    it(`bug ${c.bug} is caught by ${c.scenario} (${c.checker} invalid)`, async () => {
      const { result } = await runInTemp({ scenario: c.scenario, target: `uwsgi-lite:bug=${c.bug}`, seed: 7, timeLimit: 10 });
      assert.equal(result.valid, false, summary(result));
      const judged = checkNamed(result, c.checker);
      assert.equal(judged.valid, false, summary(result));
      assert.match(judged.summary, c.message);
    });
  }
});
