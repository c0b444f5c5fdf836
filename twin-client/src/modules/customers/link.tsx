/**
 * An enterprise name as a link to its customer profile (`/customers?e=<idx>`), for any view that
 * shows one; where the customers module is off or the principal may not read enterprises, the
 * name opens the enterprise in the twin instead (its panel), as before.
 */
import type { ReactNode } from 'react';
import { ObjectLink, followLink } from '../../app/links.tsx';
import { useModuleAccess } from '../registry.ts';
import { profileHref } from './strings.ts';

/** The link. */
export function EnterpriseLink({ idx, children }: { idx: number; children: ReactNode }) {
  const access = useModuleAccess();
  if ((access.enabled && !access.enabled.has('customers')) || !access.can('enterprise:read')) return <ObjectLink idx={idx}>{children}</ObjectLink>;
  const href = profileHref(idx);
  return <a className="enterprise-link" href={href} data-enterprise-link={idx} onClick={(e) => followLink(e, href)}>{children}</a>;
}
