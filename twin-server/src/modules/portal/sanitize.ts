/**
 * Rich text of portal articles, sanitized on the server with sanitize-html before anything is
 * published: a small allow-list of text markup, links only to http(s)/mailto and relative
 * addresses (rel=noopener, external ones in a new tab), images only from the portal's own
 * re-encoded image route. Scripts, styles, event handlers, iframes and data: URLs are removed.
 */
import sanitizeHtml from 'sanitize-html';

/** The path an article's images must come from (the server's re-encoded copies). */
export const IMAGE_SRC = /^\/api\/portal\/public\/images\/\d{1,9}(\?size=(thumb|full))?$/;

const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: ['p', 'br', 'h2', 'h3', 'h4', 'strong', 'b', 'em', 'i', 'u', 's', 'blockquote', 'ul', 'ol', 'li', 'a', 'img', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'hr', 'figure', 'figcaption', 'span'],
  allowedAttributes: { a: ['href', 'title', 'target', 'rel'], img: ['src', 'alt', 'width', 'height'], th: ['colspan', 'rowspan'], td: ['colspan', 'rowspan'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: [] },
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  exclusiveFilter: (frame) => frame.tag === 'img' && !IMAGE_SRC.test(frame.attribs.src ?? ''),
  transformTags: {
    a: (tag, attribs) => {
      const external = /^https?:/i.test(attribs.href ?? '');
      return { tagName: tag, attribs: { ...attribs, rel: 'noopener noreferrer', ...(external ? { target: '_blank' } : {}) } };
    },
  },
};

/** The article body as it may be shown to anyone. */
export function sanitizeArticle(html: string): string {
  return sanitizeHtml(html, OPTIONS).trim();
}

/** The text of an article body (for search and summaries). */
export function textOf(html: string): string {
  return sanitizeHtml(html, { allowedTags: [], allowedAttributes: {} }).replace(/&nbsp;/g, ' ').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/\s+/g, ' ').trim();
}
