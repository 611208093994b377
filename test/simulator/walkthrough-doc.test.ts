// Keeps docs/simulator.md honest: runs the curl walkthrough's shell blocks, in order, against a
// fresh simulator and compares what they print with the output blocks shown in the document.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startSimulator } from '../../src/simulator/index.js';

const DOC = new URL('../../docs/simulator.md', import.meta.url);
const DOC_URL = 'http://127.0.0.1:8999';

function walkthrough(): { script: string; expected: string[] } {
  const text = readFileSync(DOC, 'utf8');
  const start = text.indexOf('<!-- walkthrough:start -->');
  const end = text.indexOf('<!-- walkthrough:end -->');
  const part = text.slice(start, end);
  const blocks = [...part.matchAll(/```(sh|text)\n([\s\S]*?)```/g)];
  const script = blocks
    .filter((b) => b[1] === 'sh')
    .map((b) => b[2])
    .join('\n');
  const expected = blocks
    .filter((b) => b[1] === 'text')
    .flatMap((b) => (b[2] ?? '').split('\n'))
    .filter((l) => l.length > 0);
  return { script, expected };
}

const tools = ['bash', 'curl', 'jq'].every((t) => spawnSync(t, ['--version']).status === 0);

describe('docs/simulator.md walkthrough', () => {
  it.skipIf(!tools)('prints what the document says it prints', { timeout: 120_000 }, async () => {
    const { script, expected } = walkthrough();
    expect(script).toContain('curl');
    // The document prints in-between states (ACTIVE STOPPING, REBOOT REBOOTING, a port in BUILD…)
    // read by a curl or two after each action: those jobs last long enough that a loaded machine
    // still reads them in time. The others are short, to keep the walk quick.
    const long = 2000;
    const sim = await startSimulator({
      tokens: ['demo-token', 'other-token'],
      delays: {
        build: 300,
        start: 300,
        stop: long,
        reboot: long,
        resize: long,
        destroy: long,
        volume: long,
        port: long,
      },
    });
    const dir = mkdtempSync(join(tmpdir(), 'snf-walk-'));
    try {
      const run = await new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const child = spawn('bash', ['-e', '-u', '-o', 'pipefail', '-c', script], {
          cwd: dir,
          env: { ...process.env, S: sim.url },
        });
        let out = '';
        let err = '';
        child.stdout.on('data', (d) => {
          out += d;
        });
        child.stderr.on('data', (d) => {
          err += d;
        });
        child.on('close', (code) => resolve({ code, out, err }));
      });
      expect(run.err).toBe('');
      expect(run.code).toBe(0);
      const actual = run.out
        .split('\n')
        .map((l) => l.trimEnd())
        .filter((l) => l.length > 0);
      expect(actual).toEqual(expected.map((l) => l.trimEnd().replaceAll(DOC_URL, sim.url)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await sim.close();
    }
  });
});
