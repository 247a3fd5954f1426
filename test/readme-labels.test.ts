import * as fs from 'fs';
import * as path from 'path';
import { RavenPrometheus } from '../src';
import { synth, testChart } from './support/synth';

/** The text of a README section, from its heading to the next heading of any level. */
function readmeSection(heading: string): string {
  const text = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const start = text.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README has no section '${heading}'`);
  const rest = text.slice(start + heading.length + 2);
  const end = rest.search(/\n#{1,6} /);
  return end < 0 ? rest : rest.slice(0, end);
}

function manifests(props: any): string {
  const chart = testChart('monitoring');
  new RavenPrometheus(chart, 'raven', { release: 'kps', ...props });
  return JSON.stringify(synth(chart));
}

describe('the README\'s labels table', () => {
  const section = readmeSection('### Labels on every series');
  const offered = [...section.matchAll(/`(\w+): false`/g)].map((m) => m[1]);

  test('GIVEN the table THEN it offers props to turn labels off', () => {
    expect(offered.length).toBeGreaterThanOrEqual(3);
  });

  test.each(offered.map((p) => [p]))('GIVEN RavenPrometheus with %p: false THEN the prop exists and changes what is written', (prop) => {
    expect(manifests({ [prop]: false })).not.toEqual(manifests({}));
  });
});
