// Choosing a runtime: by name (`--runtime`), and the default (netns as root, local otherwise, saying why).
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../harness/errors.ts';
import { defaultRuntime, loadRuntime } from '../harness/runtime/registry.ts';
import { runCommand } from '../harness/runtime/process.ts';
import { NOBODY, repoReadableByNobody } from './support/nobody.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

describe('runtime registry', () => {
  it('loads netns by name and refuses unknown kinds with the list of known ones', async () => {
    assert.equal((await loadRuntime('netns')).kind, 'netns');
    await assert.rejects(loadRuntime('kvm'), (err: Error) => err instanceof UsageError && /unknown runtime 'kvm' \(known: netns, docker, local, ssh\)/.test(err.message));
  });

  it('defaults to netns as root @integration', async function () {
    if (process.getuid?.() !== 0) this.skip();
    const lines: string[] = [];
    assert.equal(await defaultRuntime((l) => lines.push(l)), 'netns');
    assert.deepEqual(lines, []);
  });

  it('defaults to local, and says why, for an ordinary user @integration', async function () {
    if (process.getuid?.() !== 0) this.skip(); // needs root to become another user
    const repo = await repoReadableByNobody(ROOT);
    const code = `import { defaultRuntime } from '${repo.dir}/harness/runtime/registry.ts'; console.log('chose', await defaultRuntime((l) => console.log(l)));`;
    const r = await runCommand('setpriv', [...NOBODY, process.execPath, '--import', 'tsx', '--input-type=module', '-e', code], { timeoutMs: 30_000, cwd: repo.dir }).finally(repo.dispose);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /using --runtime local because netns cannot run here: .*need root/);
    assert.match(r.stdout, /chose local/);
  });
});
