import { join } from 'node:path';

/** The repository root (bench/lib/ is two levels below). */
export const ROOT = join(__dirname, '..', '..');
export const RESULTS_DIR = join(ROOT, 'bench', 'results');
