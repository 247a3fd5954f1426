import * as fs from 'fs';
import * as path from 'path';
import { requiredMetricsModule } from './support/required-metrics-module';

const JSON_FILE = path.join(__dirname, 'fixtures', 'edge-profile', 'required-metrics.json');
const MODULE_FILE = path.join(__dirname, '..', 'src', 'private', 'required-metrics.ts');

describe('src/private/required-metrics.ts', () => {
  test('GIVEN the committed list THEN the library\'s module is written from it (run `npm run required-metrics` after changing either)', () => {
    const file = JSON.parse(fs.readFileSync(JSON_FILE, 'utf8'));
    expect(fs.readFileSync(MODULE_FILE, 'utf8')).toBe(requiredMetricsModule(file));
  });
});
