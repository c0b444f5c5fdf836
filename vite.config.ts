import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const server = process.env.TWIN_DEV_SERVER ?? 'http://localhost:8080';

export default defineConfig({
  root: 'twin-client',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 6000 },
  server: {
    proxy: {
      '/api': server,
      '/tiles': server,
      '/ws': { target: server.replace(/^http/, 'ws'), ws: true },
    },
  },
});
