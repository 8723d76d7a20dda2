// The body of a CLI endpoint request is one command line (the MWAA guide's examples quote JSON
// with single quotes: `dags trigger my_dag -c '{"key":"value"}'`). Both ends split it the way a
// POSIX shell splits words, without expansions.

export class ShellWordsError extends Error {}

export function splitWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let i = 0;
  const add = (s: string) => (word = (word ?? "") + s);
  while (i < line.length) {
    const c = line[i]!;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new ShellWordsError(`unterminated ' in: ${line}`);
      add(line.slice(i + 1, end));
      i = end + 1;
    } else if (c === '"') {
      i++;
      let text = "";
      while (i < line.length && line[i] !== '"') {
        if (line[i] === "\\" && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) i++;
        text += line[i];
        i++;
      }
      if (i >= line.length) throw new ShellWordsError(`unterminated " in: ${line}`);
      add(text);
      i++;
    } else if (c === "\\" && i + 1 < line.length) {
      add(line[i + 1]!);
      i += 2;
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
      i++;
    } else {
      add(c);
      i++;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** Quotes a word so splitWords gives it back unchanged. */
export function quoteWord(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

export function commandLine(words: readonly string[]): string {
  return words.map(quoteWord).join(" ");
}
