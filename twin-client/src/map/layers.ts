/**
 * The deck.gl layers of the development map, built from the server's GeoJSON. No base-map tiles:
 * the park outline and planning blocks are the ground, so the map works offline.
 */
import type { Layer, PickingInfo } from '@deck.gl/core';
import { ColumnLayer, GeoJsonLayer, PathLayer, TextLayer } from '@deck.gl/layers';
import { HeatmapLayer } from '@deck.gl/aggregation-layers';
import type { TFunction } from 'i18next';
import type { BlockProps, BuildingProps, EnterpriseProps, Feature, HeatProps, MapData, Point, Polygon } from './api.ts';
import { columnHeight, industryColour, plannedUseColour, spreadColumns, type MapLayerId } from './style.ts';

/** An enterprise column, placed on the roof of its building. */
export interface Column {
  readonly feature: Feature<EnterpriseProps, Point>;
  readonly position: [number, number, number];
  readonly height: number;
}

/** Places enterprise columns on their building roofs, spread when several share one building. */
export function enterpriseColumns(data: MapData): Column[] {
  const heights = new Map(data.buildings.features.map((b) => [b.id, b.properties.height]));
  const items = data.enterprises.features.map((f) => ({ key: f.id, lon: f.geometry.coordinates[0], lat: f.geometry.coordinates[1] }));
  const spread = spreadColumns(items, 12);
  const max = Math.max(0, ...data.enterprises.features.map((f) => f.properties.output12m));
  return data.enterprises.features.map((f) => {
    const [lon, lat] = spread.get(f.id) ?? f.geometry.coordinates;
    return { feature: f, position: [lon, lat, heights.get(f.properties.buildingIdx) ?? 0], height: columnHeight(f.properties.output12m, max) };
  });
}

/** Builds the visible layers, bottom to top: blocks, park outline, heat, buildings, columns, labels. */
export function buildMapLayers(data: MapData, visible: ReadonlySet<MapLayerId>, lang: string): Layer[] {
  const out: Layer[] = [];
  if (visible.has('blocks')) {
    out.push(new GeoJsonLayer<BlockProps>({
      id: 'blocks',
      data: data.blocks.features as never,
      filled: true,
      stroked: true,
      getFillColor: (f) => plannedUseColour(f.properties.plannedUse, 150),
      getLineColor: (f) => plannedUseColour(f.properties.plannedUse, 255),
      getLineWidth: 2,
      lineWidthUnits: 'pixels',
      pickable: true,
      autoHighlight: true,
      highlightColor: [255, 255, 255, 60],
    }));
  }
  out.push(new PathLayer<Feature<unknown, Polygon>>({
    id: 'park-boundary',
    data: [data.park],
    getPath: (f) => f.geometry.coordinates[0] as [number, number][],
    getColor: [230, 240, 255, 230],
    getWidth: 3,
    widthUnits: 'pixels',
  }));
  if (visible.has('heat') && data.heat.features.length > 0) {
    out.push(new HeatmapLayer<Feature<HeatProps, Point>>({
      id: 'occupancy-heat',
      data: data.heat.features,
      getPosition: (f) => f.geometry.coordinates,
      getWeight: (f) => f.properties.leasedArea,
      radiusPixels: 110,
      intensity: 2,
      threshold: 0.02,
      aggregation: 'SUM',
    }));
  }
  if (visible.has('buildings')) {
    out.push(new GeoJsonLayer<BuildingProps>({
      id: 'buildings',
      data: data.buildings.features as never,
      extruded: true,
      wireframe: false,
      filled: true,
      getElevation: (f) => f.properties.height,
      getFillColor: (f) => industryColour(f.properties.industry, 235),
      material: { ambient: 0.45, diffuse: 0.6, shininess: 24, specularColor: [60, 64, 70] },
      pickable: true,
      autoHighlight: true,
      highlightColor: [255, 255, 255, 90],
    }));
  }
  if (visible.has('enterprises')) {
    out.push(new ColumnLayer<Column>({
      id: 'enterprises',
      data: enterpriseColumns(data),
      diskResolution: 16,
      radius: 9,
      extruded: true,
      getPosition: (c) => c.position,
      getElevation: (c) => c.height,
      getFillColor: (c) => industryColour(c.feature.properties.industry, 255),
      getLineColor: [255, 255, 255, 255],
      material: { ambient: 0.6, diffuse: 0.5 },
      pickable: true,
      autoHighlight: true,
    }));
  }
  if (visible.has('blocks')) {
    out.push(new TextLayer<Feature<BlockProps, Polygon>>({
      id: 'block-labels',
      data: data.blocks.features,
      characterSet: 'auto',
      getPosition: (f) => centreOf(f.geometry),
      getText: (f) => (lang === 'en' && f.properties.nameEn ? f.properties.nameEn : f.properties.name),
      getSize: 16,
      getColor: [240, 244, 255, 255],
      outlineWidth: 4,
      outlineColor: [10, 16, 30, 255],
      fontFamily: '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif',
      fontSettings: { sdf: true },
      billboard: true,
      // Labels stay readable in front of extruded buildings.
      parameters: { depthCompare: 'always' },
    }));
  }
  return out;
}

/** Centre of a polygon's bounding box, for labels. */
function centreOf(g: Polygon): [number, number] {
  const ring = g.coordinates[0] ?? [];
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const [x, y] of ring as [number, number][]) {
    x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y);
  }
  return [(x0 + x1) / 2, (y0 + y1) / 2];
}

/** Plain-text tooltip (never HTML: names come from the database) for the picked object. */
export function tooltipText(info: PickingInfo, t: TFunction, lang: string): string | null {
  const nf = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });
  const pct = new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 1 });
  const name = (p: { name: string; nameEn: string | null }) => (lang === 'en' && p.nameEn ? p.nameEn : p.name);
  const id = info.layer?.id;
  if (!info.object) return null;
  if (id === 'blocks') {
    const p = (info.object as Feature<BlockProps, Polygon>).properties;
    return [
      `${name(p)} · ${t('tip.block', { code: p.code })}`,
      `${t('tip.plannedUse')}: ${p.plannedUse ? t(`plannedUse.${p.plannedUse}`) : '—'}`,
      `${t('tip.plotRatio')}: ${p.plotRatio ?? '—'}`,
      `${t('tip.area')}: ${nf.format(p.areaM2)} ${t('unit.m2')}`,
    ].join('\n');
  }
  if (id === 'buildings') {
    const p = (info.object as Feature<BuildingProps, Polygon>).properties;
    return [
      `${name(p)} (${p.code})`,
      `${t('tip.industry')}: ${p.industry ? t(`industry.${p.industry}`) : t('noTenant')}`,
      `${t('tip.occupancy')}: ${p.occupancy === null ? '—' : pct.format(p.occupancy)}`,
      `${t('tip.leased')}: ${nf.format(p.leasedArea)} / ${nf.format(p.leasableArea)} ${t('unit.m2')}`,
      `${t('tip.tenants')}: ${p.tenants}`,
      `${t('tip.height')}: ${nf.format(p.height)} ${t('unit.m')} · ${t('tip.floors')}: ${p.floors}`,
    ].join('\n');
  }
  if (id === 'enterprises') {
    const p = (info.object as Column).feature.properties;
    return [
      name(p),
      `${t('tip.industry')}: ${t(`industry.${p.industry}`)}`,
      `${t('tip.output')}: ${nf.format(p.output12m)} ${t('unit.wan')} (${t('tip.months')}: ${p.months})`,
      `${t('tip.staff')}: ${nf.format(p.staff)} ${t('unit.people')}`.trim(),
      `${t('tip.building')}: ${p.buildingCode}`,
    ].join('\n');
  }
  return null;
}
