/**
 * Which layers a principal may use, from the layer registry and its permissions: the live layers
 * it may stream (stream:read plus each layer's permission, as the hub checks) and the switcher's
 * choices (those, lease status with leasing:read, meeting rooms with booking:read, and none).
 */
import { LAYERS, type LayerName } from '@park-twin/layers';
import { LAYER_CHOICES, type LayerChoice } from './controller.ts';

/** Live layers the principal may subscribe to, in registry order. */
export function readableLayers(can: (permission: string) => boolean): LayerName[] {
  if (!can('stream:read')) return [];
  return LAYERS.filter((l) => can(l.permission)).map((l) => l.name);
}

/** The layer switcher's choices for the principal, in registry order. */
export function layerChoicesFor(can: (permission: string) => boolean): LayerChoice[] {
  const live = new Set<LayerChoice>(readableLayers(can));
  return LAYER_CHOICES.filter((c) => live.has(c) || (c === 'lease' && can('leasing:read')) || (c === 'booking' && can('booking:read')) || c === 'none');
}
