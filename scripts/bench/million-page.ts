/** Writes the scale run's section of BENCHMARKS.md, keeping the rest of the page and the section's history rows. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../shared/testing/processes.js';
import {
  keptMillionHistory,
  millionHistoryRow,
  millionSection,
  replaceMillionSection,
  type MillionFigures,
} from './million-report.js';
import type { MachineInfo, Row } from './report.js';

export function writeMillionSection(
  machine: MachineInfo,
  figures: MillionFigures,
  rows: readonly Row[],
  notes: readonly string[],
): void {
  const path = join(ROOT, 'BENCHMARKS.md');
  let page = '';
  try {
    page = readFileSync(path, 'utf8');
  } catch {
    // no page yet: the section is all of it
  }
  const history = [...keptMillionHistory(page), millionHistoryRow(machine, figures)];
  writeFileSync(path, replaceMillionSection(page, millionSection(machine, figures.scale, rows, notes, history)));
}
