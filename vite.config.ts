import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { viteStaticCopy } from 'vite-plugin-static-copy';

const server = process.env.TWIN_DEV_SERVER ?? 'http://localhost:8080';
// CesiumJS loads its workers, imagery (NaturalEarthII) and widget assets at run time from CESIUM_BASE_URL:
// ship them with the client so the globe works offline.
const cesium = ['Workers', 'ThirdParty', 'Assets', 'Widgets'].map((d) => ({ src: `../node_modules/cesium/Build/Cesium/${d}`, dest: 'cesium' }));

export default defineConfig({
  root: 'twin-client',
  plugins: [react(), viteStaticCopy({ targets: cesium })],
  define: { CESIUM_BASE_URL: JSON.stringify('/cesium/') },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 6000 },
  server: {
    proxy: {
      '/api': server,
      '/tiles': server,
      '/ws': { target: server.replace(/^http/, 'ws'), ws: true },
    },
  },
});
