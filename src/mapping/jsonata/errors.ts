// The one error type of rule expressions, with JSONata's error codes (T2001, D3030...) for the
// errors the language defines and our own codes for budgets ('steps', 'depth', 'output'), syntax
// ('syntax') and forbidden functions ('forbidden'). Messages follow the jsonata library's catalogue
// for the codes the compiled evaluator raises.

/**
 * Thrown by a function whose value is not known yet (when a request is planned without sending:
 * the template lists come from the backend). The expression's value is then "not known".
 */
export class NotKnownYet extends Error {}

export class ExpressionError extends Error {
  /** The function or operator at fault, when known (fills the message's `{{token}}`). */
  token?: string;
  constructor(
    message: string,
    readonly code: string,
    public position?: number,
  ) {
    super(message);
  }
}

const MESSAGES: Record<string, string> = {
  T0410: 'Argument {{index}} of function {{token}} does not match function signature',
  T0411: 'Context value is not a compatible type with argument {{index}} of function {{token}}',
  T0412: 'Argument {{index}} of function {{token}} must be an array of {{type}}',
  D1001: 'Number out of range: {{value}}',
  D1002: 'Cannot negate a non-numeric value: {{value}}',
  T1003: 'Key in object structure must evaluate to a string; got: {{value}}',
  D1004: 'Regular expression matches zero length string',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a JSONata message template, not JS
  T1005: 'Attempted to invoke a non-function. Did you mean ${{{token}}}?',
  T1006: 'Attempted to invoke a non-function',
  D1009: 'Multiple key definitions evaluate to same key: {{value}}',
  T1010:
    'The matcher function argument passed to function {{token}} does not return the correct object structure',
  D1013: 'Object property names starting with _jsonata_ are reserved for internal use: {{value}}',
  T2001: 'The left side of the {{token}} operator must evaluate to a number',
  T2002: 'The right side of the {{token}} operator must evaluate to a number',
  T2003: 'The left side of the range operator (..) must evaluate to an integer',
  T2004: 'The right side of the range operator (..) must evaluate to an integer',
  T2006: 'The right side of the function application operator ~> must be a function',
  T2007: 'Type mismatch when comparing values {{value}} and {{value2}} in order-by clause',
  T2008: 'The expressions within an order-by clause must evaluate to numeric or string values',
  T2009:
    'The values {{value}} and {{value2}} either side of operator {{token}} must be of the same data type',
  T2010: 'The expressions either side of operator {{token}} must evaluate to numeric or string values',
  D2014:
    'The size of the sequence allocated by the range operator (..) must not exceed 1e7.  Attempted to allocate {{value}}.',
  D3001: 'Attempting to invoke string function on Infinity or NaN',
  D3010: 'Second argument of replace function cannot be an empty string',
  D3011: 'Fourth argument of replace function must evaluate to a positive number',
  D3012: 'Attempted to replace a matched string with a non-string value',
  D3020: 'Third argument of split function must evaluate to a positive number',
  D3030: 'Unable to cast value to a number: {{value}}',
  D3040: 'Third argument of match function must evaluate to a positive number',
  D3050: 'The second argument of reduce function must be a function with at least two arguments',
  D3060: 'The sqrt function cannot be applied to a negative number: {{value}}',
  D3061:
    'The power function has resulted in a value that cannot be represented as a JSON number: base={{value}}, exponent={{exp}}',
  D3070:
    'The single argument form of the sort function can only be applied to an array of strings or an array of numbers.  Use the second argument to specify a comparison function',
  D3137: '{{{message}}}',
  D3138: 'The $single() function expected exactly 1 matching result.  Instead it matched more.',
  D3139: 'The $single() function expected exactly 1 matching result.  Instead it matched 0.',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a JSONata message template, not JS
  D3140: 'Malformed URL passed to ${{{functionName}}}(): {{value}}',
  D3141: '{{{message}}}',
};

/** An error the JSONata language defines, with the library's message for its code. */
export class JsonataError extends ExpressionError {
  constructor(
    code: string,
    readonly fields: Record<string, unknown> = {},
  ) {
    super('', code, fields.position as number | undefined);
    this.token = fields.token as string | undefined;
    this.message = this.render();
  }

  /** Names the function or operator once the caller knows it (as the library does). */
  at(position: number | undefined, token: string | undefined): this {
    if (this.position === undefined) this.position = position;
    if (this.token === undefined && token !== undefined) {
      this.token = token;
      this.message = this.render();
    }
    return this;
  }

  private render(): string {
    const template = MESSAGES[this.code] ?? this.code;
    const fields: Record<string, unknown> = { ...this.fields, token: this.token };
    return template
      .replace(/\{\{\{([^}]+)}}}/g, (_m, name: string) => String(fields[name]))
      .replace(/\{\{([^}]+)}}/g, (_m, name: string) => safeJson(fields[name]));
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'undefined';
  } catch {
    return String(value);
  }
}
