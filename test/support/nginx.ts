// Debian's nginx in front of snf-occi, configured with the ```nginx block of docs/deploy.md taken
// from the file as it is, with this test's addresses and certificate: TLS terminated by nginx, the
// documented buffers and headers, and one `server` line per snf-occi instance in the upstream
// (round robin). nginx runs as a child process on a free port, its prefix in a temporary directory.
// CI installs nginx (.ci/run); elsewhere the tests are skipped when /usr/sbin/nginx is missing.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import { makeCertificate, waitFor } from '../ops/ops-stack.js';
import { REPO_DIR } from './e2e-stack.js';
import { freePort } from './ports.js';

const NGINX = '/usr/sbin/nginx';
export const nginxAvailable = existsSync(NGINX) || !!process.env.CI; // in CI a missing nginx fails

/** The first ```nginx block of docs/deploy.md. */
async function documentedConfig(): Promise<string> {
  const doc = await readFile(join(REPO_DIR, 'docs', 'deploy.md'), 'utf8');
  const block = /```nginx\n([\s\S]*?)```/.exec(doc)?.[1];
  if (!block) throw new Error('docs/deploy.md has no ```nginx block');
  return block;
}

/** Replaces `from` in the documented block, failing if the documentation no longer has it. */
function substitute(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`the documented nginx configuration lost '${from}'`);
  return text.replaceAll(from, to);
}

export interface TestNginx {
  /** https://127.0.0.1:PORT, where nginx listens. */
  base: string;
  /** Trusts nginx's certificate. */
  dispatcher: Agent;
  /** Its certificate's PEM, for clients of its own. */
  ca: string;
  fetch(path: string, init?: Parameters<typeof undiciFetch>[1]): ReturnType<typeof undiciFetch>;
  close(): Promise<void>;
}

/** Starts nginx; `publicBase` is called with its URL before the upstreams are asked for. */
export async function startNginx(upstreams: (base: string) => Promise<string[]>): Promise<TestNginx> {
  const prefix = await mkdtemp(join(tmpdir(), 'snf-occi-nginx-'));
  const cert = await makeCertificate(prefix);
  const port = await freePort();
  const base = `https://127.0.0.1:${port}`;
  const servers = (await upstreams(base)).map((u) => `server ${u};`).join('\n    ');
  let server = await documentedConfig();
  server = substitute(server, 'server 127.0.0.1:8080;', servers);
  server = substitute(server, 'listen 443 ssl;', `listen 127.0.0.1:${port} ssl;`);
  server = substitute(server, '/etc/ssl/certs/occi.example.org.pem', cert.cert);
  server = substitute(server, '/etc/ssl/private/occi.example.org.key', cert.key);
  for (const dir of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi', 'logs'])
    await mkdir(join(prefix, dir), { recursive: true });
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((d) => `  ${d}_temp_path ${join(prefix, d)};`)
    .join('\n');
  const conf = `${process.getuid?.() === 0 ? 'user root;\n' : ''}worker_processes 1;
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'logs', 'error.log')} warn;
events { worker_connections 64; }
http {
  access_log ${join(prefix, 'logs', 'access.log')};
${temp}
${server}
}
`;
  await writeFile(join(prefix, 'nginx.conf'), conf);
  const nginx: ChildProcess = spawn(
    NGINX,
    ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-g', 'daemon off;'],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const errors: string[] = [];
  nginx.stderr!.on('data', (c: Buffer) => errors.push(c.toString()));
  const dispatcher = new Agent({ connect: { ca: cert.pem }, maxHeaderSize: 256 * 1024 });
  const close = async () => {
    if (nginx.exitCode === null) {
      const exited = new Promise((r) => nginx.once('exit', r));
      nginx.kill('SIGTERM');
      await exited;
    }
    await dispatcher.destroy(); // bodies a failed assertion left unread would keep close() waiting
    await rm(prefix, { recursive: true, force: true });
  };
  try {
    await waitFor(
      'nginx to answer',
      async () => {
        if (nginx.exitCode !== null) throw new Error(`nginx exited: ${errors.join('')}`);
        return undiciFetch(`${base}/healthz`, { dispatcher }).then(
          (r) => (r.status === 200 ? true : undefined),
          () => undefined,
        );
      },
      20_000,
    );
  } catch (e) {
    await close();
    throw e;
  }
  return {
    base,
    dispatcher,
    ca: cert.pem,
    fetch: (path, init = {}) =>
      undiciFetch(path.startsWith('https://') ? path : `${base}${path}`, { dispatcher, ...init }),
    close,
  };
}
