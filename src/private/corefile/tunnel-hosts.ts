/**
 * The tunnel-nodes `hosts` edit: adds (or removes) the lines
 *
 *     hosts /etc/edge/tunnel-nodes {
 *         no_reverse
 *         reload 300ms
 *         fallthrough
 *     }
 *
 * in every server block that serves the root zone over plain DNS, touching no other byte.
 */
import { formatNanos, parseGoDuration } from './duration';
import { endLineOf, lex, Token } from './lexer';
import { isPlainToken, isZoneName, normalizeZone, quote } from './names';
import { DirectiveNode, parseDirectiveLines, ParsedCorefile, ServerBlockNode, SnippetNode } from './parser';
import { TunnelHostsOptions } from '../../tunnel-hosts-options';

/** Validated tunnel-hosts options. */
export interface ResolvedTunnelHostsOptions {
  readonly hostsFile: string;
  readonly reloadInterval: string;
  readonly reloadNanos: number;
  readonly ttlSeconds?: number;
  readonly fallthroughZones: string[];
  /** Unset: `no_reverse` is written, and an existing block is accepted with or without it. */
  readonly reverseLookups?: boolean;
  readonly importedFiles: { [pathOrGlob: string]: string };
}

/** The outcome of an edit, before it is wrapped in a `Corefile`. */
export interface TextEdit {
  readonly text: string;
  readonly changed: boolean;
  readonly editedBlocks: string[];
  readonly warnings: string[];
}

const DEFAULT_HOSTS_FILE = '/etc/edge/tunnel-nodes';
const DEFAULT_RELOAD = '300ms';
const HOSTS_DEFAULT_FILE = '/etc/hosts';
const HOSTS_DEFAULT_RELOAD = '5s';
const HOSTS_DEFAULT_TTL = 3600;
const MAX_IMPORT_DEPTH = 10;

const ALTERNATIVES = 'use a dedicated raven-proxy-dns for the tunnel nodes instead (the RavenProxyDns construct), or address nodes without DNS (the Raven proxy\'s ?nodeName= query parameter)';

/** Validates the options and fills in defaults. */
export function resolveTunnelHostsOptions(options: TunnelHostsOptions = {}): ResolvedTunnelHostsOptions {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new Error(`Corefile: the tunnel hosts options must be an object such as { reloadInterval: '300ms' }, or nothing, got ${options === null ? 'null' : typeof options}`);
  }
  const hostsFile = options.hostsFile ?? DEFAULT_HOSTS_FILE;
  if (!isPlainToken(hostsFile)) {
    throw new Error(`Corefile: 'hostsFile' must be a file path without spaces, quotes, '#', braces or environment placeholders, got ${quote(hostsFile)}; use the path where the tunnel-nodes ConfigMap is mounted, e.g. '${DEFAULT_HOSTS_FILE}'`);
  }
  const reloadInterval = options.reloadInterval ?? DEFAULT_RELOAD;
  const reloadNanos = parseGoDuration(reloadInterval);
  if (reloadNanos === undefined || reloadNanos < 0 || !isPlainToken(reloadInterval)) {
    throw new Error(`Corefile: 'reloadInterval' must be a non-negative Go duration such as '300ms', '5s' or '1m30s' ('0' disables reloading), got ${quote(reloadInterval)}`);
  }
  const ttl = options.ttlSeconds;
  if (ttl !== undefined && (!Number.isInteger(ttl) || ttl < 1 || ttl > 65535)) {
    throw new Error(`Corefile: 'ttlSeconds' must be an integer between 1 and 65535 (CoreDNS hosts 'ttl'), got ${ttl}; omit it to keep CoreDNS's default of ${HOSTS_DEFAULT_TTL}`);
  }
  const fallthroughZones = [...(options.fallthroughZones ?? [])];
  for (const zone of fallthroughZones) {
    if (!isZoneName(zone)) {
      throw new Error(`Corefile: 'fallthroughZones' must hold zone names such as 'cluster.local' or 'in-addr.arpa', got ${quote(zone)}; leave it empty to fall through for every zone`);
    }
  }
  if (fallthroughZones.length > 0 && !fallthroughZones.some((z) => z === '.' || z === '.:53')) {
    // The plugin answers for the whole root zone of the blocks it is added to: a name outside the
    // listed zones that is not in the file would get SERVFAIL, i.e. every external name.
    throw new Error(`Corefile: 'fallthroughZones' must include the root zone '.' when set, got ${quote(fallthroughZones.join(' '))}; `
      + 'the tunnel-nodes hosts plugin serves the root zone, so every name outside these zones that is not a node name would be answered SERVFAIL '
      + '(CoreDNS issue 3276) and cluster DNS would break; leave fallthroughZones empty for a bare fallthrough');
  }
  const reverseLookups = options.reverseLookups;
  if (reverseLookups !== undefined && typeof reverseLookups !== 'boolean') {
    throw new Error(`Corefile: 'reverseLookups' must be true or false, got ${JSON.stringify(reverseLookups)}`);
  }
  const importedFiles = { ...(options.importedFiles ?? {}) };
  return { hostsFile, reloadInterval, reloadNanos, ttlSeconds: ttl, fallthroughZones, reverseLookups, importedFiles };
}

// ---------------------------------------------------------------------------------------------
// Target blocks

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;

/** Whether a server block key serves the root zone over plain DNS (`.`, `.:53`, `dns://.:5353`). */
export function isRootPlainDnsKey(key: string): boolean {
  if (key.charCodeAt(0) !== 0x2e /* . */ && key.indexOf(',') < 0 && key.indexOf('://') < 0) {
    return false; // fast path: a single key without a scheme must start with '.'
  }
  return key.split(',').some((part) => {
    let rest = part;
    const scheme = SCHEME.exec(rest);
    if (scheme) {
      if (scheme[1] !== 'dns') {
        return false;
      }
      rest = rest.slice(scheme[0].length);
    }
    return /^\.(:\d+)?$/.test(rest);
  });
}

function blockLabel(block: ServerBlockNode): string {
  return block.keys.join(' ');
}

function at(t: Token): string {
  return `line ${t.line}:${t.column}`;
}

function describeBlock(block: ServerBlockNode): string {
  return `server block ${quote(blockLabel(block))} (${at(block.keyTokens[0])})`;
}

function targetBlocks(parsed: ParsedCorefile): ServerBlockNode[] {
  return parsed.items.filter((i): i is ServerBlockNode => i.kind === 'server' && i.keys.some(isRootPlainDnsKey));
}

function hasPlaceholder(key: string): boolean {
  return key.indexOf('{$') >= 0 || key.indexOf('{%') >= 0;
}

/** Warnings for blocks whose keys use environment placeholders: they might serve the root zone at run time. */
function placeholderWarnings(parsed: ParsedCorefile): string[] {
  return parsed.items
    .filter((i): i is ServerBlockNode => i.kind === 'server' && !i.keys.some(isRootPlainDnsKey) && i.keys.some(hasPlaceholder))
    .map((b) => `${describeBlock(b)} uses an environment placeholder in its keys, so whether it serves the root zone is only known at run time; it was left unchanged`);
}

function noTargetError(parsed: ParsedCorefile): Error {
  const blocks = parsed.items.filter((i): i is ServerBlockNode => i.kind === 'server');
  const found = blocks.length === 0
    ? 'the Corefile has no server blocks'
    : `found ${blocks.map((b) => `${quote(blockLabel(b))} at ${at(b.keyTokens[0])}`).join(', ')}`;
  const imports = parsed.items.some((i) => i.kind === 'import')
    ? '; server blocks that come from top-level imports are not edited'
    : '';
  const placeholders = blocks.some((b) => b.keys.some(hasPlaceholder))
    ? '; keys with environment placeholders such as \'{$ZONE}\' are not resolved'
    : '';
  return new Error(`Corefile: no server block serves the root zone '.' over plain DNS (${found}${imports}${placeholders}). `
    + 'The tunnel-nodes hosts belongs in the block that answers node names, usually \'.:53\' (\'.:5353\' on OpenShift); '
    + `add such a block, or ${ALTERNATIVES}`);
}

/**
 * CoreDNS refuses a Corefile in which two server blocks serve the same zone on the same port
 * without `bind` telling them apart (core/dnsserver: "cannot serve dns://.:53 - it is already
 * defined"): edited, such a file would be written to the cluster and CoreDNS would not load it.
 * Blocks with a `bind` or an `import` (which may hold one) are not judged.
 */
function checkOneRootBlockPerPort(targets: ServerBlockNode[]): void {
  const seen = new Map<string, ServerBlockNode>();
  for (const block of targets) {
    if (block.directives.some((d) => d.name.value === 'bind' || d.name.value === 'import')) continue;
    for (const part of block.keys.flatMap((k) => k.split(',')).filter(isRootPlainDnsKey)) {
      const port = /:(\d+)$/.exec(part)?.[1] ?? '53';
      const first = seen.get(port);
      if (first !== undefined && first !== block) {
        throw new Error(`Corefile: ${describeBlock(first)} and ${describeBlock(block)} both serve the root zone '.' on port ${port}; `
          + `CoreDNS refuses such a file ("cannot serve dns://.:${port} - it is already defined"), so the edited Corefile would not load. `
          + 'Merge the two blocks into one, or tell them apart with bind, then export and edit again');
      }
      seen.set(port, block);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Existing hosts directives, including those hidden behind snippets and imported files

interface HostsFinding {
  readonly directive: DirectiveNode;
  /** Where the directive is, for messages. */
  readonly where: string;
  /** Whether the directive is written directly in the server block (so it can be removed). */
  readonly direct: boolean;
}

interface Scan {
  readonly findings: HostsFinding[];
  readonly warnings: string[];
}

function globToRegExp(glob: string): RegExp {
  let out = '';
  for (const ch of glob) {
    if (ch === '*') {
      out += '[^/]*';
    } else if (ch === '?') {
      out += '[^/]';
    } else {
      out += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${out}$`);
}

function importedContents(pattern: string, files: { [pathOrGlob: string]: string }): Array<[string, string]> {
  const matcher = globToRegExp(pattern);
  return Object.keys(files).filter((k) => k === pattern || matcher.test(k)).map((k) => [k, files[k]]);
}

function scanBlock(parsed: ParsedCorefile, block: ServerBlockNode, options: ResolvedTunnelHostsOptions): Scan {
  const findings: HostsFinding[] = [];
  const warnings: string[] = [];
  let described: string | undefined;
  const blockName = (): string => (described = described ?? describeBlock(block));

  const visit = (directives: DirectiveNode[], context: string, importPos: number, direct: boolean, depth: number) => {
    for (const d of directives) {
      const name = d.name.value;
      if (name !== 'hosts' && (name !== 'import' || d.args.length !== 1)) {
        continue;
      }
      const here = `${at(d.name)}${context}`;
      if (name === 'hosts') {
        findings.push({ directive: d, where: here, direct });
        continue;
      }
      const pattern = d.args[0].value;
      const importText = `'import ${pattern}' at ${here}`;
      if (depth >= MAX_IMPORT_DEPTH) {
        warnings.push(`${blockName()}: ${importText} is nested too deeply; its contents were not checked for a hosts directive`);
        continue;
      }
      const snippet = parsed.items.find((i): i is SnippetNode => i.kind === 'snippet' && i.name === pattern && i.keyToken.start < importPos);
      if (snippet) {
        const via = ` in snippet ${quote(snippet.keyToken.value)}, imported by ${importText}`;
        if (snippet.directives === undefined) {
          warnings.push(`${blockName()}: snippet ${quote(snippet.keyToken.value)} (${at(snippet.keyToken)}), imported by ${importText}, cannot be read as plugin lines; it was not checked for a hosts directive`);
        } else {
          visit(snippet.directives, via, importPos, false, depth + 1);
        }
        continue;
      }
      const contents = importedContents(pattern, options.importedFiles);
      if (contents.length === 0) {
        warnings.push(`${blockName()}: ${importText} may add plugins to this block, and a second hosts would stop CoreDNS; `
          + `its contents were not checked: pass them in 'importedFiles' (key ${quote(pattern)}) to check them`);
        continue;
      }
      for (const [key, content] of contents) {
        const source = `importedFiles[${quote(key)}]`;
        const nested = parseDirectiveLines(content, source);
        visit(nested, ` of ${source}, imported by ${importText}`, importPos, false, depth + 1);
      }
    }
  };

  for (const d of block.directives) {
    visit([d], '', d.name.start, true, 0);
  }
  return { findings, warnings };
}

interface HostsSettings {
  readonly file: string;
  readonly zones: string[];
  readonly reload: string;
  readonly reloadNanos?: number;
  readonly ttl: string;
  readonly fallthrough?: string[];
  readonly noReverse: boolean;
  /** CoreDNS v1.14.7's option: unsupported query types of known names fall through too. */
  readonly fallthroughUnsupported: boolean;
  readonly inline: number;
}

function readHosts(d: DirectiveNode): HostsSettings {
  const args = d.args.map((a) => a.value);
  let reload = HOSTS_DEFAULT_RELOAD;
  let ttl = String(HOSTS_DEFAULT_TTL);
  let fallthrough: string[] | undefined;
  let noReverse = false;
  let fallthroughUnsupported = false;
  let inline = 0;
  for (const block of d.blocks) {
    for (const line of block.directives) {
      const values = line.args.map((a) => a.value);
      switch (line.name.value) {
        case 'reload':
          reload = values.join(' ');
          break;
        case 'ttl':
          ttl = values.join(' ');
          break;
        case 'fallthrough':
          fallthrough = values;
          break;
        case 'no_reverse':
          noReverse = true;
          break;
        case 'fallthrough_unsupported':
          fallthroughUnsupported = true;
          break;
        default:
          inline++;
      }
    }
  }
  return {
    file: args.length > 0 ? args[0] : HOSTS_DEFAULT_FILE,
    zones: args.slice(1),
    reload,
    reloadNanos: parseGoDuration(reload),
    ttl,
    fallthrough,
    noReverse,
    fallthroughUnsupported,
    inline,
  };
}

function zoneSet(zones: string[]): string {
  const normalized = zones.map(normalizeZone);
  if (normalized.indexOf('.') >= 0) {
    return '';
  }
  return Array.from(new Set(normalized)).sort().join(' ');
}

function differences(found: HostsSettings, options: ResolvedTunnelHostsOptions): string[] {
  const diffs: string[] = [];
  if (found.zones.length > 0) {
    diffs.push(`zones: found ${quote(found.zones.join(' '))}, wanted none (the server block's zones)`);
  }
  if (found.reloadNanos !== options.reloadNanos) {
    diffs.push(`reload: found ${quote(found.reload)}, wanted ${quote(options.reloadInterval)}`
      + (found.reloadNanos === undefined ? '' : ` (${formatNanos(found.reloadNanos)} vs ${formatNanos(options.reloadNanos)})`));
  }
  const wantedTtl = options.ttlSeconds ?? HOSTS_DEFAULT_TTL;
  if (found.ttl !== String(wantedTtl)) {
    diffs.push(`ttl: found ${quote(found.ttl)}, wanted '${wantedTtl}'${options.ttlSeconds === undefined ? ' (the CoreDNS default)' : ''}`);
  }
  const wantedFall = options.fallthroughZones.length === 0 ? 'all zones' : quote(options.fallthroughZones.join(' '));
  if (found.fallthrough === undefined) {
    diffs.push(`fallthrough: found none (names missing from the file get SERVFAIL), wanted ${wantedFall}`);
  } else if (zoneSet(found.fallthrough) !== zoneSet(options.fallthroughZones)) {
    diffs.push(`fallthrough: found ${found.fallthrough.length === 0 ? 'all zones' : quote(found.fallthrough.join(' '))}, wanted ${wantedFall}`);
  }
  if (options.reverseLookups === true && found.noReverse) {
    diffs.push('no_reverse: found, wanted absent (reverseLookups: true)');
  } else if (options.reverseLookups === false && !found.noReverse) {
    diffs.push('no_reverse: found none, wanted present (reverseLookups: false)');
  }
  if (found.fallthroughUnsupported) {
    diffs.push('fallthrough_unsupported: found, wanted absent');
  }
  if (found.inline > 0) {
    diffs.push(`inline entries: found ${found.inline}, wanted none`);
  }
  return diffs;
}

function hostsSummary(d: DirectiveNode): string {
  const settings = readHosts(d);
  if (d.args.length === 0) {
    return settings.inline > 0 ? `'hosts' with ${settings.inline} inline entr${settings.inline === 1 ? 'y' : 'ies'}` : `'hosts' (file ${HOSTS_DEFAULT_FILE})`;
  }
  const inline = settings.inline > 0 ? ` with ${settings.inline} inline entr${settings.inline === 1 ? 'y' : 'ies'}` : '';
  return `'hosts ${d.args.map((a) => a.value).join(' ')}'${inline}`;
}

function onceError(block: ServerBlockNode, finding: HostsFinding, options: ResolvedTunnelHostsOptions, reason: string): Error {
  return new Error(`Corefile: ${describeBlock(block)} already has ${hostsSummary(finding.directive)} at ${finding.where}${reason}; `
    + 'the hosts plugin can only be used once per server block: CoreDNS refuses to start and cluster DNS goes down if a second one is added. '
    + `Adding ${quote(`hosts ${options.hostsFile}`)} here is not possible; ${ALTERNATIVES}`);
}

/** Decides, for one block, whether the tunnel hosts is present (true), absent (false), or throws. */
function checkExisting(block: ServerBlockNode, scan: Scan, options: ResolvedTunnelHostsOptions, warnings: string[]): boolean {
  const other = scan.findings.find((f) => f.directive.args.length === 0 || readHosts(f.directive).file !== options.hostsFile);
  if (other) {
    throw onceError(block, other, options, '');
  }
  if (scan.findings.length > 1) {
    throw onceError(block, scan.findings[1], options, ` (and another at ${scan.findings[0].where}, which CoreDNS already refuses)`);
  }
  if (scan.findings.length === 0) {
    return false;
  }
  const finding = scan.findings[0];
  const settings = readHosts(finding.directive);
  const diffs = differences(settings, options);
  if (diffs.length > 0) {
    throw new Error(`Corefile: ${describeBlock(block)} already has ${quote(`hosts ${options.hostsFile}`)} at ${finding.where} with different options: `
      + `${diffs.join('; ')}. Pass options that match it, or remove that hosts directive (removeTunnelHosts, or by hand) and add it again`);
  }
  if (options.reverseLookups === undefined && !settings.noReverse) {
    warnings.push(`${describeBlock(block)}: ${quote(`hosts ${options.hostsFile}`)} at ${finding.where} has no 'no_reverse', so a reverse lookup of the proxy address `
      + 'returns every node name instead of the Service\'s own name; it was kept as it is. Remove it (removeTunnelHosts) and add it again to get \'no_reverse\', '
      + 'or set reverseLookups: true to keep it without this warning');
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Layout: indentation, line endings

interface Layout {
  readonly text: string;
  readonly lineStarts: number[];
  readonly bomLength: number;
}

function layoutOf(parsed: ParsedCorefile): Layout {
  return { text: parsed.text, lineStarts: parsed.lex.lineStarts, bomLength: parsed.lex.bomLength };
}

function lineStart(layout: Layout, line: number): number {
  return layout.lineStarts[line] + (line === 1 ? layout.bomLength : 0);
}

/** The whitespace before a token that starts its line (`\r` left out). */
function indentOf(layout: Layout, t: Token): string {
  return layout.text.slice(lineStart(layout, t.line), t.start).replace(/\r/g, '');
}

function lineText(layout: Layout, line: number): string {
  const start = lineStart(layout, line);
  const next = line + 1 < layout.lineStarts.length ? layout.lineStarts[line + 1] : layout.text.length;
  return layout.text.slice(start, next);
}

function relativeIndent(parent: string, child: string): string | undefined {
  return child.length > parent.length && child.startsWith(parent) ? child.slice(parent.length) : undefined;
}

interface Vote { readonly unit: string; readonly line: number }

function nestedVotes(layout: Layout, directives: DirectiveNode[], recurse: boolean): Vote[] {
  const votes: Vote[] = [];
  for (const d of directives) {
    for (const block of d.blocks) {
      const child = block.directives[0];
      if (d.ownLine && child && child.ownLine) {
        const unit = relativeIndent(indentOf(layout, d.name), indentOf(layout, child.name));
        if (unit !== undefined) {
          votes.push({ unit, line: d.name.line });
        }
      }
      if (recurse) {
        votes.push(...nestedVotes(layout, block.directives, true));
      }
    }
  }
  return votes;
}

/** Most common unit; ties go to the vote nearest to `nearLine`. */
function elect(votes: Vote[], nearLine: number): string | undefined {
  const counts = new Map<string, { count: number; distance: number }>();
  for (const v of votes) {
    const entry = counts.get(v.unit) ?? { count: 0, distance: Number.MAX_SAFE_INTEGER };
    counts.set(v.unit, { count: entry.count + 1, distance: Math.min(entry.distance, Math.abs(v.line - nearLine)) });
  }
  let best: string | undefined;
  let bestCount = 0;
  let bestDistance = 0;
  counts.forEach((entry, unit) => {
    if (entry.count > bestCount || (entry.count === bestCount && entry.distance < bestDistance)) {
      best = unit;
      bestCount = entry.count;
      bestDistance = entry.distance;
    }
  });
  return best;
}

function nestedUnit(layout: Layout, parsed: ParsedCorefile, block: ServerBlockNode, anchorLine: number, indent: string): string {
  const local = elect(nestedVotes(layout, block.directives, false), anchorLine);
  if (local !== undefined) {
    return local;
  }
  const all: Vote[] = [];
  for (const item of parsed.items) {
    if (item.kind === 'server') {
      all.push(...nestedVotes(layout, item.directives, true));
    }
  }
  const fileWide = elect(all, 0);
  if (fileWide !== undefined) {
    return fileWide;
  }
  return indent.indexOf('\t') >= 0 ? '\t' : '    ';
}

function directiveUnit(layout: Layout, parsed: ParsedCorefile, closeIndent: string): string {
  const votes: Vote[] = [];
  for (const item of parsed.items) {
    if (item.kind === 'server' && item.open && item.directives.length > 0 && item.directives[0].ownLine) {
      const unit = relativeIndent(indentOf(layout, item.close as Token), indentOf(layout, item.directives[0].name));
      if (unit !== undefined) {
        votes.push({ unit, line: item.keyTokens[0].line });
      }
    }
  }
  return elect(votes, 0) ?? (closeIndent.indexOf('\t') >= 0 ? '\t' : '    ');
}

function eolBefore(text: string, offset: number): string {
  return offset >= 2 && text.charAt(offset - 2) === '\r' ? '\r\n' : '\n';
}

interface Insertion {
  readonly offset: number;
  readonly text: string;
}

function planInsertion(parsed: ParsedCorefile, block: ServerBlockNode, options: ResolvedTunnelHostsOptions, warnings: string[]): Insertion {
  const layout = layoutOf(parsed);
  const kube = block.directives.find((d) => d.name.value === 'kubernetes');
  let offset: number;
  let indent: string;
  let anchorLine: number;
  if (kube && kube.ownLine) {
    anchorLine = kube.name.line;
    indent = indentOf(layout, kube.name);
    // Keep comment lines written right above 'kubernetes' attached to it.
    const index = kube.name.index;
    const previousEnd = index > 0 ? endLineOf(parsed.lex.tokens[index - 1]) : 0;
    let line = anchorLine;
    while (line - 1 > previousEnd && /^[^\S\n]*#/.test(lineText(layout, line - 1))) {
      line--;
    }
    offset = lineStart(layout, line);
  } else if (block.close === undefined) {
    // A braceless block is the whole file: the lines go at its end (CoreDNS reads a plugin block
    // there like anywhere else in the block).
    if (kube) {
      warnings.push(`${describeBlock(block)}: 'kubernetes' at ${at(kube.name)} does not start its own line, so the hosts lines were added at the end of the file instead `
        + '(CoreDNS runs plugins in its plugin.cfg order, so the place in the block does not matter)');
    }
    // A line added after a quote that is never closed would be inside it.
    const probe = lex(`${layout.text}\nx`).tokens;
    if (probe.length === 0 || probe[probe.length - 1].value !== 'x' || probe[probe.length - 1].quoted) {
      throw new Error(`Corefile: ${describeBlock(block)} is written without braces and the file ends inside a quoted string that is never closed, `
        + 'so lines added at its end would be part of that string. Close the quote, then retry');
    }
    offset = layout.text.length;
    anchorLine = layout.lineStarts.length - 1;
    const neighbours = block.directives.filter((d) => d.ownLine);
    indent = neighbours.length > 0 ? indentOf(layout, neighbours[neighbours.length - 1].name) : '';
  } else {
    const close = block.close as Token;
    if (kube) {
      warnings.push(`${describeBlock(block)}: 'kubernetes' at ${at(kube.name)} does not start its own line, so the hosts lines were added before the block's closing '}' instead `
        + '(CoreDNS runs plugins in its plugin.cfg order, so the place in the block does not matter)');
    }
    if (!parsed.ownLine[close.index]) {
      throw new Error(`Corefile: ${describeBlock(block)} closes with '}' at ${at(close)} on the same line as ${quote(parsed.lex.tokens[close.index - 1].value)}; `
        + 'lines cannot be added cleanly. Put the closing \'}\' on its own line, then retry');
    }
    anchorLine = close.line;
    offset = lineStart(layout, close.line);
    const neighbours = block.directives.filter((d) => d.ownLine);
    const closeIndent = indentOf(layout, close);
    indent = neighbours.length > 0
      ? indentOf(layout, neighbours[neighbours.length - 1].name)
      : closeIndent + directiveUnit(layout, parsed, closeIndent);
  }
  const unit = nestedUnit(layout, parsed, block, anchorLine, indent);
  const atEnd = offset === layout.text.length && !layout.text.endsWith('\n');
  const eol = atEnd ? (layout.text.indexOf('\r\n') >= 0 ? '\r\n' : '\n') : eolBefore(layout.text, offset);
  const lines = [`${indent}hosts ${options.hostsFile} {`];
  if (options.ttlSeconds !== undefined) {
    lines.push(`${indent}${unit}ttl ${options.ttlSeconds}`);
  }
  if (options.reverseLookups !== true) {
    lines.push(`${indent}${unit}no_reverse`);
  }
  lines.push(`${indent}${unit}reload ${options.reloadInterval}`);
  lines.push(`${indent}${unit}fallthrough${options.fallthroughZones.map((z) => ` ${z}`).join('')}`);
  lines.push(`${indent}}`);
  // At the end of a file without a final line break, the lines are added after one, and the file
  // still ends without one.
  return { offset, text: atEnd ? lines.map((l) => eol + l).join('') : lines.map((l) => l + eol).join('') };
}

function uniq(values: string[]): string[] {
  return Array.from(new Set(values));
}

/** Adds the tunnel-nodes hosts directive to every root-zone plain-DNS server block. */
export function addTunnelHostsToText(parsed: ParsedCorefile, options: ResolvedTunnelHostsOptions): TextEdit {
  const targets = targetBlocks(parsed);
  if (targets.length === 0) {
    throw noTargetError(parsed);
  }
  checkOneRootBlockPerPort(targets);
  const warnings: string[] = placeholderWarnings(parsed);
  if (options.reloadNanos === 0) {
    warnings.push(`'reloadInterval' is '${options.reloadInterval}': CoreDNS reads ${options.hostsFile} once, at start, and never again, so a node added later resolves only after CoreDNS restarts, `
      + 'and none does if CoreDNS started before the tunnel-nodes ConfigMap existed (its volume is optional); use a positive interval such as \'300ms\'');
  }
  const insertions: Insertion[] = [];
  const editedBlocks: string[] = [];
  for (const block of targets) {
    const scan = scanBlock(parsed, block, options);
    if (checkExisting(block, scan, options, warnings)) {
      warnings.push(...scan.warnings);
      continue;
    }
    warnings.push(...scan.warnings);
    insertions.push(planInsertion(parsed, block, options, warnings));
    editedBlocks.push(blockLabel(block));
  }
  // Join the pieces once: rebuilding the text per insertion is quadratic in the number of blocks.
  const sorted = [...insertions].sort((a, b) => a.offset - b.offset);
  const pieces: string[] = [];
  let from = 0;
  for (const ins of sorted) {
    pieces.push(parsed.text.slice(from, ins.offset), ins.text);
    from = ins.offset;
  }
  pieces.push(parsed.text.slice(from));
  const text = sorted.length > 0 ? pieces.join('') : parsed.text;
  return { text, changed: insertions.length > 0, editedBlocks, warnings: uniq(warnings) };
}

/** Removes the tunnel-nodes hosts directive (lines) from every root-zone plain-DNS server block. */
export function removeTunnelHostsFromText(parsed: ParsedCorefile, options: ResolvedTunnelHostsOptions): TextEdit {
  const layout = layoutOf(parsed);
  const targets = targetBlocks(parsed);
  const warnings: string[] = [];
  if (targets.length === 0) {
    warnings.push('no server block serves the root zone \'.\' over plain DNS; there is nothing to remove');
  }
  const ranges: Array<[number, number]> = [];
  const editedBlocks: string[] = [];
  for (const block of targets) {
    const scan = scanBlock(parsed, block, { ...options, importedFiles: {} });
    const mine = scan.findings.filter((f) => readHosts(f.directive).file === options.hostsFile && f.directive.args.length > 0);
    let touched = false;
    for (const finding of mine) {
      if (!finding.direct) {
        warnings.push(`${describeBlock(block)}: ${quote(`hosts ${options.hostsFile}`)} at ${finding.where} is not written in the block itself and was not removed; edit it where it is defined`);
        continue;
      }
      const d = finding.directive;
      if (!d.ownLine) {
        throw new Error(`Corefile: ${describeBlock(block)}: ${quote(`hosts ${options.hostsFile}`)} at ${at(d.name)} does not start its own line, so its lines cannot be removed cleanly; remove it by hand`);
      }
      // The next token is always on a later line: a directive takes every token of its last line.
      let start = lineStart(layout, d.name.line);
      const newline = layout.text.indexOf('\n', d.last.end);
      let end: number;
      if (newline >= 0) {
        end = newline + 1;
      } else {
        end = layout.text.length;
        if (start > 0) {
          start -= eolBefore(layout.text, start).length;
        }
      }
      ranges.push([start, end]);
      touched = true;
    }
    if (touched) {
      editedBlocks.push(blockLabel(block));
    }
  }
  // Join the kept pieces once (a range may reach back into the previous one only by a line ending).
  const pieces: string[] = [];
  let from = 0;
  for (const [start, end] of ranges.sort((a, b) => a[0] - b[0])) {
    if (start > from) {
      pieces.push(layout.text.slice(from, start));
    }
    from = Math.max(from, end);
  }
  pieces.push(layout.text.slice(from));
  const text = ranges.length > 0 ? pieces.join('') : parsed.text;
  return { text, changed: ranges.length > 0, editedBlocks, warnings: uniq(warnings) };
}
