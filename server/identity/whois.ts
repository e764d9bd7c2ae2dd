import { request } from 'node:http';
import { z } from 'zod';
import { readTextAtMost } from '../read-at-most.js';

/**
 * The parts of tailscale's apitype.WhoIsResponse mesh reads (client/tailscale/apitype: Node
 * *tailcfg.Node, UserProfile *tailcfg.UserProfile, CapMap), with tailscale's Go field names, as
 * tailscaled's LocalAPI marshals them. Fields mesh does not read pass unchecked; a successful
 * answer always has Node and UserProfile.
 */
const whoIsNodeSchema = z.object({
  /** tailcfg.StableNodeID: a string, unlike the integer ID, and stable across the node's key changes. */
  StableID: z.string().min(1),
  /** The MagicDNS FQDN, with a trailing dot: "host.tail-scale.ts.net.". */
  Name: z.string(),
  /** key.NodePublic as text: "nodekey:<hex>". */
  Key: z.string(),
  /** netip.Prefix values: "100.64.0.5/32", "fd7a:115c:a1e0::5/128". */
  Addresses: z.array(z.string()).nullish(),
  /** tailcfg.HostinfoView: Hostname is the OS hostname the node reports (omitted when empty). */
  Hostinfo: z.object({ Hostname: z.string().optional() }).nullish(),
  /** omitempty on both: absent means no tags, and not authorized. */
  Tags: z.array(z.string()).nullish(),
  MachineAuthorized: z.boolean().optional(),
});

const whoIsResponseSchema = z.object({
  Node: whoIsNodeSchema,
  UserProfile: z.object({ LoginName: z.string() }),
});
export type WhoIsResponse = z.infer<typeof whoIsResponseSchema>;

/** apitype.LocalAPIHost: tailscaled's LocalAPI answers requests with this Host header. */
export const LOCAL_API_HOST = 'local-tailscaled.sock';

/** A WhoIs answer is a few kilobytes; this bounds what a misbehaving socket can make mesh hold. */
const MAX_ANSWER_BYTES = 1 << 20;

/** tailscaled could not be asked, or did not answer with a WhoIsResponse: never evidence for anyone. */
export class WhoIsFailure extends Error {
  override name = 'WhoIsFailure';
}

/** `addr` as tailscaled's LocalAPI parses it: ip:port, with IPv6 in brackets (older tailscaled needs the port). */
function addrParameter(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/**
 * Asks tailscaled over its LocalAPI socket who is behind `address` (the peer's TCP address and
 * port): GET /localapi/v0/whois?addr=…. Any failure (no socket, no answer within `timeoutMs`,
 * a status other than 200 such as 403 access denied or 404 no match, an answer that is not a
 * WhoIsResponse) is a WhoIsFailure saying what happened.
 */
export function whoIs(socketPath: string, address: string, port: number, timeoutMs: number): Promise<WhoIsResponse> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(new WhoIsFailure(message));
    };
    const succeed = (answer: WhoIsResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(answer);
    };
    const req = request(
      {
        socketPath,
        method: 'GET',
        path: `/localapi/v0/whois?addr=${encodeURIComponent(addrParameter(address, port))}`,
        headers: { host: LOCAL_API_HOST },
      },
      (response) => {
        const tooLarge = () => new WhoIsFailure(`tailscaled's WhoIs answer is larger than ${MAX_ANSWER_BYTES} bytes`);
        readTextAtMost(response, Number(response.headers['content-length']), MAX_ANSWER_BYTES, tooLarge)
          .then((body) => whoIsAnswer(address, response.statusCode ?? 0, body))
          .then(succeed, (error: Error) =>
            fail(error instanceof WhoIsFailure ? error.message : `tailscaled's WhoIs answer broke off: ${error.message}`),
          );
      },
    );
    const timer = setTimeout(() => fail(`tailscaled did not answer WhoIs within ${timeoutMs} ms`), timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) =>
      fail(`cannot reach tailscaled's LocalAPI at ${socketPath}: ${error.code ?? error.message}`),
    );
    req.end();
  });
}

/** The WhoIsResponse in tailscaled's answer; a WhoIsFailure saying why when there is none. */
function whoIsAnswer(address: string, status: number, body: string): WhoIsResponse {
  if (status !== 200) {
    throw new WhoIsFailure(
      `tailscaled answered WhoIs ${address} with ${status}${statusHint(status)}: ${body.trim().slice(0, 200)}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new WhoIsFailure(`tailscaled's WhoIs answer is not JSON`);
  }
  const answer = whoIsResponseSchema.safeParse(parsed);
  if (!answer.success) {
    throw new WhoIsFailure(
      `tailscaled's WhoIs answer is not a WhoIsResponse: ${z.prettifyError(answer.error).replaceAll('\n', '; ')}`,
    );
  }
  return answer.data;
}

function statusHint(status: number): string {
  if (status === 403) return ' (access denied: mesh’s user may not read tailscaled’s LocalAPI)';
  if (status === 404) return ' (no tailnet node has that address)';
  return '';
}
