import * as fs from 'fs';
import * as path from 'path';
import * as yaml from 'yaml';

/** The recipe the library automates, read from the shared folder. */
export const SEED_FILE = path.join(__dirname, '..', '..', '..', 'shared', 'seed', '000_924420f0f5951c6c.txt');

/**
 * Every manifest in the seed's `cat > FILE << 'EOF' ... EOF` heredocs, keyed by the file
 * the seed writes, in document order.
 */
export function seedManifests(): { [file: string]: any[] } {
  const text = fs.readFileSync(SEED_FILE, 'utf8');
  const out: { [file: string]: any[] } = {};
  const heredoc = /cat > (\S+) << 'EOF'\n([\s\S]*?)\nEOF\n/g;
  let m: RegExpExecArray | null;
  while ((m = heredoc.exec(text)) !== null) {
    out[path.basename(m[1])] = yaml.parseAllDocuments(m[2]).map((d) => d.toJSON()).filter((d) => d !== null);
  }
  return out;
}

/** The Corefile the seed shows after its Step 1 edit. */
export function seedEditedCorefile(): string {
  const text = fs.readFileSync(SEED_FILE, 'utf8');
  const m = /\*\*Modified Corefile example:\*\*\n```\n([\s\S]*?)```/.exec(text);
  if (!m) throw new Error('the seed has no modified Corefile example');
  return m[1];
}
