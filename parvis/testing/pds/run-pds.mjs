// Test-only launcher: an in-memory PLC directory plus a reference Bluesky PDS
// (@atproto/pds), both bound to 127.0.0.1. Started by
// parvis/testing/bluesky_server.py with the Node 22 binary that
// scripts/install_pds.sh puts in the cache dir.
//
// Environment:
//   PARVIS_PDS_INSTALL_DIR   (required) dir holding node_modules from install_pds.sh
//   PARVIS_PDS_PORT          PDS port; default: a free loopback port
//   PARVIS_PLC_PORT          PLC port; default: 0 (the OS picks one)
//   PARVIS_PDS_DATA_DIR      data dir; default: a fresh temp dir, removed on exit
//   PARVIS_PDS_DID_DOC_WITH_SESSION  "true" to return didDoc from createSession
//                            (as bsky.social does; clients then follow the
//                            DID doc's endpoint, http://localhost:PORT)
//   PARVIS_PDS_EXIT_ON_STDIN_EOF  "true" to shut down when stdin closes
//
// When both servers listen it prints exactly one JSON line on stdout:
//   {"pds":"http://127.0.0.1:P","plc":"http://127.0.0.1:Q","public_url":"http://localhost:P",
//    "data_dir":"...","pid":N,"handle_domains":[".test"],"admin_password":"..."}
// SIGTERM / SIGINT shut both down and remove the temp data dir.

import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const LOOPBACK = '127.0.0.1';
const HANDLE_DOMAINS = ['.test'];

// Both @atproto/pds and @did-plc/server call `app.listen(port)` with no host,
// which binds every interface, and neither exposes a host option. Tests must
// never be reachable from outside, so give every host-less listen() call in
// this process the loopback address. (Checked again after start, see
// assertLoopback.)
const originalListen = net.Server.prototype.listen;
net.Server.prototype.listen = function listenOnLoopback(...args) {
  if (typeof args[0] === 'number' || (typeof args[0] === 'string' && /^\d+$/.test(args[0]))) {
    if (typeof args[1] !== 'string') args.splice(1, 0, LOOPBACK);
  } else if (args[0] && typeof args[0] === 'object' && args[0].path === undefined && args[0].host === undefined) {
    args[0] = { ...args[0], host: LOOPBACK };
  }
  return originalListen.apply(this, args);
};

function assertLoopback(server, name) {
  const addr = server.address();
  if (!addr || typeof addr === 'string' || addr.address !== LOOPBACK) {
    throw new Error(`${name} is not bound to ${LOOPBACK}: ${JSON.stringify(addr)}`);
  }
  return addr.port;
}

/** A free loopback port. The PDS must know its port before it starts (its
 * public URL and DID documents embed it), so port 0 is not an option there. */
async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    originalListen.call(srv, 0, LOOPBACK, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function envPort(name) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const port = Number.parseInt(raw, 10);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`${name} must be a port number, got ${JSON.stringify(raw)}`);
  }
  return port;
}

// The launcher lives in the repo, node_modules in the cache dir: resolve the
// packages from there explicitly (ESM ignores NODE_PATH).
async function importFromInstall(installDir, specifier) {
  const require = createRequire(path.join(installDir, 'package.json'));
  const mod = await import(pathToFileURL(require.resolve(specifier)).href);
  return mod;
}

async function main() {
  const installDir = process.env.PARVIS_PDS_INSTALL_DIR;
  if (!installDir) throw new Error('PARVIS_PDS_INSTALL_DIR is not set (run scripts/install_pds.sh)');

  const { PDS } = await importFromInstall(installDir, '@atproto/pds');
  const plcMod = await importFromInstall(installDir, '@did-plc/server');
  const plc = plcMod.default ?? plcMod; // CommonJS module

  const ownDataDir = !process.env.PARVIS_PDS_DATA_DIR;
  const dataDir = process.env.PARVIS_PDS_DATA_DIR || (await fs.mkdtemp(path.join(os.tmpdir(), 'parvis-pds-')));
  await fs.mkdir(path.join(dataDir, 'blobs'), { recursive: true });

  let plcServer;
  let pds;
  let stopping = false;
  const stop = async (code) => {
    if (stopping) return;
    stopping = true;
    try {
      await pds?.destroy();
    } catch (err) {
      // A PDS that failed to listen still has its databases closed by
      // destroy(), which then throws ERR_SERVER_NOT_RUNNING: nothing to report.
      if (err?.code !== 'ERR_SERVER_NOT_RUNNING') console.error('pds destroy failed:', err);
    }
    try {
      await plcServer?.destroy();
    } catch (err) {
      console.error('plc destroy failed:', err);
    }
    if (ownDataDir) await fs.rm(dataDir, { recursive: true, force: true });
    process.exit(code);
  };
  process.on('SIGTERM', () => void stop(0));
  process.on('SIGINT', () => void stop(0));
  // LocalPDS gives us a pipe as stdin and sets this: if the Python test
  // process dies, the pipe closes and we must not linger. (Opt-in, since a
  // manual run with </dev/null would otherwise stop at once.)
  if (process.env.PARVIS_PDS_EXIT_ON_STDIN_EOF === 'true') {
    process.stdin.on('end', () => void stop(0));
    process.stdin.resume();
  }

  try {
    // Database.mock() keeps the PLC operation log in memory (no Postgres).
    plcServer = plc.PlcServer.create({ db: plc.Database.mock(), port: envPort('PARVIS_PLC_PORT') ?? 0 });
    const plcPort = assertLoopback(await plcServer.start(), 'PLC');
    const plcUrl = `http://${LOOPBACK}:${plcPort}`;
    // The PDS's DID resolver refuses IP-literal hosts ("Invalid hostname"),
    // whatever disableSsrfProtection says, so it gets the PLC by name.
    // "localhost" may resolve to ::1 first; Node falls back to 127.0.0.1.
    const plcUrlForPds = `http://localhost:${plcPort}`;

    const port = envPort('PARVIS_PDS_PORT') || (await freePort());
    const adminPassword = crypto.randomBytes(16).toString('hex');
    pds = await PDS.fromEnv({
      // devMode allows http:// and a "localhost" hostname; with hostname
      // "localhost" the public URL is http://localhost:PORT (any other
      // hostname means https://HOSTNAME), so it must stay "localhost".
      devMode: true,
      hostname: 'localhost',
      port,
      dataDirectory: dataDir,
      blobstoreDiskLocation: path.join(dataDir, 'blobs'),
      didPlcUrl: plcUrlForPds,
      // Handles must end with one of these; ".test" is what dev mode uses and
      // is accepted by the handle syntax rules ("alice.test").
      serviceHandleDomains: HANDLE_DOMAINS,
      inviteRequired: false,
      // No SMTP: createAccount still wants an email address, nothing is sent.
      // No AppView / moderation service: requests for app.bsky.* reads that the
      // PDS would proxy fail instead of reaching the internet.
      bskyAppViewUrl: 'https://appview.invalid',
      bskyAppViewDid: 'did:example:invalid',
      modServiceUrl: 'https://moderator.invalid',
      modServiceDid: 'did:example:invalid',
      enableDidDocWithSession: process.env.PARVIS_PDS_DID_DOC_WITH_SESSION === 'true',
      // Throwaway secrets; a fresh PLC rotation key each run (any 32 random
      // bytes are a valid secp256k1 private key in practice).
      jwtSecret: crypto.randomBytes(32).toString('hex'),
      adminPassword,
      plcRotationKeyK256PrivateKeyHex: crypto.randomBytes(32).toString('hex'),
      // Tests hammer createSession/createAccount; don't trip rate limits.
      rateLimitsEnabled: false,
      // Required: the SSRF guard refuses plain http://, custom ports and
      // loopback addresses, i.e. exactly how the PDS reaches our PLC.
      disableSsrfProtection: true,
      serviceName: 'parvis test PDS',
    });
    const pdsPort = assertLoopback(await pds.start(), 'PDS');

    process.stdout.write(
      `${JSON.stringify({
        pds: `http://${LOOPBACK}:${pdsPort}`,
        plc: plcUrl,
        public_url: pds.ctx.cfg.service.publicUrl,
        data_dir: dataDir,
        pid: process.pid,
        handle_domains: HANDLE_DOMAINS,
        admin_password: adminPassword,
      })}\n`,
    );
  } catch (err) {
    console.error('failed to start local PDS:', err);
    await stop(1);
  }
}

await main();
