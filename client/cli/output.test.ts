import { describe, expect, it } from 'vitest';
import { selfPreservationText } from './output.js';

const NOW = Date.UTC(2026, 11, 3, 9, 0, 0);
const off = { active: false, since: null, until: null, activeNodes: null, silentNodes: null, draining: false };

describe('selfPreservationText (mesh info, mesh topology)', () => {
  it('says off, or off and draining', () => {
    expect(selfPreservationText(off, NOW)).toBe('off');
    expect(selfPreservationText({ ...off, draining: true }, NOW)).toBe(
      'off, draining: the nodes still silent when it ran out go offline a few per sweep',
    );
  });

  it('says since when, the figures and the latest end while it lasts', () => {
    const since = NOW - 120_000;
    const state = { active: true, since, until: since + 900_000, activeNodes: 40, silentNodes: 12, draining: false };
    expect(selfPreservationText(state, NOW)).toBe(
      'ON since 2026-12-03 08:58:00Z (2m ago): 12 of 40 active nodes went silent at once; nobody is marked offline until heartbeats come back, 2026-12-03T09:13:00.000Z at the latest',
    );
  });
});
