import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { ROOT } from './paths';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const TOP_FUNCTIONS = 25;
const TOP_PACKAGES = 12;

/**
 * Markdown: the functions and the packages with the most self time over the given profiles (a
 * sample's time goes to its leaf frame), idle time excluded.
 */
export function summariseProfiles(paths: string[], what: string): string {
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, micros: number) => map.set(key, (map.get(key) ?? 0) + micros);
  let total = 0;
  for (const path of paths) {
    const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
    profile.samples.forEach((id, index) => {
      const micros = profile.timeDeltas[index] ?? 0;
      const frame = nodes.get(id)?.callFrame;
      if (!frame || frame.functionName === '(idle)') return;
      total += micros;
      const file = frame.url ? relative(ROOT, frame.url.replace(/^file:\/\//, '')) : '';
      add(byFunction, `${frame.functionName || '(anonymous)'} ${file ? `${file}:${frame.lineNumber + 1}` : ''}`.trim(), micros);
      add(byPackage, packageOf(file, frame.functionName), micros);
    });
  }
  const table = (title: string, entries: Map<string, number>, limit: number) => [
    `| ${title} | self ms | % |`,
    '| --- | ---: | ---: |',
    ...[...entries]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(
        ([name, micros]) =>
          `| \`${name.replaceAll('|', '\\|')}\` | ${(micros / 1000).toFixed(0)} | ${((100 * micros) / total).toFixed(1)} |`,
      ),
  ];
  return [
    `CPU profile of the gateway during ${what} (${paths.map((path) => `\`${relative(ROOT, path)}\``).join(', ')}): ` +
      `${(total / 1e6).toFixed(1)} s busy; percentages are of the busy time. The profiler slows the gateway down a little.`,
    '',
    ...table('function (self time)', byFunction, TOP_FUNCTIONS),
    '',
    ...table('package (self time)', byPackage, TOP_PACKAGES),
  ].join('\n');
}

function packageOf(file: string, functionName: string): string {
  if (!file) return functionName.startsWith('(') ? functionName : '(native)';
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  if (match) return match[1];
  if (file.startsWith('node:')) return 'node core';
  return file.startsWith('dist/src/') ? `gateway ${file.split('/').slice(2, 4).join('/')}` : file;
}
