import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import type { GraphQLSchema } from 'graphql';
import { buildGatewaySchema } from '../src/graphql/schema';
import { REST_ROUTES, REST_STREAM_ROUTES } from '../src/rest/route-table';
import { ERROR_CODES, type ErrorCode, STATUS_BY_CODE } from '../src/shared/errors';
import { headingAnchors, linkProblems, linkTargets, markdownFilesUnder } from './helpers/markdown-links';

/**
 * The API reference in docs/api/ must follow the code: every root field of the graph and every
 * route of the REST table has its section (a route's naming its statuses), every type and every
 * error code is named, and no link of the README or of docs/ leads outside the repository or
 * nowhere (someone who clones it must find everything there).
 */

const ROOT = resolve(__dirname, '..');
const REFERENCE_DIR = join(ROOT, 'docs/api');
const read = (path: string) => readFileSync(path, 'utf8');
const referencePages = () => markdownFilesUnder(REFERENCE_DIR);
const reference = () => referencePages().map(read).join('\n');

/** `### \`name\`` and `### \`GET /api/v1/…\``: the headings that give an operation or a route its section. */
function sectionNames(markdown: string): Set<string> {
  return new Set([...markdown.matchAll(/^#{2,4} `([^`]+)`\s*$/gm)].map((match) => match[1]));
}

/** Federation's own fields and types (`_service`, `_entities`, `_Any`, `link__Import`…) belong to the router, not to the reference. */
const isFederationName = (name: string) => name.startsWith('_') || name.includes('__');

/** Every `/api/v1` route as the reference names it: `GET /api/v1/users/:id`. */
const ROUTES = [...REST_ROUTES, ...REST_STREAM_ROUTES].map((route) => ({ route, name: `${route.method} /api/v1${route.path}` }));

/** Rails' PATCH twin of a PUT route (`withPatchAliases`) shares its PUT's section. */
const isPatchAlias = ({ method, path }: { method: string; path: string }) =>
  method === 'PATCH' && REST_ROUTES.some((route) => route.method === 'PUT' && route.path === path);

/** What a route answers on success: a stream route always 200. */
function successStatuses(route: (typeof ROUTES)[number]['route']): number[] {
  if ('kind' in route) return [200];
  return typeof route.status === 'number' ? [route.status] : (route.successStatuses ?? []);
}

function rootFields(schema: GraphQLSchema): string[] {
  return [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]
    .flatMap((type) => (type ? Object.keys(type.getFields()) : []))
    .filter((name) => !isFederationName(name));
}

describe('the API reference (docs/api)', () => {
  let schema: GraphQLSchema;
  beforeAll(async () => {
    schema = await buildGatewaySchema();
  });

  it('gives every query, mutation and subscription of the graph a section', () => {
    const sections = sectionNames(reference());
    const missing = rootFields(schema).filter((field) => !sections.has(field));
    expect(missing).toEqual([]);
  });

  it('names every type of the graph', () => {
    const types = read(join(REFERENCE_DIR, 'graphql-types.md'));
    // The root types are the operations' pages; the built-in scalars need no words.
    const unnamed = new Set(['Query', 'Mutation', 'Subscription', 'String', 'Int', 'Float', 'Boolean', 'ID']);
    const missing = Object.keys(schema.getTypeMap())
      .filter((name) => !isFederationName(name) && !unnamed.has(name))
      .filter((name) => !types.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });

  it('describes every route of the REST table, and each PATCH alias beside its PUT', () => {
    const text = reference();
    const sections = sectionNames(text);
    const named = ({ route, name }: (typeof ROUTES)[number]) =>
      isPatchAlias(route) ? text.includes(`\`${name}\``) : sections.has(name);
    expect(ROUTES.filter((route) => !named(route)).map(({ name }) => name)).toEqual([]);
  });

  it("names every route's success and failure statuses in its section", () => {
    const sections = new Map(
      reference()
        .split(/^#{2,4} /m)
        .flatMap((section) => {
          const heading = /^`([A-Z]+ \/[^`]+)`\s*\n/.exec(section);
          return heading ? [[heading[1], section.slice(heading[0].length)] as const] : [];
        }),
    );
    const unnamed = ROUTES.filter(({ route }) => !isPatchAlias(route)).flatMap(({ route, name }) => {
      const section = sections.get(name) ?? '';
      return [...successStatuses(route), ...route.errors]
        .filter((status) => !new RegExp(`\\b${status}\\b`).test(section))
        .map((status) => `${name}: ${status}`);
    });
    expect(unnamed).toEqual([]);
  });

  it('has no section for a root field or a route that no longer exists', () => {
    const routes = new Set(ROUTES.map(({ name }) => name));
    const fields = new Set(rootFields(schema));
    const typeNames = new Set(Object.keys(schema.getTypeMap()));
    const stale = referencePages()
      .filter((page) => !page.endsWith('graphql-types.md'))
      .flatMap((page) => [...sectionNames(read(page))].map((name) => ({ page: relative(ROOT, page), name })))
      .filter(({ name }) => (/^[A-Z]+ \//.test(name) ? !routes.has(name) : !fields.has(name) && !typeNames.has(name)));
    expect(stale).toEqual([]);
  });

  it('gives every error code its row, with its HTTP status', () => {
    const errors = read(join(REFERENCE_DIR, 'errors.md'));
    const row = (code: ErrorCode) => new RegExp(`^\\| \`${code}\` +\\| ${STATUS_BY_CODE[code]} +\\|`, 'm');
    expect(ERROR_CODES.filter((code) => !row(code).test(errors))).toEqual([]);
  });

  it('is linked from the README', () => {
    expect(linkTargets(read(join(ROOT, 'README.md')))).toContain('docs/api/README.md');
  });
});

describe('links of the README and of docs/', () => {
  it('lead to files of the repository, their headings, or public web pages', () => {
    const pages = [join(ROOT, 'README.md'), ...markdownFilesUnder(join(ROOT, 'docs'))];
    const problems = pages.flatMap((page) =>
      linkProblems(ROOT, page, read(page)).map((problem) => `${relative(ROOT, page)}: ${problem}`),
    );
    expect(problems).toEqual([]);
  });

  describe('the check itself', () => {
    let root: string;
    beforeAll(() => {
      // A repository of its own, so that git answers for its ignored files; removed afterwards.
      root = mkdtempSync(join(tmpdir(), 'api-reference-links-'));
      execFileSync('git', ['init', '-q'], { cwd: root });
      mkdirSync(join(root, 'docs'));
      writeFileSync(join(root, 'docs/page.md'), '# A page\n\n## `GET /api/v1/users/:id`\n\n## Twice\n\n## Twice\n');
      writeFileSync(join(root, '.gitignore'), 'generated.md\n');
      writeFileSync(join(root, 'generated.md'), '# Only on this disk\n');
    });
    afterAll(() => rmSync(root, { recursive: true, force: true }));

    const problemsOf = (markdown: string) => linkProblems(root, join(root, 'README.md'), markdown);

    it('accepts a file, a heading of a page, a heading of the page itself and a web page', () => {
      const markdown =
        '# Top\n[a](docs/page.md) [b](docs/page.md#get-apiv1usersid) [c](docs/page.md#twice-1) [d](#top)\n' +
        '<https://www.standardwebhooks.com/> [e](http://localhost:4000/graphql)\n[f]: docs/page.md\n';
      expect(problemsOf(markdown)).toEqual([]);
    });

    it('refuses a link leaving the repository, to a missing file or heading, or of another scheme', () => {
      const markdown =
        '[a](../shared/contract/rest-v1.md) [b](docs/missing.md) [c](docs/page.md#nowhere) [d](/etc/passwd)\n' +
        '[e](file:///tmp/x.md) [f](#missing) <mailto:someone@example.com> [g](generated.md)\n[h]: ../outside.md\n';
      expect(problemsOf(markdown)).toHaveLength(9);
    });

    it('ignores links inside code', () => {
      expect(problemsOf('`[a](../outside.md)`\n\n```md\n[b](../outside.md)\n```\n')).toEqual([]);
    });

    it('gives headings the anchors GitHub gives them', () => {
      expect([...headingAnchors('# `PUT /api/v1/users/:user_id/user_accesses`\n## API keys\n## API keys\n')]).toEqual([
        'put-apiv1usersuser_iduser_accesses',
        'api-keys',
        'api-keys-1',
      ]);
    });
  });
});
