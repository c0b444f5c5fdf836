/**
 * Browser test page: loads a park tileset with deck.gl's Tile3DLayer (loaders.gl's Tiles3DLoader),
 * over no base map and with loaders.gl workers off (nothing from the network), looking at the
 * tileset's centre. Exposes `window.deckTest` so the test can wait until the tiles it selected
 * have loaded and read what went wrong.
 */
import { Deck, MapView } from '@deck.gl/core';
import { Tile3DLayer } from '@deck.gl/geo-layers';
import { Tiles3DLoader } from '@loaders.gl/3d-tiles';
import type { Tileset3D } from '@loaders.gl/tiles';

declare global {
  interface Window {
    deckTest: {
      errors: string[];
      /** Tiles whose content arrived. */
      tilesLoaded: number;
      /** The tileset reports every selected tile loaded, after at least one content tile. */
      settled: boolean;
      /** URIs of loaded contents (so the test can see which levels were drawn). */
      contents: string[];
    };
  }
}

const state: Window['deckTest'] = { errors: [], tilesLoaded: 0, settled: false, contents: [] };
window.deckTest = state;
window.addEventListener('error', (e) => state.errors.push(String(e.message)));
window.addEventListener('unhandledrejection', (e) => state.errors.push(String(e.reason)));

const params = new URLSearchParams(location.search);
const url = params.get('tileset')!;
document.body.style.margin = '0';
document.body.style.background = '#0b1420';
const host = document.createElement('div');
host.style.cssText = 'position: absolute; inset: 0';
document.body.appendChild(host);

let tileset: Tileset3D | null = null;
const deck = new Deck({
  parent: host,
  width: '100%',
  height: '100%',
  views: new MapView({ repeat: false }),
  initialViewState: { longitude: 0, latitude: 0, zoom: 1, pitch: 0, bearing: 0 },
  controller: false,
  layers: [],
  onError: (err) => {
    state.errors.push(`deck: ${err.message}`);
  },
});

const layer = new Tile3DLayer({
  id: 'park',
  data: url,
  loader: Tiles3DLoader,
  // Same-origin fetches carry the session cookie; no loaders.gl worker scripts (they would come from a CDN).
  loadOptions: { worker: false, fetch: { credentials: 'same-origin' } },
  pickable: true,
  onTilesetLoad: (ts: Tileset3D) => {
    tileset = ts;
    const [longitude = 0, latitude = 0] = ts.cartographicCenter ?? [];
    deck.setProps({
      initialViewState: {
        longitude,
        latitude,
        zoom: Math.min(ts.zoom + 0.6, 19),
        pitch: 50,
        bearing: 25,
      },
    });
  },
  onTileLoad: (tile) => {
    state.tilesLoaded++;
    state.contents.push(String(tile.contentUrl ?? '').split('/').pop()!);
  },
  onTileError: (tile, message) => {
    state.errors.push(`tile ${tile.contentUrl}: ${message}`);
  },
});
deck.setProps({ layers: [layer] });

// Settled: every tile the current view selected has its content, and at least one content arrived.
setInterval(() => {
  if (tileset && state.tilesLoaded > 0 && tileset.isLoaded()) state.settled = true;
}, 200);
