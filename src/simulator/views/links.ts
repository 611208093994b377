// Synnefo's `links` arrays: self and bookmark share one href; images add an alternate (Plankton) link.

export interface Link {
  rel: string;
  href: string;
}

export function links(href: string): Link[] {
  return [
    { rel: 'self', href },
    { rel: 'bookmark', href },
  ];
}

export function imageLinks(computeBase: string, imageBase: string, id: string): Link[] {
  const href = `${computeBase}/images/${id}`;
  return [
    { rel: 'self', href },
    { rel: 'bookmark', href },
    { rel: 'alternate', href: `${imageBase}/images/${id}` },
  ];
}
