import { EdgeNodeScrape, RelabelAction } from '../../src';
import { re2SyntaxError, relabelRegexError } from '../../src/private/re2';
import { testChart } from '../support/synth';

/**
 * The RE2 syntax checker against what Go's regexp/syntax does (Go 1.26's parse.go): the refusals
 * and acceptances below are Go's, each tried with regexp.Compile. test/upstream/re2.test.ts
 * compares the checker with promtool on a few hundred more.
 */
describe('RE2 syntax: what Prometheus refuses and JavaScript accepts', () => {
  test.each([
    ['(?=a)', 'invalid or unsupported Perl syntax: `(?=`'],
    ['(?!a)', 'invalid or unsupported Perl syntax: `(?!`'],
    ['(?<=a)b', 'invalid named capture: `(?<=a)b`'],
    ['(?<!a)b', 'invalid named capture: `(?<!a)b`'],
    ['(?>a)', 'invalid or unsupported Perl syntax: `(?>`'],
    ['(a)\\1', 'invalid escape sequence: `\\1`'],
    ['a*+', 'invalid nested repetition operator: `*+`'],
    ['a++', 'invalid nested repetition operator: `++`'],
    ['a**', 'invalid nested repetition operator: `**`'],
    ['a{2}{3}', 'invalid nested repetition operator: `{2}{3}`'],
    ['a\\Z', 'invalid escape sequence: `\\Z`'],
    ['a{1001}', 'invalid repeat count: `{1001}`'],
    ['(a{100}){11}', 'invalid repeat count: `{11}`'],
    ['a{2,1}', 'invalid repeat count: `{2,1}`'],
    ['[z-a]', 'invalid character class range: `z-a`'],
    ['[[:foo:]]', 'invalid character class range: `[:foo:]`'],
    ['\\p{Klingon}', 'invalid character class range: `\\p{Klingon}`'],
    ['\\q', 'invalid escape sequence: `\\q`'],
    ['\\C', 'invalid escape sequence: `\\C`'],
    ['(?x)a', 'invalid or unsupported Perl syntax: `(?x`'],
    ['(?i-)a', 'invalid or unsupported Perl syntax: `(?i-)`'],
    ['*a', 'missing argument to repetition operator: `*`'],
    ['(?i)*', 'missing argument to repetition operator: `*`'],
    ['[a', 'missing closing ]: `[a`'],
    ['(a', 'missing closing ): `(a`'],
    ['a)', 'unexpected ): `a)`'],
    ['a\\', 'trailing backslash at end of expression'],
  ])('%s is refused: %s', (regex, message) => {
    expect(re2SyntaxError(regex)).toBe(message);
  });
});

describe('RE2 syntax: what Prometheus accepts', () => {
  test.each([
    'a', '', '.*', '(?P<name>a)', '(?<name>a)', '(?P<a>x)(?P<a>y)', '(?i)a', '(?s).', '(?m)^a$', '(?U)a*', '(?i-s:a)', '(?)', '\\pL', '\\PL', '\\p{Greek}',
    '\\p{greek}', '\\p{^Greek}', '\\p{Letter}', '\\p{Any}', '[[:alpha:]]', '[[:^space:]]', '[\\d\\pL-]', '[]a]', '\\Qa.b*\\E', '\\Q\\E', 'a{1000}', '(a{10}){100}',
    'a{,3}', 'a{01}', '{', '\\12', '\\0', '\\x41', '\\x{263a}', '\\_', '\\z', '\\A', '\\b', 'a*?', 'a{2}?', '^*', '(?:a*)*', '😀+', '[😀-😂]',
  ])('%s', (regex) => {
    expect(re2SyntaxError(regex)).toBeUndefined();
  });

  test('a relabeling regex is checked as Prometheus compiles it, inside ^(?s:...)$: an unmatched ) closes that group', () => {
    expect(re2SyntaxError('a)|(b')).toBe('unexpected ): `a)|(b`');
    expect(relabelRegexError('a)|(b')).toBeUndefined();
    expect(relabelRegexError('a)')).toBe('unexpected ): `^(?s:a))$`');
  });
});

describe('a relabeling regex Prometheus cannot compile is refused at synth', () => {
  function scrapeWithRegex(regex: string): () => EdgeNodeScrape {
    return () => new EdgeNodeScrape(testChart(), 's', {
      port: 8080, metricRelabelings: [{ action: RelabelAction.DROP, sourceLabels: ['__name__'], regex }],
    });
  }

  test('a lookahead, which JavaScript accepts, names the prop, the value, Go\'s reason and what to do instead', () => {
    expect(scrapeWithRegex('^(?!kube_).*')).toThrow(
      "EdgeNodeScrape: 'metricRelabelings[0].regex' must be a regular expression Prometheus can compile (Go's RE2 syntax), got '^(?!kube_).*'. "
      + "Go's regexp says: invalid or unsupported Perl syntax: `(?!`. RE2 has no lookahead or lookbehind",
    );
  });

  test('a backreference', () => {
    expect(scrapeWithRegex('(a)\\1')).toThrow(/got '\(a\)\\1'\. Go's regexp says: invalid escape sequence: `\\1`\. RE2 has no backreferences/);
  });

  test('a possessive quantifier', () => {
    expect(scrapeWithRegex('a*+')).toThrow(/RE2 has no possessive quantifiers/);
  });

  test('an atomic group', () => {
    expect(scrapeWithRegex('(?>a)')).toThrow(/RE2 has no atomic groups/);
  });

  test('\\Z', () => {
    expect(scrapeWithRegex('a\\Z')).toThrow(/Use \\z, or nothing/);
  });

  test('RE2 syntax JavaScript refuses (a flag group in the middle, \\pL) is accepted and written as given', () => {
    const scrape = scrapeWithRegex('node_(?i)cpu\\pL*')();
    expect(scrape.toJson().spec.metricRelabelings[0].regex).toBe('node_(?i)cpu\\pL*');
  });
});
