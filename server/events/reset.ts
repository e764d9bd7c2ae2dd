/**
 * The reset for a revision this log never reached (a database restored from a backup, another
 * network's mesh): waiting for it, or paging from it, would skip every change until then without a
 * word. The SSE stream, the tRPC watch and the JSON pages all answer it with these words.
 */
export function aheadOfLogReset(asked: number, revision: number): { kind: 'reset'; revision: number; reason: string } {
  return {
    kind: 'reset',
    revision,
    reason: `revision ${asked} is ahead of this log (at ${revision}): list again, then watch from ${revision}`,
  };
}
