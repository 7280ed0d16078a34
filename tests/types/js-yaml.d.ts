declare module 'js-yaml' {
  /** Parses one YAML document (js-yaml's default schema). */
  export function load(text: string, options?: { filename?: string }): unknown;
}
