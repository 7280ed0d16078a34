/** The base of every error paperboy expects: the CLI prints its message alone, without a stack. */
export class PaperboyError extends Error {
  override name = 'PaperboyError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** One problem at one line of one digest. */
export interface Problem {
  line: number;
  message: string;
}

/** A digest that cannot be read; the message starts with `path:line:`. */
export class DigestError extends PaperboyError {
  override name = 'DigestError';
  readonly path: string;
  readonly problems: readonly Problem[];
  constructor(path: string, problems: readonly Problem[]) {
    super(problems.map((p) => `${path}:${p.line}: ${p.message}`).join('\n'));
    this.path = path;
    this.problems = problems;
  }
}

/** A template that does not compile or render; the message starts with its file (and line, when known). */
export class TemplateError extends PaperboyError {
  override name = 'TemplateError';
  readonly path: string;
  readonly line: number | undefined;
  constructor(path: string, line: number | undefined, message: string, options?: { cause?: unknown }) {
    super(`${path}${line === undefined ? '' : `:${line}`}: ${message}`, options);
    this.path = path;
    this.line = line;
  }
}

/** Settings that do not validate; the message names every bad variable. */
export class ConfigError extends PaperboyError {
  override name = 'ConfigError';
}

/** A command line that does not make sense (exit status 2). */
export class UsageError extends PaperboyError {
  override name = 'UsageError';
}

/** A digests source that cannot be reached, or is not what the setting says it is; the message names it. */
export class SourceError extends PaperboyError {
  override name = 'SourceError';
}
