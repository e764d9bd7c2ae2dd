import { newEd25519Key } from '../../shared/sign.js';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedHeartbeat, signedNodeDecision, signedRegister, type Registration } from '../../client/signed-requests.js';
import { Signer } from '../../client/signer.js';
import type { NodeList } from '../../shared/responses.js';
import { startMesh, type RunningMesh } from '../../server/app.js';
import { createContext } from '../../server/context.js';
import { DEFAULT_DASHBOARD_DIR } from '../../server/http/dashboard.js';
import { silentLogger } from '../../server/log.js';
import { createMesh } from '../../server/mesh.js';
import { createCaller } from '../../server/routers/_app.js';
import { tempDir, testConfig } from '../../server/testing/harness.js';
import { launchBrowser } from './browser.js';

/** Screenshots of each view, kept by CI as artifacts (git-ignored); docs/ has the README's copies. */
const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url));
const WAIT = { timeout: 20_000 };
const NETWORK = 'tana';

const temp = tempDir();
const dbUrl = `file:${join(temp.dir, 'mesh.db')}`;
const sovereignKey = newEd25519Key();
/**
 * mesh's clock, and the test's signers': the set-up runs it hours behind and steps it forward, so
 * the nodes have a real heartbeat history by the time the page opens at the present.
 */
let shiftMs = 0;
const clock = { now: () => Date.now() + shiftMs };
const HISTORY_MS = 3 * 60 * 60 * 1000;
const INTERVAL_MS = 120_000;
const sovereign = new Signer(sovereignKey, clock.now);
const strangerKey = newEd25519Key();
const sovereignPem = join(temp.dir, 'sovereign.pem');
const strangerPem = join(temp.dir, 'stranger.pem');
// mesh keeps raw heartbeats for MESH_HEARTBEAT_RETENTION_MS only (10 minutes by default); an
// operator who wants the chart to show the three hours sets it so, as this test does.
const config = () =>
  testConfig({
    host: '127.0.0.1',
    port,
    dbUrl,
    sovereignKeys: [sovereign.publicKey],
    heartbeatRetentionMs: HISTORY_MS + INTERVAL_MS,
  });

let port = 0;
let running: RunningMesh | undefined;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;
const nodeSigners = new Map<string, Signer>();
let heartbeatsOfA = 0;

async function post(path: string, body: unknown): Promise<void> {
  const response = await fetch(`${running!.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
}

function registration(nodeId: string, services: Registration['services']): Registration {
  return { nodeId, tailscaleHostname: `${nodeId}.tail1234.ts.net`, tailscaleIP: `100.64.0.${nodeSigners.size + 10}`, services };
}

async function register(nodeId: string, services: Registration['services'] = []): Promise<Signer> {
  const signer = new Signer(newEd25519Key(), clock.now);
  nodeSigners.set(nodeId, signer);
  await post('/register', signedRegister(signer, registration(nodeId, services), { network: NETWORK }));
  return signer;
}

async function decide(action: 'approve' | 'deny', nodeId: string): Promise<void> {
  const node = nodeSigners.get(nodeId)!;
  const body = signedNodeDecision(sovereign, action, { nodeId, nodePublicKey: node.publicKey }, { network: NETWORK });
  await post(`/${action}/${nodeId}`, body);
}

async function screenshot(name: string, target: Page = page): Promise<void> {
  await target.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Navigates inside the page, as a click on the main menu does: no reload. */
async function openView(label: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label }).click();
}

beforeAll(async () => {
  if (!existsSync(join(DEFAULT_DASHBOARD_DIR, 'index.html'))) {
    throw new Error('the dashboard is not built: `npm test` builds it first (npm run build:ui)');
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(sovereignPem, sovereignKey.export({ format: 'pem', type: 'pkcs8' }));
  writeFileSync(strangerPem, strangerKey.export({ format: 'pem', type: 'pkcs8' }));
  shiftMs = -HISTORY_MS;
  running = await startMesh(config(), { logger: silentLogger, clock });
  port = running.port;

  // A small network: two validators at work for three hours (validator-b missed a few
  // heartbeats), one waiting, one refused.
  const ledger = { type: 'ledger', port: 8080, publicKey: 'a1'.repeat(32) };
  for (const nodeId of ['validator-a', 'validator-b']) {
    const identity = nodeId === 'validator-a' ? [{ type: 'identity', port: 8280 }] : [];
    await register(nodeId, [ledger, { type: 't4', port: 8180 }, ...identity]);
    await decide('approve', nodeId);
  }
  for (let step = 0; shiftMs < 0; step += 1) {
    shiftMs = Math.min(0, shiftMs + INTERVAL_MS);
    for (const nodeId of ['validator-a', 'validator-b']) {
      if (nodeId === 'validator-b' && step % 40 >= 36) continue;
      await post('/heartbeat', signedHeartbeat(nodeSigners.get(nodeId)!, { nodeId }, { network: NETWORK }));
    }
    heartbeatsOfA += 1;
  }
  await register('validator-c', [ledger]);
  await register('intruder-1');
  await decide('deny', 'intruder-1');

  browser = await launchBrowser({ width: 1280, height: 800 });
  page = await browser.context.newPage();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await running?.close();
  temp.cleanup();
});

describe('the dashboard in Chromium', { timeout: 60_000 }, () => {
  it('opens at / and shows the counts, the network and the nodes by status and service', async () => {
    await page.goto(`${running!.url}/`);
    expect(new URL(page.url()).pathname).toBe('/ui/');
    await page.getByTestId('connection').filter({ hasText: 'Live' }).waitFor(WAIT);
    expect(await page.getByTestId('count-active').textContent()).toBe('2');
    expect(await page.getByTestId('count-pending').textContent()).toBe('1');
    expect(await page.getByTestId('count-denied').textContent()).toBe('1');
    expect(await page.getByTestId('count-total').textContent()).toBe('4');
    expect(await page.getByTestId('network-id').textContent()).toBe(NETWORK);
    expect(await page.getByTestId('group-active').textContent()).toContain('validator-a');
    const services = page.getByRole('region', { name: 'Services' });
    expect(await services.textContent()).toMatch(/identity.*ledger.*t4/s);
    // Pages with a window mark survive only if nothing reloads: every later step checks it.
    await page.evaluate('window.meshTestMark = true');
    await screenshot('overview');
  });

  it('shows a registration in the inbox as it happens, without a reload', async () => {
    await openView('Inbox');
    await page.getByTestId('pending-validator-c').waitFor(WAIT);
    await register('validator-new', [{ type: 'ledger', port: 9090 }]);
    const item = page.getByTestId('pending-validator-new');
    await item.waitFor(WAIT);
    expect(await item.textContent()).toContain('validator-new.tail1234.ts.net');
    // Oldest first: validator-c registered before validator-new.
    const pendingItems = await page.locator('[data-testid^="pending-"]').all();
    const order = await Promise.all(pendingItems.map((li) => li.getAttribute('data-testid')));
    expect(order).toEqual(['pending-validator-c', 'pending-validator-new']);
    expect(await page.evaluate('window.meshTestMark === true')).toBe(true);
  });

  it('refuses, in words, an approval signed by a key that is no sovereign', async () => {
    await page.getByTestId('key-file').setInputFiles(strangerPem);
    await page.getByText('not a sovereign of this network').waitFor(WAIT);
    const item = page.getByTestId('pending-validator-new');
    await item.getByRole('button', { name: 'Approve…' }).click();
    const message = await item.getByTestId('signed-message').textContent();
    const nodeKey = nodeSigners.get('validator-new')!.publicKey;
    expect(message).toMatch(new RegExp(`^mesh-v1\\ntana\\napprove\\nvalidator-new\\n${nodeKey}\\n\\d{13}$`));
    await item.getByRole('button', { name: 'Sign and approve' }).click();
    const refusal = item.getByRole('alert');
    await refusal.waitFor(WAIT);
    expect(await refusal.textContent()).toContain('this key is not a sovereign of this network');
    const nodes = (await (await fetch(`${running!.url}/nodes`)).json()) as NodeList;
    expect(nodes.nodes.find((node) => node.id === 'validator-new')?.status).toBe('pending');
  });

  it('approves with a sovereign key loaded from a file: active in the overview and in GET /nodes', async () => {
    await page.getByRole('button', { name: 'Forget key' }).click();
    await page.getByTestId('key-file').setInputFiles(sovereignPem);
    await page.getByTestId('loaded-key').waitFor(WAIT);
    const item = page.getByTestId('pending-validator-new');
    await item.getByRole('button', { name: 'Approve…' }).click();
    await item.getByTestId('signed-message').waitFor(WAIT);
    await screenshot('inbox');
    await item.getByRole('button', { name: 'Sign and approve' }).click();
    await item.waitFor({ state: 'detached', ...WAIT });
    expect(await page.getByRole('region', { name: 'Decided from this page' }).textContent()).toContain('validator-new');

    const nodes = (await (await fetch(`${running!.url}/nodes`)).json()) as NodeList;
    expect(nodes.nodes.find((node) => node.id === 'validator-new')).toMatchObject({
      status: 'active',
      approved_by: sovereign.publicKey,
    });
    await openView('Overview');
    await page.getByTestId('group-active').getByRole('link', { name: 'validator-new' }).waitFor(WAIT);
    expect(await page.getByTestId('count-active').textContent()).toBe('3');
    expect(await page.evaluate('window.meshTestMark === true')).toBe(true);
  });

  it('searches, filters and sorts the nodes table, and opens a node with its history and heartbeats', async () => {
    await openView('Nodes');
    const rows = page.locator('tbody tr');
    await rows.first().waitFor(WAIT);
    expect(await rows.count()).toBe(5);
    await page.getByLabel('Service', { exact: true }).selectOption('ledger');
    await expect.poll(() => page.locator('tbody tr').count(), WAIT).toBe(4);
    await page.getByLabel('Status', { exact: true }).selectOption('active');
    await expect.poll(() => page.locator('tbody tr').count(), WAIT).toBe(3);
    await page.getByRole('button', { name: 'Node' }).click();
    const ids = await rows.locator('td:first-child').allTextContents();
    expect(ids).toEqual(['validator-new', 'validator-b', 'validator-a']);
    await page.getByLabel('Search', { exact: true }).fill('validator-a');
    await expect.poll(() => page.locator('tbody tr').count(), WAIT).toBe(1);
    await page.getByLabel('Search', { exact: true }).fill('');
    await screenshot('nodes');

    await rows.getByRole('link', { name: 'validator-a' }).click();
    await page.getByRole('heading', { name: /validator-a/, level: 1 }).waitFor(WAIT);
    const history = page.getByRole('table', { name: 'Events of validator-a' });
    await history.waitFor(WAIT);
    expect(await history.textContent()).toMatch(/node\.approved.*node\.registered/s);
    const chart = page.getByRole('img', { name: new RegExp(`^${heartbeatsOfA} heartbeats since .*; 0 arrived late`) });
    await chart.waitFor(WAIT);
    const services = (await page.getByRole('region', { name: 'Services' }).textContent()) ?? '';
    expect(services).toContain('identity');
    // Probes are off in this mesh: every service says it was not checked, rather than up or down.
    expect(services).toContain('Health');
    expect(services).toContain('not checked yet');
    expect(services).not.toMatch(/\bup\b|\bdown\b/);
    await screenshot('node-detail');
  });

  it('lists events live, filtered by type and node, with links to the nodes', async () => {
    await openView('Events');
    await page.getByLabel('Type', { exact: true }).selectOption('node.approved');
    await expect.poll(() => page.locator('tbody tr').count(), WAIT).toBe(3);
    await page.getByLabel('Node', { exact: true }).selectOption('validator-new');
    await expect.poll(() => page.locator('tbody tr').count(), WAIT).toBe(1);
    await page.getByLabel('Node', { exact: true }).selectOption('');
    await page.getByLabel('Type', { exact: true }).selectOption('');
    await screenshot('events');
    await page.locator('tbody').getByRole('link', { name: 'intruder-1' }).first().click();
    await page.getByRole('heading', { name: /intruder-1/, level: 1 }).waitFor(WAIT);
    expect(await page.evaluate('window.meshTestMark === true')).toBe(true);
  });

  it('says so while mesh is down, and catches up on what happened meanwhile once it is back', async () => {
    await openView('Overview');
    await page.getByTestId('connection').filter({ hasText: 'Live' }).waitFor(WAIT);
    await running!.close();
    running = undefined;
    const notice = page.getByTestId('disconnected');
    await notice.waitFor(WAIT);
    expect(await notice.textContent()).toContain('Disconnected from mesh');
    await screenshot('disconnected');

    // While the page cannot hear it, the network changes: mesh is offline, its database is not.
    const offline = await createMesh(config(), { logger: silentLogger, clock });
    const api = createCaller(createContext(offline));
    const late = new Signer(newEd25519Key(), clock.now);
    await api.node.register(
      signedRegister(late, registration('validator-late', [{ type: 't4', port: 8180 }]), { network: NETWORK }),
    );
    offline.close();

    running = await startMesh(config(), { logger: silentLogger, clock });
    expect(running.port).toBe(port);
    await page.getByTestId('reconnected').waitFor(WAIT);
    await page.getByTestId('group-pending').getByRole('link', { name: 'validator-late' }).waitFor(WAIT);
    expect(await page.getByTestId('count-pending').textContent()).toBe('2');
    expect(await page.getByTestId('reconnected').textContent()).toContain('caught up with 1 event');
    expect(await page.evaluate('window.meshTestMark === true')).toBe(true);
  });

  it('is readable at phone width', async () => {
    const phone = await browser.context.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(`${running!.url}/ui/`);
    await phone.getByTestId('count-total').filter({ hasText: '6' }).waitFor(WAIT);
    // Nothing wider than the screen: no sideways scrolling of the page itself.
    expect(await phone.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await screenshot('overview-phone', phone);
    await phone.goto(`${running!.url}/ui/inbox`);
    await phone.getByTestId('pending-validator-c').waitFor(WAIT);
    expect(await phone.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await screenshot('inbox-phone', phone);
    await phone.close();
  });
});
