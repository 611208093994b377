// Path templates of backend calls: `/items/{id}/action`, `/parts?owner={item.id}`.
// A placeholder names a value of the rule (optionally a field path into it). Values are
// percent-encoded when filled in, so that no value (an OCCI id, a backend field) can change the
// shape of the path. In the query part, a parameter whose value is absent is left out.

export interface PathTemplate {
  source: string;
  /** The names the placeholders start with (`server` for `{server.id}`). */
  variables: string[];
  /**
   * Fills the placeholders from `lookup`; names `unknown` says are not known yet (explain) are
   * left as they are written.
   */
  fill(lookup: (name: string) => unknown, unknown?: (name: string) => boolean): string;
}

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)((?:\.[A-Za-z_][A-Za-z0-9_]*)*)\}/g;

export function parsePathTemplate(source: string): PathTemplate {
  const variables = [...new Set([...source.matchAll(PLACEHOLDER)].map((m) => m[1]!))];
  const q = source.indexOf('?');
  const path = q < 0 ? source : source.slice(0, q);
  const query = q < 0 ? [] : source.slice(q + 1).split('&');
  return {
    source,
    variables,
    fill(lookup, unknown = () => false) {
      const value = (name: string, fields: string, inQuery: boolean): string | undefined => {
        if (unknown(name)) return `{${name}${fields}}`;
        let v = lookup(name);
        for (const f of fields.split('.').slice(1)) v = isRecord(v) ? v[f] : undefined;
        if (v === undefined || v === null || v === '') {
          if (inQuery) return undefined;
          throw new MissingVariable(`${name}${fields}`);
        }
        if (typeof v === 'object') throw new MissingVariable(`${name}${fields}`, 'is not a scalar');
        return encodeURIComponent(String(v));
      };
      let missing = false;
      const fillPart = (part: string, inQuery: boolean) =>
        part.replace(PLACEHOLDER, (_, name: string, fields: string) => {
          const v = value(name, fields, inQuery);
          if (v === undefined) missing = true;
          return v ?? '';
        });
      const filled = fillPart(path, false);
      const params = query.flatMap((p) => {
        missing = false;
        const f = fillPart(p, true);
        return missing ? [] : [f];
      });
      return params.length ? `${filled}?${params.join('&')}` : filled;
    },
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export class MissingVariable extends Error {
  constructor(
    readonly variable: string,
    why = 'has no value',
  ) {
    super(`path variable {${variable}} ${why}`);
  }
}
