// Renders an OcciDocument in the negotiated media type: the one place that knows them all.
import type { OcciDocument, RenderContext, Rendered } from './document.js';
import { jsonDocument } from './json/render-json.js';
import type { Rendering } from './media-types.js';
import { quote } from './text/quoting.js';
import { foldFields, safeUri, textFields } from './text/render-text.js';

/** Header-safe single-line text (for X-OCCI-Error): printable ASCII, escapes otherwise. */
function headerText(message: string): string {
  return quote(message, true).slice(1, -1);
}

export function render(doc: OcciDocument, rendering: Rendering, ctx: RenderContext): Rendered {
  const contentType =
    rendering === 'application/occi+json' ? 'application/occi+json' : `${rendering}; charset=utf-8`;
  if (doc.type === 'error') {
    const message = doc.error.message;
    if (rendering === 'application/occi+json') {
      return { contentType, headers: [], body: `${JSON.stringify(jsonDocument(doc, ctx))}\n` };
    }
    return { contentType, headers: [['X-OCCI-Error', headerText(message)]], body: `${message}\n` };
  }
  switch (rendering) {
    case 'application/occi+json': {
      const json = jsonDocument(doc, ctx);
      return { contentType, headers: [], body: json === undefined ? '' : `${JSON.stringify(json)}\n` };
    }
    case 'text/occi':
      return { contentType, headers: foldFields(textFields(doc, ctx, true)), body: 'OK\n' };
    case 'text/plain': {
      const lines = textFields(doc, ctx, false).map(([name, value]) => `${name}: ${value}\n`);
      return { contentType, headers: [], body: lines.join('') };
    }
    case 'text/uri-list': {
      const located =
        doc.type === 'collection' ? doc.entities : doc.type === 'locations' ? doc.locations : [];
      const lines = located.map((e) => `${safeUri(ctx.url(e.location))}\r\n`);
      return { contentType, headers: [], body: lines.join('') };
    }
  }
}
