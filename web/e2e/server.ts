// Starts the real app for the e2e tests: `troubletree serve` on a free port, with a fresh
// database on the PostgreSQL at 127.0.0.1:5432 when it answers (dropped afterwards), else the
// app's embedded PostgreSQL in a temporary data folder.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const webDir = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const repoDir = resolve(webDir, '..');

const venvBin = process.env.TROUBLETREE_VENV_BIN ?? join(repoDir, '.venv', 'bin');
const python = join(venvBin, 'python');
const troubletree = join(venvBin, 'troubletree');

export interface RunningApp {
  baseURL: string;
  logFile: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

function database(...args: string[]): { ok: boolean; out: string; err: string } {
  const result = spawnSync(python, [join(webDir, 'e2e', 'database.py'), ...args], {
    encoding: 'utf8',
  });
  return { ok: result.status === 0, out: result.stdout.trim(), err: result.stderr.trim() };
}

async function waitForHealth(baseURL: string, child: ChildProcess, logFile: string) {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`the app exited (${child.exitCode}) before it was ready:\n${tail(logFile)}`);
    }
    try {
      const response = await fetch(`${baseURL}/api/health`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the app was not ready within 120 s:\n${tail(logFile)}`);
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-40).join('\n');
  } catch {
    return '(no log)';
  }
}

function stopProcess(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    child.kill('SIGTERM');
  });
}

/** Starts the app; its log is `server.log` in `resultsDir` (Playwright's output folder). */
export async function startApp(resultsDir: string): Promise<RunningApp> {
  if (!existsSync(join(webDir, 'dist', 'index.html'))) {
    throw new Error('web/dist is missing: run `npm run build` (npm run e2e does) first');
  }
  if (!existsSync(troubletree)) {
    throw new Error(`${troubletree} not found: install the app first (make install)`);
  }
  mkdirSync(resultsDir, { recursive: true });
  const workDir = mkdtempSync(join(tmpdir(), 'tt-e2e-app-'));
  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ENVIRONMENT: 'development',
    COOKIE_SECURE: 'false', // plain http on 127.0.0.1
    SECRET_KEY: randomBytes(36).toString('base64url'), // 48 characters
    PUBLIC_URL: baseURL,
    TROUBLETREE_DATA_DIR: join(workDir, 'data'),
    RATE_LIMIT_LOGIN_IP: '10000/minute',
    RATE_LIMIT_LOGIN_ACCOUNT: '10000/minute',
    RATE_LIMIT_REGISTER_IP: '10000/hour',
    RATE_LIMIT_INVITE_IP: '10000/minute',
    RATE_LIMIT_RESET_IP: '10000/hour',
    RATE_LIMIT_REFRESH_IP: '10000/minute',
    SIGNUP_MODE: 'open',
    LOG_LEVEL: 'INFO',
  };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  delete env.SMTP_HOST; // emails go to the log and the outbox

  let dbName: string | null = null;
  if (database('probe').ok) {
    dbName = `tt_e2e_${randomBytes(6).toString('hex')}`;
    const created = database('create', dbName);
    if (!created.ok) throw new Error(`could not create ${dbName}: ${created.err}`);
    env.DATABASE_URL = created.out;
  }

  const logFile = join(resultsDir, 'server.log');
  const log = createWriteStream(logFile);
  // cwd is the temporary folder, so a developer's .env is not read.
  const child = spawn(troubletree, ['serve', '--host', '127.0.0.1', '--port', String(port)], {
    cwd: workDir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);

  const cleanup = async () => {
    await stopProcess(child);
    log.end();
    if (dbName) {
      const dropped = database('drop', dbName);
      if (!dropped.ok) console.warn(`could not drop ${dbName}: ${dropped.err}`);
    } else {
      // The embedded server outlives `serve`: stop it before its folder is removed.
      const stopped = spawnSync(troubletree, ['db', 'stop'], { cwd: workDir, env, encoding: 'utf8' });
      if (stopped.status !== 0) console.warn(`could not stop the embedded PostgreSQL: ${stopped.stderr}`);
    }
    rmSync(workDir, { recursive: true, force: true });
  };

  try {
    await waitForHealth(baseURL, child, logFile);
  } catch (error) {
    await cleanup();
    throw error;
  }
  console.log(`e2e: app on ${baseURL} (${dbName ? `database ${dbName}` : 'embedded PostgreSQL'}), log ${logFile}`);
  return { baseURL, logFile, stop: cleanup };
}
