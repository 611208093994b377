// Path templates of backend calls: `/things/{id}/action`. Variables are percent-encoded when
// filled in, so that no value (an OCCI id, a backend field) can change the shape of the path.

export interface PathTemplate {
  source: string;
  variables: string[];
  fill(values: Record<string, unknown>): string;
}

const VARIABLE = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export function parsePathTemplate(source: string): PathTemplate {
  const variables = [...source.matchAll(VARIABLE)].map((m) => m[1]!);
  return {
    source,
    variables,
    fill(values) {
      return source.replace(VARIABLE, (_, name: string) => {
        const value = values[name];
        if (value === undefined || value === null || value === '') throw new MissingVariable(name);
        if (typeof value === 'object') throw new MissingVariable(name, 'is not a scalar');
        return encodeURIComponent(String(value));
      });
    },
  };
}

export class MissingVariable extends Error {
  constructor(
    readonly variable: string,
    why = 'has no value',
  ) {
    super(`path variable {${variable}} ${why}`);
  }
}
