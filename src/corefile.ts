import { DirectiveInfo, ImportInfo, ServerBlockInfo, SnippetInfo } from './corefile-model';
import { BoundedCache } from './private/bounded-cache';
import { isDns1123Subdomain, quote } from './private/corefile/names';
import { DirectiveNode, parseCorefile, ParsedCorefile } from './private/corefile/parser';
import { addTunnelHostsToText, removeTunnelHostsFromText, resolveTunnelHostsOptions } from './private/corefile/tunnel-hosts';
import { TunnelHostsOptions } from './tunnel-hosts-options';

/** Options of the kubeadm default Corefile. */
export interface KubeadmCorefileOptions {
  /**
   * The cluster's DNS domain (kubeadm `networking.dnsDomain`).
   *
   * @default - `cluster.local`
   */
  readonly clusterDomain?: string;
}

/** The result of an edit: the new Corefile and what the edit did. */
export interface CorefileEdit {
  /** The edited Corefile (the same text as before when nothing changed). */
  readonly corefile: Corefile;

  /** Whether the text changed. */
  readonly changed: boolean;

  /** The keys of each server block the edit changed, e.g. `.:53`. */
  readonly editedBlocks: string[];

  /** Things the edit could not check or did differently, for the user to review. */
  readonly warnings: string[];
}

function directiveInfo(d: DirectiveNode): DirectiveInfo {
  const directives: DirectiveInfo[] = [];
  for (const block of d.blocks) {
    directives.push(...block.directives.map(directiveInfo));
  }
  return {
    name: d.name.value,
    args: d.args.map((a) => a.value),
    line: d.name.line,
    column: d.name.column,
    hasBlock: d.blocks.length > 0,
    directives,
  };
}

/** kubeadm's default Corefile by cluster domain: a Corefile is immutable, so one instance serves every caller. */
const KUBEADM_DEFAULTS = new BoundedCache<Corefile>(8);

/**
 * A CoreDNS Corefile that keeps its original text: parsing and printing an unmodified Corefile
 * gives back the same bytes, and edits only add or remove whole lines.
 *
 * Instances are immutable; edits return a new `Corefile`.
 *
 * @see https://coredns.io/manual/configuration/
 * @example
 * import { Corefile } from 'cdk8s-raven-prometheus';
 *
 * const corefile = Corefile.parse('.:53 {\n    errors\n    kubernetes cluster.local in-addr.arpa ip6.arpa\n    forward . /etc/resolv.conf\n}\n');
 * const edit = corefile.addTunnelHosts();
 * // The same text with the tunnel-nodes hosts block added right before `kubernetes`.
 * const edited = edit.corefile.toString();
 */
export class Corefile {
  /**
   * Parses a Corefile; throws an Error with the line and column of malformed input.
   *
   * @param text the Corefile, e.g. the `Corefile` key of ConfigMap `kube-system/coredns`
   */
  public static parse(text: string): Corefile {
    if (typeof text !== 'string') {
      // The Corefile engine has no cdk8s import, so no validation helper: the same message style by hand.
      throw new Error(`Corefile.parse: 'text' must be the Corefile's text (a string), got ${shown(text)}. `
        + 'Read the file first, e.g. fs.readFileSync(path, \'utf8\').');
    }
    return new Corefile(text, parseCorefile(text));
  }

  /**
   * The Corefile kubeadm installs (Kubernetes 1.32 and later).
   *
   * @param options the cluster domain
   */
  public static kubeadmDefault(options: KubeadmCorefileOptions = {}): Corefile {
    if (options === null || typeof options !== 'object') {
      throw new Error(`Corefile.kubeadmDefault: 'options' must be an object such as { clusterDomain: 'cluster.local' }, or nothing, got ${shown(options)}.`);
    }
    const domain = options.clusterDomain ?? 'cluster.local';
    if (!isDns1123Subdomain(domain)) {
      throw new Error(`Corefile: 'clusterDomain' must be a lowercase DNS name such as 'cluster.local' (labels of a-z, 0-9 and '-', separated by dots, without a trailing dot), got ${quote(domain)}`);
    }
    return KUBEADM_DEFAULTS.get(domain, () => Corefile.parse([
      '.:53 {',
      '    errors',
      '    health {',
      '       lameduck 5s',
      '    }',
      '    ready',
      `    kubernetes ${domain} in-addr.arpa ip6.arpa {`,
      '       pods insecure',
      '       fallthrough in-addr.arpa ip6.arpa',
      '       ttl 30',
      '    }',
      '    prometheus :9153',
      '    forward . /etc/resolv.conf {',
      '       max_concurrent 1000',
      '    }',
      '    cache 30 {',
      `       disable success ${domain}`,
      `       disable denial ${domain}`,
      '    }',
      '    loop',
      '    reload',
      '    loadbalance',
      '}',
      '',
    ].join('\n')));
  }

  private readonly text: string;

  /** The model, built on first use for the result of an edit (printing it only needs the text). */
  private model: ParsedCorefile | undefined;

  private constructor(text: string, parsed?: ParsedCorefile) {
    this.text = text;
    this.model = parsed;
  }

  private get parsed(): ParsedCorefile {
    if (this.model === undefined) {
      this.model = parseCorefile(this.text);
    }
    return this.model;
  }

  /** The server blocks, in file order (blocks that come from imports are not included). */
  public get serverBlocks(): ServerBlockInfo[] {
    const blocks: ServerBlockInfo[] = [];
    for (const item of this.parsed.items) {
      if (item.kind === 'server') {
        blocks.push({
          keys: [...item.keys],
          line: item.keyTokens[0].line,
          column: item.keyTokens[0].column,
          hasBraces: item.open !== undefined,
          directives: item.directives.map(directiveInfo),
        });
      }
    }
    return blocks;
  }

  /** The snippets `(name) { ... }`, in file order. */
  public get snippets(): SnippetInfo[] {
    const snippets: SnippetInfo[] = [];
    for (const item of this.parsed.items) {
      if (item.kind === 'snippet') {
        snippets.push({
          name: item.name,
          line: item.keyToken.line,
          column: item.keyToken.column,
          directives: (item.directives ?? []).map(directiveInfo),
        });
      }
    }
    return snippets;
  }

  /** The `import` statements written at the top level, outside server blocks. */
  public get imports(): ImportInfo[] {
    const imports: ImportInfo[] = [];
    for (const item of this.parsed.items) {
      if (item.kind === 'import') {
        imports.push({ pattern: item.pattern.value, line: item.token.line, column: item.token.column });
      }
    }
    return imports;
  }

  /**
   * Adds the tunnel-nodes `hosts` directive to every server block that serves the root zone over plain DNS.
   *
   * The lines go right before `kubernetes` (or before the block's closing `}`), indented like their
   * neighbours; no other byte changes. Throws when a block already has another `hosts` (the plugin may be
   * used once per server block) or the same file with different options.
   *
   * @param options the hosts file and its options
   */
  public addTunnelHosts(options: TunnelHostsOptions = {}): CorefileEdit {
    const edit = addTunnelHostsToText(this.parsed, resolveTunnelHostsOptions(options));
    return { ...edit, corefile: edit.changed ? new Corefile(edit.text) : this };
  }

  /**
   * Removes the lines of the tunnel-nodes `hosts` directive (the one reading `hostsFile`) from every server block that serves the root zone.
   *
   * @param options the hosts file to look for
   */
  public removeTunnelHosts(options: TunnelHostsOptions = {}): CorefileEdit {
    const edit = removeTunnelHostsFromText(this.parsed, resolveTunnelHostsOptions(options));
    return { ...edit, corefile: edit.changed ? new Corefile(edit.text) : this };
  }

  /**
   * The Corefile text, byte for byte as parsed (plus any edits).
   *
   * This is the text to put under the `Corefile` key of the CoreDNS ConfigMap. In Java it is also
   * `Object.toString()`, so string concatenation and loggers print the Corefile; Python has it as
   * `to_string()` (not `str()`), Go as `ToString()`.
   */
  public toString(): string {
    return this.text;
  }
}

/** A value as an error message of the Corefile API shows it (the engine has no cdk8s import, so not validation's describeValue). */
function shown(value: unknown): string {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.getPrototypeOf(value)?.constructor?.name !== 'Object') {
    return `a ${Object.getPrototypeOf(value)?.constructor?.name ?? 'object'}`;
  }
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
