/**
 * Links between views: one helper builds the address of an object in a view, and `ObjectLink`
 * renders it as an in-app link (no page load), so a map tooltip, a wall alarm, an investment unit
 * or an enterprise name all open the same drill-down of the twin.
 */
import type { MouseEvent, ReactNode } from 'react';

/** Navigates within the app without a page load. */
export function navigate(path: string): void {
  history.pushState(null, '', path);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

/** Keeps the park of the current page (`?park=`) on a link to another view. */
function withPark(q: URLSearchParams): URLSearchParams {
  const park = new URLSearchParams(globalThis.location?.search ?? '').get('park');
  if (park && !q.has('park')) q.set('park', park);
  return q;
}

/**
 * The twin (`/`) drilled to an object: its building and floor when known (so the camera frames
 * them), selected with its panel open, and optionally coloured by `layer`.
 */
export function twinHref(idx: number, at: { building?: number; floor?: number; layer?: string } = {}): string {
  const q = new URLSearchParams();
  if (at.building) q.set('b', String(at.building));
  if (at.floor) q.set('f', String(at.floor));
  if (idx) q.set('o', String(idx));
  if (at.layer) q.set('layer', at.layer);
  return `/?${withPark(q)}`;
}

/** A view with query parameters, keeping the current park. */
export function viewHref(path: string, params: Record<string, string | number> = {}): string {
  const q = withPark(new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/** Follows an in-app link on a plain click; modified clicks (new tab) keep the browser's default. */
export function followLink(e: MouseEvent<HTMLAnchorElement>, href: string): void {
  if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  e.preventDefault();
  navigate(href);
}

/** A link to an object in the twin (an enterprise name, a unit, a building). */
export function ObjectLink({ idx, at, children, className }: {
  idx: number; at?: { building?: number; floor?: number; layer?: string }; children: ReactNode; className?: string;
}) {
  const href = twinHref(idx, at);
  return <a className={`object-link${className ? ` ${className}` : ''}`} href={href} data-link-idx={idx} onClick={(e) => followLink(e, href)}>{children}</a>;
}
