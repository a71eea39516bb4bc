#!/usr/bin/env node
// Generates the typed API client and TanStack Query options from the FastAPI app.
//
//   npm run generate          dump web/openapi.json, regenerate src/client
//   npm run check-generated   regenerate into a temporary folder and fail if the committed
//                             openapi.json or src/client differ (CI runs this)
//
// The schema is dumped by ../scripts/dump_openapi.py, which imports the app without starting a
// server or touching a database. Python: $TROUBLETREE_PYTHON, else ../.venv/bin/python, else
// python3 on PATH.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { createClient } from '@hey-api/openapi-ts';

import config from '../openapi-ts.config.mjs';

const webDir = resolve(fileURLToPath(new URL('..', import.meta.url)));
const repoDir = resolve(webDir, '..');
const check = process.argv.includes('--check');

function python() {
  if (process.env.TROUBLETREE_PYTHON) return process.env.TROUBLETREE_PYTHON;
  const venv = join(repoDir, '.venv', 'bin', 'python');
  return existsSync(venv) ? venv : 'python3';
}

function dumpSchema(output) {
  const result = spawnSync(python(), [join(repoDir, 'scripts', 'dump_openapi.py'), output], {
    cwd: repoDir,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (result.status !== 0) {
    throw new Error(`dump_openapi.py failed (exit ${result.status ?? result.signal})`);
  }
}

async function generate(input, output) {
  await createClient({ ...config, input, output: { ...config.output, path: output }, logs: { level: 'silent' } });
}

function listFiles(dir) {
  if (!existsSync(dir)) return [];
  const files = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      files.push(...listFiles(path).map((f) => join(name, f)));
    } else {
      files.push(name);
    }
  }
  return files.sort();
}

function compareDirs(expected, actual) {
  const problems = [];
  const want = listFiles(expected);
  const have = new Set(listFiles(actual));
  for (const file of want) {
    if (!have.has(file)) problems.push(`missing: ${file}`);
    else if (!readFileSync(join(expected, file)).equals(readFileSync(join(actual, file)))) {
      problems.push(`differs: ${file}`);
    }
    have.delete(file);
  }
  for (const file of have) problems.push(`not generated (remove it): ${file}`);
  return problems;
}

const schemaPath = join(webDir, 'openapi.json');
const clientDir = join(webDir, 'src', 'client');

if (check) {
  const tmp = mkdtempSync(join(tmpdir(), 'tt-client-'));
  try {
    const freshSchema = join(tmp, 'openapi.json');
    const freshClient = join(tmp, 'client');
    dumpSchema(freshSchema);
    await generate(freshSchema, freshClient);
    const problems = [];
    if (!existsSync(schemaPath) || !readFileSync(freshSchema).equals(readFileSync(schemaPath))) {
      problems.push(`differs: ${relative(repoDir, schemaPath)}`);
    }
    problems.push(
      ...compareDirs(freshClient, clientDir).map((p) => p.replace(': ', `: ${relative(repoDir, clientDir)}/`)),
    );
    if (problems.length > 0) {
      console.error('The generated API client is out of date with the FastAPI app:');
      for (const p of problems) console.error(`  ${p}`);
      console.error('Run `npm run generate` in web/ and commit the result.');
      process.exit(1);
    }
    console.log('Generated API client is up to date.');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
} else {
  dumpSchema(schemaPath);
  rmSync(clientDir, { recursive: true, force: true });
  await generate(schemaPath, clientDir);
  console.log(`Generated ${relative(repoDir, clientDir)} from ${relative(repoDir, schemaPath)}`);
}
