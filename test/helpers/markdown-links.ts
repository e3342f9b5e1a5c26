import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';

/**
 * What the API reference test needs of Markdown: the links of a page, the anchors its headings
 * make on GitHub, and a check that every link stays inside the repository and leads somewhere.
 */

/** Fenced blocks and inline code hold examples, not links. */
function withoutCode(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`+[^`\n]*`+/g, '');
}

/** The targets of the inline links `[text](target)`, autolinks `<scheme:…>` and reference definitions `[id]: target`. */
export function linkTargets(markdown: string): string[] {
  const text = withoutCode(markdown);
  const inline = [...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((match) => match[1]);
  const autolinks = [...text.matchAll(/<([a-z][a-z0-9+.-]*:[^>\s]+)>/gi)].map((match) => match[1]);
  const definitions = [...text.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((match) => match[1]);
  return [...inline, ...autolinks, ...definitions];
}

/**
 * The anchors GitHub gives a page's headings: the text without its Markdown, lower case, without
 * punctuation (letters, digits, `_` and `-` stay), spaces as `-`, a repeated one suffixed `-1`, `-2`….
 */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, heading] of withoutFences(markdown).matchAll(/^ {0,3}#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const text = heading.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/[`*]/g, '');
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

function withoutFences(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
}

/** The answers of `ignoredByGit`, by path: pages link to the same few files many times. */
const ignoredPaths = new Map<string, boolean>();

/** Whether git ignores a path of the repository: such a file is never in a clone, whatever is on this disk. */
function ignoredByGit(root: string, path: string): boolean {
  let ignored = ignoredPaths.get(path);
  if (ignored === undefined) ignoredPaths.set(path, (ignored = askGitIfIgnored(root, path)));
  return ignored;
}

function askGitIfIgnored(root: string, path: string): boolean {
  try {
    execFileSync('git', ['check-ignore', '-q', '--', relative(root, path)], { cwd: root, stdio: 'ignore' });
    return true;
  } catch (error) {
    // Exit status 1: not ignored. Anything else (no git, not a repository) is a failure of the check itself.
    if ((error as { status?: number }).status === 1) return false;
    throw error;
  }
}

/**
 * What is wrong with each link of `file` (a path inside `root`): a link may lead to a public web
 * page (http or https) or to a file of the repository that exists and is not ignored, and a link
 * to a heading of a Markdown page (a bare `#anchor`: of this page) must name one of its anchors.
 */
export function linkProblems(root: string, file: string, markdown: string): string[] {
  const problems: string[] = [];
  for (const target of linkTargets(markdown)) {
    if (/^https?:\/\/[^/\s]/i.test(target)) continue;
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//')) {
      problems.push(`${target}: leads outside the repository (only http and https links may)`);
      continue;
    }
    const [pathPart, anchor] = splitAnchor(target);
    if (pathPart === '') {
      if (!headingAnchors(markdown).has(anchor ?? '')) problems.push(`${target}: no heading of this page has this anchor`);
      continue;
    }
    if (isAbsolute(pathPart)) {
      problems.push(`${target}: an absolute path; link relative to the page instead`);
      continue;
    }
    const path = resolve(dirname(file), decodeURI(pathPart));
    const inside = relative(root, path);
    if (inside.startsWith('..') || isAbsolute(inside)) {
      problems.push(`${target}: leads outside the repository`);
      continue;
    }
    if (!existsSync(path) || ignoredByGit(root, path)) {
      problems.push(`${target}: no such file in the repository`);
      continue;
    }
    if (anchor !== undefined && path.endsWith('.md')) {
      if (!headingAnchors(readFileSync(path, 'utf8')).has(anchor))
        problems.push(`${target}: no heading of ${inside} has this anchor`);
    }
  }
  return problems;
}

function splitAnchor(target: string): [string, string | undefined] {
  const hash = target.indexOf('#');
  return hash === -1 ? [target, undefined] : [target.slice(0, hash), target.slice(hash + 1)];
}

/** The Markdown files under `dir`, recursively. */
export function markdownFilesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return markdownFilesUnder(path);
    return entry.name.endsWith('.md') ? [path] : [];
  });
}
