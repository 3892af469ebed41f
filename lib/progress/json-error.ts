/**
 * Finds where a JSON text goes wrong. `JSON.parse` does not always say where (V8 reports
 * "Unexpected token" without a position), and an error that names the byte is what lets a person
 * look at the file. This runs only after `JSON.parse` has failed, so it favours plainness over speed.
 */

/** The index of the first character that cannot be JSON, and what was expected there. */
export interface JsonProblem {
  index: number;
  expected: string;
}

export function findJsonError(text: string): JsonProblem | undefined {
  const reader = new Reader(text);
  try {
    reader.skipSpace();
    reader.value();
    reader.skipSpace();
    if (reader.at < text.length) return { index: reader.at, expected: "the end of the object" };
    return undefined;
  } catch (problem) {
    if (problem instanceof Stop) return { index: problem.index, expected: problem.expected };
    // Nesting deep enough to exhaust the stack: the position stays unknown.
    return undefined;
  }
}

class Stop {
  readonly index: number;
  readonly expected: string;
  constructor(index: number, expected: string) {
    this.index = index;
    this.expected = expected;
  }
}

class Reader {
  readonly text: string;
  at = 0;

  constructor(text: string) {
    this.text = text;
  }

  skipSpace(): void {
    while (this.at < this.text.length && " \t\n\r".includes(this.text[this.at])) this.at++;
  }

  expect(char: string, what: string): void {
    if (this.text[this.at] !== char) throw new Stop(this.at, what);
    this.at++;
  }

  value(): void {
    const char = this.text[this.at];
    if (char === "{") this.object();
    else if (char === "[") this.array();
    else if (char === '"') this.string();
    else if (char === "-" || (char >= "0" && char <= "9")) this.number();
    else this.word();
  }

  word(): void {
    for (const word of ["true", "false", "null"]) {
      if (this.text.startsWith(word, this.at)) {
        this.at += word.length;
        return;
      }
    }
    throw new Stop(this.at, "a value");
  }

  object(): void {
    this.at++;
    this.skipSpace();
    if (this.text[this.at] === "}") {
      this.at++;
      return;
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.at] !== '"') throw new Stop(this.at, "a quoted key");
      this.string();
      this.skipSpace();
      this.expect(":", "':' after a key");
      this.skipSpace();
      this.value();
      this.skipSpace();
      if (this.text[this.at] === "}") {
        this.at++;
        return;
      }
      this.expect(",", "',' or '}' after a value");
    }
  }

  array(): void {
    this.at++;
    this.skipSpace();
    if (this.text[this.at] === "]") {
      this.at++;
      return;
    }
    for (;;) {
      this.skipSpace();
      this.value();
      this.skipSpace();
      if (this.text[this.at] === "]") {
        this.at++;
        return;
      }
      this.expect(",", "',' or ']' after a value");
    }
  }

  string(): void {
    this.at++;
    for (;;) {
      if (this.at >= this.text.length) throw new Stop(this.at, "a closing quote");
      const code = this.text.charCodeAt(this.at);
      if (code === 0x22) {
        this.at++;
        return;
      }
      if (code < 0x20) throw new Stop(this.at, "no control character inside a string");
      if (code === 0x5c) {
        const next = this.text[this.at + 1];
        if (next === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(this.text.slice(this.at + 2, this.at + 6))) {
            throw new Stop(this.at, "four hex digits after \\u");
          }
          this.at += 6;
          continue;
        }
        if (next === undefined || !'"\\/bfnrt'.includes(next)) {
          throw new Stop(this.at, "a valid escape");
        }
        this.at += 2;
        continue;
      }
      this.at++;
    }
  }

  number(): void {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(
      this.text.slice(this.at, this.at + 64),
    );
    if (!match) throw new Stop(this.at, "a number");
    this.at += match[0].length;
  }
}
