import { chromium } from 'playwright-core';
import type { Row } from './measure';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const GATEWAY_COLORS: Record<string, string> = { 'gateway REST': '#7c3aed' };
const GATEWAY_COLOR = '#2563eb';
const BASELINE_COLORS = { postgraphile: '#db2777', limit: '#16a34a' } as const;
const ERROR_COLOR = '#94a3b8';
const WIDTH = 960;
const LABEL_WIDTH = 190;
const BAR_AREA = WIDTH - LABEL_WIDTH - 230;
const BAR_HEIGHT = 16;
const GROUP_TITLE = 22;
const GROUP_GAP = 10;

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/**
 * Horizontal bars of requests per second, one group per workload and connection count, each
 * group scaled to its own fastest bar (the groups differ by orders of magnitude).
 */
export function chartSvg(rows: Row[]): string {
  const groups = new Map<string, Row[]>();
  for (const row of rows) {
    if (!(row.requestsPerSecond > 0)) continue;
    const key = `${row.workload}${row.connections ? `, ${row.connections} connections` : ''}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  const parts: string[] = [];
  let y = 40;
  for (const [title, members] of groups) {
    parts.push(`<text x="10" y="${y + 15}" font-weight="bold">${escape(title)}</text>`);
    y += GROUP_TITLE;
    // Answers that were errors do not set the scale (a server refusing fast is not fast).
    const correct = members.filter((row) => !row.errors);
    const max = Math.max(...(correct.length ? correct : members).map((row) => row.requestsPerSecond));
    for (const row of members) {
      const width = Math.min(BAR_AREA, Math.max(1, (BAR_AREA * row.requestsPerSecond) / max));
      const color = row.errors
        ? ERROR_COLOR
        : row.baseline
          ? BASELINE_COLORS[row.baseline]
          : (GATEWAY_COLORS[row.server] ?? GATEWAY_COLOR);
      const errors = row.errors ? ` (${row.errors} errors)` : '';
      const value = `${row.requestsPerSecond.toFixed(row.requestsPerSecond < 100 ? 1 : 0)} ${row.unit ?? 'req/s'}${errors}`;
      parts.push(
        `<text x="${LABEL_WIDTH - 8}" y="${y + 12}" text-anchor="end">${escape(row.server)}</text>`,
        `<rect x="${LABEL_WIDTH}" y="${y}" width="${width.toFixed(1)}" height="${BAR_HEIGHT - 3}" fill="${color}"/>`,
        `<text x="${(LABEL_WIDTH + width + 6).toFixed(1)}" y="${y + 12}">${value}</text>`,
      );
      y += BAR_HEIGHT;
    }
    y += GROUP_GAP;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y + 10}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="22" font-size="16" font-weight="bold">Requests per second (each group scaled to its fastest)</text>`,
    ...parts,
    '</svg>',
  ].join('\n');
}

/** Renders the SVG in headless Chromium and saves a PNG of it. */
export async function writeChartPng(svg: string, path: string): Promise<void> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    await page.setContent(`<!doctype html><html><body style="margin:0">${svg}</body></html>`);
    await page.locator('svg').screenshot({ path });
  } finally {
    await browser.close();
  }
}
