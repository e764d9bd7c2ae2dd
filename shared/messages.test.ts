import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  heartbeatMessage,
  nodeDecisionMessage,
  registerMessage,
  canonicalMessage,
  setRegionMessage,
  rotateKeyMessage,
  forceRotateKeyMessage,
  enrollmentKeyCreateMessage,
  enrollmentKeyRevokeMessage,
} from './messages.js';
import { heartbeatRequestSchema, registerRequestSchema, rotateKeyRequestSchema } from './requests.js';
import { enrollmentKeyCreateRequestSchema } from './enrollment.js';
import { privateKeyFromSeed, publicKeyHex, signMessage } from './sign.js';
import { RFC8032_KEY_1, RFC8032_KEY_2, RFC8032_KEY_3 } from './testing/rfc8032.js';

// The vectors of docs/protocol.md, byte for byte.
const nodeKey = privateKeyFromSeed(RFC8032_KEY_1.seed);
const sovereignKey = privateKeyFromSeed(RFC8032_KEY_2.seed);
const rotatedKey = privateKeyFromSeed(RFC8032_KEY_3.seed);
const SIGNERS = { node: nodeKey, sovereign: sovereignKey, 'new key': rotatedKey } as const;
const VECTOR_ROTATION = {
  nodeId: 'validator-002',
  oldPublicKey: RFC8032_KEY_1.publicKey,
  newPublicKey: RFC8032_KEY_3.publicKey,
};

const VECTOR_REGISTRATION = {
  nodeId: 'validator-002',
  publicKey: RFC8032_KEY_1.publicKey,
  tailscaleHostname: 'validator-b.ts.net',
  tailscaleIP: '100.64.0.5',
  services: [
    { type: 'ledger', port: 8080, publicKey: '11'.repeat(32) },
    { type: 't4', port: 8180 },
  ],
  timestamp: 1764000000000,
};
const VECTOR_LOCATION = { region: 'eu-west', zone: 'eu-west-1a' };
const VECTOR_ENROLLMENT_KEY = `mesh-ek-${'5e'.repeat(32)}`;
const VECTOR_KEY_CREATE = enrollmentKeyCreateRequestSchema.parse({
  note: 'rack 4 validators',
  tags: ['tag:validator', 'eu'],
  maxUses: 5,
  expiresAt: 1764086400000,
  approverPublicKey: RFC8032_KEY_2.publicKey,
  timestamp: 1764000240000,
});

describe('signed messages, version 2 (register with an enrollment key) and enrollment-key actions', () => {
  it('signs the key on a line of its own after region and zone, empty ones included', () => {
    const message = registerMessage(
      'tana',
      registerRequestSchema.parse({ ...VECTOR_REGISTRATION, enrollmentKey: VECTOR_ENROLLMENT_KEY }),
    );
    expect(message.startsWith('mesh-v2\n')).toBe(true);
    expect(message.endsWith(`ledger:8080:${'11'.repeat(32)},t4:8180:\n\n\n${VECTOR_ENROLLMENT_KEY}\n1764000000000`)).toBe(true);
    const located = registerMessage(
      'tana',
      registerRequestSchema.parse({ ...VECTOR_REGISTRATION, ...VECTOR_LOCATION, enrollmentKey: VECTOR_ENROLLMENT_KEY }),
    );
    expect(located.endsWith(`\neu-west\neu-west-1a\n${VECTOR_ENROLLMENT_KEY}\n1764000000000`)).toBe(true);
  });

  it('never lets a message with a key pass for one without, nor a v1 message change', () => {
    const withKey = registerMessage(
      'tana',
      registerRequestSchema.parse({ ...VECTOR_REGISTRATION, ...VECTOR_LOCATION, enrollmentKey: VECTOR_ENROLLMENT_KEY }),
    );
    const without = registerMessage('tana', registerRequestSchema.parse({ ...VECTOR_REGISTRATION, ...VECTOR_LOCATION }));
    expect(withKey.split('\n').length).toBe(without.split('\n').length + 1);
    expect(registerMessage('tana', registerRequestSchema.parse({ ...VECTOR_REGISTRATION, enrollmentKey: null }))).toBe(
      registerMessage('tana', registerRequestSchema.parse(VECTOR_REGISTRATION)),
    );
  });

  it('refuses an enrollment key that is not one mesh prints', () => {
    for (const enrollmentKey of [
      'mesh-ek-',
      `mesh-ek-${'5E'.repeat(32)}`,
      `mesh-ek-${'5e'.repeat(31)}`,
      `${VECTOR_ENROLLMENT_KEY}\n`,
    ]) {
      expect(registerRequestSchema.safeParse({ ...VECTOR_REGISTRATION, enrollmentKey }).success).toBe(false);
    }
  });

  it('builds the enrollment-key-create message with defaults filled: no note, no tags, single-use', () => {
    const fields = enrollmentKeyCreateRequestSchema.parse({
      expiresAt: 9,
      approverPublicKey: RFC8032_KEY_2.publicKey,
      timestamp: 5,
    });
    expect(enrollmentKeyCreateMessage('tana', fields)).toBe('mesh-v1\ntana\nenrollment-key-create\n\n\n1\n9\n5');
  });
});

describe('signed messages, version 2 (register with a location)', () => {
  it('reproduces the register-v2 vector', () => {
    const message = registerMessage('tana', registerRequestSchema.parse({ ...VECTOR_REGISTRATION, ...VECTOR_LOCATION }));
    expect(message).toBe(
      'mesh-v2\ntana\nregister\nvalidator-002\nd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a\nvalidator-b.ts.net\n100.64.0.5\nledger:8080:1111111111111111111111111111111111111111111111111111111111111111,t4:8180:\neu-west\neu-west-1a\n1764000000000',
    );
    expect(signMessage(nodeKey, message)).toBe(
      'c4510bf4ce942766422ecd9927caf5da02ac72ca56b7c7fd288f596513932132a1d2b27b8361e48e8def3f465e94d79f1a35a84dbc6b80b1eb96003577d69305',
    );
  });

  it('keeps a registration without a location on mesh-v1, null or absent alike', () => {
    const v1 = registerMessage('tana', registerRequestSchema.parse(VECTOR_REGISTRATION));
    expect(v1.startsWith('mesh-v1\n')).toBe(true);
    expect(registerMessage('tana', registerRequestSchema.parse({ ...VECTOR_REGISTRATION, region: null, zone: null }))).toBe(v1);
  });

  it('writes an empty line for the one of region and zone not declared', () => {
    const zoneOnly = registerMessage('tana', registerRequestSchema.parse({ ...VECTOR_REGISTRATION, zone: 'z1' }));
    expect(zoneOnly.startsWith('mesh-v2\n')).toBe(true);
    expect(zoneOnly.endsWith('\n\nz1\n1764000000000')).toBe(true);
  });

  it('refuses a region that is not a short lowercase token', () => {
    for (const region of ['EU-West', 'eu west', '-eu', 'a'.repeat(65), 'eu\nwest', 'eu\u0000']) {
      expect(registerRequestSchema.safeParse({ ...VECTOR_REGISTRATION, region }).success).toBe(false);
    }
  });
});

describe('key rotation messages (mesh-v1 actions)', () => {
  it('reproduces the rotate-key vector, signed by the old key and by the new one', () => {
    const fields = rotateKeyRequestSchema.parse({
      nodeId: 'validator-002',
      newPublicKey: RFC8032_KEY_3.publicKey.toUpperCase(),
      timestamp: 1764000240000,
    });
    const message = rotateKeyMessage('tana', { ...fields, oldPublicKey: RFC8032_KEY_1.publicKey });
    expect(message).toBe(
      'mesh-v1\ntana\nrotate-key\nvalidator-002\nd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a\nfc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025\n1764000240000',
    );
    expect(publicKeyHex(rotatedKey)).toBe(RFC8032_KEY_3.publicKey);
    expect(signMessage(nodeKey, message)).toBe(
      '7ecc561187bc4234add521d850fe79dec582c13f497e5d738da8f4adaa1562bc9ad85e8d70c64813fcba6558b4cae6210f566fde4c9816df8c859db192c9e809',
    );
    expect(signMessage(rotatedKey, message)).toBe(
      '2b7dd7506636bbbf077a040bb85e5a781eec86637c0eead25f34a8ca75f6187c697d0e9c01db3911ad2519aa2678a7c534dbee8d2c8dbd78696d7ec0386e920d',
    );
  });

  it("never lets a forced rotation pass for a node's own, nor a rotation for another node or key", () => {
    const own = rotateKeyMessage('tana', { ...VECTOR_ROTATION, timestamp: 1 });
    expect(forceRotateKeyMessage('tana', { ...VECTOR_ROTATION, timestamp: 1 })).not.toBe(own);
    expect(rotateKeyMessage('tana', { ...VECTOR_ROTATION, nodeId: 'validator-003', timestamp: 1 })).not.toBe(own);
    expect(rotateKeyMessage('tana', { ...VECTOR_ROTATION, oldPublicKey: RFC8032_KEY_2.publicKey, timestamp: 1 })).not.toBe(own);
  });

  it('refuses a new key that is no real Ed25519 key', () => {
    const smallOrder = '01' + '00'.repeat(31);
    expect(rotateKeyRequestSchema.safeParse({ nodeId: 'n1', newPublicKey: smallOrder, timestamp: 1 }).success).toBe(false);
  });
});

describe('signed messages, version 1', () => {
  it('derives the vectors public keys from RFC 8032 test keys 1 and 2', () => {
    expect(publicKeyHex(nodeKey)).toBe(RFC8032_KEY_1.publicKey);
    expect(publicKeyHex(sovereignKey)).toBe(RFC8032_KEY_2.publicKey);
  });

  it('reproduces the register vector', () => {
    const fields = registerRequestSchema.parse({
      nodeId: 'validator-002',
      publicKey: RFC8032_KEY_1.publicKey.toUpperCase(),
      tailscaleHostname: 'validator-b.ts.net',
      tailscaleIP: '100.64.0.5',
      services: [
        { type: 'ledger', port: 8080, publicKey: '1111111111111111111111111111111111111111111111111111111111111111' },
        { type: 't4', port: 8180 },
      ],
      timestamp: 1764000000000,
    });
    const message = registerMessage('tana', fields);
    expect(message).toBe(
      'mesh-v1\ntana\nregister\nvalidator-002\nd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a\nvalidator-b.ts.net\n100.64.0.5\nledger:8080:1111111111111111111111111111111111111111111111111111111111111111,t4:8180:\n1764000000000',
    );
    expect(signMessage(nodeKey, message)).toBe(
      '9ffc399d527f8d6f8d5b7a69c1096d9d5b443323477be5ca79ae32d8cc86cdb68bc216d47d32eeb4c04ff44e5d502aeb6daf1291f2a92fe8270ccf978bfe5f03',
    );
  });

  it('reproduces the heartbeat vector', () => {
    const fields = heartbeatRequestSchema.parse({ nodeId: 'validator-002', tailscaleIP: '100.64.0.5', timestamp: 1764000120000 });
    const message = heartbeatMessage('tana', fields);
    expect(message).toBe('mesh-v1\ntana\nheartbeat\nvalidator-002\n100.64.0.5\n1764000120000');
    expect(signMessage(nodeKey, message)).toBe(
      '9269bc444fa79386b3a1608e5c3b09709f6020eeb8aed21868915095fec4e9d1ce9fa9ba735aaf59e45f6496a61cd5896cc853e70e98f44c788441ffe653360a',
    );
  });

  it('reproduces the approve vector, signed by the sovereign', () => {
    const message = nodeDecisionMessage('tana', 'approve', {
      nodeId: 'validator-002',
      nodePublicKey: RFC8032_KEY_1.publicKey,
      timestamp: 1764000060000,
    });
    expect(message).toBe(
      'mesh-v1\ntana\napprove\nvalidator-002\nd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a\n1764000060000',
    );
    expect(signMessage(sovereignKey, message)).toBe(
      'fad3ceadc6e022dcc5544fe9297b818e34dabe4b9669de0d05392614543d720ee6230e295f555fedd991119cfdce7b8ed47ff08849831df678bc091d9dcbe504',
    );
  });

  it('writes an empty line for an absent IP and for no services', () => {
    expect(heartbeatMessage('tana', { nodeId: 'n1', timestamp: 5 })).toBe('mesh-v1\ntana\nheartbeat\nn1\n\n5');
    const fields = registerRequestSchema.parse({
      nodeId: 'n1',
      publicKey: RFC8032_KEY_1.publicKey,
      tailscaleHostname: 'n1.ts.net',
      timestamp: 7,
    });
    expect(registerMessage('other-net', fields)).toBe(
      `mesh-v1\nother-net\nregister\nn1\n${RFC8032_KEY_1.publicKey}\nn1.ts.net\n\n\n7`,
    );
  });

  it('refuses to build a message from a field holding a line break', () => {
    expect(() => canonicalMessage('tana', 'heartbeat', ['n1\nactive'], 1)).toThrow(/line break/);
  });

  it('matches every vector docs/protocol.md publishes, with the key its section names', () => {
    const doc = readFileSync(new URL('../docs/protocol.md', import.meta.url), 'utf8');
    const vectors = [
      ...doc.matchAll(/^([\w-]+) \(signed by the (node|sovereign|new key)\)[^\n]*:\n\n```\n(".*")\n([0-9a-f]{128})\n```/gm),
    ];
    expect(vectors.map((vector) => vector[1])).toEqual([
      'register',
      'heartbeat',
      'approve',
      'register-v2',
      'set-region',
      'rotate-key',
      'rotate-key-proof',
      'force-rotate-key',
      'register-v2-enrollment',
      'enrollment-key-create',
      'enrollment-key-revoke',
    ]);
    const built: Record<string, string> = {
      register: registerMessage('tana', registerRequestSchema.parse(VECTOR_REGISTRATION)),
      'register-v2': registerMessage('tana', registerRequestSchema.parse({ ...VECTOR_REGISTRATION, ...VECTOR_LOCATION })),
      'set-region': setRegionMessage('tana', {
        nodeId: 'validator-002',
        nodePublicKey: RFC8032_KEY_1.publicKey,
        region: 'eu-west',
        zone: 'eu-west-1b',
        timestamp: 1764000180000,
      }),
      heartbeat: heartbeatMessage('tana', { nodeId: 'validator-002', tailscaleIP: '100.64.0.5', timestamp: 1764000120000 }),
      'rotate-key': rotateKeyMessage('tana', { ...VECTOR_ROTATION, timestamp: 1764000240000 }),
      'rotate-key-proof': rotateKeyMessage('tana', { ...VECTOR_ROTATION, timestamp: 1764000240000 }),
      'force-rotate-key': forceRotateKeyMessage('tana', { ...VECTOR_ROTATION, timestamp: 1764000300000 }),
      'register-v2-enrollment': registerMessage(
        'tana',
        registerRequestSchema.parse({ ...VECTOR_REGISTRATION, enrollmentKey: VECTOR_ENROLLMENT_KEY }),
      ),
      'enrollment-key-create': enrollmentKeyCreateMessage('tana', VECTOR_KEY_CREATE),
      'enrollment-key-revoke': enrollmentKeyRevokeMessage('tana', { keyId: '8f3a61c2d94b07e5', timestamp: 1764000300000 }),
      approve: nodeDecisionMessage('tana', 'approve', {
        nodeId: 'validator-002',
        nodePublicKey: RFC8032_KEY_1.publicKey,
        timestamp: 1764000060000,
      }),
    };
    for (const [, action, signer, quoted, signature] of vectors) {
      const message = JSON.parse(quoted as string) as string;
      expect(message).toBe(built[action as string]);
      expect(signMessage(SIGNERS[signer as keyof typeof SIGNERS], message)).toBe(signature);
    }
  });

  it('agrees with the hand-built messages the README gives for the original design examples', () => {
    const registration = {
      nodeId: 'validator-002',
      publicKey: RFC8032_KEY_1.publicKey,
      tailscaleHostname: 'validator-b.ts.net',
      tailscaleIP: '100.64.0.5',
      services: [
        { type: 'ledger', port: 8080, publicKey: '11'.repeat(32) },
        { type: 't4', port: 8180 },
      ] as Array<{
        type: string;
        port: number;
        publicKey?: string;
      }>,
    };
    const timestamp = 1764000000000;
    const services = registration.services.map((s) => `${s.type}:${s.port}:${s.publicKey ?? ''}`).join(',');
    const byHand = [
      'mesh-v1',
      'tana',
      'register',
      registration.nodeId,
      registration.publicKey,
      registration.tailscaleHostname,
      registration.tailscaleIP ?? '',
      services,
      timestamp,
    ].join('\n');
    expect(byHand).toBe(registerMessage('tana', registerRequestSchema.parse({ ...registration, timestamp })));
    const heartbeat = ['mesh-v1', 'tana', 'heartbeat', 'validator-002', '100.64.0.5', timestamp].join('\n');
    expect(heartbeat).toBe(heartbeatMessage('tana', { nodeId: 'validator-002', tailscaleIP: '100.64.0.5', timestamp }));
    const approve = ['mesh-v1', 'tana', 'approve', 'validator-002', RFC8032_KEY_1.publicKey, timestamp].join('\n');
    expect(approve).toBe(
      nodeDecisionMessage('tana', 'approve', { nodeId: 'validator-002', nodePublicKey: RFC8032_KEY_1.publicKey, timestamp }),
    );
  });
});
