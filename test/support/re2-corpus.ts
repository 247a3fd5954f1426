import * as fc from 'fast-check';

/**
 * Regexes for comparing the library's RE2 syntax checker (src/private/re2.ts) with Go's regexp:
 * hand-written cases of every rule (what RE2 refuses that JavaScript or PCRE accept, and the
 * reverse), and generated ones built from the same pieces in random order, so that pieces meet in
 * combinations nobody wrote down (a repeat after a flag group, a range ending in an escape, ...).
 */
export const HAND_WRITTEN_REGEXES: string[] = [
  // Plain and anchored
  '', 'a', 'abc', '.*', '.+', '(.*)', '^a$', 'a|b', 'a||b', '|', '(|a)', '()', '(())', '(?:)', '(?:a|b)+',
  // Lookaround, atomic groups, conditionals, comments: PCRE only
  '(?=a)', '(?!a)', '(?<=a)b', '(?<!a)b', 'a(?=b)', '(?>a+)', '(?#comment)', '(?(1)a|b)', '(?|a|b)', '(?R)', '(?1)',
  // Backreferences and octal escapes
  '(a)\\1', '\\1', '\\2', '\\7', '\\8', '\\9', '\\0', '\\01', '\\012', '\\0123', '\\12', '\\123', '\\18', '(a)\\k<a>', '\\g1',
  // Possessive and stacked quantifiers
  'a*+', 'a++', 'a?+', 'a{2}+', 'a**', 'a*?', 'a+?', 'a??', 'a{2}?', 'a*??', 'a{2}{3}', 'a{2}*', '(?:a*)*', '(a*)+',
  // Repeat counts
  'a{0}', 'a{1000}', 'a{1001}', 'a{0,1000}', 'a{1000,}', 'a{1001,}', 'a{2,1}', 'a{,3}', 'a{01}', 'a{1,02}', 'a{', 'a{1', 'a{1,', 'a{1,2',
  '{', '}', '{1}', 'a{99999999999}', '(a{100}){10}', '(a{100}){11}', '(a{10}){100}', '((a{10}){10}){10}', '((a{10}){10}){11}', '(a{2}){501}',
  '(a{2}){500}', '(a*){1000}', '(a{0}){1000}', '(?:a{1000}){1}', '(?:a{1000}){2}', 'a{1000}b{1000}',
  // Missing arguments
  '*', '+a', '?', '(*)', 'a|*', '(?i)*', 'a(?i)*', '^*', '$+', '\\b*', '\\Q\\E*', 'a\\Q\\E*',
  // Escapes
  '\\Z', '\\z', '\\A', '\\b', '\\B', '\\C', '\\G', '\\K', '\\R', '\\X', '\\h', '\\H', '\\v', '\\V', '\\e', '\\a', '\\f', '\\n', '\\r', '\\t',
  '\\d', '\\D', '\\s', '\\S', '\\w', '\\W', '\\_', '\\-', '\\.', '\\/', '\\<', '\\>', '\\q', '\\y', '\\x41', '\\x4', '\\x', '\\xg1', '\\x{41}',
  '\\x{}', '\\x{110000}', '\\x{10FFFF}', '\\x{zz}', '\\Qa.b*\\E', '\\Qno end', '\\', 'a\\', '\\u0041', '\\cA', '\\N', '\\o{1}',
  // Unicode classes
  '\\pL', '\\PL', '\\p{L}', '\\p{Lu}', '\\p{Greek}', '\\p{greek}', '\\p{^Greek}', '\\P{^Greek}', '\\p{Han}', '\\p{Latin}', '\\p{Any}', '\\p{any}',
  '\\p{Assigned}', '\\p{ASCII}', '\\p{LC}', '\\p{Letter}', '\\p{letter}', '\\p{Uppercase_Letter}', '\\p{uppercaseletter}', '\\p{Old_Italic}',
  '\\p{Klingon}', '\\pX', '\\p', '\\p{', '\\p{}', '\\p{L', '\\p^L', '\\p{Script=Greek}', '\\p{IsGreek}', '[\\pL]', '[\\p{Greek}\\d]', '[\\p{Foo}]',
  // Character classes
  '[a]', '[abc]', '[a-z]', '[z-a]', '[a-]', '[-a]', '[]a]', '[^]a]', '[]', '[^]', '[', '[a', '[a-z', '[\\]]', '[\\d-z]', '[a-\\d]',
  '[\\x00-\\x{10FFFF}]', '[\\b]', '[\\B]', '[[:alpha:]]', '[[:^alpha:]]', '[[:word:]]', '[[:foo:]]', '[[:alpha:]', '[[:alpha]]', '[[=a=]]',
  '[[.a.]]', '[a-a]', '[\\n-\\r]', '[\\r-\\n]', '[\\Q]\\E]', '[\\-]', '[.]', '[*]', '[(]', '[)]', '[|]', '[\\pL-z]',
  // Groups and flags
  '(?i)a', '(?m)^a$', '(?s).', '(?U)a*', '(?imsU)a', '(?i:a)', '(?-i)a', '(?i-s:a)', '(?i-)a', '(?-)a', '(?--i)a', '(?x)a', '(?a)a', '(?',
  '(?)', '(?:', '(?P<name>a)', '(?<name>a)', '(?P<name>a)(?P<name>b)', '(?P<n-m>a)', '(?P<>a)', '(?P<1>a)', '(?P<_>a)', '(?P<é>a)', "(?'name'a)",
  '(?P=name)', '(?P>name)', '(?P<name', '(?<name', '(a', 'a)', '((a)', '(a))', 'a)|(b', ')(', '(?i', '(?P',
  // What Prometheus users write
  'container_network_.*;(cali|cilium|cni|lxc|nodelocaldns|tunl).*', '.+;', '(csi_operations|storage_operation_duration)_seconds_bucket;(0.25|2.5|15|25|120|600)(\\.0)?',
  '__meta_kubernetes_node_label_(.+)', 'node_(cpu|memory)_.*', '(?i)GPU.*', 'kube_pod_.*;(kube-system|monitoring)', '(.*):9100', '([^:]+)(?::\\d+)?',
  '^(?!kube-).*', '.*(?<!_total)', 'up|(scrape_.*)', '\\d+\\.\\d+\\.\\d+\\.\\d+', '[0-9a-f]{64}', '(\\w+)@(\\w+)\\.com', '.*\\Z',
  // Non-ASCII
  'é', 'é+', '[é-ü]', '[ü-é]', '日本', '😀', '😀+', '[😀-😂]', '\\😀', '\\é',
];

/** The pieces the generated regexes are made of: each valid, invalid or harmless alone. */
const PIECES = [
  'a', 'b', 'é', '.', '^', '$', '|', '(', ')', '(?:', '(?i)', '(?s:', '(?P<x>', '(?<y>', '(?=', '(?!', '(?<=', '(?>', '[', ']', '[a-z]', '[^0-9]',
  '[z-a]', '[[:digit:]]', '[[:bogus:]]', '*', '+', '?', '*?', '{2}', '{1,3}', '{1001}', '{0,}', '{,2}', '{100}', '\\d', '\\w', '\\s', '\\b', '\\1',
  '\\Z', '\\z', '\\A', '\\pL', '\\p{Greek}', '\\p{Nope}', '\\x41', '\\x{263a}', '\\Q.*\\E', '\\.', '\\q', '-', ':', '{', '}', ';', '_',
];

/** `count` regexes assembled from the pieces, the same on every run. */
export function generatedRegexes(count: number): string[] {
  const arb = fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 8 }).map((parts) => parts.join(''));
  return [...new Set(fc.sample(arb, { numRuns: count * 2, seed: 20261207 }))].slice(0, count);
}
