// Replays deploy/OPERATIONS.md against `make run`: starts deploy/run-local.sh (records and
// analytics with TLS, tokens and the seed data) on free ports in a temporary directory, then
// runs every command of the runbook's ```sh blocks in document order, in bash, exactly as
// written except for the ports and the data directory:
//   - assignments (R=..., AUTH=(...)) are kept and prefixed to every later command;
//   - grpcurl commands run with `grpcurl` bound to tests/support/reflection_call (the same
//     flags: -cacert, -H, -d, -plaintext, list, describe) and must exit 0, or with the
//     documented error when the command carries a `# expect CODE` comment (grpcurl's exit
//     code 64 + code, and "Code: CODE");
//   - curl commands (the /metrics endpoint) run as they are and must exit 0;
//   - kubectl, records_restore and mv are not replayed (no cluster; the restore procedure
//     stops records) — they are listed as such, and any other command fails the test, so a
//     new kind of command cannot slip in unreplayed.
//
//   node runbook_replay.mjs --build-dir DIR --reflection-call BIN [--runbook FILE]
//                           [--run-local FILE] [--keep]
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');

function parseArgs(argv) {
  const args = {
    runbook: path.join(repo, 'deploy/OPERATIONS.md'),
    runLocal: path.join(repo, 'deploy/run-local.sh'),
    keep: false,
  };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    if (a === '--build-dir') args.buildDir = argv[++i];
    else if (a === '--reflection-call') args.reflectionCall = argv[++i];
    else if (a === '--runbook') args.runbook = argv[++i];
    else if (a === '--run-local') args.runLocal = argv[++i];
    else if (a === '--keep') args.keep = true;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!args.buildDir || !args.reflectionCall) {
    throw new Error('usage: runbook_replay.mjs --build-dir DIR --reflection-call BIN');
  }
  return args;
}

// gRPC status codes by name, as grpcurl prints them ("Code: FailedPrecondition") and as
// absl spells them (FAILED_PRECONDITION); reflection_call prints the latter.
const CODES = {
  OK: 0, CANCELLED: 1, UNKNOWN: 2, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5,
  ALREADY_EXISTS: 6, PERMISSION_DENIED: 7, RESOURCE_EXHAUSTED: 8, FAILED_PRECONDITION: 9,
  ABORTED: 10, OUT_OF_RANGE: 11, UNIMPLEMENTED: 12, INTERNAL: 13, UNAVAILABLE: 14,
  DATA_LOSS: 15, UNAUTHENTICATED: 16,
};

// ```sh blocks with the heading they are under.
export function extractBlocks(markdown) {
  const blocks = [];
  let heading = '';
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; ++i) {
    if (/^#{1,6} /.test(lines[i])) heading = lines[i].replace(/^#+ /, '');
    if (lines[i] === '```sh') {
      const start = i + 1;
      let end = start;
      while (end < lines.length && lines[end] !== '```') ++end;
      blocks.push({ heading, line: start + 1, text: lines.slice(start, end).join('\n') + '\n' });
      i = end;
    }
  }
  return blocks;
}

// Splits shell text into commands: a newline ends a command unless it is inside quotes,
// inside $( ... ) or ( ... ), or escaped with a backslash. Comments (# at the start of a word,
// outside quotes) are returned apart.
export function splitCommands(text, firstLine = 1) {
  const commands = [];
  let cur = '';
  let comment = '';
  let single = false;
  let double = false;
  let depth = 0;
  let line = firstLine;
  let startLine = firstLine;
  const flush = () => {
    const t = cur.trim();
    if (t !== '' || comment.trim() !== '') {
      commands.push({ text: t, comment: comment.trim(), line: startLine });
    }
    cur = '';
    comment = '';
  };
  for (let i = 0; i < text.length; ++i) {
    const c = text[i];
    if (c === '\n') ++line;
    if (cur.trim() === '' && comment === '') startLine = line;
    if (single) {
      cur += c;
      if (c === "'") single = false;
      continue;
    }
    if (c === '\\' && i + 1 < text.length) {
      cur += c + text[i + 1];
      if (text[i + 1] === '\n') ++line;
      ++i;
      continue;
    }
    if (double) {
      cur += c;
      if (c === '"') double = false;
      else if (c === '$' && text[i + 1] === '(') { cur += '('; ++i; ++depth; }
      else if (c === ')' && depth > 0) --depth;
      continue;
    }
    if (c === "'") { single = true; cur += c; continue; }
    if (c === '"') { double = true; cur += c; continue; }
    if (c === '(') { ++depth; cur += c; continue; }
    if (c === ')') { if (depth > 0) --depth; cur += c; continue; }
    if (c === '#' && (cur === '' || /\s$/.test(cur))) {
      let j = i;
      while (j < text.length && text[j] !== '\n') ++j;
      comment += ' ' + text.slice(i + 1, j);
      i = j - 1;
      continue;
    }
    if (c === '\n' && depth === 0) { flush(); continue; }
    cur += c;
  }
  flush();
  return commands.filter((c) => c.text !== '');
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function startMakeRun(args, dataDir, ports) {
  const child = spawn('bash', [args.runLocal], {
    cwd: repo,
    env: {
      ...process.env,
      BUILD_DIR: args.buildDir,
      DATA_DIR: dataDir,
      RECORDS_PORT: String(ports.records),
      ANALYTICS_PORT: String(ports.analytics),
      RECORDS_METRICS_PORT: String(ports.recordsMetrics),
      ANALYTICS_METRICS_PORT: String(ports.analyticsMetrics),
    },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 300_000;  // generous: a shared 2-core machine
  while (!out.includes('Ctrl-C stops both.')) {
    const done = await Promise.race([exited, new Promise((r) => setTimeout(() => r(null), 200))]);
    if (done !== null) throw new Error(`run-local.sh exited (${done}) before serving:\n${out}`);
    if (Date.now() > deadline) throw new Error(`run-local.sh did not come up:\n${out}`);
  }
  return { child, exited, output: () => out };
}

async function stopMakeRun(run) {
  try { process.kill(run.child.pid, 'SIGTERM'); } catch { return; }
  const code = await Promise.race([run.exited, new Promise((r) => setTimeout(() => r('timeout'), 90_000))]);
  if (code === 'timeout') {
    try { process.kill(-run.child.pid, 'SIGKILL'); } catch { /* gone */ }
  }
}

// The runbook as it applies to this run: make run's default ports and data directory
// replaced by the test's.
function localize(markdown, dataDir, ports) {
  return markdown
    .replaceAll('127.0.0.1:50051', `127.0.0.1:${ports.records}`)
    .replaceAll('127.0.0.1:50052', `127.0.0.1:${ports.analytics}`)
    .replaceAll('127.0.0.1:9091', `127.0.0.1:${ports.recordsMetrics}`)
    .replaceAll('127.0.0.1:9092', `127.0.0.1:${ports.analyticsMetrics}`)
    .replaceAll('.data/', `${dataDir}/`);
}

const NOT_REPLAYED = {
  kubectl: 'no Kubernetes cluster here (the manifests are checked by deploy_manifests)',
  records_restore: 'offline restore procedure (it stops records); covered by records_backup_test',
  mv: 'offline restore procedure (swapping data directories)',
};

function isAssignment(text) {
  return /^[A-Za-z_][A-Za-z0-9_]*=/.test(text) && !/\s(grpcurl|curl|kubectl)\s/.test(text);
}

function run(args, markdown, dataDir, ports, { quiet = false } = {}) {
  const blocks = extractBlocks(localize(markdown, dataDir, ports));
  let prelude = 'set -o pipefail\n';
  const results = { replayed: 0, failed: [], skipped: [] };
  for (const block of blocks) {
    for (const command of splitCommands(block.text, block.line)) {
      const where = `OPERATIONS.md:${command.line} (${block.heading})`;
      const first = command.text.split(/\s+/)[0];
      if (isAssignment(command.text)) {
        prelude += command.text + '\n';
        continue;
      }
      if (first in NOT_REPLAYED) {
        results.skipped.push(`${where}: ${first} — ${NOT_REPLAYED[first]}`);
        continue;
      }
      if (first !== 'grpcurl' && first !== 'curl') {
        results.failed.push(`${where}: "${first}" is neither replayed nor known as unreplayable`);
        continue;
      }
      const expect = /\bexpect ([A-Z_]+)\b/.exec(command.comment);
      const script = `${prelude}grpcurl() { "$REFLECTION_CALL" "$@"; }\n${command.text}\n`;
      const r = spawnSync('bash', ['-c', script], {
        cwd: dataDir,
        env: { ...process.env, REFLECTION_CALL: args.reflectionCall },
        encoding: 'utf8',
        timeout: 120_000,
      });
      ++results.replayed;
      const shown = command.text.length > 160 ? command.text.slice(0, 160) + '…' : command.text;
      if (expect) {
        const code = CODES[expect[1]];
        if (code === undefined) {
          results.failed.push(`${where}: unknown expected code ${expect[1]}`);
        } else if (r.status !== 64 + code || !r.stderr.includes(`Code: ${expect[1]}`)) {
          results.failed.push(`${where}: expected ${expect[1]}, got exit ${r.status}\n` +
                              `  $ ${shown}\n${r.stdout}${r.stderr}`);
        } else {
          if (!quiet) console.log(`ok   ${where}: ${expect[1]} as documented`);
        }
      } else if (r.status !== 0 || r.stdout.trim() === '') {
        results.failed.push(`${where}: exit ${r.status}\n  $ ${shown}\n${r.stdout}${r.stderr}`);
      } else {
        if (!quiet) console.log(`ok   ${where}: ${shown.split('\n')[0]}`);
      }
    }
  }
  return results;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  args.buildDir = path.resolve(args.buildDir);
  args.reflectionCall = path.resolve(args.reflectionCall);
  const markdown = fs.readFileSync(args.runbook, 'utf8');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dangbo-runbook-'));
  const dataDir = path.join(tmp, 'data');
  const ports = {
    records: await freePort(), analytics: await freePort(),
    recordsMetrics: await freePort(), analyticsMetrics: await freePort(),
  };
  let makeRun;
  let failed = true;
  try {
    makeRun = await startMakeRun(args, dataDir, ports);
    const results = run(args, markdown, dataDir, ports);
    for (const s of results.skipped) console.log(`skip ${s}`);
    for (const f of results.failed) console.log(`FAIL ${f}`);
    console.log(`${results.replayed} commands replayed, ${results.failed.length} failed, ` +
                `${results.skipped.length} not replayable here`);
    // A runbook whose commands were all dropped must not pass.
    failed = results.failed.length > 0 || results.replayed < 20;
    // And the replay must keep catching broken commands: every one of the fixture's fails.
    const broken = fs.readFileSync(path.join(here, 'runbook_fixtures/broken.md'), 'utf8');
    const expected = extractBlocks(broken)
      .flatMap((b) => splitCommands(b.text, b.line))
      .filter((c) => !isAssignment(c.text)).length;
    const caught = run(args, broken, dataDir, ports, { quiet: true });
    console.log(`broken fixture: ${caught.failed.length} of ${expected} commands caught`);
    if (caught.failed.length !== expected) {
      for (const f of caught.failed) console.log(`  caught ${f.split('\n')[0]}`);
      console.log('FAIL the replay accepted a broken command of runbook_fixtures/broken.md');
      failed = true;
    }
  } catch (e) {
    console.log(`FAIL ${e.message}`);
  } finally {
    if (makeRun) await stopMakeRun(makeRun);
    if (failed) {
      for (const log of ['records.log', 'analytics.log']) {
        const p = path.join(dataDir, log);
        if (fs.existsSync(p)) {
          console.log(`--- tail of ${log}`);
          console.log(fs.readFileSync(p, 'utf8').split('\n').slice(-15).join('\n'));
        }
      }
    }
    if (!args.keep) fs.rmSync(tmp, { recursive: true, force: true });
  }
  process.exit(failed ? 1 : 0);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main();
}
