import * as fs from 'fs';
import * as path from 'path';
import * as yaml from 'yaml';

/** The manual recipe's listings, one file each (provenance in test/fixtures/recipe/SOURCES.md). */
export const RECIPE_DIR = path.join(__dirname, '..', 'fixtures', 'recipe');

/** Every manifest of the recipe's YAML listings, keyed by the file the recipe writes, in document order. */
export function seedManifests(): { [file: string]: any[] } {
  const out: { [file: string]: any[] } = {};
  for (const file of ['node-exporter-raven.yaml', 'prometheus-token-secret.yaml', 'kubelet-raven.yaml']) {
    const text = fs.readFileSync(path.join(RECIPE_DIR, file), 'utf8');
    out[file] = yaml.parseAllDocuments(text).map((d) => d.toJSON()).filter((d) => d !== null);
  }
  return out;
}

/** The Corefile the recipe shows after its Step 1 edit. */
export function seedEditedCorefile(): string {
  return fs.readFileSync(path.join(RECIPE_DIR, 'modified.Corefile'), 'utf8');
}
