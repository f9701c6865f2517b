// Test-only launcher: a whole local Bluesky network from @atproto/dev-env's
// TestNetwork (PLC directory + PDS + bsky AppView with its dataplane and bsync +
// ozone moderation service), every listener bound to 127.0.0.1. Started by
// parvis/testing/bsky_network.py with the Node 22 binary that
// scripts/install_bsky_network.sh puts in the cache dir.
//
// The AppView, bsync and ozone keep their state in PostgreSQL; each run gets
// fresh schemas (`appview_<s>`, `bsync_<s>`, `ozone_<s>` for a new `<s>`),
// dropped on exit. TestNetwork also insists on a Redis host.
//
// Environment:
//   PARVIS_BSKY_INSTALL_DIR   (required) dir holding node_modules from the install script
//   PARVIS_BSKY_POSTGRES_URL  default postgres://postgres@127.0.0.1:5432/test
//   PARVIS_BSKY_REDIS_HOST    default 127.0.0.1:6379
//   PARVIS_BSKY_EXIT_ON_STDIN_EOF  "true" to shut down when stdin closes
//
// When the network is up it prints exactly one JSON line on stdout:
//   {"pds":"http://127.0.0.1:P","appview":"http://127.0.0.1:A","plc":"http://127.0.0.1:Q",
//    "ozone":"http://127.0.0.1:O","control":"http://127.0.0.1:C","pid":N,
//    "schema":"...","handle_domains":[".test"],"admin_password":"...",
//    "appview_did":"did:plc:...","ozone_did":"did:plc:...","startup_ms":N}
// The control server answers POST /process-all once the AppView, ozone and
// bsync have indexed everything the PDS has sequenced so far (TestNetwork's
// processAll), with {"ok":true} or a 500 {"error":"..."}.
// SIGTERM / SIGINT / stdin EOF: close every service, drop the schemas, remove
// the temp data dir, exit.

import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const LOOPBACK = '127.0.0.1';
const HANDLE_DOMAINS = ['.test'];
const SCHEMA_PREFIX = 'parvis_bn';
const SCHEMA_KINDS = ['appview', 'bsync', 'ozone'];
const startedAt = Date.now();

// dev-env's services call listen(port) with no host, which binds every
// interface, and TestNetwork exposes no host option; it also ships static
// admin passwords and JWT secrets. Tests must never be reachable from outside,
// so every host-less listen() in this process gets the loopback address.
// (Checked again after start, see assertLoopback.)
const originalListen = net.Server.prototype.listen;
net.Server.prototype.listen = function listenOnLoopback(...args) {
  if (typeof args[0] === 'number' || (typeof args[0] === 'string' && /^\d+$/.test(args[0]))) {
    if (typeof args[1] !== 'string') args.splice(1, 0, LOOPBACK);
  } else if (args[0] && typeof args[0] === 'object' && args[0].path === undefined && args[0].host === undefined) {
    args[0] = { ...args[0], host: LOOPBACK };
  }
  return originalListen.apply(this, args);
};

function assertLoopback(port, name) {
  // A service on a non-loopback address is a hard failure.
  const addr = listening.get(port);
  if (!addr || addr.address !== LOOPBACK) {
    throw new Error(`${name} (port ${port}) is not bound to ${LOOPBACK}: ${JSON.stringify(addr)}`);
  }
}

// Every server that starts listening in this process, by port.
const listening = new Map();
const originalEmit = net.Server.prototype.emit;
net.Server.prototype.emit = function recordListening(event, ...rest) {
  if (event === 'listening') {
    const addr = this.address();
    if (addr && typeof addr === 'object') listening.set(addr.port, addr);
  }
  return originalEmit.call(this, event, ...rest);
};

// The launcher lives in the repo, node_modules in the cache dir: resolve the
// packages from there explicitly (ESM ignores NODE_PATH).
async function importFromInstall(installDir, specifier) {
  const require = createRequire(path.join(installDir, 'package.json'));
  return import(pathToFileURL(require.resolve(specifier)).href);
}

function digitsToLetters(n) {
  return String(n).replace(/[0-9]/g, (d) => String.fromCharCode(97 + Number(d)));
}

function lettersToDigits(s) {
  return Number.parseInt(s.replace(/[a-j]/g, (c) => String(c.charCodeAt(0) - 97)), 10);
}

function randomLetters(n) {
  return Array.from(crypto.randomBytes(n), (b) => String.fromCharCode(97 + (b % 26))).join('');
}

function processIsRunning(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err?.code !== 'ESRCH';
  }
}

async function main() {
  const installDir = process.env.PARVIS_BSKY_INSTALL_DIR;
  if (!installDir) throw new Error('PARVIS_BSKY_INSTALL_DIR is not set (run scripts/install_bsky_network.sh)');
  const postgresUrl = process.env.PARVIS_BSKY_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/test';
  const redisHost = process.env.PARVIS_BSKY_REDIS_HOST || `${LOOPBACK}:6379`;

  // dev-env computes its cross-process port-lock dir from os.tmpdir() when it
  // is imported: import it first, then point TMPDIR at our own dir so that the
  // PDS data dirs and blob stores it creates there go away with it.
  const devEnv = await importFromInstall(installDir, '@atproto/dev-env');
  const pgMod = await importFromInstall(installDir, 'pg');
  const pg = pgMod.default ?? pgMod;
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'parvis-bsky-network-'));
  process.env.TMPDIR = dataDir;

  // Schema names carry our pid: a run killed with SIGKILL leaves its schemas
  // behind, and the next run drops those whose process is gone. Only on a
  // loopback database, where "pid not running" means the same machine.
  // (Letters only: the services refuse anything but [A-Za-z_] in a schema.)
  const schema = `${SCHEMA_PREFIX}_${digitsToLetters(process.pid)}_${randomLetters(8)}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  const dbHost = new URL(postgresUrl).hostname;
  if (['127.0.0.1', 'localhost', '::1', '[::1]'].includes(dbHost)) {
    const { rows } = await admin.query(
      "select nspname from pg_namespace where nspname ~ $1",
      [`^(${SCHEMA_KINDS.join('|')})_${SCHEMA_PREFIX}_[a-j]+_[a-z]+$`],
    );
    for (const { nspname } of rows) {
      const pid = lettersToDigits(nspname.split('_')[3]);
      if (!processIsRunning(pid)) await admin.query(`drop schema if exists "${nspname}" cascade`);
    }
  }

  let network;
  let control;
  let stopping = false;
  const stop = async (code) => {
    if (stopping) return;
    stopping = true;
    control?.close();
    try {
      // TestNetwork.close() first waits for indexing to settle (processAll):
      // bounded here, since a dying test run must not hang its launcher.
      await Promise.race([network?.close(), new Promise((resolve) => setTimeout(resolve, 15000))]);
    } catch (err) {
      console.error('network close failed:', err);
    }
    try {
      for (const kind of SCHEMA_KINDS) await admin.query(`drop schema if exists "${kind}_${schema}" cascade`);
      await admin.end();
    } catch (err) {
      console.error('dropping schemas failed:', err);
    }
    await fs.rm(dataDir, { recursive: true, force: true });
    process.exit(code);
  };
  process.on('SIGTERM', () => void stop(0));
  process.on('SIGINT', () => void stop(0));
  // The Python harness gives us a pipe as stdin and sets this: if the test
  // process dies, the pipe closes and we must not linger. (Opt-in, since a
  // manual run with </dev/null would otherwise stop at once.)
  if (process.env.PARVIS_BSKY_EXIT_ON_STDIN_EOF === 'true') {
    process.stdin.on('end', () => void stop(0));
    process.stdin.resume();
  }

  try {
    process.env.REDIS_HOST = redisHost;
    network = await devEnv.TestNetwork.create({
      dbPostgresUrl: postgresUrl,
      dbPostgresSchema: schema,
      pds: {
        serviceHandleDomains: HANDLE_DOMAINS,
        // Tests hammer createSession/createAccount; don't trip rate limits.
        rateLimitsEnabled: false,
      },
    });
    assertLoopback(network.plc.port, 'PLC');
    assertLoopback(network.pds.port, 'PDS');
    assertLoopback(network.bsky.port, 'AppView');
    assertLoopback(network.ozone.port, 'ozone');
    for (const [port, addr] of listening) {
      if (addr.address !== LOOPBACK) throw new Error(`a server listens on ${addr.address}:${port}`);
    }

    // processAll() calls must not overlap (they drive the same subscriptions).
    let queue = Promise.resolve();
    control = http.createServer((req, res) => {
      const reply = (status, body) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method !== 'POST' || req.url !== '/process-all') return reply(404, { error: 'not found' });
      req.resume();
      queue = queue.then(
        () => network.processAll().then(
          () => reply(200, { ok: true }),
          (err) => reply(500, { error: String(err?.message ?? err) }),
        ),
      );
    });
    await new Promise((resolve, reject) => {
      control.once('error', reject);
      originalListen.call(control, 0, LOOPBACK, resolve);
    });
    const local = (port) => `http://${LOOPBACK}:${port}`;
    process.stdout.write(
      `${JSON.stringify({
        pds: local(network.pds.port),
        appview: local(network.bsky.port),
        plc: local(network.plc.port),
        ozone: local(network.ozone.port),
        control: local(control.address().port),
        pid: process.pid,
        schema,
        handle_domains: HANDLE_DOMAINS,
        admin_password: devEnv.ADMIN_PASSWORD,
        appview_did: network.bsky.ctx.cfg.serverDid,
        ozone_did: network.ozone.ctx.cfg.service.did,
        startup_ms: Date.now() - startedAt,
      })}\n`,
    );
  } catch (err) {
    console.error('failed to start the local Bluesky network:', err);
    await stop(1);
  }
}

await main();
