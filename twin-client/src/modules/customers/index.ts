/**
 * Customers (issue 18, G2): `/customers`, one registry with search over enterprises, their people
 * (contact persons, staff accounts) and visitors, and an enterprise's profile (`?e=<idx>`): register
 * facts, business figures, leased units, services, alarms, payment behaviour, contacts, tags and
 * advice. On the twin, an enterprise's panel gets a profile summary with a link to the profile.
 */
import { lazy } from 'react';
import type { ClientModule } from '../types.ts';
import { TEXT, profileHref } from './strings.ts';

const EnterpriseSection = lazy(() => import('./EnterpriseSection.tsx'));

/** Customers (server module `customers`). */
export const customersClientModule: ClientModule = {
  name: 'customers',
  i18n: TEXT,
  views: [
    { path: '/customers', nav: { zh: '客户', en: 'Customers' }, all: ['enterprise:read'], order: 44, component: lazy(() => import('./CustomersPage.tsx')) },
  ],
  sections: [
    { id: 'customers.profile', kinds: ['enterprise'], title: { zh: '客户画像', en: 'Customer profile' }, all: ['enterprise:read'], order: 5, component: EnterpriseSection },
  ],
  actions: [
    { id: 'customers.open', kinds: ['enterprise'], all: ['enterprise:read'], label: { zh: '查看客户画像', en: 'Open the profile' }, href: (o) => profileHref(o.idx) },
  ],
};
