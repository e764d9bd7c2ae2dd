import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { tempDir } from '../../../shared/testing/temp-dir.js';

/** What the stand-in answers for one address. */
export type LocalApiAnswer =
  | { kind: 'whois'; body: unknown }
  | { kind: 'status'; status: number; body: string }
  | { kind: 'raw'; body: string }
  /** Accepts the request and never answers: a tailscaled that hangs. */
  | { kind: 'hang' };

/** One request the stand-in received. */
export interface LocalApiRequest {
  path: string;
  host: string | undefined;
  /** The addr parameter as sent (ip:port, IPv6 in brackets). */
  addr: string | null;
}

/** The IP of an addr parameter: tailscaled takes ip:port, [ipv6]:port, or a bare IP. */
function addrIp(addr: string): string {
  if (addr.startsWith('[')) return addr.slice(1, addr.indexOf(']'));
  const colons = addr.split(':').length - 1;
  return colons === 1 ? (addr.split(':')[0] ?? '') : addr;
}

/**
 * A stand-in for tailscaled's LocalAPI: a real HTTP server on a unix socket file in a temporary
 * directory, serving GET /localapi/v0/whois as tailscaled does (404 "no match for IP:port" for an
 * address it does not know), with the answers a test gives per address.
 */
export class LocalApiStandIn {
  readonly answers = new Map<string, LocalApiAnswer>();
  readonly requests: LocalApiRequest[] = [];

  private constructor(
    readonly socketPath: string,
    private readonly stop: () => Promise<void>,
  ) {}

  static async start(defer: (cleanup: () => unknown) => void): Promise<LocalApiStandIn> {
    const { dir, cleanup } = tempDir();
    defer(cleanup);
    const socketPath = join(dir, 'tailscaled.sock');
    const server = createServer((req, res) => standIn.serve(req, res));
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    const standIn: LocalApiStandIn = new LocalApiStandIn(
      socketPath,
      () =>
        new Promise((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    defer(() => standIn.stop());
    return standIn;
  }

  answer(ip: string, answer: LocalApiAnswer): void {
    this.answers.set(ip, answer);
  }

  private serve(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://local-tailscaled.sock');
    const addr = url.searchParams.get('addr');
    this.requests.push({ path: url.pathname, host: req.headers.host, addr });
    if (url.pathname !== '/localapi/v0/whois') return void res.writeHead(404).end('404 not found\n');
    if (!addr) return void res.writeHead(400).end("missing 'addr' parameter\n");
    const answer = this.answers.get(addrIp(addr));
    if (!answer) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('no match for IP:port\n');
    switch (answer.kind) {
      case 'whois':
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body, null, '\t'));
        return;
      case 'status':
        res.writeHead(answer.status, { 'content-type': 'text/plain' }).end(`${answer.body}\n`);
        return;
      case 'raw':
        res.writeHead(200, { 'content-type': 'application/json' }).end(answer.body);
        return;
      case 'hang':
        return;
    }
  }
}

export interface WhoIsNodeFixture {
  stableId: string;
  /** The MagicDNS FQDN, with tailscale's trailing dot. */
  name: string;
  hostname: string;
  addresses: string[];
  tags?: string[];
  /** false leaves MachineAuthorized out, as tailscale's omitempty does. */
  authorized?: boolean;
  loginName?: string;
}

/**
 * A WhoIsResponse as tailscaled's LocalAPI marshals it (apitype.WhoIsResponse with tailcfg.Node and
 * tailcfg.UserProfile: Go field names, omitempty fields left out when empty).
 */
export function whoIsFixture(node: WhoIsNodeFixture): unknown {
  const tagged = (node.tags ?? []).length > 0;
  return {
    Node: {
      ID: 6187325112345678,
      StableID: node.stableId,
      Name: node.name,
      User: tagged ? 12345678901234 : 98765432109876,
      Key: 'nodekey:4d2a8b0c93f1e6a7d5c2b8e9f0a1b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4',
      KeyExpiry: '2027-06-01T12:00:00Z',
      Machine: 'mkey:8f1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4',
      DiscoKey: 'discokey:1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f80',
      Addresses: node.addresses,
      AllowedIPs: node.addresses,
      Endpoints: ['203.0.113.7:41641', '192.168.1.20:41641'],
      HomeDERP: 1,
      Hostinfo: {
        IPNVersion: '1.90.0-t1234567-g89abcdef',
        OS: 'linux',
        OSVersion: '6.8.0-45-generic',
        Distro: 'ubuntu',
        DistroVersion: '24.04',
        Hostname: node.hostname,
        GoArch: 'amd64',
        ...(tagged ? { RequestTags: node.tags } : {}),
      },
      Created: '2026-11-02T09:14:22.123456789Z',
      Cap: 127,
      ...(tagged ? { Tags: node.tags } : {}),
      ...(node.authorized === false ? {} : { MachineAuthorized: true }),
      ComputedName: node.name.split('.')[0],
      ComputedNameWithHost: node.name.split('.')[0],
    },
    UserProfile: tagged
      ? { ID: 12345678901234, LoginName: 'tagged-devices', DisplayName: 'Tagged Devices' }
      : { ID: 98765432109876, LoginName: node.loginName ?? 'alice@example.com', DisplayName: 'Alice' },
    CapMap: null,
  };
}
