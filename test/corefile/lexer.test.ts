import { endLineOf, lex } from '../../src/private/corefile/lexer';

function values(text: string): string[] {
  return lex(text).tokens.map((t) => t.value);
}

describe('lex', () => {
  test('GIVEN words separated by spaces, tabs and newlines WHEN lexed THEN each word is a token', () => {
    expect(values('a b\tc\nd  e')).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  test('GIVEN a # in the middle of a word WHEN lexed THEN the word ends there and the comment ends with the word, as CoreDNS reads it', () => {
    // CoreDNS v1.14.7 answers '.:53 {# main server' with "Unknown directive 'main'" (test/upstream/coredns-corpus.test.ts).
    expect(values('abc#def ghi\njkl')).toEqual(['abc', 'ghi', 'jkl']);
    expect(values('.:53 {# main server\n}')).toEqual(['.:53', '{', 'main', 'server', '}']);
  });

  test('GIVEN a # that starts a word WHEN lexed THEN the rest of the line is a comment', () => {
    expect(values('abc #def ghi\njkl')).toEqual(['abc', 'jkl']);
    expect(values('"a"#b c\nd')).toEqual(['a', 'd']);
  });

  test('GIVEN a quote that is not the first character WHEN lexed THEN it is part of the word', () => {
    expect(values('a"b c"')).toEqual(['a"b', 'c"']);
  });

  test('GIVEN a quoted string WHEN lexed THEN spaces, # and newlines stay inside and only \\" is unescaped', () => {
    expect(values('"a # b\nc \\" \\d"')).toEqual(['a # b\nc " \\d']);
  });

  test('GIVEN text right after a closing quote WHEN lexed THEN it starts a new token', () => {
    expect(values('"a"b')).toEqual(['a', 'b']);
  });

  test('GIVEN an empty quoted string WHEN lexed THEN it is an empty token', () => {
    expect(values('x "" y')).toEqual(['x', '', 'y']);
  });

  test('GIVEN a carriage return inside a word WHEN lexed THEN it is dropped without splitting the word', () => {
    expect(values('ab\rcd\r\nef')).toEqual(['abcd', 'ef']);
  });

  test('GIVEN Unicode spaces WHEN lexed THEN they separate tokens like Go unicode.IsSpace', () => {
    expect(values('a\u00a0b\u2003c\u3000d\u0085e\u1680f\u2028g\u202fh')).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
  });

  test('GIVEN a BOM WHEN lexed THEN it is skipped and columns start after it', () => {
    const result = lex('\ufeffab cd');
    expect(result.bomLength).toBe(1);
    expect(result.tokens.map((t) => [t.value, t.line, t.column, t.start])).toEqual([['ab', 1, 1, 1], ['cd', 1, 4, 4]]);
  });

  test('GIVEN a multi-line quoted token WHEN lexed THEN its end line and offsets cover the whole string', () => {
    const [token, next] = lex('"a\nb" c').tokens;
    expect(token).toMatchObject({ line: 1, endLine: 2, start: 0, end: 5, quoted: true });
    expect(token.unterminated).toBeUndefined();
    expect(endLineOf(token)).toBe(2);
    expect(next).toMatchObject({ value: 'c', line: 2, column: 4 });
    // A token on one line carries no end line of its own: it ends on its first line.
    expect(next.endLine).toBeUndefined();
    expect(endLineOf(next)).toBe(2);
  });

  test('GIVEN an unterminated quote WHEN lexed THEN the token runs to the end and is marked', () => {
    expect(lex('a "bc\nd').tokens[1]).toMatchObject({ value: 'bc\nd', unterminated: true, end: 7 });
  });

  test('GIVEN a lone quote at the end WHEN lexed THEN no token is made', () => {
    expect(values('a "')).toEqual(['a']);
  });

  test('GIVEN characters outside the BMP WHEN lexed THEN columns count code points', () => {
    expect(lex('\u{1F600}\u{1F600} x').tokens[1].column).toBe(4);
  });

  test('GIVEN several lines WHEN lexed THEN lineStarts gives the offset of each line', () => {
    expect(lex('a\nbc\n\nd').lineStarts).toEqual([0, 0, 2, 5, 6]);
  });
});
