/** The twin module: the 3D twin view (`/`) and the panel sections every object has. */
import { lazy } from 'react';
import { mapResources } from '../../map/i18n.ts';
import type { ClientModule } from '../types.ts';

// Sections load with the first panel, not with the app (the history chart brings ECharts).
const sections = () => import('./sections.tsx');
const LiveValuesSection = lazy(async () => ({ default: (await sections()).LiveValuesSection }));
const AttributesSection = lazy(async () => ({ default: (await sections()).AttributesSection }));
const HistorySection = lazy(async () => ({ default: (await sections()).HistorySection }));

/** The twin (core: always on). */
export const twinClientModule: ClientModule = {
  name: 'twin',
  // Industry names for enterprise panels (shared with the map, which has the same list).
  i18n: { 'zh-CN': { industry: mapResources['zh-CN'].map.industry }, en: { industry: mapResources.en.map.industry } },
  views: [
    { path: '/', nav: { zh: '孪生', en: 'Twin' }, all: ['twin:read', 'tiles:read'], order: 0, component: lazy(() => import('../../scene/TwinView.tsx')) },
  ],
  sections: [
    { id: 'twin.live', kinds: '*', title: { zh: '实时值', en: 'Live value' }, order: 10, component: LiveValuesSection },
    { id: 'twin.attributes', kinds: '*', title: { zh: '属性', en: 'Attributes' }, order: 20, component: AttributesSection },
    { id: 'twin.history', kinds: '*', order: 30, component: HistorySection },
  ],
};
